"""The webhook dispatcher against a real database (SQLite and PostgreSQL) and a real local
HTTP receiver, tick by tick (no background loop, no sleeping): signing, filters, retries after
500s, the failed and disabled states, redelivery, replay and crash recovery."""

import asyncio
import base64
import hashlib
import hmac
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from tatamutasi_contracts.mutasi import MutasiBlackoutSet, MutasiRoundChanged
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.db import create_engine, new_metadata
from tatamutasi_platform.metrics import Metrics
from tatamutasi_platform.outbox import Actor, OutboxRelay, Publisher
from tatamutasi_platform.problems import Problem
from tatamutasi_platform.runtime import Transaction
from tatamutasi_platform.tables import add_platform_tables
from tatamutasi_platform.webhooks import (
    WebhookConfig,
    WebhookDispatcher,
    WebhookIn,
    known_event_types,
    redeliver,
    register,
    replay,
)
from tatamutasi_platform.webhooks_signing import verify
from tatamutasi_platform.webhooks_tables import add_webhook_tables

SOURCE = "/tatamutasi/whtest"
METADATA = new_metadata()
PLATFORM = add_platform_tables(METADATA)
WEBHOOKS = add_webhook_tables(METADATA)
TYPES = known_event_types(["tatamutasi.mutasi.v1"])
ADMIN = Actor("admin-1", "admin")


