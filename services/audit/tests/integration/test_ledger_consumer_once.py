"""The ledger consumer appends each event exactly once without an inbox row per event (the
ledger's unique event ids are the inbox), in (source, sequence) order, and passes only the
newly appended events, with their ledger indexes, to the red-flag read model; the cached
tree head the read API serves moves with each committed batch (SQLite and PostgreSQL)."""

from typing import Any

import orjson
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tatamutasi_audit.adapters.orm import integrity_events, ledger_entries
from tatamutasi_audit.api.deps import ledger_keys
from tatamutasi_audit.ledger.note import Verifier, open_checkpoint
from tatamutasi_audit.service.consumer import LedgerConsumer


class Record:
    """What aiokafka hands the consumer (the fields `decode` reads)."""

    def __init__(self, value: bytes, offset: int) -> None:
        self.value, self.topic, self.partition, self.offset = (
            value,
            "tatamutasi.pegawai.v1",
            0,
            offset,
        )
        self.key = None


def _rows(client: TestClient, stmt: Any) -> list[Any]:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def go() -> list[Any]:
        async with runtime.engine.connect() as conn:
            return list((await conn.execute(stmt)).all())

    assert client.portal is not None
    return client.portal.call(go)


def test_batches_replayed_and_overlapping_append_each_event_once(
    audit_client: TestClient, auditor: dict[str, str], make_envelope: Any
) -> None:
    runtime = audit_client.app.state.runtime  # type: ignore[attr-defined]
    consumer = LedgerConsumer(runtime, ledger_keys(runtime))
    envs = [make_envelope(i) for i in range(1, 11)]
    records = [Record(orjson.dumps(e), i) for i, e in enumerate(envs)]
    vkey = Verifier.parse(audit_client.get("/ledger/key", headers=auditor).json()["vkey"])

    def size_served() -> int:
        note = audit_client.get("/checkpoint", headers=auditor).text
        return open_checkpoint(note, vkey).size

    assert size_served() == 0  # the genesis checkpoint, now cached by the read API
    assert audit_client.portal is not None
    # out of order, with a duplicate inside the batch
    audit_client.portal.call(consumer.process, [records[5], records[2], records[5], records[0]])
    assert size_served() == 3  # the head cached by the read API moved with the commit
    # a redelivery of the whole backlog (a crash before the offsets were committed)
    audit_client.portal.call(consumer.process, records)
    audit_client.portal.call(consumer.process, records[::-1])
    assert size_served() == 10

    stored = _rows(
        audit_client,
        sa.select(ledger_entries.c.idx, ledger_entries.c.sequence).order_by(ledger_entries.c.idx),
    )
    # first batch in sequence order (1, 3, 6), then the rest in sequence order
    assert [r.sequence for r in stored] == [1, 3, 6, 2, 4, 5, 7, 8, 9, 10]
    pe = runtime.tables.processed_events
    assert _rows(audit_client, sa.select(pe).where(pe.c.consumer == "audit-ledger")) == []
    # the read model got each registration once, with the index the ledger gave it
    read_model = _rows(
        audit_client, sa.select(integrity_events.c.event_id, integrity_events.c.ledger_idx)
    )
    by_seq = {e["id"]: e["sequence"] for e in envs}
    want = {r.sequence: int(r.idx) for r in stored}
    assert {by_seq[r.event_id]: int(r.ledger_idx) for r in read_model} == want
    assert audit_client.get("/ledger/verify", headers=auditor).json()["consistent"]
