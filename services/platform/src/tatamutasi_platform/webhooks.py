"""Webhook subscriptions, an opt-in platform feature: an admin registers a URL and the event
types it wants; the service delivers its own events there, signed per Standard Webhooks,
retried with exponential backoff, logged attempt by attempt, and replayable.

Deliveries are driven from the service's outbox (rows are kept and carry the producer's
gap-free `sequence`): each subscription has a cursor, the last sequence it has been offered.
The dispatcher fans new outbox rows out into `webhook_delivery` rows (one per subscription and
event, unique) and advances the cursor in the same transaction, then sends due deliveries.
Nothing accepted is lost: a crash before fan-out commits re-reads the rows; a crash during a
send leaves the delivery claimed only for a lease, after which it is sent again with the
same `webhook-id` (receivers de-duplicate on it).

A service opts in with three lines: `add_webhook_tables(metadata)` in `adapters/orm.py`,
`create_webhook_tables(op)` in a migration, and `Webhooks(tables, topics=[...])` whose
`router` and `on_start` go into the `ServiceSpec`. Tunables come from
`<PREFIX>WEBHOOK_<NAME>` environment variables (`WebhookConfig`)."""

import asyncio
import contextlib
import ipaddress
import os
import socket
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson
import sqlalchemy as sa
import structlog
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import Counter
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tatamutasi_contracts import EVENT_TYPES, Topic
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.clock import as_utc, utcnow
from tatamutasi_platform.db import insert_missing
from tatamutasi_platform.http import (
    RuntimeDep,
    decode_cursor,
    encode_cursor,
    idempotent,
    require_roles,
)
from tatamutasi_platform.outbox import OutboxRelay, envelope_dict
from tatamutasi_platform.problems import Problem, conflict, field_error, not_found, prefers_english
from tatamutasi_platform.responses import problem_responses
from tatamutasi_platform.runtime import Runtime, Transaction
from tatamutasi_platform.tables import PlatformTables
from tatamutasi_platform.webhooks_rules import (
    RuleViolation,
    address_blocked,
    backoff_s,
    matches_any,
    validate_patterns,
    validate_url,
)
from tatamutasi_platform.webhooks_signing import generate_secret, signed_headers
from tatamutasi_platform.webhooks_tables import WebhookTables

log = structlog.get_logger(__name__)

USER_AGENT = "TataMutasi-Webhooks/1"
Status = Literal["active", "disabled", "deleted"]
DeliveryStatus = Literal["pending", "succeeded", "failed"]


@dataclass(frozen=True)
class WebhookConfig:
    """Tunables; each is read from `<PREFIX>WEBHOOK_<NAME>` (e.g. MATCHING_WEBHOOK_TIMEOUT_S)."""

    enabled: bool = True  # run the dispatcher in this process
    max_attempts: int = 8  # per (re)queue; then the delivery is `failed` (redeliver resets)
    backoff_base_s: float = 10.0  # first retry after 10 s, then 20, 40, ... up to the cap
    backoff_cap_s: float = 3600.0
    timeout_s: float = 10.0  # whole request, connect included
    concurrency: int = 8  # requests in flight per process
    disable_after: int = 50  # consecutive failed attempts that disable a subscription
    poll_interval_s: float = 0.5
    idle_interval_s: float = 5.0  # no active subscription: look again this often (or on wake)
    batch_size: int = 200
    lease_s: float = 60.0  # a claimed delivery is not sent again before this (crash recovery)
    trust_env: bool = False  # honour HTTP(S)_PROXY from the environment

    @classmethod
    def from_env(cls, prefix: str, environ: Mapping[str, str] | None = None) -> "WebhookConfig":
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"{prefix}WEBHOOK_{f.name.upper()}")
            if raw is None:
                continue
            if f.type in (bool, "bool"):
                values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
            elif f.type in (int, "int"):
                values[f.name] = int(raw)
            else:
                values[f.name] = float(raw)
        config = cls(**values)
        if config.max_attempts < 1 or config.concurrency < 1 or config.disable_after < 1:
            raise ValueError("WEBHOOK_MAX_ATTEMPTS, _CONCURRENCY and _DISABLE_AFTER must be >= 1")
        return config


def known_event_types(topics: Sequence[Topic | str]) -> list[str]:
    wanted = {t.value if isinstance(t, Topic) else t for t in topics}
    return sorted(t for t, spec in EVENT_TYPES.items() if spec.topic.value in wanted)


# -- API models ----------------------------------------------------------------------------
class WebhookIn(BaseModel):
    url: str = Field(
        min_length=1,
        max_length=2000,
        description="https:// endpoint (http:// only to localhost in development)",
        examples=["https://kepegawaian.example.go.id/hooks/tatamutasi"],
    )
    event_types: list[str] = Field(
        min_length=1,
        max_length=50,
        description="Event types or wildcards: `mutasi.executed`, `mutasi.*`, `*`",
        examples=[["mutasi.*"]],
    )
    description: str | None = Field(default=None, max_length=500)


