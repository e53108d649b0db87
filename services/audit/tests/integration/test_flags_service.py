"""Red flags from real events through the ledger consumer (SQLite and PostgreSQL): the
read model is kept with ledger indexes, findings are raised once as `audit.flag_raised`
through the outbox, and the flag's own ledger entry is recorded when it comes back."""

import uuid
from collections import defaultdict
from typing import Any

import orjson
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tatamutasi_audit.adapters.orm import integrity_events, integrity_flags
from tatamutasi_audit.api.deps import ledger_keys
from tatamutasi_audit.service.consumer import LedgerConsumer
from tatamutasi_contracts import validate_event
from tatamutasi_platform.consumer import Event

CAND, REVIEWER = "198001012005011001", "198001012005011002"
_seq: dict[str, int] = defaultdict(int)


def ev(type_: str, data: dict[str, Any], *, actor: str = "bkd", role: str = "admin") -> Event:
    source = "/tatamutasi/" + ("pegawai" if type_.startswith("pegawai") else "matching")
    _seq[source] += 1
    env = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "type": type_,
        "time": "2026-02-10T09:00:00.000000Z",
        "subject": data.get("nip") or data.get("proposal_id"),
        "sequence": _seq[source],
        "actor": actor,
        "actorrole": role,
        "data": data,
    }
    raw = orjson.dumps(env)
    envelope, payload = validate_event(raw)
    return Event(envelope, payload, raw, "tatamutasi.x.v1", 0, _seq[source])


def proposal(type_: str, state: str, version: int, **extra: Any) -> Event:
    data = {
        "proposal_id": "PRP-1",
        "round_id": "RND-1",
        "nip": CAND,
        "to_post": {"unor_id": "U-B", "jabatan_id": "J-1"},
        "jenis_mutasi": "MU",
        "state": state,
        "version": version,
        **extra,
    }
    return ev(type_, data)


def _consumer(client: TestClient) -> tuple[Any, LedgerConsumer]:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime, LedgerConsumer(runtime, ledger_keys(runtime))


def _rows(client: TestClient, table: Any) -> list[Any]:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def go() -> list[Any]:
        async with runtime.engine.connect() as conn:
            return list((await conn.execute(sa.select(table))).all())

    assert client.portal is not None
    return client.portal.call(go)


def _flag_events(client: TestClient) -> list[Any]:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return [r for r in _rows(client, runtime.tables.outbox) if r.type == "audit.flag_raised"]


def test_flags_are_raised_once_from_consumed_events_with_ledger_evidence(
    audit_client: TestClient,
) -> None:
    runtime, consumer = _consumer(audit_client)
    assert audit_client.portal is not None
    apply = audit_client.portal.call
    registered = [
        ev(
            "pegawai.registered",
            {"nip": n, "name": "Siti Aminah", "unor_id": "U-A", "jabatan_id": "J-1"},
        )
        for n in (CAND, REVIEWER)
    ]
    family = ev(
        "pegawai.family_updated",
        {
            "nip": CAND,
            "relations": [
                {"other_nip": REVIEWER, "relation": "spouse", "basis": "nik", "confidence": 1.0}
            ],
        },
    )
    created = proposal("mutasi.proposal_created", "draft", 1, origin="plan", plan_rank=1)
    reviewed = proposal(
        "mutasi.proposal_reviewed", "reviewed", 2, recommendation="agree", actor_nip=REVIEWER
    )
    assert apply(consumer.apply, [*registered, family, created, reviewed]) == []
    stored = _rows(audit_client, integrity_events)
    assert len(stored) == 5 and all(r.ledger_idx >= 0 for r in stored)
    assert all("Siti" not in r.data for r in stored)  # names are not kept
    (flag,) = _rows(audit_client, integrity_flags)
    assert (flag.rule_id, flag.status, flag.proposal_id, flag.severity) == (
        "R1",
        "open",
        "PRP-1",
        "medium",
    )
    assert flag.confidence == 0.8  # the reviewer has no family record: lowered, and said
    assert "missing" in flag.explanation_en
    evidence = orjson.loads(flag.evidence)
    by_id = {r.event_id: r.ledger_idx for r in stored}
    assert {e["event_id"] for e in evidence} == {
        created.envelope.id,
        reviewed.envelope.id,
        family.envelope.id,
    }
    assert all(e["ledger_index"] == by_id[e["event_id"]] for e in evidence)
    (out,) = _flag_events(audit_client)
    data = orjson.loads(out.data)
    assert data["subjects"] == [CAND, REVIEWER] and data["rule_id"] == "R1"
    # a later event of the same proposal does not raise the same finding again
    approved = proposal("mutasi.proposal_approved", "approved", 3, actor_nip="198001012005011009")
    assert apply(consumer.apply, [approved]) == []
    assert len(_flag_events(audit_client)) == 1 and len(_rows(audit_client, integrity_flags)) == 1
    # the flag event itself comes back through the ledger: its index is recorded
    env = {
        "specversion": "1.0",
        "id": out.event_id,
        "source": "/tatamutasi/audit",
        "type": out.type,
        "time": out.time,
        "subject": out.subject,
        "sequence": 1,
        "actor": out.actor,
        "data": data,
    }
    raw = orjson.dumps(env)
    envelope, payload = validate_event(raw)
    apply(consumer.apply, [Event(envelope, payload, raw, "tatamutasi.audit.v1", 0, 1)])
    (flag,) = _rows(audit_client, integrity_flags)
    assert flag.ledger_idx == 6
    del runtime


def test_a_broken_event_for_the_rules_never_keeps_it_out_of_the_ledger(
    audit_client: TestClient,
) -> None:
    runtime, consumer = _consumer(audit_client)
    assert audit_client.portal is not None
    # a family fact pointing at an unknown person and a proposal with no creation step
    odd = proposal("mutasi.proposal_approved", "approved", 3)
    assert audit_client.portal.call(consumer.apply, [odd]) == []
    entries = _rows(audit_client, sa.table("ledger_entries", sa.column("event_id")))
    assert [r.event_id for r in entries] == [odd.envelope.id]
    del runtime


def test_kinship_learned_after_the_review_still_raises_the_flag(audit_client: TestClient) -> None:
    _, consumer = _consumer(audit_client)
    assert audit_client.portal is not None
    created = proposal("mutasi.proposal_created", "draft", 1, origin="manual")
    reviewed = proposal(
        "mutasi.proposal_reviewed", "reviewed", 2, recommendation="agree", actor_nip=REVIEWER
    )
    assert audit_client.portal.call(consumer.apply, [created, reviewed]) == []
    assert _rows(audit_client, integrity_flags) == []
    facts = [{"other_nip": CAND, "relation": "sibling", "basis": "nik", "confidence": 1.0}]
    back = [{"other_nip": REVIEWER, "relation": "sibling", "basis": "nik", "confidence": 1.0}]
    family = [
        ev("pegawai.family_updated", {"nip": REVIEWER, "relations": facts}),
        ev("pegawai.family_updated", {"nip": CAND, "relations": back}),
    ]
    assert audit_client.portal.call(consumer.apply, family) == []
    (flag,) = _rows(audit_client, integrity_flags)
    assert (flag.rule_id, flag.severity, flag.confidence) == ("R1", "high", 1.0)
