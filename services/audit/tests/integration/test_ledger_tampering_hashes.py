"""Tamper evidence for the stored hashes and the query indexes: deleting, reordering,
inserting or truncating node hashes, and editing the query columns or index rows, done
directly in the database (SQLite and PostgreSQL), is caught by the self-check; whatever a
verifier is served from them is caught by the verifier too."""

from typing import Any

import pytest
import sqlalchemy as sa
from audit_tamper_helpers import (
    SQL,
    proof_fails,
    self_check,
    verifier_error,
)
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_audit.adapters.orm import (
    ledger_entries,
    ledger_index_keys,
    ledger_mentions,
    ledger_nodes,
)

N = ledger_nodes
E = ledger_entries


def test_deleted_leaf_hash_is_caught(
    audit_client: TestClient, auditor: dict[str, str], log: Any, sql: SQL
) -> None:
    sql(lambda c: c.execute(sa.delete(N).where(N.c.level == 0, N.c.idx == 7)))
    v = self_check(audit_client, auditor)
    assert not v["consistent"] and v["first_bad_index"] == 7
    assert any("node (0, 7) hash is missing" in p for p in v["problems"])
    assert "tile/0/000.p/20: 500" in verifier_error(audit_client, auditor)


def test_deleted_interior_hash_is_caught(
    audit_client: TestClient, auditor: dict[str, str], log: Any, sql: SQL
) -> None:
    sql(lambda c: c.execute(sa.delete(N).where(N.c.level == 3, N.c.idx == 0)))
    v = self_check(audit_client, auditor)
    assert not v["consistent"] and v["first_bad_index"] == 0
    proof_fails(audit_client, auditor, 9)  # its proof needs the hash of leaves 0..7
    r = audit_client.get("/ledger/proofs/consistency", params={"first": 8}, headers=auditor)
    assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"


def test_reordered_hashes_are_caught(
    audit_client: TestClient, auditor: dict[str, str], log: Any, sql: SQL
) -> None:
    async def swap(conn: AsyncConnection) -> None:
        rows = dict(
            (
                await conn.execute(
                    sa.select(N.c.idx, N.c.hash).where(N.c.level == 0, N.c.idx.in_([2, 9]))
                )
            ).all()
        )
        await conn.execute(sa.update(N).where(N.c.level == 0, N.c.idx == 2).values(hash=rows[9]))
        await conn.execute(sa.update(N).where(N.c.level == 0, N.c.idx == 9).values(hash=rows[2]))

    sql(swap)
    v = self_check(audit_client, auditor)
    assert not v["consistent"] and v["first_bad_index"] == 2
    assert sum("does not match entry" in p for p in v["problems"]) == 2
    assert "hash tile" in verifier_error(audit_client, auditor)
    proof_fails(audit_client, auditor, 3)  # 2 is 3's sibling


def test_inserted_hash_is_caught(
    audit_client: TestClient, auditor: dict[str, str], log: Any, sql: SQL
) -> None:
    sql(lambda c: c.execute(N.insert().values(level=0, idx=20, hash=bytes(32))))
    v = self_check(audit_client, auditor)
    assert not v["consistent"]
    assert any("node hashes stored, a tree of 20 has" in p for p in v["problems"])


def test_truncated_hashes_are_caught(
    audit_client: TestClient, auditor: dict[str, str], log: Any, sql: SQL
) -> None:
    async def truncate(conn: AsyncConnection) -> None:
        for level in range(5):
            await conn.execute(sa.delete(N).where(N.c.level == level, N.c.idx >= (16 >> level)))

    sql(truncate)
    v = self_check(audit_client, auditor)
    assert not v["consistent"] and v["first_bad_index"] == 16
    assert ": 500" in verifier_error(audit_client, auditor)
    proof_fails(audit_client, auditor, 18)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("type", "pegawai.retired"),
        ("actor", "someone-else"),
        ("time", "2020-01-01T00:00:00.000000Z"),
        ("subject", "psn:nip:" + "0" * 32),
        ("event_id", "renamed"),
    ],
)
def test_edited_query_columns_are_caught(
    audit_client: TestClient,
    auditor: dict[str, str],
    log: Any,
    sql: SQL,
    column: str,
    value: str,
) -> None:
    sql(lambda c: c.execute(sa.update(E).where(E.c.idx == 6).values({column: value})))
    v = self_check(audit_client, auditor)
    assert not v["consistent"] and v["first_bad_index"] == 6
    assert any(f"stored {column} differ" in p for p in v["problems"])


def test_edited_or_deleted_index_rows_are_caught(
    audit_client: TestClient, auditor: dict[str, str], log: Any, sql: SQL
) -> None:
    """Hiding an entry from the unit or person queries is tampering too."""
    k, m = ledger_index_keys, ledger_mentions
    sql(lambda c: c.execute(sa.delete(k).where(k.c.idx == 4)))
    sql(lambda c: c.execute(sa.delete(m).where(m.c.idx == 9)))
    sql(lambda c: c.execute(k.insert().values(kind="unit", value="U-X", idx=11)))
    sql(lambda c: c.execute(m.insert().values(pseudonym="psn:nip:" + "1" * 32, idx=57)))
    v = self_check(audit_client, auditor)
    assert not v["consistent"] and v["first_bad_index"] == 4
    problems = "\n".join(v["problems"])
    assert "entry 4: its unit/round/flag/proposal index rows" in problems
    assert "entry 9: its pseudonym index rows" in problems
    assert "entry 11: its unit/round/flag/proposal index rows" in problems
    assert "point at entry 57" in problems


def test_an_untouched_log_has_consistent_indexes(
    audit_client: TestClient, auditor: dict[str, str], log: Any
) -> None:
    v = self_check(audit_client, auditor)
    assert v["consistent"], v["problems"]
