"""Completeness: a message lost on its way opens a gap (endpoint + metric); the service
fetches the missing range from the producer's replay endpoint and the ledger ends complete."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tatamutasi_audit.app import create_app
from tatamutasi_audit.service.completeness import _ranges
from tatamutasi_audit.settings import AuditSettings

PRODUCER = "http://pegawai.test"


@pytest.fixture
def client(audit_settings: AuditSettings) -> Iterator[TestClient]:
    settings = audit_settings.model_copy(
        update={
            "producer_urls": {"/tatamutasi/pegawai": PRODUCER},
            "producer_token": None,
            "completeness_interval_s": 3600.0,
        }
    )
    with TestClient(create_app(settings)) as c:
        yield c


def test_missing_ranges() -> None:
    assert _ranges(0, 5, [1, 2, 3, 4, 5]) == (0, [])
    assert _ranges(2, 9, [4, 5, 8]) == (4, [(3, 3), (6, 7), (9, 9)])
    assert _ranges(0, 3, []) == (3, [(1, 3)])


def test_a_lost_event_is_an_alarm_until_it_is_fetched_from_the_producer(
    client: TestClient,
    audit_settings: AuditSettings,
    make_envelope: Callable[..., dict[str, Any]],
    make_event: Any,
    auth_headers: Callable[..., dict[str, str]],
) -> None:
    from tatamutasi_audit.api.deps import ledger_keys
    from tatamutasi_audit.service import ledger

    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    auditor = auth_headers("auditor")
    produced = [make_envelope(i) for i in range(1, 7)]
    delivered = [e for e in produced if e["sequence"] != 3]  # 3 is lost on its way

    async def deliver() -> None:
        async with runtime.engine.begin() as conn:
            await ledger.append(conn, [make_event(e) for e in delivered], ledger_keys(runtime))

    assert client.portal is not None
    client.portal.call(deliver)
    status = client.get("/ledger/completeness", headers=auditor).json()
    assert status["complete"] is False
    (src,) = status["sources"]
    assert src == {
        "source": "/tatamutasi/pegawai",
        "contiguous": 2,
        "max_seen": 6,
        "missing": 1,
        "missing_ranges": [[3, 3]],
        "complete": False,
    }
    assert 'audit_missing_events{source="/tatamutasi/pegawai"} 1.0' in client.get("/metrics").text

    asked: list[str] = []

    def producer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        after = int(request.url.params["after"])
        items = [e for e in produced if e["sequence"] > after]
        return httpx.Response(
            200, json={"source": "/tatamutasi/pegawai", "items": items, "next_after": None}
        )

    consumer = runtime.extras["consumer"]
    fetched = client.portal.call(consumer.check_completeness, httpx.MockTransport(producer))
    assert fetched == {"/tatamutasi/pegawai": 4}  # 3..6 fetched; only 3 was new
    assert asked == [f"{PRODUCER}/events?after=2&limit=1000"]
    status = client.get("/ledger/completeness", headers=auditor).json()
    assert status["complete"] is True and status["sources"][0]["contiguous"] == 6
    assert 'audit_missing_events{source="/tatamutasi/pegawai"} 0.0' in client.get("/metrics").text
    items = client.get("/ledger/entries", headers=auditor).json()["items"]
    assert sorted(i["sequence"] for i in items) == [1, 2, 3, 4, 5, 6]
    assert client.get("/ledger/verify", headers=auditor).json()["consistent"]
    # nothing missing: nothing fetched
    assert client.portal.call(consumer.check_completeness, httpx.MockTransport(producer)) == {}


def test_producers_without_a_replay_url_are_reported_not_fetched(
    audit_client: TestClient,
    append: Any,
    make_envelope: Callable[..., dict[str, Any]],
    auth_headers: Callable[..., dict[str, str]],
    tmp_path: Path,
) -> None:
    append([make_envelope(1), make_envelope(4)])
    consumer = audit_client.app.state.runtime.extras["consumer"]  # type: ignore[attr-defined]
    assert audit_client.portal is not None
    assert audit_client.portal.call(consumer.check_completeness) == {}
    status = audit_client.get("/ledger/completeness", headers=auth_headers("integration"))
    assert status.json()["sources"][0]["missing_ranges"] == [[2, 3]]
