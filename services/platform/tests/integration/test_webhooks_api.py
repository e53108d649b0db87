"""The webhook API of a service built with the app factory, with the dispatcher running in the
background and a real local HTTP receiver: admin only, bilingual 422s for bad URLs and
filters, the secret shown once, the delivery log, redelivery, replay, enable, delete."""

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from tatamutasi_contracts import Topic
from tatamutasi_contracts.mutasi import MutasiRoundChanged
from tatamutasi_platform.app import ServiceSpec, create_service_app
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.db import create_engine, new_metadata
from tatamutasi_platform.http import RuntimeDep, require_roles
from tatamutasi_platform.settings import ServiceSettings
from tatamutasi_platform.tables import add_platform_tables
from tatamutasi_platform.testing import service_settings
from tatamutasi_platform.webhooks import WebhookConfig, Webhooks
from tatamutasi_platform.webhooks_signing import verify
from tatamutasi_platform.webhooks_tables import add_webhook_tables

METADATA = new_metadata()
PLATFORM = add_platform_tables(METADATA)
WEBHOOK_TABLES = add_webhook_tables(METADATA)


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.default = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (stdlib name)
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                outer.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(outer.default)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Poll until `predicate()` is truthy (the dispatcher runs in the app's loop)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def _emit_router() -> APIRouter:
    router = APIRouter()

    @router.post("/test/rounds/{n}")
    async def emit_round(
        n: int, runtime: RuntimeDep, p: Principal = Depends(require_roles("admin"))
    ) -> dict[str, str]:
        async with runtime.transaction(p.actor) as tx:
            event_id = await tx.emit(
                MutasiRoundChanged(round_id=f"R-{n}", name=f"Mutasi {n}", status="open"),
                subject=f"R-{n}",
            )
        return {"event_id": event_id}

    return router


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def client(
    db_url: str, dev_keys: tuple[bytes, Path], request: pytest.FixtureRequest
) -> Iterator[TestClient]:
    async def create() -> None:
        engine = create_engine(db_url, pool_size=1)
        async with engine.begin() as conn:
            await conn.run_sync(METADATA.create_all)
        await engine.dispose()

    asyncio.run(create())
    feature = Webhooks(
        WEBHOOK_TABLES,
        topics=[Topic.MUTASI],
        config=WebhookConfig(
            backoff_base_s=0.05,
            backoff_cap_s=0.1,
            max_attempts=2,
            disable_after=4,
            poll_interval_s=0.05,
            timeout_s=5,
        ),
    )
    spec = ServiceSpec(
        name="whtest",
        title="webhook test",
        description="",
        package="tatamutasi_platform",
        metadata=METADATA,
        tables=PLATFORM,
        routers=[feature.router, _emit_router()],
        publishes=[Topic.MUTASI.value],
        on_start=[feature.on_start],
    )
    settings = service_settings(
        ServiceSettings,
        db_url=db_url,
        public_key=dev_keys[1],
        service_name="whtest",
        migrate_on_start=False,
        consumer_enabled=False,
        log_level=getattr(request, "param", "WARNING"),
    )
    with TestClient(create_service_app(spec, settings)) as c:  # type: ignore[arg-type]
        yield c


def _register(
    client: TestClient, admin: dict[str, str], url: str, types: list[str] | None = None
) -> dict[str, Any]:
    r = client.post(
        "/webhooks", json={"url": url, "event_types": types or ["mutasi.*"]}, headers=admin
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_admin_only(client: TestClient, auth_headers: Callable[..., dict[str, str]]) -> None:
    for role in ("operator", "ppk", "auditor", "integration"):
        r = client.get("/webhooks", headers=auth_headers(role))
        assert r.status_code == 403
        assert r.headers["content-type"].startswith("application/problem+json")
        r = client.post(
            "/webhooks",
            json={"url": "http://127.0.0.1:1/h", "event_types": ["*"]},
            headers=auth_headers(role),
        )
        assert r.status_code == 403
    assert client.get("/webhooks").status_code == 401


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://example.com/h", "url_not_https"),
        ("https://user:pw@example.com/h", "url_userinfo"),
        ("https://169.254.169.254/latest/meta-data/", "url_metadata"),
        ("https://[fe80::1]/h", "url_link_local"),
        ("not a url", "url_whitespace"),
        ("mailto:bkd@example.go.id", "url_scheme"),
    ],
)
def test_bad_urls_are_bilingual_422s(
    client: TestClient, auth_headers: Callable[..., dict[str, str]], url: str, code: str
) -> None:
    r = client.post(
        "/webhooks", json={"url": url, "event_types": ["mutasi.*"]}, headers=auth_headers("admin")
    )
    assert r.status_code == 422
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    (error,) = body["errors"]
    assert (error["field"], error["code"]) == ("url", code)
    assert (
        error["message_id"] and error["message_en"] and error["message_id"] != error["message_en"]
    )
    assert client.get("/webhooks", headers=auth_headers("admin")).json()["items"] == []


