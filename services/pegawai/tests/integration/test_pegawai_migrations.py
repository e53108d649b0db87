"""The Alembic revisions create exactly the tables the code uses, on SQLite and PostgreSQL,
and 0002 downgrades cleanly back to 0001 and up again."""

import asyncio
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tatamutasi_pegawai.adapters.orm import metadata
from tatamutasi_platform import migrations
from tatamutasi_platform.db import create_engine


def _diff(url: str) -> list[Any]:
    async def run() -> list[Any]:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as conn:

                def compare(sync_conn: Any) -> list[Any]:
                    ctx = MigrationContext.configure(
                        sync_conn,
                        opts={"compare_type": True, "version_table": "alembic_version_pegawai"},
                    )
                    return [
                        d
                        for d in compare_metadata(ctx, metadata)
                        if not (d[0] == "remove_table" and d[1].name.startswith("alembic_version"))
                    ]

                return await conn.run_sync(compare)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_migrations_match_the_tables(db_url: str) -> None:
    migrations.upgrade("tatamutasi_pegawai", db_url, "pegawai")
    assert _diff(db_url) == []


def test_0002_downgrades_and_upgrades(db_url: str) -> None:
    migrations.upgrade("tatamutasi_pegawai", db_url, "pegawai")
    cfg = migrations.alembic_config("tatamutasi_pegawai", db_url, "pegawai")
    command.downgrade(cfg, "0001")
    command.upgrade(cfg, "head")
    assert _diff(db_url) == []
