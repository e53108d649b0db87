"""Rejected messages become `audit.event_rejected` events (through the outbox), which the
ledger consumer then appends like any other event: a rejection is visible in the ledger."""

from collections.abc import Sequence
from typing import Any

import orjson

from tatamutasi_contracts.audit import EventRejected
from tatamutasi_platform.consumer import Event, Rejected
from tatamutasi_platform.outbox import Actor
from tatamutasi_platform.runtime import Runtime

REJECTED_TYPE = "audit.event_rejected"


def _text(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def rejection(r: Rejected, consumer: str) -> EventRejected:
    """What is known about a refused message, taken defensively from its raw bytes."""
    rec = r.record
    raw = rec.raw if isinstance(rec, Event) else (rec.value or b"")
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        doc = None
    doc = doc if isinstance(doc, dict) else {}
    seq = doc.get("sequence")
    return EventRejected(
        consumer=consumer,
        topic=rec.topic,
        partition=rec.partition,
        offset=rec.offset,
        event_id=_text(doc.get("id"), 200),
        source=_text(doc.get("source"), 200),
        sequence=seq if isinstance(seq, int) and not isinstance(seq, bool) else None,
        type=_text(doc.get("type"), 200),
        reason=r.reason[:1000],
    )


async def record_rejections(runtime: Runtime, consumer: str, rejected: Sequence[Rejected]) -> int:
    """Emit one `audit.event_rejected` per refused message (not for refused rejections, so
    a broken rejection can never loop)."""
    payloads = [rejection(r, consumer) for r in rejected]
    payloads = [p for p in payloads if p.type != REJECTED_TYPE]
    if not payloads:
        return 0
    async with runtime.transaction(Actor.system(runtime.settings.service_name)) as tx:
        for p in payloads:
            subject = p.event_id or f"{p.topic}/{p.partition}/{p.offset}"
            await tx.emit(p, subject=subject[:200])
    return len(payloads)
