"""A refused message becomes an `audit.event_rejected` event (via the outbox) and, once
consumed, a ledger entry: rejections are visible in the ledger."""

from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tatamutasi_audit.service.rejections import record_rejections, rejection
from tatamutasi_platform.consumer import Rejected


@dataclass
class FakeRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def _outbox(client: TestClient) -> list[Any]:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def rows() -> list[Any]:
        async with runtime.engine.connect() as conn:
            o = runtime.tables.outbox
            return list((await conn.execute(sa.select(o).order_by(o.c.id))).all())

    assert client.portal is not None
    return client.portal.call(rows)


def test_rejection_payload_is_taken_defensively_from_the_raw_message() -> None:
    bad = FakeRecord("tatamutasi.pegawai.v1", 1, 7, None, b"{not json")
    p = rejection(Rejected(bad, "undecodable message"), "audit-ledger")
    assert (p.topic, p.partition, p.offset, p.event_id, p.sequence) == (
        "tatamutasi.pegawai.v1",
        1,
        7,
        None,
        None,
    )
    odd = FakeRecord("t", 0, 0, None, orjson.dumps({"id": 5, "sequence": True, "source": "s"}))
    p = rejection(Rejected(odd, "x" * 5000), "c")
    assert (p.event_id, p.sequence, p.source, len(p.reason)) == (None, None, "s", 1000)


def test_rejections_are_emitted_and_appended_to_the_ledger(
    audit_client: TestClient,
    append: Any,
    make_envelope: Any,
    auth_headers: Any,
) -> None:
    runtime = audit_client.app.state.runtime  # type: ignore[attr-defined]
    invalid = make_envelope(4, sequence=0)
    records = [
        Rejected(FakeRecord("tatamutasi.pegawai.v1", 0, 3, b"k", orjson.dumps(invalid)), "bad seq"),
        Rejected(FakeRecord("tatamutasi.pegawai.v1", 0, 4, None, None), "empty message"),
        Rejected(
            FakeRecord(
                "tatamutasi.audit.v1", 0, 1, None, orjson.dumps({"type": "audit.event_rejected"})
            ),
            "loop guard",
        ),
    ]
    assert audit_client.portal is not None
    assert audit_client.portal.call(record_rejections, runtime, "audit-ledger", records) == 2
    rows = _outbox(audit_client)
    assert [r.type for r in rows] == ["audit.event_rejected"] * 2
    assert rows[0].subject == invalid["id"] and rows[1].subject == "tatamutasi.pegawai.v1/0/4"
    assert rows[0].actor == "system:audit"
    # the relay publishes them with sequences; the ledger consumer appends them
    envs = [
        {
            "specversion": "1.0",
            "id": r.event_id,
            "source": "/tatamutasi/audit",
            "type": r.type,
            "time": r.time,
            "subject": r.subject,
            "sequence": i + 1,
            "actor": r.actor,
            "data": orjson.loads(r.data),
        }
        for i, r in enumerate(rows)
    ]
    assert append(envs).count == 2
    items = audit_client.get(
        "/ledger/entries",
        params={"type": "audit.event_rejected"},
        headers=auth_headers("auditor"),
    ).json()["items"]
    data = items[0]["event"]["data"]
    assert (data["event_id"], data["sequence"], data["reason"]) == (invalid["id"], 0, "bad seq")
    assert data["source"] == "/tatamutasi/pegawai" and data["offset"] == 3
