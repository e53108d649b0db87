"""Completeness ("nothing lost"): each producer numbers its events 1, 2, 3... (`sequence`);
the ledger tracks, per producer, how far it holds every event. A hole is a lost event: it is
reported (endpoint + metric) and fetched from the producer's `GET /events?after=` replay.

`advance` runs inside the append transaction; `repair_source` runs outside any transaction
(HTTP must never hold a database transaction open)."""

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

import httpx
import orjson
import sqlalchemy as sa
import structlog
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_audit.adapters.orm import ledger_entries, producer_progress
from tatamutasi_contracts import EVENT_TYPES, UnknownEventType, validate_event
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.consumer import Event
from tatamutasi_platform.db import upsert

log = structlog.get_logger(__name__)
SCAN_LIMIT = 10_000


async def advance(conn: AsyncConnection, seen: dict[str, int]) -> None:
    """Record the highest sequence seen per source and move each contiguous mark forward
    over the sequences now in the ledger."""
    if not seen:
        return
    p, e = producer_progress, ledger_entries
    rows = {r.source: r for r in await conn.execute(sa.select(p).where(p.c.source.in_(list(seen))))}
    updates = []
    for source, top in sorted(seen.items()):
        row = rows.get(source)
        contiguous = int(row.contiguous) if row else 0
        max_seen = max(int(row.max_seen) if row else 0, top)
        while contiguous < max_seen:
            seqs = (
                await conn.execute(
                    sa.select(e.c.sequence)
                    .where(e.c.source == source, e.c.sequence > contiguous)
                    .order_by(e.c.sequence)
                    .limit(SCAN_LIMIT)
                )
            ).scalars()
            moved = False
            for s in seqs:
                if s != contiguous + 1:
                    break
                contiguous, moved = int(s), True
            if not moved:
                break
        updates.append(
            {
                "source": source,
                "contiguous": contiguous,
                "max_seen": max_seen,
                "updated_at": utcnow(),
            }
        )
    await upsert(conn, p, updates, key=["source"])


@dataclass(frozen=True)
class SourceStatus:
    source: str
    contiguous: int
    max_seen: int
    missing: int
    missing_ranges: list[tuple[int, int]]  # inclusive, the first 50

    @property
    def complete(self) -> bool:
        return self.missing == 0


def _ranges(low: int, high: int, present: Iterable[int]) -> tuple[int, list[tuple[int, int]]]:
    """Missing numbers in (low, high] given the present ones (sorted)."""
    out: list[tuple[int, int]] = []
    missing, expect = 0, low + 1
    for s in [*present, high + 1]:
        if s > expect:
            missing += s - expect
            if len(out) < 50:
                out.append((expect, s - 1))
        expect = max(expect, s + 1)
    return missing, out


async def status(conn: AsyncConnection) -> list[SourceStatus]:
    p, e = producer_progress, ledger_entries
    out = []
    for row in (await conn.execute(sa.select(p).order_by(p.c.source))).all():
        low, high = int(row.contiguous), int(row.max_seen)
        present = (
            await conn.execute(
                sa.select(e.c.sequence)
                .where(e.c.source == row.source, e.c.sequence > low, e.c.sequence <= high)
                .order_by(e.c.sequence)
            )
        ).scalars()
        missing, ranges = _ranges(low, high, (int(s) for s in present))
        out.append(SourceStatus(row.source, low, high, missing, ranges))
    return out


Apply = Callable[[Sequence[Event]], Awaitable[object]]


async def repair_source(
    client: httpx.AsyncClient, source: str, after: int, until: int, apply: Apply
) -> int:
    """Fetch the producer's events after `after` (up to `until`) from its replay endpoint and
    hand them to `apply` (the idempotent consumer). Returns how many were fetched."""
    fetched = 0
    while after < until:
        r = await client.get("/events", params={"after": after, "limit": 1000})
        r.raise_for_status()
        page = r.json()
        if page.get("source") != source:
            raise ValueError(f"the replay endpoint serves {page.get('source')!r}, not {source!r}")
        events: list[Event] = []
        for item in page.get("items", []):
            raw = orjson.dumps(item)
            try:
                envelope, payload = validate_event(raw)
            except (ValidationError, UnknownEventType, ValueError) as exc:
                log.warning("replayed event is invalid", source=source, error=repr(exc)[:200])
                continue
            topic = EVENT_TYPES[envelope.type].topic.value
            events.append(Event(envelope, payload, raw, topic, -1, envelope.sequence))
        if events:
            await apply(events)
            fetched += len(events)
        next_after = page.get("next_after")
        if next_after is None or next_after <= after:
            break
        after = int(next_after)
    return fetched
