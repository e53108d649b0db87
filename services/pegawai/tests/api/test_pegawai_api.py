"""The pegawai HTTP API: status codes, problem details, roles, ETag and idempotency."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tatamutasi_pegawai.app import create_app
from tatamutasi_pegawai.settings import PegawaiSettings
from tatamutasi_platform.testing import service_settings

Headers = Callable[..., dict[str, str]]
NIP = "198503122010011002"
BODY = {"nip": NIP, "name": "Budi Santoso, S.Kom.", "unor_id": "U-DINKES", "jabatan_id": "J-1"}


@pytest.fixture
def client(db_url: str, dev_keys: tuple[bytes, Path]) -> Iterator[TestClient]:
    settings = service_settings(
        PegawaiSettings, db_url=db_url, public_key=dev_keys[1], max_request_bytes=4096
    )
    with TestClient(create_app(settings)) as c:  # type: ignore[arg-type]
        yield c


def outbox_count(client: TestClient) -> int:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def count() -> int:
        async with runtime.engine.connect() as conn:
            return int(
                (
                    await conn.execute(
                        sa.select(sa.func.count()).select_from(runtime.tables.outbox)
                    )
                ).scalar_one()
            )

    assert client.portal is not None
    return client.portal.call(count)


def test_register_returns_201_with_etag_location_and_stages_event(
    client: TestClient, auth_headers: Headers
) -> None:
    r = client.post("/pegawai", json=BODY, headers=auth_headers("admin", sub="bkd-1"))
    assert r.status_code == 201, r.text
    assert r.headers["etag"] == '"v1"'
    assert r.headers["location"] == f"/pegawai/{NIP}"
    body = r.json()
    assert body["kind"] == "PNS" and body["created_by"] == "bkd-1" and body["version"] == 1
    assert outbox_count(client) == 1


def test_duplicate_nip_is_409_problem(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers("admin")
    assert client.post("/pegawai", json=BODY, headers=h).status_code == 201
    r = client.post("/pegawai", json=BODY, headers=h)
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "nip"
    assert outbox_count(client) == 1


def test_invalid_body_lists_every_field_in_both_languages(
    client: TestClient, auth_headers: Headers
) -> None:
    bad = {"nip": "198513122010011002", "name": "", "unor_id": "U1", "extra": 1}
    r = client.post("/pegawai", json=bad, headers=auth_headers("admin"))
    assert r.status_code == 422
    problem = r.json()
    fields = {e["field"]: e for e in problem["errors"]}
    assert set(fields) == {"nip", "name", "jabatan_id", "extra"}
    assert fields["nip"]["code"] == "nip_birth_date"
    assert "tanggal lahir" in fields["nip"]["message_id"]
    assert "birth date" in fields["nip"]["message_en"]
    assert fields["jabatan_id"]["message_id"] == "Kolom ini wajib diisi"
    assert problem["detail"] == problem["detail_id"]


def test_english_detail_on_request(client: TestClient, auth_headers: Headers) -> None:
    r = client.post(
        "/pegawai", json={}, headers={**auth_headers("admin"), "Accept-Language": "en-US,en;q=0.9"}
    )
    assert r.status_code == 422 and r.json()["detail"] == r.json()["detail_en"]


def test_malformed_json_is_422_not_500(client: TestClient, auth_headers: Headers) -> None:
    r = client.post(
        "/pegawai",
        content=b"{nope",
        headers={**auth_headers("admin"), "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "json_invalid"


def test_oversized_body_is_413(client: TestClient, auth_headers: Headers) -> None:
    r = client.post(
        "/pegawai",
        content=b"x" * 5000,
        headers={**auth_headers("admin"), "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": "Basic abc"},
    ],
)
def test_missing_or_bad_token_is_401(client: TestClient, headers: dict[str, str]) -> None:
    r = client.post("/pegawai", json=BODY, headers=headers)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.headers["content-type"] == "application/problem+json"


def test_expired_token_is_401(client: TestClient, auth_headers: Headers) -> None:
    r = client.get(f"/pegawai/{NIP}", headers=auth_headers("admin", ttl_s=-3600))
    assert r.status_code == 401 and r.json()["type"].endswith("token_expired")


@pytest.mark.parametrize("role", ["auditor", "penilai", "ppk", "pegawai", "integration"])
def test_roles_that_may_not_register_get_403(
    client: TestClient, auth_headers: Headers, role: str
) -> None:
    r = client.post("/pegawai", json=BODY, headers=auth_headers(role))
    assert r.status_code == 403
    assert r.json()["required_roles"] == ["admin", "operator"]


def test_operator_is_scoped_to_own_units(client: TestClient, auth_headers: Headers) -> None:
    other = client.post("/pegawai", json=BODY, headers=auth_headers("operator", units=("U-OTHER",)))
    assert other.status_code == 403 and other.json()["errors"][0]["field"] == "unor_id"
    own = client.post("/pegawai", json=BODY, headers=auth_headers("operator", units=("U-DINKES",)))
    assert own.status_code == 201
    hidden = client.get(f"/pegawai/{NIP}", headers=auth_headers("operator", units=("U-X",)))
    assert hidden.status_code == 403


def test_idempotency_key_replays_the_first_response(
    client: TestClient, auth_headers: Headers
) -> None:
    h = {**auth_headers("admin", sub="bkd-1"), "Idempotency-Key": "k-1"}
    first = client.post("/pegawai", json=BODY, headers=h)
    again = client.post("/pegawai", json=BODY, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert outbox_count(client) == 1
    other = client.post("/pegawai", json={**BODY, "name": "Someone Else"}, headers=h)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"


def test_get_unknown_is_404_problem(client: TestClient, auth_headers: Headers) -> None:
    r = client.get("/pegawai/199001012015032001", headers=auth_headers("auditor"))
    assert r.status_code == 404 and r.json()["status"] == 404


def test_employee_reads_only_self(client: TestClient, auth_headers: Headers) -> None:
    client.post("/pegawai", json=BODY, headers=auth_headers("admin"))
    assert (
        client.get(f"/pegawai/{NIP}", headers=auth_headers("pegawai", sub=NIP)).status_code == 200
    )
    r = client.get(f"/pegawai/{NIP}", headers=auth_headers("pegawai", sub="199001012015032001"))
    assert r.status_code == 403


def test_list_is_cursor_paginated_and_filterable(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers("admin")
    nips = [f"19850312201001100{i}" for i in range(1, 6)]
    for i, nip in enumerate(nips):
        unit = "U-A" if i % 2 else "U-B"
        assert (
            client.post(
                "/pegawai",
                json={**BODY, "nip": nip, "unor_id": unit, "name": f"Pegawai {i}"},
                headers=h,
            ).status_code
            == 201
        )
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/pegawai", params=params, headers=h).json()
        seen += [p["nip"] for p in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(nips)
    only_a = client.get("/pegawai", params={"unor_id": "U-A"}, headers=h).json()["items"]
    assert {p["unor_id"] for p in only_a} == {"U-A"} and len(only_a) == 2
    by_name = client.get("/pegawai", params={"q": "pegawai 3"}, headers=h).json()["items"]
    assert [p["nip"] for p in by_name] == [nips[3]]
    scoped = client.get("/pegawai", headers=auth_headers("operator", units=("U-B",))).json()
    assert {p["unor_id"] for p in scoped["items"]} == {"U-B"}
    bad = client.get("/pegawai", params={"cursor": "!!"}, headers=h)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "cursor"


def test_platform_endpoints(client: TestClient, auth_headers: Headers) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["database"] == "ok"
    assert ready.json()["checks"]["broker"] == "unreachable"
    client.post("/pegawai", json=BODY, headers=auth_headers("admin"))
    metrics = client.get("/metrics").text
    assert 'http_requests_total{method="POST",route="/pegawai",status="201"} 1.0' in metrics
    assert "outbox_pending_events 1.0" in metrics
    assert client.get("/events", headers=auth_headers("pegawai")).status_code == 403
    assert client.get("/events", headers=auth_headers("auditor")).json()["items"] == []
    r = client.get("/nowhere")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert client.delete("/healthz").status_code == 405
    assert r.headers["x-request-id"]
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
