"""Tamper evidence: each kind of tampering, done directly in the database (SQLite and
PostgreSQL), is caught by the self-check and by the offline verifier."""

import base64
from typing import Any

import pytest
import sqlalchemy as sa
from audit_tamper_helpers import (
    SQL,
    fetcher,
    self_check,
    verifier_fails,
    vkey,
)
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_audit.adapters.orm import (
    ledger_checkpoints,
    ledger_entries,
    ledger_index_keys,
    ledger_mentions,
    ledger_nodes,
    ledger_tree,
)
from tatamutasi_audit.api.deps import ledger_keys
from tatamutasi_audit.app import create_app
from tatamutasi_audit.ledger.merkle import ProofError, verify_inclusion
from tatamutasi_audit.ledger.note import open_checkpoint
from tatamutasi_audit.ledger.verifier import verify_log
from tatamutasi_audit.service import ledger
from tatamutasi_audit.settings import AuditSettings
from tatamutasi_platform.testing import DatabaseFactory

E = ledger_entries


def test_untouched_log_passes_both_checks(
    audit_client: TestClient, auditor: dict[str, str], log: list[dict[str, Any]]
) -> None:
    assert self_check(audit_client, auditor)["consistent"]
    report = verify_log(
        fetcher(audit_client, auditor),
        vkey(audit_client, auditor),
        event_ids=[log[0]["id"], log[19]["id"]],
    )
    assert report.checkpoint.size == 20
    assert report.included == {log[0]["id"]: 0, log[19]["id"]: 19}


def test_edited_entry_is_caught(
    audit_client: TestClient, auditor: dict[str, str], log: list[Any], sql: SQL
) -> None:
    async def edit(conn: AsyncConnection) -> None:
        entry = (await conn.execute(sa.select(E.c.entry).where(E.c.idx == 5))).scalar_one()
        forged = bytes(entry).replace(b"U-DINKES", b"U-SETDA0")
        await conn.execute(sa.update(E).where(E.c.idx == 5).values(entry=forged))

    sql(edit)
    v = self_check(audit_client, auditor)
    assert not v["consistent"] and v["first_bad_index"] == 5
    assert "signed root" in str(verifier_fails(audit_client, auditor))


def test_edited_stored_hash_is_caught(
    audit_client: TestClient, auditor: dict[str, str], log: list[Any], sql: SQL
) -> None:
    async def edit(conn: AsyncConnection) -> None:
        n = ledger_nodes
        await conn.execute(sa.update(n).where(n.c.level == 2, n.c.idx == 1).values(hash=bytes(32)))

    sql(edit)
    v = self_check(audit_client, auditor)
    assert not v["consistent"] and any("node (2, 1)" in p for p in v["problems"])
    assert v["first_bad_index"] == 4
    # tlog-tiles serve tree levels 0, 8, 16...: the entries and served tiles still verify,
    # but every proof through the edited node now fails against the signed checkpoint
    verify_log(fetcher(audit_client, auditor), vkey(audit_client, auditor))
    p = audit_client.get("/ledger/proofs/inclusion", params={"index": 0}, headers=auditor).json()
    with pytest.raises(ProofError):
        verify_inclusion(
            0,
            20,
            base64.b64decode(p["leaf_hash"]),
            [base64.b64decode(h) for h in p["proof"]],
            open_checkpoint(p["checkpoint"], vkey(audit_client, auditor)).root,
        )


def test_edited_leaf_hash_is_caught_by_both(
    audit_client: TestClient, auditor: dict[str, str], log: list[Any], sql: SQL
) -> None:
    async def edit(conn: AsyncConnection) -> None:
        n = ledger_nodes
        await conn.execute(sa.update(n).where(n.c.level == 0, n.c.idx == 7).values(hash=bytes(32)))

    sql(edit)
    v = self_check(audit_client, auditor)
    assert not v["consistent"] and v["first_bad_index"] == 7
    assert "tile" in str(verifier_fails(audit_client, auditor))


def test_deleted_entry_is_caught(
    audit_client: TestClient, auditor: dict[str, str], log: list[Any], sql: SQL
) -> None:
    sql(lambda conn: conn.execute(sa.delete(E).where(E.c.idx == 4)))
    v = self_check(audit_client, auditor)
    assert not v["consistent"] and v["first_bad_index"] == 4
    assert "entries" in str(verifier_fails(audit_client, auditor))


def test_reordered_entries_are_caught(
    audit_client: TestClient, auditor: dict[str, str], log: list[Any], sql: SQL
) -> None:
    async def swap(conn: AsyncConnection) -> None:
        rows = dict(
            (await conn.execute(sa.select(E.c.idx, E.c.entry).where(E.c.idx.in_([2, 9])))).all()
        )
        await conn.execute(sa.update(E).where(E.c.idx == 2).values(entry=rows[9]))
        await conn.execute(sa.update(E).where(E.c.idx == 9).values(entry=rows[2]))

    sql(swap)
    v = self_check(audit_client, auditor)
    assert not v["consistent"] and v["first_bad_index"] == 2
    assert "signed root" in str(verifier_fails(audit_client, auditor))