def test_bad_event_type_filters_are_422s(
    client: TestClient, auth_headers: Callable[..., dict[str, str]], receiver: Receiver
) -> None:
    admin = auth_headers("admin")
    for types, code in (
        (["pegawai.*"], "event_type_unknown"),
        (["mutasi.proposal_*"], "event_type_pattern"),
    ):
        r = client.post(
            "/webhooks", json={"url": receiver.url, "event_types": types}, headers=admin
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "event_types"
        assert r.json()["errors"][0]["code"] == code
    r = client.post("/webhooks", json={"url": receiver.url, "event_types": []}, headers=admin)
    assert r.status_code == 422


@pytest.mark.parametrize("client", ["INFO"], indirect=True)  # logs on: the secret is not there
def test_secret_is_shown_once_and_signs_deliveries(
    client: TestClient,
    auth_headers: Callable[..., dict[str, str]],
    receiver: Receiver,
    capsys: pytest.CaptureFixture[str],
) -> None:
    admin = auth_headers("admin")
    created = _register(client, admin, receiver.url)
    secret = created["secret"]
    sid = created["subscription_id"]
    assert secret.startswith("whsec_")
    assert created["secret_hint"] == "..." + secret[-4:]
    assert created["created_by"] == "test-admin"
    for r in (
        client.get("/webhooks", headers=admin),
        client.get(f"/webhooks/{sid}", headers=admin),
    ):
        assert r.status_code == 200
        assert secret not in r.text
    assert [
        w["subscription_id"] for w in client.get("/webhooks", headers=admin).json()["items"]
    ] == [sid]

    event_id = client.post("/test/rounds/1", headers=admin).json()["event_id"]
    wait_for(lambda: receiver.requests)
    headers, body = receiver.requests[0]
    assert headers["webhook-id"] == event_id
    verify(secret, headers, body, now=int(time.time()))
    assert orjson.loads(body)["type"] == "mutasi.round_changed"

    page = wait_for(
        lambda: (
            (p := client.get(f"/webhooks/{sid}/deliveries", headers=admin).json())["items"]
            and p["items"][0]["status"] == "succeeded"
            and p
        )
    )
    (d,) = page["items"]
    assert (d["event_id"], d["sequence"], d["attempts"], d["last_status_code"]) == (
        event_id,
        1,
        1,
        200,
    )
    detail = client.get(f"/webhooks/{sid}/deliveries/{d['delivery_id']}", headers=admin).json()
    (attempt,) = detail["attempt_log"]
    assert (attempt["attempt"], attempt["status_code"], attempt["succeeded"]) == (1, 200, True)
    assert attempt["trigger"] == "event" and attempt["latency_ms"] >= 0
    metrics = client.get("/metrics").text
    assert 'webhook_deliveries_total{outcome="succeeded"} 1.0' in metrics
    logged = capsys.readouterr()
    assert "webhook registered" in logged.out + logged.err  # the logs were captured...
    assert secret not in logged.out + logged.err  # ...and never carry the secret


def test_failures_disable_then_enable_redeliver_and_replay(
    client: TestClient, auth_headers: Callable[..., dict[str, str]], receiver: Receiver
) -> None:
    admin = auth_headers("admin")
    sid = _register(client, admin, receiver.url)["subscription_id"]
    receiver.default = 500
    for n in range(1, 3):
        client.post(f"/test/rounds/{n}", headers=admin)
    hook = wait_for(
        lambda: (
            (w := client.get(f"/webhooks/{sid}", headers=admin).json())["status"] == "disabled"
            and w
        )
    )
    assert hook["disabled_code"] == "consecutive_failures"
    assert hook["disabled_reason"] == hook["disabled_reason_id"]  # Indonesian by default
    assert "HTTP 500" in hook["disabled_reason_en"]
    en = client.get(f"/webhooks/{sid}", headers={**admin, "Accept-Language": "en"}).json()
    assert en["disabled_reason"] == hook["disabled_reason_en"]
    failed = client.get(f"/webhooks/{sid}/deliveries?status=failed", headers=admin).json()["items"]
    assert {d["sequence"] for d in failed} == {1, 2}

    r = client.post(
        f"/webhooks/{sid}/deliveries/{failed[0]['delivery_id']}/redeliver", headers=admin
    )
    assert r.status_code == 409
    assert r.json()["type"] == "urn:tatamutasi:problem:webhook-disabled"

    receiver.default = 200
    r = client.post(f"/webhooks/{sid}/enable", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "active"
    assert r.json()["consecutive_failures"] == 0
    sent = len(receiver.requests)
    r = client.post(
        f"/webhooks/{sid}/deliveries/{failed[0]['delivery_id']}/redeliver", headers=admin
    )
    assert r.status_code == 202 and r.json()["status"] == "pending"
    wait_for(lambda: len(receiver.requests) == sent + 1)
    assert receiver.requests[-1][0]["webhook-id"] == failed[0]["event_id"]

    r = client.post(f"/webhooks/{sid}/replay", json={"after_sequence": 0}, headers=admin)
    assert r.status_code == 202 and r.json()["requeued"] == 2
    wait_for(lambda: len(receiver.requests) == sent + 3)
    assert {orjson.loads(b)["sequence"] for _, b in receiver.requests[-2:]} == {1, 2}
    wait_for(
        lambda: all(
            d["status"] == "succeeded"
            for d in client.get(f"/webhooks/{sid}/deliveries", headers=admin).json()["items"]
        )
    )
    r = client.post(f"/webhooks/{sid}/replay", json={"after_sequence": 99}, headers=admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "after_sequence"


def test_delivery_log_paginates_and_unknown_ids_are_404(
    client: TestClient, auth_headers: Callable[..., dict[str, str]], receiver: Receiver
) -> None:
    admin = auth_headers("admin")
    sid = _register(client, admin, receiver.url)["subscription_id"]
    for n in range(1, 6):
        client.post(f"/test/rounds/{n}", headers=admin)
    wait_for(lambda: len(receiver.requests) == 5)
    seen: list[int] = []
    url = f"/webhooks/{sid}/deliveries?limit=2"
    while True:
        page = client.get(url, headers=admin).json()
        seen += [d["sequence"] for d in page["items"]]
        if page["next_cursor"] is None:
            break
        url = f"/webhooks/{sid}/deliveries?limit=2&cursor={page['next_cursor']}"
    assert seen == [5, 4, 3, 2, 1]
    assert client.get("/webhooks/nope", headers=admin).status_code == 404
    assert client.get(f"/webhooks/{sid}/deliveries/nope", headers=admin).status_code == 404
    r = client.post(f"/webhooks/{sid}/deliveries/nope/redeliver", headers=admin)
    assert r.status_code == 404
    assert client.get(f"/webhooks/{sid}/deliveries?cursor=zzz", headers=admin).status_code == 400


def test_delete_stops_deliveries_and_keeps_the_log_out_of_the_list(
    client: TestClient, auth_headers: Callable[..., dict[str, str]], receiver: Receiver
) -> None:
    admin = auth_headers("admin")
    sid = _register(client, admin, receiver.url)["subscription_id"]
    assert client.delete(f"/webhooks/{sid}", headers=admin).status_code == 204
    assert client.get(f"/webhooks/{sid}", headers=admin).status_code == 404
    assert client.delete(f"/webhooks/{sid}", headers=admin).status_code == 404
    assert client.get("/webhooks", headers=admin).json()["items"] == []
    # A live subscription registered after it proves the dispatcher ran past this event.
    live = Receiver()
    try:
        _register(client, admin, live.url)
        client.post("/test/rounds/1", headers=admin)
        wait_for(lambda: live.requests)
    finally:
        live.close()
    assert receiver.requests == []


def test_idempotency_key_replays_the_registration(
    client: TestClient, auth_headers: Callable[..., dict[str, str]], receiver: Receiver
) -> None:
    admin = {**auth_headers("admin"), "Idempotency-Key": "wh-1"}
    body = {"url": receiver.url, "event_types": ["mutasi.round_changed"]}
    first = client.post("/webhooks", json=body, headers=admin)
    again = client.post("/webhooks", json=body, headers=admin)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["subscription_id"] == first.json()["subscription_id"]
    assert len(client.get("/webhooks", headers=admin).json()["items"]) == 1
