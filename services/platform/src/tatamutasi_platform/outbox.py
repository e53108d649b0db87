"""Transactional outbox: an event is written in the same transaction as the state change;
the relay assigns the producer's gap-free `sequence`, publishes, and marks the row. Rows are
kept, so `GET /events?after=<sequence>` can replay them to anyone who missed something.

Sequences are assigned by the relay, not by the writer, under a lock on the producer's
counter row: writers never contend on a counter, a rolled-back write never leaves a hole, and
the sequence order is the publish order."""

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
import structlog
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tatamutasi_contracts import EVENT_TYPES, SPECVERSION, Topic
from tatamutasi_contracts.envelope import format_time
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.db import insert_missing
from tatamutasi_platform.metrics import Metrics
from tatamutasi_platform.tables import PlatformTables

log = structlog.get_logger(__name__)

_TYPE_OF_MODEL: dict[type[BaseModel], tuple[str, Topic]] = {
    spec.model: (spec.type, spec.topic) for spec in EVENT_TYPES.values()
}


@dataclass(frozen=True)
class Actor:
    """Who caused a change: a token subject and the role they acted in, or a system."""

    id: str
    role: str | None = None

    @classmethod
    def system(cls, service: str) -> "Actor":
        return cls(id=f"system:{service}", role=None)


async def add_event(
    conn: AsyncConnection,
    tables: PlatformTables,
    payload: BaseModel,
    *,
    subject: str | None,
    actor: Actor,
    key: str | None = None,
    traceparent: str | None = None,
    time: datetime | None = None,
) -> str:
    """Stage one event in the caller's transaction. The payload's class decides the type and
    topic (see `tatamutasi_contracts.registry`). Returns the new event id."""
    try:
        event_type, topic = _TYPE_OF_MODEL[type(payload)]
    except KeyError:
        raise TypeError(f"{type(payload).__name__} is not a registered event payload") from None
    event_id = str(uuid.uuid4())
    # the plain insert() with a parameter dict is compiled once and cached; `.values(...)`
    # would build and key a new statement per event (most of an emit's CPU)
    await conn.execute(
        tables.outbox.insert(),
        {
            "event_id": event_id,
            "topic": topic.value,
            "key": key if key is not None else subject,
            "type": event_type,
            "subject": subject,
            "time": format_time(time or utcnow()),
            "actor": actor.id,
            "actorrole": actor.role,
            "traceparent": traceparent,
            "data": orjson.dumps(payload.model_dump(mode="json")).decode(),
        },
    )
    return event_id


def envelope_dict(row: Any, source: str) -> dict[str, Any]:
    """The wire form of a sequenced outbox row (one place, used by relay and replay)."""
    env: dict[str, Any] = {
        "specversion": SPECVERSION,
        "id": row.event_id,
        "source": source,
        "type": row.type,
        "time": row.time,
        "subject": row.subject,
        "datacontenttype": "application/json",
        "sequence": row.sequence,
        "actor": row.actor,
    }
    if row.actorrole is not None:
        env["actorrole"] = row.actorrole
    if row.traceparent is not None:
        env["traceparent"] = row.traceparent
    env["data"] = orjson.loads(row.data)
    return env


async def read_events(
    conn: AsyncConnection, tables: PlatformTables, source: str, *, after: int, limit: int
) -> list[dict[str, Any]]:
    ob = tables.outbox
    rows = (
        await conn.execute(
            sa.select(ob)
            .where(ob.c.sequence.is_not(None), ob.c.sequence > after)
            .order_by(ob.c.sequence)
            .limit(limit)
        )
    ).all()
    return [envelope_dict(r, source) for r in rows]