class Receiver:
    """A real HTTP server on 127.0.0.1 answering with scripted status codes (then 200)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.script: list[int] = []
        self.default = 200
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (stdlib name)
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with outer._lock:
                    outer.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    status = outer.script.pop(0) if outer.script else outer.default
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def bodies(self) -> list[dict[str, Any]]:
        return [orjson.loads(b) for _, b in self.requests]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _NoBroker(Publisher):
    async def publish(self, messages: Any) -> None:
        raise AssertionError("not used")

    @property
    def ready(self) -> bool:
        return False


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


class Env:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, pool_size=4)
        self.relay = OutboxRelay(self.engine, PLATFORM, SOURCE, _NoBroker(), Metrics())
        self.config = WebhookConfig(
            backoff_base_s=0, backoff_cap_s=0, max_attempts=3, disable_after=5, timeout_s=5
        )

    def dispatcher(self, **overrides: Any) -> WebhookDispatcher:
        config = WebhookConfig(**{**self.config.__dict__, **overrides})
        return WebhookDispatcher(
            self.engine,
            PLATFORM,
            WEBHOOKS,
            source=SOURCE,
            environment="test",
            config=config,
            relay=self.relay,
        )

    async def emit(self, *payloads: Any) -> None:
        async with self.engine.begin() as conn:
            tx = Transaction(conn, PLATFORM, ADMIN)
            for p in payloads:
                await tx.emit(p, subject=getattr(p, "round_id", None) or "blackout")

    async def subscribe(self, url: str, patterns: list[str]) -> tuple[str, str]:
        async with self.engine.begin() as conn:
            row, secret = await register(
                Transaction(conn, PLATFORM, ADMIN),
                WEBHOOKS,
                WebhookIn(url=url, event_types=patterns),
                environment="test",
                known_types=TYPES,
                source=SOURCE,
            )
        return row.subscription_id, secret

    async def run(self, d: WebhookDispatcher, ticks: int = 1) -> None:
        async with d.client():
            for _ in range(ticks):
                await d.tick()

    async def deliveries(self, sid: str) -> list[Any]:
        d = WEBHOOKS.delivery
        async with self.engine.connect() as conn:
            return list(
                (
                    await conn.execute(
                        sa.select(d).where(d.c.subscription_id == sid).order_by(d.c.sequence)
                    )
                ).all()
            )

    async def attempts(self, delivery_id: str) -> list[Any]:
        a = WEBHOOKS.attempt
        async with self.engine.connect() as conn:
            return list(
                (
                    await conn.execute(
                        sa.select(a).where(a.c.delivery_id == delivery_id).order_by(a.c.attempt)
                    )
                ).all()
            )

    async def subscription(self, sid: str) -> Any:
        s = WEBHOOKS.subscription
        async with self.engine.connect() as conn:
            return (await conn.execute(sa.select(s).where(s.c.subscription_id == sid))).one()

    async def tx(self) -> AsyncIterator[Transaction]:
        async with self.engine.begin() as conn:
            yield Transaction(conn, PLATFORM, ADMIN)


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    e = Env(db_url)
    async with e.engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)
    yield e
    await e.engine.dispose()


def _round(n: int) -> MutasiRoundChanged:
    return MutasiRoundChanged(round_id=f"R-{n}", name=f"Mutasi {n}", status="open")


def _blackout() -> MutasiBlackoutSet:
    return MutasiBlackoutSet(
        blackout_id="B-1", start=utcnow().date(), end=utcnow().date(), basis="Pilkada 2027"
    )


async def test_deliveries_are_signed_and_carry_the_sequenced_envelope(
    env: Env, receiver: Receiver
) -> None:
    sid, secret = await env.subscribe(receiver.url, ["mutasi.*"])
    await env.emit(_round(1), _round(2))
    await env.run(env.dispatcher())

    assert len(receiver.requests) == 2
    receiver.requests.sort(key=lambda r: orjson.loads(r[1])["sequence"])
    bodies = receiver.bodies()
    assert [b["sequence"] for b in bodies] == [1, 2]
    assert [b["data"]["round_id"] for b in bodies] == ["R-1", "R-2"]
    assert {b["source"] for b in bodies} == {SOURCE}
    key = base64.b64decode(secret.removeprefix("whsec_"))
    for (headers, raw), body in zip(receiver.requests, bodies, strict=True):
        assert headers["content-type"] == "application/json"
        assert headers["webhook-id"] == body["id"]
        signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + raw
        independent = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        assert headers["webhook-signature"] == f"v1,{independent}"
        verify(secret, headers, raw, now=int(headers["webhook-timestamp"]))
        assert secret not in headers.values()
    rows = await env.deliveries(sid)
    assert [r.status for r in rows] == ["succeeded", "succeeded"]
    assert [r.last_status_code for r in rows] == [200, 200]
    assert all(r.delivered_at is not None and r.last_latency_ms >= 0 for r in rows)


async def test_event_type_filter_and_start_at_the_current_end(env: Env, receiver: Receiver) -> None:
    await env.emit(_round(0))  # before any subscription: not offered
    only_rounds, _ = await env.subscribe(receiver.url, ["mutasi.round_changed"])
    everything, _ = await env.subscribe(receiver.url, ["*"])
    await env.emit(_round(1), _blackout())
    await env.run(env.dispatcher())

    assert [r.event_type for r in await env.deliveries(only_rounds)] == ["mutasi.round_changed"]
    assert [r.event_type for r in await env.deliveries(everything)] == [
        "mutasi.round_changed",
        "mutasi.blackout_set",
    ]
    assert [r.sequence for r in await env.deliveries(everything)] == [2, 3]
    assert (await env.subscription(only_rounds)).cursor == 3
    assert len(receiver.requests) == 3


async def test_retries_after_500s_then_succeeds_with_the_same_webhook_id(
    env: Env, receiver: Receiver
) -> None:
    sid, _ = await env.subscribe(receiver.url, ["mutasi.*"])
    await env.emit(_round(1))
    receiver.script = [500, 502]
    await env.run(env.dispatcher(), ticks=3)

    (row,) = await env.deliveries(sid)
    assert (row.status, row.attempts, row.last_status_code) == ("succeeded", 3, 200)
    log = await env.attempts(row.delivery_id)
    assert [(a.attempt, a.status_code, a.succeeded, a.trigger) for a in log] == [
        (1, 500, False, "event"),
        (2, 502, False, "retry"),
        (3, 200, True, "retry"),
    ]
    assert [a.error for a in log] == ["HTTP 500", "HTTP 502", None]
    assert len({h["webhook-id"] for h, _ in receiver.requests}) == 1
    assert (await env.subscription(sid)).consecutive_failures == 0


async def test_backoff_waits_before_the_next_attempt(env: Env, receiver: Receiver) -> None:
    sid, _ = await env.subscribe(receiver.url, ["mutasi.*"])
    await env.emit(_round(1))
    receiver.default = 500
    await env.run(env.dispatcher(backoff_base_s=600, backoff_cap_s=3600), ticks=3)

    (row,) = await env.deliveries(sid)
    assert (row.status, row.attempts) == ("pending", 1)  # not due again for 10 minutes
    assert len(receiver.requests) == 1
    assert row.next_attempt_at is not None


async def test_gives_up_after_max_attempts_and_redeliver_resends(
    env: Env, receiver: Receiver
) -> None:
    sid, _ = await env.subscribe(receiver.url, ["mutasi.*"])
    await env.emit(_round(1))
    receiver.default = 500
    d = env.dispatcher()
    await env.run(d, ticks=5)
    (row,) = await env.deliveries(sid)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 3, None)
    assert len(receiver.requests) == 3

    receiver.default = 204
    async for tx in env.tx():
        queued = await redeliver(tx, WEBHOOKS, sid, row.delivery_id)
    assert queued.status == "pending"
    await env.run(d)
    (row,) = await env.deliveries(sid)
    assert (row.status, row.attempts, row.last_status_code) == ("succeeded", 4, 204)
    assert [a.trigger for a in await env.attempts(row.delivery_id)][-1] == "requeue"
    assert len({h["webhook-id"] for h, _ in receiver.requests}) == 1


async def test_disabled_after_consecutive_failures_with_a_visible_reason(
    env: Env, receiver: Receiver
) -> None:
    sid, _ = await env.subscribe(receiver.url, ["mutasi.*"])
    await env.emit(*(_round(i) for i in range(1, 4)))
    receiver.default = 503
    await env.run(env.dispatcher(concurrency=1), ticks=4)  # one at a time: none in flight

    sub = await env.subscription(sid)
    assert sub.status == "disabled"
    assert sub.disabled_code == "consecutive_failures"
    assert sub.disabled_reason_en.startswith("Disabled after 5 consecutive failed attempts")
    assert "HTTP 503" in sub.disabled_reason_en
    assert sub.disabled_reason_id.startswith("Dinonaktifkan setelah 5 kali")
    sent = len(receiver.requests)
    assert sent == 5  # nothing more once disabled

    await env.emit(_round(9))
    await env.run(env.dispatcher(), ticks=2)
    assert len(receiver.requests) == sent
    assert (await env.subscription(sid)).cursor == 3  # not advanced while disabled
    first = (await env.deliveries(sid))[0].delivery_id
    async for tx in env.tx():
        with pytest.raises(Problem) as info:
            await redeliver(tx, WEBHOOKS, sid, first)
    assert (info.value.status, info.value.code) == (409, "webhook-disabled")


async def test_410_gone_disables_at_once(env: Env, receiver: Receiver) -> None:
    sid, _ = await env.subscribe(receiver.url, ["mutasi.*"])
    await env.emit(_round(1))
    receiver.default = 410
    await env.run(env.dispatcher(), ticks=3)
    sub = await env.subscription(sid)
    assert (sub.status, sub.disabled_code) == ("disabled", "gone")
    assert len(receiver.requests) == 1


async def test_replay_from_a_sequence_resends_and_fills_gaps(env: Env, receiver: Receiver) -> None:
    sid, _ = await env.subscribe(receiver.url, ["mutasi.*"])
    await env.emit(_round(1), _round(2), _round(3))
    d = env.dispatcher()
    await env.run(d)
    id_of = {orjson.loads(b)["sequence"]: h["webhook-id"] for h, b in receiver.requests}
    assert len(id_of) == 3

    async for tx in env.tx():
        out = await replay(tx, WEBHOOKS, sid, 1)
    assert (out["requeued"], out["cursor"]) == (2, 1)
    await env.run(d)
    assert sorted(b["sequence"] for b in receiver.bodies()[3:]) == [2, 3]  # no order promised
    assert {orjson.loads(b)["sequence"]: h["webhook-id"] for h, b in receiver.requests[3:]} == {
        2: id_of[2],
        3: id_of[3],
    }
    assert len(await env.deliveries(sid)) == 3  # the same deliveries, sent again

    # A subscription made later starts at the end; replay from 0 offers the history.
    late, _ = await env.subscribe(receiver.url, ["mutasi.round_changed"])
    await env.run(d)
    assert await env.deliveries(late) == []
    async for tx in env.tx():
        out = await replay(tx, WEBHOOKS, late, 0)
    assert (out["requeued"], out["cursor"]) == (0, 0)
    await env.run(d)
    assert [r.sequence for r in await env.deliveries(late)] == [1, 2, 3]
    assert all(r.status == "succeeded" for r in await env.deliveries(late))


async def test_a_crash_mid_send_is_resumed_after_the_lease(env: Env, receiver: Receiver) -> None:
    """A delivery claimed by a process that died (lease set, no attempt recorded) is sent
    again once the lease expires; before that, no other dispatcher touches it."""
    sid, _ = await env.subscribe(receiver.url, ["mutasi.*"])
    await env.emit(_round(1))
    d = env.dispatcher()
    await env.relay.assign_sequences()
    await d.fan_out()
    (row,) = await env.deliveries(sid)
    dl = WEBHOOKS.delivery
    async with env.engine.begin() as conn:  # what a claim leaves behind
        await conn.execute(sa.update(dl).values(next_attempt_at=utcnow() + timedelta(seconds=60)))
    await env.run(d)
    assert receiver.requests == []
    async with env.engine.begin() as conn:  # the lease runs out
        await conn.execute(sa.update(dl).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    await env.run(d)
    (row,) = await env.deliveries(sid)
    assert (row.status, row.attempts) == ("succeeded", 1)
    assert len(receiver.requests) == 1


async def test_two_dispatchers_do_not_send_a_delivery_twice(env: Env, receiver: Receiver) -> None:
    sid, _ = await env.subscribe(receiver.url, ["mutasi.*"])
    await env.emit(*(_round(i) for i in range(1, 21)))
    a, b = env.dispatcher(), env.dispatcher()
    async with a.client(), b.client():
        await asyncio.gather(a.tick(), b.tick())
        await asyncio.gather(a.tick(), b.tick())
    rows = await env.deliveries(sid)
    assert len(rows) == 20 and all(r.status == "succeeded" for r in rows)
    assert len(receiver.requests) == 20
    assert sorted(b["sequence"] for b in receiver.bodies()) == list(range(1, 21))


async def test_unreachable_receiver_is_logged_as_an_error(env: Env, receiver: Receiver) -> None:
    sid, _ = await env.subscribe(receiver.url, ["mutasi.*"])
    receiver.close()  # nothing listens on that port any more
    await env.emit(_round(1))
    await env.run(env.dispatcher())
    (row,) = await env.deliveries(sid)
    assert row.status == "pending" and row.last_status_code is None
    assert row.last_error.startswith("ConnectError")
    (attempt,) = await env.attempts(row.delivery_id)
    assert not attempt.succeeded and attempt.error == row.last_error


def _resolve_as(monkeypatch: pytest.MonkeyPatch, table: dict[str, list[str]]) -> list[str]:
    """Make the event loop's resolver answer `table` (host → addresses); returns the hosts
    looked up. Names outside the table fail as unknown."""
    import socket

    looked_up: list[str] = []

    async def fake_getaddrinfo(
        self: asyncio.AbstractEventLoop, host: str, port: int, **_kw: Any
    ) -> list[Any]:
        looked_up.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in table[host]
        ]

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", fake_getaddrinfo)
    return looked_up


async def test_delivery_goes_to_the_address_that_was_checked(
    env: Env, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name is resolved once, checked, and the request is sent to that
    address with the name kept in the Host header. The system resolver does not know
    `hooks.localhost`, so a second resolution at connect time would fail the delivery."""
    port = receiver.url.split(":")[2].split("/")[0]
    sid, _ = await env.subscribe(f"http://hooks.localhost:{port}/hook", ["mutasi.*"])
    looked_up = _resolve_as(monkeypatch, {"hooks.localhost": ["127.0.0.1"]})
    await env.emit(_round(1))
    await env.run(env.dispatcher())

    (row,) = await env.deliveries(sid)
    assert row.status == "succeeded", row.last_error
    (headers, _body) = receiver.requests[0]
    assert headers["host"] == f"hooks.localhost:{port}"
    assert looked_up == ["hooks.localhost"]


