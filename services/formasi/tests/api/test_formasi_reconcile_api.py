"""Reconciliation of bezetting with the pegawai service: against the real pegawai app
in-process (its events feed formasi, as the broker would), and against a fake registry."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tatamutasi_contracts import Topic, validate_event
from tatamutasi_formasi.app import create_app
from tatamutasi_formasi.settings import FormasiSettings
from tatamutasi_pegawai.app import create_app as create_pegawai_app
from tatamutasi_pegawai.settings import PegawaiSettings
from tatamutasi_platform.consumer import Event
from tatamutasi_platform.testing import DatabaseFactory, service_settings

Headers = Callable[..., dict[str, str]]
NIPS = ["198503122010011002", "199001012015032001", "197001011995031001"]


def bridge(client: TestClient) -> httpx.MockTransport:
    """An httpx transport that hands each request to an app running in a TestClient."""

    def handle(request: httpx.Request) -> httpx.Response:
        r = client.request(
            request.method,
            request.url.raw_path.decode(),
            headers=dict(request.headers),
            content=request.content,
        )
        return httpx.Response(r.status_code, headers=r.headers, content=r.content)

    return httpx.MockTransport(handle)


@pytest.fixture
def pair(
    databases: DatabaseFactory, dev_keys: tuple[bytes, Path]
) -> Iterator[tuple[TestClient, TestClient]]:
    quiet = {"consumer_enabled": False, "relay_enabled": False}
    pegawai_settings = service_settings(
        PegawaiSettings, db_url=databases.new("peg"), public_key=dev_keys[1], **quiet
    )
    with TestClient(create_pegawai_app(pegawai_settings)) as pegawai:  # type: ignore[arg-type]
        settings = service_settings(
            FormasiSettings, db_url=databases.new("for"), public_key=dev_keys[1], **quiet
        )
        app = create_app(settings, pegawai_transport=bridge(pegawai))  # type: ignore[arg-type]
        with TestClient(app) as formasi:
            yield pegawai, formasi


def pegawai_events(pegawai: TestClient, h: dict[str, str]) -> list[Event]:
    runtime = pegawai.app.state.runtime  # type: ignore[attr-defined]
    assert pegawai.portal is not None
    pegawai.portal.call(runtime.relay.assign_sequences)
    items = pegawai.get("/events", params={"limit": 1000}, headers=h).json()["items"]
    out = []
    for raw in items:
        env, payload = validate_event(raw)
        out.append(Event(env, payload, b"{}", Topic.PEGAWAI.value, 0, env.sequence))
    return out


def test_reconciliation_against_the_pegawai_app(
    pair: tuple[TestClient, TestClient], auth_headers: Headers
) -> None:
    pegawai, formasi = pair
    h = auth_headers("admin")
    for i, nip in enumerate(NIPS):
        body = {"nip": nip, "name": f"Pegawai {i}", "unor_id": "U-DINKES", "jabatan_id": "J-1"}
        assert pegawai.post("/pegawai", json=body, headers=h).status_code == 201
    evs = pegawai_events(pegawai, h)
    assert len(evs) == 3
    from tatamutasi_formasi.app import CONSUMER_NAME, apply_events, on_event
    from tatamutasi_platform.consumer import IdempotentConsumer

    rt = formasi.app.state.runtime  # type: ignore[attr-defined]
    consumer = IdempotentConsumer(
        name=CONSUMER_NAME,
        topics=[],
        settings=rt.settings,
        engine=rt.engine,
        tables=rt.tables,
        bus=rt.bus,
        metrics=rt.metrics,
        handler=on_event,
        batch_handler=apply_events,
    )
    assert formasi.portal is not None
    formasi.portal.call(consumer.apply, evs[:2])  # the third is still in flight
    r = formasi.get("/bezetting/reconciliation", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["checked_registry"], body["checked_bezetting"], body["consistent"]) == (
        3,
        2,
        False,
    )
    assert body["differences"] == [
        {
            "nip": NIPS[2],
            "kind": "missing_in_bezetting",
            "registry_unor_id": "U-DINKES",
            "registry_jabatan_id": "J-1",
            "bezetting_unor_id": None,
            "bezetting_jabatan_id": None,
        }
    ]
    formasi.portal.call(consumer.apply, evs)
    assert formasi.get("/bezetting/reconciliation", headers=h).json()["consistent"] is True
    assert (
        formasi.get("/bezetting/reconciliation", headers=auth_headers("operator")).status_code
        == 403
    )


def fake_registry(pages: list[list[dict[str, Any]]], status: int = 200) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"].startswith("Bearer ")
        cursor = request.url.params.get("cursor")
        i = int(cursor) if cursor else 0
        nxt = str(i + 1) if i + 1 < len(pages) else None
        return httpx.Response(status, json={"items": pages[i], "next_cursor": nxt})

    return httpx.MockTransport(handle)


@pytest.fixture
def make_formasi(
    db_url: str, dev_keys: tuple[bytes, Path]
) -> Callable[[httpx.MockTransport], TestClient]:
    def make(transport: httpx.MockTransport) -> TestClient:
        settings = service_settings(
            FormasiSettings,
            db_url=db_url,
            public_key=dev_keys[1],
            consumer_enabled=False,
            relay_enabled=False,
        )
        return TestClient(create_app(settings, pegawai_transport=transport))  # type: ignore[arg-type]

    return make


def test_reconciliation_pages_and_lists_every_kind_of_difference(
    make_formasi: Callable[[httpx.MockTransport], TestClient], auth_headers: Headers, events: Any
) -> None:
    pages = [
        [{"nip": NIPS[0], "unor_id": "U-A", "jabatan_id": "J-1"}],
        [
            {"nip": NIPS[1], "unor_id": "U-B", "jabatan_id": "J-2"},
            {"nip": "1" * 18, "unor_id": "U", "jabatan_id": "J", "active": False},
        ],
    ]
    with make_formasi(fake_registry(pages)) as formasi:
        from tatamutasi_formasi.service.bezetting import apply_events

        rt = formasi.app.state.runtime  # type: ignore[attr-defined]

        async def feed() -> None:
            async with rt.engine.begin() as conn:
                await apply_events(
                    conn,
                    [
                        events.registered(NIPS[0], "U-A", "J-1"),
                        events.registered(NIPS[1], "U-B", "J-9"),
                        events.registered(NIPS[2], "U-C", "J-3"),
                    ],
                )

        assert formasi.portal is not None
        formasi.portal.call(feed)
        body = formasi.get("/bezetting/reconciliation", headers=auth_headers("auditor")).json()
        assert body["checked_registry"] == 2
        assert [(d["nip"], d["kind"]) for d in body["differences"]] == [
            (NIPS[2], "not_in_registry"),  # ordered by NIP
            (NIPS[1], "placement_differs"),
        ]


def test_registry_down_is_502_problem(
    make_formasi: Callable[[httpx.MockTransport], TestClient], auth_headers: Headers
) -> None:
    with make_formasi(fake_registry([[]], status=503)) as formasi:
        r = formasi.get("/bezetting/reconciliation", headers=auth_headers("admin"))
        assert r.status_code == 502 and r.headers["content-type"] == "application/problem+json"
        assert "503" in r.json()["detail_en"]
