"""Idempotent consumer: at-least-once delivery from Kafka becomes exactly-once effects.

For each batch: malformed or contract-violating messages go to `<topic>.dlq` with the reason;
valid events not yet processed are handed to the handler inside ONE database transaction that
also records their ids in `processed_events`; only after that commit are offsets committed.
A crash anywhere replays the batch, and already-processed ids change nothing. A handler that
fails on one event sends that event (only) to the DLQ; database outages are retried, never
dead-lettered."""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from aiokafka import ConsumerRebalanceListener, ConsumerRecord
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tatamutasi_contracts import Envelope, dlq_topic, validate_event
from tatamutasi_contracts.envelope import format_time
from tatamutasi_contracts.registry import UnknownEventType
from tatamutasi_platform.bus import Bus, make_consumer
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.db import dialect_insert
from tatamutasi_platform.metrics import Metrics
from tatamutasi_platform.settings import ServiceSettings
from tatamutasi_platform.tables import PlatformTables
from tatamutasi_platform.unavailable import transient

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Event:
    """A validated event as handed to handlers."""

    envelope: Envelope
    payload: BaseModel
    raw: bytes
    topic: str
    partition: int
    offset: int


Handler = Callable[[AsyncConnection, Event], Awaitable[None]]
BatchHandler = Callable[[AsyncConnection, Sequence[Event]], Awaitable[None]]


@dataclass(frozen=True)
class Rejected:
    record: Any
    reason: str


class HandlerRejected(Exception):
    """Raise from a handler to dead-letter an event with a stated reason."""


class _NoAssignment(Exception):
    pass


