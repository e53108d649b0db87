"""A service's runtime: engine, tables, bus, relay, verifier and metrics, built in the app's
lifespan (never at import). Also the unit of work: one transaction for state, outbox rows
and idempotency records."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tatamutasi_platform.auth import TokenVerifier
from tatamutasi_platform.bus import Bus
from tatamutasi_platform.metrics import Metrics
from tatamutasi_platform.outbox import Actor, OutboxRelay, add_event
from tatamutasi_platform.settings import ServiceSettings
from tatamutasi_platform.tables import PlatformTables


@dataclass
class Transaction:
    conn: AsyncConnection
    tables: PlatformTables
    actor: Actor
    traceparent: str | None = None
    emitted: list[str] = field(default_factory=list)

    async def emit(
        self,
        payload: BaseModel,
        *,
        subject: str | None,
        key: str | None = None,
        time: datetime | None = None,
    ) -> str:
        event_id = await add_event(
            self.conn,
            self.tables,
            payload,
            subject=subject,
            actor=self.actor,
            key=key,
            traceparent=self.traceparent,
            time=time,
        )
        self.emitted.append(event_id)
        return event_id


@dataclass
class Runtime:
    settings: ServiceSettings
    engine: AsyncEngine
    tables: PlatformTables
    metrics: Metrics
    bus: Bus
    relay: OutboxRelay
    verifier: TokenVerifier
    extras: dict[str, Any] = field(default_factory=dict)

    @asynccontextmanager
    async def transaction(
        self, actor: Actor, traceparent: str | None = None
    ) -> AsyncIterator[Transaction]:
        """Unit of work: commits on success, rolls back on error; wakes the relay after a
        commit that staged events."""
        async with self.engine.begin() as conn:
            tx = Transaction(conn, self.tables, actor, traceparent)
            yield tx
        if tx.emitted:
            self.relay.wake()