def test_inserted_entry_is_caught(
    audit_client: TestClient, auditor: dict[str, str], log: list[Any], sql: SQL
) -> None:
    async def insert(conn: AsyncConnection) -> None:
        forged = dict((await conn.execute(sa.select(E).where(E.c.idx == 3))).mappings().one())
        # shift every later entry up by one (in two steps, to keep the primary key unique)
        await conn.execute(sa.update(E).where(E.c.idx >= 3).values(idx=-(E.c.idx + 1)))
        await conn.execute(sa.update(E).where(E.c.idx < 0).values(idx=-E.c.idx))
        forged.update(idx=3, event_id="forged", sequence=999, entry=b'{"forged":true}')
        await conn.execute(E.insert().values(**forged))

    sql(insert)
    v = self_check(audit_client, auditor)
    assert not v["consistent"] and v["first_bad_index"] == 3
    assert any("beyond the tree size" in p for p in v["problems"])
    assert "signed root" in str(verifier_fails(audit_client, auditor))


def test_entry_appended_behind_the_tree_is_caught(
    audit_client: TestClient, auditor: dict[str, str], log: list[Any], sql: SQL
) -> None:
    async def insert(conn: AsyncConnection) -> None:
        row = dict((await conn.execute(sa.select(E).where(E.c.idx == 19))).mappings().one())
        row.update(idx=20, event_id="smuggled", sequence=998)
        await conn.execute(E.insert().values(**row))

    sql(insert)
    v = self_check(audit_client, auditor)
    assert not v["consistent"] and v["first_bad_index"] == 20


def test_truncated_entries_are_caught(
    audit_client: TestClient, auditor: dict[str, str], log: list[Any], sql: SQL
) -> None:
    sql(lambda conn: conn.execute(sa.delete(E).where(E.c.idx >= 17)))
    v = self_check(audit_client, auditor)
    assert not v["consistent"] and v["first_bad_index"] == 17
    assert "GET" in str(verifier_fails(audit_client, auditor))


def test_full_rollback_is_an_alarm_for_a_verifier_that_saw_more(
    audit_client: TestClient, auditor: dict[str, str], log: list[Any], sql: SQL
) -> None:
    seen = verify_log(fetcher(audit_client, auditor), vkey(audit_client, auditor)).note

    async def rollback(conn: AsyncConnection) -> None:
        # an administrator removes the last batch everywhere, tree head and checkpoint too
        await conn.execute(sa.delete(E).where(E.c.idx >= 12))
        for index_table in (ledger_index_keys, ledger_mentions):
            await conn.execute(sa.delete(index_table).where(index_table.c.idx >= 12))
        n = ledger_nodes
        for level in range(5):
            await conn.execute(sa.delete(n).where(n.c.level == level, n.c.idx >= (12 >> level)))
        await conn.execute(sa.delete(ledger_checkpoints).where(ledger_checkpoints.c.size > 12))
        root = (
            await conn.execute(
                sa.select(ledger_checkpoints.c.root).where(ledger_checkpoints.c.size == 12)
            )
        ).scalar_one()
        await conn.execute(sa.update(ledger_tree).values(size=12, root=root))

    sql(rollback)
    # the database alone now looks like a healthy log of 12 ...
    assert self_check(audit_client, auditor)["consistent"]
    # ... but a verifier that remembers the checkpoint of 20 raises the alarm
    e = verifier_fails(audit_client, auditor, previous=seen)
    assert e.alarm and "shrank" in str(e)


def test_rewritten_history_with_the_signing_key_is_an_alarm(
    audit_client: TestClient,
    auditor: dict[str, str],
    log: list[Any],
    audit_settings: AuditSettings,
    databases: DatabaseFactory,
    make_envelope: Any,
    make_event: Any,
) -> None:
    """Even someone holding the signing key cannot rewrite history unnoticed: a second log
    with other entries, signed with the same key, does not extend what a verifier saw."""
    seen = verify_log(fetcher(audit_client, auditor), vkey(audit_client, auditor)).note
    other = audit_settings.model_copy(update={"database_url": databases.new("fork")})
    with TestClient(create_app(other)) as forked:
        runtime = forked.app.state.runtime  # type: ignore[attr-defined]

        async def fill() -> None:
            envs = [make_envelope(i, actor="someone-else") for i in range(1, 26)]
            async with runtime.engine.begin() as conn:
                await ledger.append(conn, [make_event(e) for e in envs], ledger_keys(runtime))

        assert forked.portal is not None
        forked.portal.call(fill)
        assert verify_log(fetcher(forked, auditor), vkey(forked, auditor)).checkpoint.size == 25
        e = verifier_fails(forked, auditor, previous=seen)
        assert e.alarm and "fork" in str(e)


def test_edited_checkpoints_are_caught(
    audit_client: TestClient, auditor: dict[str, str], log: list[Any], sql: SQL
) -> None:
    async def edit(conn: AsyncConnection) -> None:
        c = ledger_checkpoints
        note = (await conn.execute(sa.select(c.c.note).where(c.c.size == 12))).scalar_one()
        await conn.execute(
            sa.update(c).where(c.c.size == 12).values(note=note.replace("\n12\n", "\n11\n"))
        )
        await conn.execute(sa.update(c).where(c.c.size == 20).values(root=bytes(32)))

    sql(edit)
    problems = self_check(audit_client, auditor)["problems"]
    assert any("checkpoint 12" in p and "does not verify" in p for p in problems)
    assert any("checkpoint 20" in p and "differ from the signed note" in p for p in problems)
