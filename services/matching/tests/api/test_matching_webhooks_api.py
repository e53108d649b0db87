"""Webhooks on the matching service (issue #7 item 8): an admin subscribes a URL to mutasi
events; a write's event reaches a real local receiver, signed per Standard Webhooks."""

import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from tatamutasi_matching.app import create_app
from tatamutasi_matching.settings import MatchingSettings
from tatamutasi_platform.testing import service_settings

Headers = Callable[..., dict[str, str]]
NIP = "199001012015011002"


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (stdlib name)
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                outer.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/tatamutasi"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def client(
    db_url: str, dev_keys: tuple[bytes, Path], monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("MATCHING_WEBHOOK_POLL_INTERVAL_S", "0.05")
    monkeypatch.setenv("MATCHING_WEBHOOK_BACKOFF_BASE_S", "0.05")
    settings = service_settings(MatchingSettings, db_url=db_url, public_key=dev_keys[1])
    with TestClient(create_app(settings)) as c:  # type: ignore[arg-type]
        yield c


def _wait(predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
    return value


def test_mutasi_events_reach_a_subscribed_receiver_signed(
    client: TestClient, auth_headers: Headers, receiver: Receiver
) -> None:
    admin = auth_headers("admin")
    r = client.post(
        "/webhooks",
        json={"url": receiver.url, "event_types": ["mutasi.*"], "description": "SIMPEG BKD"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    secret, sid = r.json()["secret"], r.json()["subscription_id"]

    waiver = {
        "nip": NIP,
        "rule_code": "MIN_TENURE_2Y",
        "reason": "restrukturisasi OPD",
        "reference": "800/1/BKPSDM/2026",
    }
    assert client.post("/waivers", json=waiver, headers=auth_headers("ppk")).status_code == 201

    _wait(lambda: receiver.requests)
    headers, body = receiver.requests[0]
    envelope = orjson.loads(body)
    assert envelope["type"] == "mutasi.waiver_recorded"
    assert envelope["source"] == "/tatamutasi/matching"
    assert envelope["sequence"] == 1
    assert envelope["data"]["rule_code"] == "MIN_TENURE_2Y"
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    assert headers["webhook-id"] == envelope["id"]

    deliveries = _wait(
        lambda: [
            d
            for d in client.get(f"/webhooks/{sid}/deliveries", headers=admin).json()["items"]
            if d["status"] == "succeeded"
        ]
    )
    assert deliveries[0]["last_status_code"] == 204


def test_matching_accepts_only_its_own_event_types_and_safe_urls(
    client: TestClient, auth_headers: Headers, receiver: Receiver
) -> None:
    admin = auth_headers("admin")
    r = client.post(
        "/webhooks", json={"url": receiver.url, "event_types": ["pegawai.*"]}, headers=admin
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "event_type_unknown"
    r = client.post(
        "/webhooks",
        json={"url": "https://169.254.169.254/latest", "event_types": ["mutasi.executed"]},
        headers=admin,
    )
    assert r.status_code == 422
    error = r.json()["errors"][0]
    assert (error["field"], error["code"]) == ("url", "url_metadata")
    assert "metadata" in error["message_id"] and "metadata" in error["message_en"]
    r = client.post(
        "/webhooks",
        json={"url": receiver.url, "event_types": ["mutasi.executed"]},
        headers=auth_headers("ppk"),
    )
    assert r.status_code == 403
    paths = client.get("/openapi.json").json()["paths"]
    assert "/webhooks/{subscription_id}/replay" in paths
    assert "/webhooks/{subscription_id}/deliveries/{delivery_id}/redeliver" in paths
