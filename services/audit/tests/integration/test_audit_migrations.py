"""The audit service's Alembic revisions create exactly the tables the code uses, on SQLite
and PostgreSQL, downgrade cleanly back to 0001 and up again, and index existing entries."""

import asyncio
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import command

from tatamutasi_audit.adapters.orm import (
    ledger_entries,
    ledger_index_keys,
    ledger_mentions,
    metadata,
)
from tatamutasi_platform import migrations
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.db import create_engine
from tatamutasi_platform.testing import assert_migrations_roundtrip

PSN = "psn:nip:" + "a" * 32


def test_migrations_match_the_tables_and_roundtrip(db_url: str) -> None:
    assert_migrations_roundtrip("tatamutasi_audit", "audit", metadata, db_url)


def test_0003_indexes_entries_that_were_appended_before_it(db_url: str) -> None:
    cfg = migrations.alembic_config("tatamutasi_audit", db_url, "audit")
    command.upgrade(cfg, "0002")
    env = {
        "id": "e1",
        "type": "mutasi.proposal_created",
        "data": {
            "proposal_id": "P-1",
            "round_id": "R-2027-01",
            "nip": PSN,
            "to_post": {"unor_id": "U-DINKES", "jabatan_id": "J1"},
        },
    }

    async def run(fn: Any) -> Any:
        engine = create_engine(db_url)
        try:
            async with engine.begin() as conn:
                return await fn(conn)
        finally:
            await engine.dispose()

    async def insert(conn: Any) -> None:
        await conn.execute(
            ledger_entries.insert(),  # its columns are those of revision 0002
            [
                {
                    "idx": 0,
                    "event_id": "e1",
                    "source": "/tatamutasi/matching",
                    "sequence": 1,
                    "type": env["type"],
                    "subject": "P-1",
                    "time": "2026-11-23T10:00:00.000000Z",
                    "actor": "ppk",
                    "entry": orjson.dumps(env),
                    "appended_at": utcnow(),
                }
            ],
        )

    asyncio.run(run(insert))
    command.upgrade(cfg, "head")

    async def keys(conn: Any) -> set[tuple[str, str, int]]:
        rows = await conn.execute(sa.select(ledger_index_keys))
        mentions = await conn.execute(sa.select(ledger_mentions))
        return {(r.kind, r.value, r.idx) for r in rows} | {
            ("mention", r.pseudonym, r.idx) for r in mentions
        }

    assert asyncio.run(run(keys)) == {
        ("proposal", "P-1", 0),
        ("round", "R-2027-01", 0),
        ("unit", "U-DINKES", 0),
        ("mention", PSN, 0),
    }