class WebhookOut(BaseModel):
    subscription_id: str
    url: str
    description: str | None
    event_types: list[str]
    status: Status
    disabled_code: str | None = Field(description="Why it was disabled (machine code)")
    disabled_reason: str | None = Field(description="Why, in the language asked for")
    disabled_reason_en: str | None
    disabled_reason_id: str | None
    disabled_at: datetime | None
    consecutive_failures: int
    cursor: int = Field(description="Last outbox sequence offered to this subscription")
    secret_hint: str = Field(description="The secret's last 4 characters, to tell them apart")
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="Signing secret (`whsec_...`); shown only in this response. Verify "
        "`webhook-signature` = `v1,` base64(HMAC-SHA256(key, id.timestamp.body))."
    )


class WebhookList(BaseModel):
    items: list[WebhookOut]


class AttemptOut(BaseModel):
    attempt: int
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None
    succeeded: bool
    trigger: str = Field(description="event, retry or requeue (redeliver/replay)")


class DeliveryOut(BaseModel):
    delivery_id: str
    subscription_id: str
    event_id: str = Field(description="Also the `webhook-id` header: the same on every retry")
    sequence: int
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    last_latency_ms: int | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryDetail(DeliveryOut):
    attempt_log: list[AttemptOut]


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None


class ReplayIn(BaseModel):
    after_sequence: int = Field(
        ge=0, description="Send again every matching event with a sequence above this one"
    )


class ReplayOut(BaseModel):
    subscription_id: str
    after_sequence: int
    requeued: int = Field(description="Deliveries already recorded and queued again")
    cursor: int = Field(description="New cursor; later events are offered as they are read")


# -- use cases -------------------------------------------------------------------------------
def _violation_problem(v: RuleViolation) -> Problem:
    return field_error(v.field, v.code, v.en, v.id_)