class Publisher:
    """What the relay needs from the bus (a protocol, so the relay is testable alone)."""

    async def publish(self, messages: Sequence[tuple[str, bytes | None, bytes]]) -> None:
        raise NotImplementedError

    @property
    def ready(self) -> bool:
        raise NotImplementedError

    @property
    def epoch(self) -> int:
        """How many times the broker was found to have lost its data (a new, empty broker:
        tansu keeps everything in memory). The relay re-publishes the outbox when it grows."""
        return 0


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        tables: PlatformTables,
        source: str,
        publisher: Publisher,
        metrics: Metrics,
        *,
        batch_size: int = 1000,
        poll_interval_s: float = 0.2,
    ) -> None:
        self._engine = engine
        self._t = tables
        self._source = source
        self._publisher = publisher
        self._metrics = metrics
        self._batch = batch_size
        self._poll = poll_interval_s
        self._wake = asyncio.Event()
        self._epoch = 0

    def wake(self) -> None:
        self._wake.set()

    async def assign_sequences(self) -> int:
        """Give unsequenced rows the next sequence numbers, in commit-visibility order."""
        ob, counter = self._t.outbox, self._t.outbox_counter
        async with self._engine.begin() as conn:
            await insert_missing(
                conn, counter, [{"source": self._source, "last_sequence": 0}], key=["source"]
            )
            last = (
                await conn.execute(
                    sa.select(counter.c.last_sequence)
                    .where(counter.c.source == self._source)
                    .with_for_update()
                )
            ).scalar_one()
            # One statement numbers the next batch in id order (row_number), instead of one
            # UPDATE per row. PostgreSQL and SQLite >= 3.33 both support UPDATE .. FROM.
            numbered = (
                sa.select(
                    ob.c.id,
                    (sa.func.row_number().over(order_by=ob.c.id) + last).label("seq"),
                )
                .where(ob.c.sequence.is_(None))
                .order_by(ob.c.id)
                .limit(self._batch)
                .subquery()
            )
            count = len(
                (
                    await conn.execute(
                        sa.update(ob)
                        .where(ob.c.id == numbered.c.id)
                        .values(sequence=numbered.c.seq)
                        .returning(ob.c.id)
                    )
                ).all()
            )
            if not count:
                return 0
            await conn.execute(
                sa.update(counter)
                .where(counter.c.source == self._source)
                .values(last_sequence=last + count)
            )
        return count

    async def publish_pending(self) -> int:
        ob = self._t.outbox
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(ob)
                    .where(ob.c.published_at.is_(None), ob.c.sequence.is_not(None))
                    .order_by(ob.c.sequence)
                    .limit(self._batch)
                )
            ).all()
        if not rows:
            return 0
        messages = [
            (
                r.topic,
                r.key.encode() if r.key is not None else None,
                orjson.dumps(envelope_dict(r, self._source)),
            )
            for r in rows
        ]
        await self._publisher.publish(messages)
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.update(ob).where(ob.c.id.in_([r.id for r in rows])).values(published_at=utcnow())
            )
        self._metrics.relay_published.inc(len(rows))
        return len(rows)

    async def relay_once(self) -> int:
        epoch = self._publisher.epoch
        if epoch != self._epoch:
            await self.republish_all()
            self._epoch = epoch
        await self.assign_sequences()
        return await self.publish_pending()

    async def republish_all(self) -> int:
        """The broker lost what it held (a new, empty broker): every event it may not have
        delivered to every consumer is gone, and which those are is unknowable here. Mark the
        whole outbox unpublished so the relay sends it again, in sequence order; consumers are
        idempotent, so what they already applied changes nothing."""
        ob = self._t.outbox
        async with self._engine.begin() as conn:
            count = (
                await conn.execute(
                    sa.update(ob).where(ob.c.published_at.is_not(None)).values(published_at=None)
                )
            ).rowcount
        if count:
            log.warning("broker lost its data; re-publishing the outbox", events=count)
        return int(count or 0)

    async def pending(self) -> int:
        ob = self._t.outbox
        async with self._engine.connect() as conn:
            return int(
                (
                    await conn.execute(
                        sa.select(sa.func.count()).where(ob.c.published_at.is_(None))
                    )
                ).scalar_one()
            )

    async def run(self) -> None:
        backoff = self._poll
        while True:
            try:
                if not self._publisher.ready:
                    await asyncio.sleep(self._poll)
                    continue
                sent = await self.relay_once()
                backoff = self._poll
                if sent >= self._batch:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database trouble: keep rows, retry later
                self._metrics.relay_errors.inc()
                log.warning("outbox relay failed; will retry", error=repr(exc)[:300])
                backoff = min(backoff * 2, 5.0)
                await asyncio.sleep(backoff)
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
