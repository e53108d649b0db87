"""Tamper evidence for the stored hashes and the query indexes: deleting, reordering,
inserting or truncating node hashes, and editing the query columns or index rows, done
directly in the database (SQLite and PostgreSQL), is caught by the self-check; whatever a
verifier is served from them is caught by the verifier too."""

import base64
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_audit.adapters.orm import (
    ledger_entries,
    ledger_index_keys,
    ledger_mentions,
    ledger_nodes,
)
from tatamutasi_audit.ledger.merkle import ProofError, verify_inclusion
from tatamutasi_audit.ledger.note import Verifier, open_checkpoint
from tatamutasi_audit.ledger.verifier import VerificationFailed, verify_log

Headers = Callable[..., dict[str, str]]
SQL = Callable[[Callable[[AsyncConnection], Any]], Any]
N = ledger_nodes
E = ledger_entries


@pytest.fixture
def auditor(auth_headers: Headers) -> dict[str, str]:
    return auth_headers("auditor")


@pytest.fixture
def log(append: Any, make_envelope: Any) -> list[dict[str, Any]]:
    envs = [make_envelope(i) for i in range(1, 21)]
    append(envs[:12])
    append(envs[12:])
    return envs


def fetcher(client: TestClient, headers: dict[str, str]) -> Callable[[str], bytes]:
    def fetch(path: str) -> bytes:
        r = client.get("/" + path, headers=headers)
        if r.status_code != 200:
            raise VerificationFailed(f"GET /{path}: {r.status_code}")
        return r.content

    return fetch


def vkey(client: TestClient, headers: dict[str, str]) -> Verifier:
    return Verifier.parse(client.get("/ledger/key", headers=headers).json()["vkey"])


def self_check(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/ledger/verify", headers=headers).json()
    return body


def verifier_error(client: TestClient, headers: dict[str, str]) -> str:
    with pytest.raises(VerificationFailed) as info:
        verify_log(fetcher(client, headers), vkey(client, headers))
    return str(info.value)


def proof_fails(client: TestClient, headers: dict[str, str], index: int) -> None:
    """An auditor's inclusion proof of `index` no longer checks out against the signed
    checkpoint (or the service refuses it as damaged)."""
    r = client.get("/ledger/proofs/inclusion", params={"index": index}, headers=headers)
    if r.status_code == 500:
        assert r.json()["type"].endswith("ledger-corrupt")
        return
    p = r.json()
    with pytest.raises(ProofError):
        verify_inclusion(
            index,
            p["tree_size"],
            base64.b64decode(p["leaf_hash"]),
            [base64.b64decode(h) for h in p["proof"]],
            open_checkpoint(p["checkpoint"], vkey(client, headers)).root,
        )


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