async def test_pinning_keeps_the_name_for_tls_and_refuses_a_rebound_address(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tatamutasi_platform.webhooks import BlockedAddress

    _resolve_as(
        monkeypatch,
        {
            "hooks.example.org": ["203.0.113.7"],
            "v6.example.org": ["2001:db8::7"],
            "rebound.example.org": ["203.0.113.8", "169.254.169.254"],
        },
    )
    d = env.dispatcher()
    assert await d._pin_target("https://hooks.example.org:8443/x?a=1") == (
        "https://203.0.113.7:8443/x?a=1",
        {"host": "hooks.example.org:8443"},
        {"sni_hostname": "hooks.example.org"},
    )
    assert await d._pin_target("https://v6.example.org/x") == (
        "https://[2001:db8::7]/x",
        {"host": "v6.example.org"},
        {"sni_hostname": "v6.example.org"},
    )
    # an IP literal is checked and sent as it is
    assert await d._pin_target("https://203.0.113.9/x") == ("https://203.0.113.9/x", {}, {})
    with pytest.raises(BlockedAddress, match="link_local|metadata"):
        await d._pin_target("https://rebound.example.org/x")
    with pytest.raises(BlockedAddress, match="cannot resolve"):
        await d._pin_target("https://unknown.example.org/x")
    # behind a proxy the proxy resolves: checked, not rewritten
    proxied = env.dispatcher(trust_env=True)
    assert await proxied._pin_target("https://hooks.example.org/x") == (
        "https://hooks.example.org/x",
        {},
        {},
    )


async def test_without_subscriptions_the_dispatcher_idles(env: Env, receiver: Receiver) -> None:
    """No active subscription: one query per round, the outbox is left to the relay, and the
    loop waits `idle_interval_s` (or a wake) instead of polling."""
    d = env.dispatcher()
    await env.emit(_round(1))
    assert await d.tick() == 0
    assert d.idle
    ob = PLATFORM.outbox
    async with env.engine.connect() as conn:
        sequences = (await conn.execute(sa.select(ob.c.sequence))).scalars().all()
    assert sequences == [None]  # not sequenced: nobody needs it yet

    await env.subscribe(receiver.url, ["mutasi.*"])
    await env.emit(_round(2))
    await env.run(d)
    assert not d.idle
    assert [b["data"]["round_id"] for b in receiver.bodies()] == ["R-2"]
