"""The ledger consumer: the platform's idempotent consumer (every topic, batches appended in
one transaction, rejections recorded) plus the completeness loop that finds producer
sequence gaps and fetches the missing events from the producers' replay endpoints."""

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx
import structlog
from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_audit.service import completeness, integrity, ledger
from tatamutasi_audit.service.keys import LedgerKeys
from tatamutasi_audit.service.rejections import record_rejections
from tatamutasi_audit.settings import AuditSettings
from tatamutasi_contracts import ALL_TOPICS
from tatamutasi_platform.consumer import Event, IdempotentConsumer, Rejected
from tatamutasi_platform.runtime import Runtime

log = structlog.get_logger(__name__)
CONSUMER = "audit-ledger"


def missing_gauge(runtime: Runtime) -> Gauge:
    """`audit_missing_events{source}`: events a producer numbered that the ledger lacks."""
    gauge = runtime.extras.get("missing_gauge")
    if not isinstance(gauge, Gauge):
        gauge = Gauge(
            "audit_missing_events",
            "Events missing from the ledger per producer (sequence gaps): a completeness alarm",
            ["source"],
            registry=runtime.metrics.registry,
        )
        runtime.extras["missing_gauge"] = gauge
    return gauge


async def completeness_status(runtime: Runtime) -> list[completeness.SourceStatus]:
    async with runtime.engine.connect() as conn:
        statuses = await completeness.status(conn)
    gauge = missing_gauge(runtime)
    for st in statuses:
        gauge.labels(st.source).set(st.missing)
    return statuses


class LedgerConsumer(IdempotentConsumer):
    def __init__(self, runtime: Runtime, keys: LedgerKeys) -> None:
        self._runtime = runtime
        self._keys = keys
        super().__init__(
            name=CONSUMER,
            topics=ALL_TOPICS,
            settings=runtime.settings,
            engine=runtime.engine,
            tables=runtime.tables,
            bus=runtime.bus,
            metrics=runtime.metrics,
            handler=self._append_one,
            batch_handler=self._append,
            on_rejected=self._rejected,
        )

    async def _claim(self, conn: AsyncConnection, events: Sequence[Event]) -> list[Event]:
        """No inbox rows: the ledger is its own inbox. `ledger.append` appends only the
        event ids it does not hold yet (`ledger_entries.event_id` is unique and the append
        runs under the tree lock), so exactly-once holds without a `processed_events` row
        (and its index) per entry, and without the extra round trip."""
        return list(events)

    async def apply(self, events: Sequence[Event]) -> list[Rejected]:
        refused = await super().apply(events)
        ledger.forget_head()  # committed: readers must see the new checkpoint
        return refused

    async def _append(self, conn: AsyncConnection, events: Sequence[Event]) -> None:
        done = await ledger.append(conn, events, self._keys)
        if done.count:  # red flags (issue #9), for the events appended now
            fresh = [e for e in events if e.envelope.id in done.indexes]
            await integrity.on_appended(self._runtime, conn, fresh, done.indexes)

    async def _append_one(self, conn: AsyncConnection, event: Event) -> None:
        await ledger.append(conn, [event], self._keys)

    async def _rejected(self, records: Sequence[Rejected]) -> None:
        await record_rejections(self._runtime, CONSUMER, records)

    async def run(self) -> None:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(super().run())
            tasks.create_task(self._completeness_loop())

    async def _completeness_loop(self) -> None:
        settings = self._runtime.settings
        assert isinstance(settings, AuditSettings)
        while True:
            await asyncio.sleep(settings.completeness_interval_s)
            try:
                await self.check_completeness()
            except Exception as exc:  # the loop must outlive a producer being down
                log.warning("completeness check failed", error=repr(exc)[:300])

    async def _apply(self, events: Sequence[Event]) -> None:
        refused = await self.apply(events)
        await self.dead_letter(refused)

    async def check_completeness(
        self, transport: httpx.AsyncBaseTransport | None = None
    ) -> dict[str, int]:
        """Fetch what is missing from every producer with a gap and a known replay URL.
        Returns the number of events fetched per source."""
        settings = self._runtime.settings
        assert isinstance(settings, AuditSettings)
        token = settings.replay_token()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        fetched: dict[str, int] = {}
        for st in await completeness_status(self._runtime):
            url = settings.producer_urls.get(st.source)
            if st.complete or url is None:
                continue
            log.warning(
                "ledger is missing events; fetching them from the producer",
                source=st.source,
                missing=st.missing,
            )
            kw: dict[str, Any] = {"transport": transport} if transport is not None else {}
            async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10, **kw) as c:
                fetched[st.source] = await completeness.repair_source(
                    c, st.source, st.contiguous, st.max_seen, self._apply
                )
        if fetched:
            await completeness_status(self._runtime)
        return fetched