class _FromTheStart(ConsumerRebalanceListener):  # type: ignore[misc]
    """Seeks the partitions of this consumer's first assignment to their beginning; later
    assignments (rebalances) resume from the offsets committed since."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.consumer: Any = None
        self.done = False

    async def on_partitions_revoked(self, revoked: Any) -> None:
        return None

    async def on_partitions_assigned(self, assigned: Any) -> None:
        if self.consumer is not None and assigned and not self.done:
            self.done = True
            await self.consumer.seek_to_beginning(*assigned)
            log.warning(
                "new broker epoch: consuming from the start", consumer=self.name,
                partitions=len(assigned),
            )  # fmt: skip


def _transient(exc: BaseException) -> bool:
    """Retried, never dead-lettered: a database that is down or refuses writes for now (a
    read-only or full database is an outage, not a bad event), or the broker."""
    return transient(exc)


def describe_validation_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = [
            f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}"
            for e in exc.errors(include_url=False)[:10]
        ]
        return "contract validation failed: " + "; ".join(parts)
    if isinstance(exc, UnknownEventType):
        return f"contract validation failed: {exc}"
    return f"undecodable message: {exc!r}"[:500]


class IdempotentConsumer:
    def __init__(
        self,
        *,
        name: str,
        topics: Sequence[str],
        settings: ServiceSettings,
        engine: AsyncEngine,
        tables: PlatformTables,
        bus: Bus,
        metrics: Metrics,
        handler: Handler,
        batch_handler: BatchHandler | None = None,
        on_rejected: Callable[[Sequence[Rejected]], Awaitable[None]] | None = None,
    ) -> None:
        self.name = name
        self._topics = list(topics)
        self._settings = settings
        self._engine = engine
        self._t = tables
        self._bus = bus
        self._metrics = metrics
        self._handler = handler
        self._batch_handler = batch_handler
        self._on_rejected = on_rejected
        self.assigned = asyncio.Event()

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(self._topics)

    # -- decoding ----------------------------------------------------------------------
    def decode(self, records: Sequence[Any]) -> tuple[list[Event], list[Rejected]]:
        events: list[Event] = []
        rejected: list[Rejected] = []
        seen: set[str] = set()
        for rec in records:
            try:
                if rec.value is None:
                    raise ValueError("empty message")
                envelope, payload = validate_event(rec.value)
            except (ValidationError, UnknownEventType, ValueError) as exc:
                rejected.append(Rejected(rec, describe_validation_error(exc)))
                continue
            if envelope.id in seen:
                continue
            seen.add(envelope.id)
            events.append(Event(envelope, payload, rec.value, rec.topic, rec.partition, rec.offset))
        return events, rejected

    # -- applying ----------------------------------------------------------------------
    async def _claim(self, conn: AsyncConnection, events: Sequence[Event]) -> list[Event]:
        """Record the events as processed and return those that were not processed before.
        One `INSERT .. ON CONFLICT DO NOTHING RETURNING` per chunk: no look-up whose plan
        degrades as the table grows, and concurrent consumers cannot both claim an event."""
        pe = self._t.processed_events
        now = utcnow()
        rows = [
            {"consumer": self.name, "event_id": e.envelope.id, "processed_at": now} for e in events
        ]
        stmt = (
            dialect_insert(conn, pe)
            .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
            .returning(pe.c.event_id)
        )
        # executemany with RETURNING: SQLAlchemy batches it ("insertmanyvalues") and the
        # statement is compiled once, not once per batch size.
        claimed = set((await conn.execute(stmt, rows)).scalars())
        return [e for e in events if e.envelope.id in claimed]

    async def _handle(self, conn: AsyncConnection, events: Sequence[Event]) -> None:
        if self._batch_handler is not None:
            await self._batch_handler(conn, events)
        else:
            for ev in events:
                await self._handler(conn, ev)

    async def apply(self, events: Sequence[Event]) -> list[Rejected]:
        """Apply events exactly once. Returns the events the handler refused.

        Fast path: the whole batch in one transaction. If the handler fails on any event,
        the batch is replayed event by event, each in a savepoint, so only the failing
        events are refused."""
        if not events:
            return []
        try:
            async with self._engine.begin() as conn:
                fresh = await self._claim(conn, events)
                await self._handle(conn, fresh)
            self._metrics.consumed.labels(self.name, "applied").inc(len(fresh))
            return []
        except Exception as exc:
            if _transient(exc):
                raise
            log.warning(
                "batch failed; retrying event by event",
                consumer=self.name,
                error=repr(exc)[:300],
            )
        refused: list[Rejected] = []
        applied = 0
        async with self._engine.begin() as conn:
            for ev in events:
                try:
                    async with conn.begin_nested():
                        if await self._claim(conn, [ev]):
                            await self._handle(conn, [ev])
                            applied += 1
                except Exception as exc:
                    if _transient(exc):
                        raise
                    reason = (
                        f"handler rejected: {exc}"
                        if isinstance(exc, HandlerRejected)
                        else f"handler failed: {exc!r}"
                    )
                    refused.append(Rejected(ev, reason[:1000]))
        self._metrics.consumed.labels(self.name, "applied").inc(applied)
        return refused

    async def dead_letter(self, rejected: Sequence[Rejected]) -> None:
        for r in rejected:
            rec = r.record
            raw = rec.raw if isinstance(rec, Event) else (rec.value or b"")
            key = None if isinstance(rec, Event) else rec.key
            headers = [
                ("dlq.reason", r.reason.encode()[:4000]),
                ("dlq.consumer", self.name.encode()),
                ("dlq.topic", rec.topic.encode()),
                ("dlq.partition", str(rec.partition).encode()),
                ("dlq.offset", str(rec.offset).encode()),
                ("dlq.time", format_time(utcnow()).encode()),
            ]
            await self._bus.send_one(dlq_topic(rec.topic), raw, key, headers)
            log.warning(
                "event dead-lettered",
                consumer=self.name,
                topic=rec.topic,
                offset=rec.offset,
                reason=r.reason[:300],
            )
        if rejected:
            self._metrics.consumed.labels(self.name, "dead_lettered").inc(len(rejected))
            if self._on_rejected is not None:
                await self._on_rejected(rejected)

    async def process(self, records: Sequence[ConsumerRecord[Any, Any]]) -> None:
        events, rejected = self.decode(records)
        rejected += await self.apply(events)
        await self.dead_letter(rejected)

    # -- loop --------------------------------------------------------------------------
    async def run(self) -> None:
        s = self._settings
        started_epoch = 0  # the broker epoch this consumer last started on
        from_start = False  # a new epoch's first assignment is still to be read from the start
        while True:
            if not await self._bus.wait_ready(timeout=s.kafka_reconnect_backoff_s):
                continue
            epoch = self._bus.epoch
            if epoch != started_epoch:
                # A new, empty broker. Until the bus noticed, the old consumer may have read
                # the new broker from its old positions and committed them there, skipping
                # what was re-published below them: start every partition from the beginning
                # (the inbox drops what was applied already).
                from_start, started_epoch = True, epoch
            listener = _FromTheStart(self.name) if from_start else None
            consumer = make_consumer(s, self.name, self._topics, listener)
            if listener is not None:
                listener.consumer = consumer
            try:
                # bounded: against a broker that is restarting, start can wait indefinitely
                await asyncio.wait_for(consumer.start(), timeout=30)
            except asyncio.CancelledError:
                await consumer.stop()
                raise
            except Exception as exc:
                await consumer.stop()
                log.info("consumer cannot start yet", consumer=self.name, error=repr(exc)[:200])
                await asyncio.sleep(s.kafka_reconnect_backoff_s)
                continue
            try:
                await self._loop(consumer, epoch, listener)
                log.warning("broker lost its data; consuming from the start", consumer=self.name)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "consumer loop failed; restarting", consumer=self.name, error=repr(exc)[:300]
                )
                await asyncio.sleep(s.kafka_reconnect_backoff_s)
            finally:
                if listener is not None and listener.done:
                    from_start = False
                self.assigned.clear()
                # stopping a broken consumer is best effort
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(consumer.stop(), 10)

    async def _loop(
        self, consumer: Any, epoch: int = 0, listener: "_FromTheStart | None" = None
    ) -> None:
        """Consume until cancelled, or until the broker turns out to be a new, empty one
        (`Bus.epoch` grew): then return, and `run` starts a fresh consumer, which reads the
        new broker from its committed offsets (none: from the earliest message).

        After a new epoch the first assignment must come: a consumer that joined while the
        broker was still restarting can wait for a group coordinator that never answers, so
        without an assignment in time it raises and `run` starts another one."""
        backoff = 0.2
        s = self._settings
        join_deadline = time.monotonic() + max(10.0, 2 * s.kafka_session_timeout_ms / 1000)
        while self._bus.epoch == epoch:
            batches = await consumer.getmany(timeout_ms=500, max_records=s.consumer_batch_size)
            if consumer.assignment():
                self.assigned.set()
            elif listener is not None and not listener.done and time.monotonic() > join_deadline:
                raise _NoAssignment("no partitions assigned after a new broker epoch")
            records = [r for recs in batches.values() for r in recs]
            if not records:
                continue
            while True:
                try:
                    await self.process(records)
                    break
                except Exception as exc:
                    if not _transient(exc):
                        raise
                    log.warning(
                        "database unavailable; retrying batch",
                        consumer=self.name,
                        error=repr(exc)[:200],
                    )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
            backoff = 0.2
            # a commit against a broker that restarted empty can wait for a coordinator that
            # never answers for this group: bounded, so the loop restarts the consumer instead
            await asyncio.wait_for(
                consumer.commit(),
                timeout=max(10.0, 2 * self._settings.kafka_session_timeout_ms / 1000),
            )