def _ts(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def _webhook_out(row: Any, english: bool = False) -> dict[str, Any]:
    reason = row.disabled_reason_en if english else row.disabled_reason_id
    return {
        "subscription_id": row.subscription_id,
        "url": row.url,
        "description": row.description,
        "event_types": orjson.loads(row.event_types),
        "status": row.status,
        "disabled_code": row.disabled_code,
        "disabled_reason": reason,
        "disabled_reason_en": row.disabled_reason_en,
        "disabled_reason_id": row.disabled_reason_id,
        "disabled_at": _ts(row.disabled_at),
        "consecutive_failures": row.consecutive_failures,
        "cursor": row.cursor,
        "secret_hint": "..." + row.secret[-4:],
        "created_by": row.created_by,
        "created_at": as_utc(row.created_at),
        "updated_by": row.updated_by,
        "updated_at": as_utc(row.updated_at),
    }


def _delivery_out(row: Any) -> dict[str, Any]:
    return {
        "delivery_id": row.delivery_id,
        "subscription_id": row.subscription_id,
        "event_id": row.event_id,
        "sequence": row.sequence,
        "event_type": row.event_type,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": _ts(row.next_attempt_at) if row.status == "pending" else None,
        "last_status_code": row.last_status_code,
        "last_error": row.last_error,
        "last_latency_ms": row.last_latency_ms,
        "last_attempt_at": _ts(row.last_attempt_at),
        "delivered_at": _ts(row.delivered_at),
        "created_at": as_utc(row.created_at),
    }


async def current_sequence(conn: AsyncConnection, tables: PlatformTables, source: str) -> int:
    """The last sequence assigned so far."""
    counter = tables.outbox_counter
    value = (
        await conn.execute(sa.select(counter.c.last_sequence).where(counter.c.source == source))
    ).scalar_one_or_none()
    return int(value or 0)


async def end_of_outbox(conn: AsyncConnection, tables: PlatformTables, source: str) -> int:
    """The sequence the last committed event will carry: rows already visible but not yet
    numbered by the relay come next, in order."""
    ob = tables.outbox
    waiting = (
        await conn.execute(
            sa.select(sa.func.count()).where(ob.c.published_at.is_(None), ob.c.sequence.is_(None))
        )
    ).scalar_one()
    return await current_sequence(conn, tables, source) + int(waiting)


async def _load(conn: AsyncConnection, wt: WebhookTables, subscription_id: str) -> Any:
    s = wt.subscription
    row = (
        await conn.execute(
            sa.select(s).where(s.c.subscription_id == subscription_id, s.c.status != "deleted")
        )
    ).first()
    if row is None:
        raise not_found("Webhook", "Webhook", subscription_id)
    return row


def _require_active(row: Any) -> Any:
    if row.status != "active":
        raise conflict(
            "webhook-disabled",
            "This webhook is disabled; enable it first (POST /webhooks/{id}/enable)",
            "Webhook ini nonaktif; aktifkan dulu (POST /webhooks/{id}/enable)",
            subscription_id=row.subscription_id,
            disabled_code=row.disabled_code,
        )
    return row


async def register(
    tx: Transaction,
    wt: WebhookTables,
    body: WebhookIn,
    *,
    environment: str,
    known_types: Sequence[str],
    source: str,
) -> tuple[Any, str]:
    """New subscription, offered the events committed after it (use replay for older ones).
    Returns the row and the secret, which is never shown again."""
    try:
        url = validate_url(body.url.strip(), environment=environment)
        patterns = validate_patterns(body.event_types, known_types)
    except RuleViolation as v:
        raise _violation_problem(v) from None
    secret = generate_secret()
    now = utcnow()
    sid = str(uuid.uuid4())
    await tx.conn.execute(
        wt.subscription.insert().values(
            subscription_id=sid,
            url=url,
            description=body.description,
            event_types=orjson.dumps(patterns).decode(),
            secret=secret,
            status="active",
            consecutive_failures=0,
            cursor=await end_of_outbox(tx.conn, tx.tables, source),
            version=1,
            created_by=tx.actor.id,
            created_at=now,
            updated_by=tx.actor.id,
            updated_at=now,
        )
    )
    log.info("webhook registered", subscription_id=sid, host=urlsplit(url).hostname)
    return await _load(tx.conn, wt, sid), secret


async def delete(tx: Transaction, wt: WebhookTables, subscription_id: str) -> None:
    """Soft delete: no more deliveries; the delivery log stays for audit."""
    await _load(tx.conn, wt, subscription_id)
    s = wt.subscription
    await tx.conn.execute(
        sa.update(s)
        .where(s.c.subscription_id == subscription_id)
        .values(
            status="deleted", updated_by=tx.actor.id, updated_at=utcnow(), version=s.c.version + 1
        )
    )
    log.info("webhook deleted", subscription_id=subscription_id)


async def enable(tx: Transaction, wt: WebhookTables, subscription_id: str) -> Any:
    """Re-enable a disabled subscription; events since it was disabled are offered again
    (its cursor stopped), and pending deliveries resume."""
    await _load(tx.conn, wt, subscription_id)
    s = wt.subscription
    await tx.conn.execute(
        sa.update(s)
        .where(s.c.subscription_id == subscription_id)
        .values(
            status="active",
            consecutive_failures=0,
            disabled_code=None,
            disabled_reason_en=None,
            disabled_reason_id=None,
            disabled_at=None,
            updated_by=tx.actor.id,
            updated_at=utcnow(),
            version=s.c.version + 1,
        )
    )
    return await _load(tx.conn, wt, subscription_id)


async def redeliver(
    tx: Transaction, wt: WebhookTables, subscription_id: str, delivery_id: str
) -> Any:
    """Queue one delivery again now, with a fresh retry budget and the same webhook-id."""
    _require_active(await _load(tx.conn, wt, subscription_id))
    d = wt.delivery
    result = await tx.conn.execute(
        sa.update(d)
        .where(d.c.delivery_id == delivery_id, d.c.subscription_id == subscription_id)
        .values(status="pending", run_attempts=0, next_attempt_at=utcnow())
        .returning(*d.c)
    )
    row = result.first()
    if row is None:
        raise not_found("Delivery", "Pengiriman", delivery_id)
    return row


async def replay(
    tx: Transaction, wt: WebhookTables, subscription_id: str, after_sequence: int
) -> dict[str, Any]:
    """Send every matching event after `after_sequence` again: recorded deliveries are queued
    again (same webhook-id); the cursor moves back so that events never offered are."""
    sub = _require_active(await _load(tx.conn, wt, subscription_id))
    d, s = wt.delivery, wt.subscription
    requeued = len(
        (
            await tx.conn.execute(
                sa.update(d)
                .where(d.c.subscription_id == subscription_id, d.c.sequence > after_sequence)
                .values(status="pending", run_attempts=0, next_attempt_at=utcnow())
                .returning(d.c.delivery_id)
            )
        ).all()
    )
    cursor = min(sub.cursor, after_sequence)
    await tx.conn.execute(
        sa.update(s)
        .where(s.c.subscription_id == subscription_id)
        .values(cursor=cursor, updated_by=tx.actor.id, updated_at=utcnow(), version=s.c.version + 1)
    )
    log.info("webhook replay", subscription_id=subscription_id, after=after_sequence)
    return {
        "subscription_id": subscription_id,
        "after_sequence": after_sequence,
        "requeued": requeued,
        "cursor": cursor,
    }


async def list_deliveries(
    conn: AsyncConnection,
    wt: WebhookTables,
    subscription_id: str,
    *,
    status: DeliveryStatus | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """Newest first (by event sequence), cursor-paginated."""
    await _load(conn, wt, subscription_id)
    d = wt.delivery
    q = sa.select(d).where(d.c.subscription_id == subscription_id)
    if status is not None:
        q = q.where(d.c.status == status)
    after = decode_cursor(cursor, 1)
    if after is not None:
        q = q.where(d.c.sequence < int(after[0]))
    rows = (await conn.execute(q.order_by(d.c.sequence.desc()).limit(limit + 1))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [_delivery_out(r) for r in rows],
        "next_cursor": encode_cursor([rows[-1].sequence]) if more else None,
    }


async def delivery_detail(
    conn: AsyncConnection, wt: WebhookTables, subscription_id: str, delivery_id: str
) -> dict[str, Any]:
    await _load(conn, wt, subscription_id)
    d, a = wt.delivery, wt.attempt
    row = (
        await conn.execute(
            sa.select(d).where(
                d.c.delivery_id == delivery_id, d.c.subscription_id == subscription_id
            )
        )
    ).first()
    if row is None:
        raise not_found("Delivery", "Pengiriman", delivery_id)
    attempts = (
        await conn.execute(sa.select(a).where(a.c.delivery_id == delivery_id).order_by(a.c.attempt))
    ).all()
    out = _delivery_out(row)
    out["attempt_log"] = [
        {
            "attempt": r.attempt,
            "attempted_at": as_utc(r.attempted_at),
            "status_code": r.status_code,
            "latency_ms": r.latency_ms,
            "error": r.error,
            "succeeded": r.succeeded,
            "trigger": r.trigger,
        }
        for r in attempts
    ]
    return out


# -- the dispatcher ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Outcome:
    status_code: int | None
    error: str | None
    latency_ms: int
    retry_after_s: float | None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


class BlockedAddress(Exception):
    pass


class WebhookDispatcher:
    """Fans outbox rows out to subscriptions and sends due deliveries. Safe to run in several
    replicas: fan-out locks the subscription row, sends are claimed with a lease."""

    def __init__(
        self,
        engine: AsyncEngine,
        tables: PlatformTables,
        webhook_tables: WebhookTables,
        *,
        source: str,
        environment: str,
        config: WebhookConfig,
        relay: OutboxRelay | None = None,
        deliveries_counter: Counter | None = None,
    ) -> None:
        self._engine = engine
        self._t = tables
        self._w = webhook_tables
        self._source = source
        self._environment = environment
        self.config = config
        self._relay = relay
        self._counter = deliveries_counter
        self._wake = asyncio.Event()
        self._client: httpx.AsyncClient | None = None
        self.idle = False  # the last round found no active subscription

    def wake(self) -> None:
        self._wake.set()

    # fan-out ----------------------------------------------------------------------------
    async def _sequence_outbox(self) -> None:
        """Give new outbox rows their sequence even while the broker is down (the relay does
        the same under the same lock), so webhooks do not wait for Kafka."""
        if self._relay is None:
            return
        ob = self._t.outbox
        async with self._engine.connect() as conn:
            waiting = (
                await conn.execute(
                    sa.select(ob.c.id)
                    .where(ob.c.published_at.is_(None), ob.c.sequence.is_(None))
                    .limit(1)
                )
            ).first()
        if waiting is not None:
            await self._relay.assign_sequences()

    async def _active_subscriptions(self) -> list[str]:
        s = self._w.subscription
        async with self._engine.connect() as conn:
            return list(
                (await conn.execute(sa.select(s.c.subscription_id).where(s.c.status == "active")))
                .scalars()
                .all()
            )

    async def fan_out(self, ids: list[str] | None = None) -> int:
        if ids is None:
            ids = await self._active_subscriptions()
        total = 0
        for sid in ids:
            while True:
                created, more = await self._fan_out_one(sid)
                total += created
                if not more:
                    break
        return total

    async def _fan_out_one(self, subscription_id: str) -> tuple[int, bool]:
        s, d, ob = self._w.subscription, self._w.delivery, self._t.outbox
        async with self._engine.begin() as conn:
            sub = (
                await conn.execute(
                    sa.select(s.c.cursor, s.c.event_types, s.c.status)
                    .where(s.c.subscription_id == subscription_id)
                    .with_for_update()
                )
            ).first()
            if sub is None or sub.status != "active":
                return 0, False
            rows = (
                await conn.execute(
                    sa.select(ob.c.event_id, ob.c.sequence, ob.c.type)
                    .where(ob.c.sequence.is_not(None), ob.c.sequence > sub.cursor)
                    .order_by(ob.c.sequence)
                    .limit(self.config.batch_size)
                )
            ).all()
            if not rows:
                return 0, False
            patterns = orjson.loads(sub.event_types)
            now = utcnow()
            new = [
                {
                    "delivery_id": str(uuid.uuid4()),
                    "subscription_id": subscription_id,
                    "event_id": r.event_id,
                    "sequence": r.sequence,
                    "event_type": r.type,
                    "status": "pending",
                    "attempts": 0,
                    "run_attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for r in rows
                if matches_any(patterns, r.type)
            ]
            await insert_missing(conn, d, new, key=["subscription_id", "event_id"])
            await conn.execute(
                sa.update(s)
                .where(s.c.subscription_id == subscription_id)
                .values(cursor=rows[-1].sequence)
            )
        return len(new), len(rows) == self.config.batch_size

    # delivery ---------------------------------------------------------------------------
    async def deliver_due(self) -> int:
        d, s, ob = self._w.delivery, self._w.subscription, self._t.outbox
        now = utcnow()
        lease = now + timedelta(seconds=max(self.config.lease_s, self.config.timeout_s * 2))
        async with self._engine.begin() as conn:
            due = (
                (
                    await conn.execute(
                        sa.select(d.c.delivery_id)
                        .join(s, s.c.subscription_id == d.c.subscription_id)
                        .where(
                            d.c.status == "pending",
                            d.c.next_attempt_at <= now,
                            s.c.status == "active",
                        )
                        .order_by(d.c.next_attempt_at, d.c.sequence)
                        .limit(self.config.batch_size)
                    )
                )
                .scalars()
                .all()
            )
            if not due:
                return 0
            claimed = (
                (
                    await conn.execute(
                        sa.update(d)
                        .where(
                            d.c.delivery_id.in_(due),
                            d.c.status == "pending",
                            d.c.next_attempt_at <= now,
                        )
                        .values(next_attempt_at=lease)
                        .returning(d.c.delivery_id)
                    )
                )
                .scalars()
                .all()
            )
            if not claimed:
                return 0
            rows = (
                await conn.execute(
                    sa.select(
                        d.c.delivery_id,
                        d.c.subscription_id,
                        d.c.attempts,
                        d.c.run_attempts,
                        s.c.url,
                        s.c.secret,
                        ob,
                    )
                    .join(s, s.c.subscription_id == d.c.subscription_id)
                    .join(ob, ob.c.event_id == d.c.event_id)
                    .where(d.c.delivery_id.in_(claimed))
                    .order_by(d.c.sequence)
                )
            ).all()
        semaphore = asyncio.Semaphore(self.config.concurrency)
        stopped: set[str] = set()  # subscriptions disabled during this batch

        async def one(row: Any) -> None:
            async with semaphore:
                if row.subscription_id in stopped:
                    await self._release(row.delivery_id)
                    return
                outcome = await self._send(row)
                if await self._record(row, outcome):
                    stopped.add(row.subscription_id)

        await asyncio.gather(*(one(r) for r in rows))
        return len(rows)

    async def _release(self, delivery_id: str) -> None:
        """Give back a claimed delivery unsent (due again when its subscription is enabled)."""
        d = self._w.delivery
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.update(d)
                .where(d.c.delivery_id == delivery_id, d.c.status == "pending")
                .values(next_attempt_at=utcnow())
            )

    async def _pin_target(self, url: str) -> tuple[str, dict[str, str], dict[str, Any]]:
        """Resolve the host once, refuse link-local, metadata or (outside development)
        loopback addresses, and send to the address that was checked: the URL gets the IP, the
        Host header and TLS server name (SNI, certificate check) keep the name. Resolving again
        at connect time would let DNS rebinding swap in a forbidden address after the check.
        Behind a configured proxy (`trust_env`) the proxy resolves, so only the check applies.
        Returns the URL to request, extra headers and httpx request extensions."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [literal]
        else:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(
                    host, port, type=socket.SOCK_STREAM
                )
            except OSError as exc:
                raise BlockedAddress(f"cannot resolve {host} ({exc.strerror or exc})") from exc
            addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
            if not addresses:
                raise BlockedAddress(f"cannot resolve {host}")
        dev = self._environment in ("development", "test")
        for addr in addresses:
            reason = address_blocked(addr)
            if reason is None and addr.is_loopback and not dev:
                reason = "loopback"
            if reason is not None:
                raise BlockedAddress(f"target address not allowed ({reason})")
        if literal is not None or self.config.trust_env:
            return url, {}, {}
        chosen = addresses[0]
        ip_host = f"[{chosen}]" if chosen.version == 6 else str(chosen)
        netloc = ip_host if parts.port is None else f"{ip_host}:{parts.port}"
        host_header = host if parts.port is None else f"{host}:{parts.port}"
        extensions: dict[str, Any] = {"sni_hostname": host} if parts.scheme == "https" else {}
        return urlunsplit(parts._replace(netloc=netloc)), {"host": host_header}, extensions

    async def _send(self, row: Any) -> _Outcome:
        body = orjson.dumps(envelope_dict(row, self._source))
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            **signed_headers(row.secret, row.event_id, timestamp, body),
        }
        client = self._client
        if client is None:
            raise RuntimeError("the dispatcher's HTTP client is not open")
        start = time.perf_counter()
        status: int | None = None
        retry_after: float | None = None
        error: str | None = None
        try:
            target, pinned, extensions = await self._pin_target(row.url)
            async with client.stream(
                "POST", target, content=body, headers={**headers, **pinned}, extensions=extensions
            ) as resp:
                status = resp.status_code
                if not 200 <= status < 300:
                    error = f"HTTP {status}"
                    retry_after = _retry_after(resp.headers.get("retry-after"))
        except BlockedAddress as exc:
            error = str(exc)
        except httpx.TimeoutException:
            error = f"timeout after {self.config.timeout_s:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        latency = round((time.perf_counter() - start) * 1000)
        return _Outcome(status, error, latency, retry_after)

    async def _record(self, row: Any, outcome: _Outcome) -> bool:
        """Log the attempt and move the delivery on; True when this disabled the
        subscription."""
        d, s, a = self._w.delivery, self._w.subscription, self._w.attempt
        now = utcnow()
        async with self._engine.begin() as conn:
            current = (
                await conn.execute(
                    sa.select(d.c.attempts, d.c.run_attempts)
                    .where(d.c.delivery_id == row.delivery_id)
                    .with_for_update()
                )
            ).first()
            if current is None:
                return False
            attempt = current.attempts + 1
            run = current.run_attempts + 1
            trigger = "event" if attempt == 1 else ("retry" if run > 1 else "requeue")
            await conn.execute(
                a.insert().values(
                    delivery_id=row.delivery_id,
                    subscription_id=row.subscription_id,
                    attempt=attempt,
                    attempted_at=now,
                    status_code=outcome.status_code,
                    latency_ms=outcome.latency_ms,
                    error=outcome.error,
                    succeeded=outcome.ok,
                    trigger=trigger,
                )
            )
            last = {
                "attempts": attempt,
                "run_attempts": run,
                "last_status_code": outcome.status_code,
                "last_error": outcome.error,
                "last_latency_ms": outcome.latency_ms,
                "last_attempt_at": now,
            }
            if outcome.ok:
                await conn.execute(
                    sa.update(d)
                    .where(d.c.delivery_id == row.delivery_id)
                    .values(status="succeeded", delivered_at=now, next_attempt_at=None, **last)
                )
                # Writes (and locks) the subscription only when there is a count to reset.
                await conn.execute(
                    sa.update(s)
                    .where(
                        s.c.subscription_id == row.subscription_id,
                        s.c.consecutive_failures != 0,
                    )
                    .values(consecutive_failures=0)
                )
                self._count("succeeded")
                return False
            final = run >= self.config.max_attempts
            delay = backoff_s(
                run,
                base_s=self.config.backoff_base_s,
                cap_s=self.config.backoff_cap_s,
                retry_after_s=outcome.retry_after_s,
            )
            await conn.execute(
                sa.update(d)
                .where(d.c.delivery_id == row.delivery_id)
                .values(
                    status="failed" if final else "pending",
                    next_attempt_at=None if final else now + timedelta(seconds=delay),
                    **last,
                )
            )
            sub = (
                await conn.execute(
                    sa.update(s)
                    .where(s.c.subscription_id == row.subscription_id)
                    .values(consecutive_failures=s.c.consecutive_failures + 1)
                    .returning(s.c.consecutive_failures, s.c.status)
                )
            ).one()
            failures = sub.consecutive_failures
            values: dict[str, Any] = {}
            if sub.status == "active":
                if outcome.status_code == 410:
                    values.update(
                        _disabled(
                            "gone",
                            "The receiver answered 410 Gone: it no longer wants these events",
                            "Penerima menjawab 410 Gone: event ini tidak lagi diinginkan",
                            now,
                        )
                    )
                elif failures >= self.config.disable_after:
                    values.update(
                        _disabled(
                            "consecutive_failures",
                            f"Disabled after {failures} consecutive failed attempts "
                            f"(last: {outcome.error})",
                            f"Dinonaktifkan setelah {failures} kali berturut-turut gagal "
                            f"dikirim (terakhir: {outcome.error})",
                            now,
                        )
                    )
            if values:
                await conn.execute(
                    sa.update(s).where(s.c.subscription_id == row.subscription_id).values(**values)
                )
        self._count("failed" if final else "retrying")
        if values.get("status") == "disabled":
            log.warning(
                "webhook disabled",
                subscription_id=row.subscription_id,
                code=values["disabled_code"],
            )
            return True
        return False

    def _count(self, outcome: str) -> None:
        if self._counter is not None:
            self._counter.labels(outcome).inc()

    # loop -------------------------------------------------------------------------------
    async def tick(self) -> int:
        """One round: sequence, fan out, send what is due. Returns deliveries attempted.
        Without an active subscription there is nothing to fan out or send (deliveries of
        disabled subscriptions wait for `enable`), so the round stops after one query and the
        loop idles."""
        ids = await self._active_subscriptions()
        self.idle = not ids
        if self.idle:
            return 0
        await self._sequence_outbox()
        await self.fan_out(ids)
        return await self.deliver_due()

    @contextlib.asynccontextmanager
    async def client(self) -> Any:
        async with httpx.AsyncClient(
            timeout=httpx.Timeout(self.config.timeout_s),
            limits=httpx.Limits(max_connections=self.config.concurrency),
            follow_redirects=False,
            trust_env=self.config.trust_env,
        ) as client:
            self._client = client
            try:
                yield client
            finally:
                self._client = None

    async def run(self) -> None:
        backoff = self.config.poll_interval_s
        async with self.client():
            while True:
                try:
                    sent = await self.tick()
                    backoff = self.config.poll_interval_s
                    if sent >= self.config.batch_size:
                        continue
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # database trouble: nothing is lost, try again
                    log.warning("webhook dispatcher failed; will retry", error=repr(exc)[:300])
                    backoff = min(backoff * 2, 5.0)
                    await asyncio.sleep(backoff)
                    continue
                self._wake.clear()
                pause = self.config.idle_interval_s if self.idle else self.config.poll_interval_s
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=pause)


def _disabled(code: str, en: str, id_: str, now: datetime) -> dict[str, Any]:
    return {
        "status": "disabled",
        "disabled_code": code,
        "disabled_reason_en": en[:500],
        "disabled_reason_id": id_[:500],
        "disabled_at": now,
    }


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


# -- the feature: router + start hook ---------------------------------------------------------
class Webhooks:
    """What a service plugs in: `router` into `ServiceSpec.routers`, `on_start` into
    `ServiceSpec.on_start` (it returns the dispatcher task, which the app cancels at stop)."""

    def __init__(
        self,
        tables: WebhookTables,
        *,
        topics: Sequence[Topic | str],
        config: WebhookConfig | None = None,
    ) -> None:
        self.tables = tables
        self.known_types = known_event_types(topics)
        self.config = config
        self.router = _router(self)

    def dispatcher(self, runtime: Runtime) -> WebhookDispatcher:
        existing = runtime.extras.get("webhooks")
        if isinstance(existing, WebhookDispatcher):
            return existing
        prefix = str(runtime.settings.model_config.get("env_prefix", ""))
        config = self.config or WebhookConfig.from_env(prefix)
        counter = Counter(
            "webhook_deliveries",
            "Webhook delivery attempts by outcome",
            ["outcome"],
            registry=runtime.metrics.registry,
        )
        dispatcher = WebhookDispatcher(
            runtime.engine,
            runtime.tables,
            self.tables,
            source=runtime.settings.source,
            environment=runtime.settings.environment,
            config=config,
            relay=runtime.relay,
            deliveries_counter=counter,
        )
        runtime.extras["webhooks"] = dispatcher
        return dispatcher

    def on_start(self, runtime: Runtime) -> asyncio.Task[None] | None:
        dispatcher = self.dispatcher(runtime)
        if not dispatcher.config.enabled:
            return None
        return asyncio.create_task(dispatcher.run(), name="webhooks")


def _wake(runtime: Runtime) -> None:
    dispatcher = runtime.extras.get("webhooks")
    if isinstance(dispatcher, WebhookDispatcher):
        dispatcher.wake()


SubscriptionId = Annotated[str, Path(max_length=36, description="Webhook subscription id")]
DeliveryId = Annotated[str, Path(max_length=36, description="Delivery id")]


def _router(feature: Webhooks) -> APIRouter:
    router = APIRouter(
        prefix="/webhooks", tags=["webhooks"], responses=problem_responses(400, 404, 409)
    )
    wt = feature.tables
    Admin = Annotated[Principal, Depends(require_roles("admin"))]

    def english(request: Request) -> bool:
        return prefers_english(request)

    @router.post(
        "",
        status_code=201,
        summary="Register a webhook (the signing secret is shown once)",
        response_model=WebhookCreated,
    )
    async def create_webhook(
        body: WebhookIn, request: Request, runtime: RuntimeDep, principal: Admin
    ) -> Response:
        async def work(tx: Transaction) -> Response:
            row, secret = await register(
                tx,
                wt,
                body,
                environment=runtime.settings.environment,
                known_types=feature.known_types,
                source=runtime.settings.source,
            )
            out = WebhookCreated.model_validate(
                {**_webhook_out(row, english(request)), "secret": secret}
            )
            return JSONResponse(
                out.model_dump(mode="json"),
                status_code=201,
                headers={
                    "Location": f"/webhooks/{row.subscription_id}",
                    "Cache-Control": "no-store",
                },
            )

        return await idempotent(request, runtime, principal, work)

    @router.get("", summary="Webhook subscriptions (without secrets)", response_model=WebhookList)
    async def list_webhooks(request: Request, runtime: RuntimeDep, _p: Admin) -> WebhookList:
        s = wt.subscription
        async with runtime.engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(s)
                    .where(s.c.status != "deleted")
                    .order_by(s.c.created_at, s.c.subscription_id)
                )
            ).all()
        return WebhookList.model_validate(
            {"items": [_webhook_out(r, english(request)) for r in rows]}
        )

    @router.get("/{subscription_id}", summary="One webhook subscription", response_model=WebhookOut)
    async def get_webhook(
        subscription_id: SubscriptionId, request: Request, runtime: RuntimeDep, _p: Admin
    ) -> WebhookOut:
        async with runtime.engine.connect() as conn:
            row = await _load(conn, wt, subscription_id)
        return WebhookOut.model_validate(_webhook_out(row, english(request)))

    @router.delete("/{subscription_id}", status_code=204, summary="Delete a webhook (log kept)")
    async def delete_webhook(
        subscription_id: SubscriptionId, runtime: RuntimeDep, principal: Admin
    ) -> Response:
        async with runtime.transaction(principal.actor) as tx:
            await delete(tx, wt, subscription_id)
        return Response(status_code=204)

    @router.post(
        "/{subscription_id}/enable",
        summary="Re-enable a disabled webhook",
        response_model=WebhookOut,
    )
    async def enable_webhook(
        subscription_id: SubscriptionId, request: Request, runtime: RuntimeDep, principal: Admin
    ) -> WebhookOut:
        async with runtime.transaction(principal.actor) as tx:
            row = await enable(tx, wt, subscription_id)
        _wake(runtime)
        return WebhookOut.model_validate(_webhook_out(row, english(request)))

    @router.get(
        "/{subscription_id}/deliveries",
        summary="Delivery log, newest first",
        response_model=DeliveryPage,
    )
    async def list_webhook_deliveries(
        subscription_id: SubscriptionId,
        runtime: RuntimeDep,
        _p: Admin,
        status: Annotated[DeliveryStatus | None, Query()] = None,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> DeliveryPage:
        async with runtime.engine.connect() as conn:
            page = await list_deliveries(
                conn, wt, subscription_id, status=status, cursor=cursor, limit=limit
            )
        return DeliveryPage.model_validate(page)

    @router.get(
        "/{subscription_id}/deliveries/{delivery_id}",
        summary="One delivery with every attempt",
        response_model=DeliveryDetail,
    )
    async def get_webhook_delivery(
        subscription_id: SubscriptionId, delivery_id: DeliveryId, runtime: RuntimeDep, _p: Admin
    ) -> DeliveryDetail:
        async with runtime.engine.connect() as conn:
            out = await delivery_detail(conn, wt, subscription_id, delivery_id)
        return DeliveryDetail.model_validate(out)

    @router.post(
        "/{subscription_id}/deliveries/{delivery_id}/redeliver",
        status_code=202,
        summary="Send one delivery again (same webhook-id)",
        response_model=DeliveryOut,
    )
    async def redeliver_webhook_delivery(
        subscription_id: SubscriptionId,
        delivery_id: DeliveryId,
        runtime: RuntimeDep,
        principal: Admin,
    ) -> DeliveryOut:
        async with runtime.transaction(principal.actor) as tx:
            row = await redeliver(tx, wt, subscription_id, delivery_id)
        _wake(runtime)
        return DeliveryOut.model_validate(_delivery_out(row))

    @router.post(
        "/{subscription_id}/replay",
        status_code=202,
        summary="Send every matching event after a sequence again",
        response_model=ReplayOut,
    )
    async def replay_webhook(
        subscription_id: SubscriptionId, body: ReplayIn, runtime: RuntimeDep, principal: Admin
    ) -> ReplayOut:
        async with runtime.engine.connect() as conn:
            last = await current_sequence(conn, runtime.tables, runtime.settings.source)
        if body.after_sequence > last:
            raise field_error(
                "after_sequence",
                "sequence_ahead",
                f"This service has published up to sequence {last}",
                f"Layanan ini baru menerbitkan sampai nomor urut {last}",
            )
        async with runtime.transaction(principal.actor) as tx:
            out = await replay(tx, wt, subscription_id, body.after_sequence)
        _wake(runtime)
        return ReplayOut.model_validate(out)

    return router
