"""The client against hand-written responses (httpx.MockTransport), independent of our fake
server: each documented SIASN behaviour (DOMAIN.md §1.2, §1.3, §1.9) on its own."""

import asyncio
import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from tatamutasi_pegawai.adapters.siasn import (
    SiasnAuthError,
    SiasnClient,
    SiasnFailure,
    SiasnProtocolError,
    SiasnSaveOutcomeUnknown,
    SiasnSaveRejected,
    SiasnSettings,
    SiasnSnapshot,
    SiasnUnavailable,
    parse_retry_after,
)

NIP = "198503122010011002"
BASE = "https://siasn.test"
Handler = Callable[[httpx.Request], httpx.Response]


def settings(**changes: Any) -> SiasnSettings:
    values: dict[str, Any] = {
        "consumer_key": SecretStr("key"),
        "consumer_secret": SecretStr("secret"),
        "sso_access_token": SecretStr("sso-operator"),
        "instansi_id": "INSTANSI",
        "max_attempts": 4,
        "auth_retries": 2,
    }
    values.update(changes)
    return SiasnSettings.for_server(BASE, **values)


class Canned:
    """Routes requests to scripted answers and records what was sent."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.routes: dict[str, list[Handler] | Handler] = {}
        self.apim_issued = 0

    def on(self, path: str, *answers: Handler) -> None:
        """Answers in order; the last one repeats."""
        self.routes[path] = list(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/oauth2/token" and path not in self.routes:
            self.apim_issued += 1
            return httpx.Response(
                200, json={"access_token": f"apim-{self.apim_issued}", "expires_in": 3600}
            )
        answers = self.routes.get(path)
        if answers is None:
            return httpx.Response(404, json={"code": 0, "data": "Data tidak ditemukan"})
        if isinstance(answers, list):
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
        else:
            answer = answers
        return answer(request)

    def data_calls(self, fragment: str = "/apisiasn/") -> list[httpx.Request]:
        return [r for r in self.requests if fragment in r.url.path]


def ok(data: Any, **extra: Any) -> Handler:
    return lambda _: httpx.Response(200, json={"code": 1, "data": data, **extra})


def status(code: int, body: Any = None, headers: dict[str, str] | None = None) -> Handler:
    if isinstance(body, str):
        return lambda _: httpx.Response(code, text=body, headers=headers)
    return lambda _: httpx.Response(code, json=body, headers=headers)


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(canned: Canned, sleeps: Sleeps | None = None, **changes: Any) -> SiasnClient:
    return SiasnClient(
        settings(**changes),
        transport=httpx.MockTransport(canned),
        sleep=sleeps if sleeps is not None else Sleeps(),
    )


UTAMA = {
    "id": "8ae48288597fac650159824e03aa2470",
    "nipBaru": NIP,
    "nama": "BUDI SANTOSO",
    "tglLahir": "12-03-1985",
    "statusPegawai": "PNS",
}
WSO2_FAULT = {"fault": {"code": 900901, "message": "Invalid Credentials", "description": "x"}}
SSO_FAULT = {"Error": "Unauthorized", "Message": "token expired"}


async def test_apim_token_uses_basic_auth_client_credentials_and_is_cached() -> None:
    canned = Canned()
    canned.on(f"/apisiasn/1.0/pns/data-utama/{NIP}", ok(UTAMA))
    async with client(canned) as siasn:
        for _ in range(3):
            assert (await siasn.data_utama(NIP)) is not None
    (token_request,) = [r for r in canned.requests if r.url.path == "/oauth2/token"]
    assert token_request.method == "POST"
    expected = "Basic " + base64.b64encode(b"key:secret").decode()
    assert token_request.headers["Authorization"] == expected
    assert token_request.content == b"grant_type=client_credentials"


async def test_apim_token_is_renewed_shortly_before_it_expires() -> None:
    canned = Canned()
    canned.on(f"/apisiasn/1.0/pns/data-utama/{NIP}", ok(UTAMA))
    now = [1000.0]
    siasn = SiasnClient(
        settings(token_refresh_margin_s=60),
        transport=httpx.MockTransport(canned),
        clock=lambda: now[0],
    )
    async with siasn:
        await siasn.data_utama(NIP)
        now[0] += 3600 - 61  # still fresh
        await siasn.data_utama(NIP)
        now[0] += 2  # inside the margin: renew
        await siasn.data_utama(NIP)
    auths = [r.headers["Authorization"] for r in canned.data_calls()]
    assert auths == ["Bearer apim-1", "Bearer apim-1", "Bearer apim-2"]


async def test_data_calls_send_both_headers_and_reference_calls_only_apim() -> None:
    canned = Canned()
    canned.on(f"/apisiasn/1.0/pns/data-utama/{NIP}", ok(UTAMA))
    canned.on("/referensi_siasn/1/agama", ok([{"id": "1", "nama": "Islam"}]))
    async with client(canned) as siasn:
        await siasn.data_utama(NIP)
        assert await siasn.referensi("agama") == [{"id": "1", "nama": "Islam"}]
    data, ref = canned.data_calls("/apisiasn/")[0], canned.data_calls("/referensi_siasn/")[0]
    assert data.headers["Authorization"] == "Bearer apim-1"
    assert data.headers["Auth"] == "bearer sso-operator"
    assert data.headers["Accept"] == "application/json"
    assert ref.headers["Authorization"] == "Bearer apim-1"
    assert "Auth" not in ref.headers
    # an operator-supplied SSO token means no password grant at all
    assert not [r for r in canned.requests if "openid-connect" in r.url.path]


async def test_sso_password_grant_when_configured() -> None:
    canned = Canned()
    sso_path = "/auth/realms/public-siasn/protocol/openid-connect/token"
    canned.on(sso_path, lambda _: httpx.Response(200, json={"access_token": "sso-pw"}))
    canned.on(f"/apisiasn/1.0/pns/data-utama/{NIP}", ok(UTAMA))
    siasn = client(
        canned,
        sso_access_token=None,
        sso_client_id="cid",
        sso_username=SecretStr("user"),
        sso_password=SecretStr("pw"),
    )
    async with siasn:
        await siasn.data_utama(NIP)
    (grant,) = [r for r in canned.requests if r.url.path == sso_path]
    form = dict(httpx.QueryParams(grant.content.decode()))
    assert form == {
        "grant_type": "password",
        "client_id": "cid",
        "username": "user",
        "password": "pw",
    }
    assert canned.data_calls()[0].headers["Auth"] == "bearer sso-pw"


async def test_no_sso_token_configured_is_an_auth_error_naming_the_setting() -> None:
    canned = Canned()
    async with client(canned, sso_access_token=None) as siasn:
        with pytest.raises(SiasnAuthError, match="PEGAWAI_SIASN_SSO_ACCESS_TOKEN"):
            await siasn.data_utama(NIP)


async def test_401_wso2_fault_refetches_the_apim_token_and_retries() -> None:
    canned = Canned()
    canned.on(f"/apisiasn/1.0/pns/data-utama/{NIP}", status(401, WSO2_FAULT), ok(UTAMA))
    async with client(canned) as siasn:
        profile = await siasn.data_utama(NIP)
        assert siasn.stats["reauth"] == 1
    assert profile is not None and profile.nama == "BUDI SANTOSO"
    auths = [r.headers["Authorization"] for r in canned.data_calls()]
    assert auths == ["Bearer apim-1", "Bearer apim-2"]


async def test_401_is_retried_a_bounded_number_of_times() -> None:
    canned = Canned()
    canned.on(f"/apisiasn/1.0/pns/rw-jabatan/{NIP}", status(401, WSO2_FAULT))
    async with client(canned, auth_retries=2) as siasn:
        with pytest.raises(SiasnAuthError) as raised:
            await siasn.rw_jabatan(NIP)
    assert raised.value.token == "apim"
    assert len(canned.data_calls()) == 3
    assert canned.apim_issued == 3


async def test_rejected_operator_supplied_sso_token_fails_at_once_with_advice() -> None:
    canned = Canned()
    canned.on(f"/apisiasn/1.0/pns/rw-jabatan/{NIP}", status(401, SSO_FAULT))
    async with client(canned) as siasn:
        with pytest.raises(SiasnAuthError, match="supply a fresh one") as raised:
            await siasn.rw_jabatan(NIP)
    assert raised.value.token == "sso"
    assert len(canned.data_calls()) == 1


async def test_sso_token_file_is_reread_after_a_401(tmp_path: Path) -> None:
    token_file = tmp_path / "sso.txt"
    token_file.write_text("Bearer old-token\n")
    canned = Canned()

    def rotate_then_reject(request: httpx.Request) -> httpx.Response:
        token_file.write_text("new-token")  # an operator rotates the token meanwhile
        return httpx.Response(401, json=SSO_FAULT)

    canned.on(f"/apisiasn/1.0/pns/data-utama/{NIP}", rotate_then_reject, ok(UTAMA))
    async with client(canned, sso_access_token=None, sso_token_file=token_file) as siasn:
        assert await siasn.data_utama(NIP) is not None
    assert [r.headers["Auth"] for r in canned.data_calls()] == [
        "bearer old-token",
        "bearer new-token",
    ]
    assert canned.apim_issued == 1  # the APIM token was fine: kept


async def test_404_code_0_is_empty_not_an_error() -> None:
    canned = Canned()  # every unknown path answers 404 {"code": 0, ...}
    async with client(canned) as siasn:
        assert await siasn.data_utama(NIP) is None
        assert await siasn.rw_golongan(NIP) == ()
        assert await siasn.rw_potensi(NIP) == ()
        assert await siasn.data_ortu(NIP) == (None, None)
        assert await siasn.referensi("agama") == []


async def test_404_without_the_siasn_body_is_a_protocol_error() -> None:
    canned = Canned()
    canned.on(f"/apisiasn/1.0/pns/rw-jabatan/{NIP}", status(404, "<html>Not Found</html>"))
    async with client(canned) as siasn:
        with pytest.raises(SiasnProtocolError, match="HTTP 404"):
            await siasn.rw_jabatan(NIP)


async def test_200_that_is_not_an_envelope_is_a_protocol_error() -> None:
    canned = Canned()
    canned.on(f"/apisiasn/1.0/pns/rw-jabatan/{NIP}", status(200, "<html>login</html>"))
    canned.on(f"/apisiasn/1.0/pns/rw-golongan/{NIP}", status(200, {"code": 2, "x": 1}))
    async with client(canned) as siasn:
        with pytest.raises(SiasnProtocolError, match="not a JSON object"):
            await siasn.rw_jabatan(NIP)
        with pytest.raises(SiasnProtocolError, match="envelope"):
            await siasn.rw_golongan(NIP)


async def test_5xx_and_gateway_html_502_are_retried_with_growing_backoff() -> None:
    canned = Canned()
    canned.on(
        f"/apisiasn/1.0/pns/data-utama/{NIP}",
        status(502, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
        status(500, {"code": 0, "data": "error"}),
        status(503, {"Error": "busy", "Message": "sibuk"}),
        ok(UTAMA),
    )
    sleeps = Sleeps()
    async with client(canned, sleeps, backoff_initial_s=1, backoff_max_s=100) as siasn:
        assert await siasn.data_utama(NIP) is not None
        assert siasn.stats["retries"] == 3
    assert len(sleeps) == 3
    # equal jitter: attempt n waits within [c/2, c] with c = initial * 2**(n-1)
    for n, waited in enumerate(sleeps, start=1):
        ceiling = 2 ** (n - 1)
        assert ceiling / 2 <= waited <= ceiling


async def test_persistent_5xx_gives_unavailable_after_max_attempts() -> None:
    canned = Canned()
    canned.on(f"/apisiasn/1.0/pns/rw-skp22/{NIP}", status(503, {"Error": "x", "Message": "y"}))
    async with client(canned, max_attempts=3) as siasn:
        with pytest.raises(SiasnUnavailable, match="after 3 attempts") as raised:
            await siasn.rw_skp22(NIP)
    assert raised.value.status == 503
    assert len(canned.data_calls()) == 3


async def test_backoff_never_exceeds_the_configured_maximum() -> None:
    canned = Canned()
    canned.on(f"/apisiasn/1.0/pns/rw-skp22/{NIP}", status(500, {}))
    sleeps = Sleeps()
    async with client(canned, sleeps, max_attempts=8, backoff_initial_s=1, backoff_max_s=5) as s:
        with pytest.raises(SiasnUnavailable):
            await s.rw_skp22(NIP)
    assert len(sleeps) == 7 and max(sleeps) <= 5


async def test_429_waits_for_retry_after() -> None:
    canned = Canned()
    canned.on(
        f"/apisiasn/1.0/pns/rw-skp22/{NIP}",
        status(429, {"fault": {"message": "throttled"}}, {"Retry-After": "7"}),
        ok([]),
    )
    sleeps = Sleeps()
    async with client(canned, sleeps) as siasn:
        assert await siasn.rw_skp22(NIP) == ()
    assert sleeps == [7.0]


async def test_retry_after_is_capped_by_settings() -> None:
    canned = Canned()
    canned.on(f"/apisiasn/1.0/pns/rw-skp22/{NIP}", status(429, {}, {"Retry-After": "3600"}), ok([]))
    sleeps = Sleeps()
    async with client(canned, sleeps, retry_after_max_s=30) as siasn:
        await siasn.rw_skp22(NIP)
    assert sleeps == [30.0]


def test_retry_after_parses_seconds_and_http_dates() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


async def test_timeouts_and_connection_errors_are_retried() -> None:
    canned = Canned()

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    canned.on(f"/apisiasn/1.0/pns/rw-hukdis/{NIP}", timeout, refused, ok([]))
    sleeps = Sleeps()
    async with client(canned, sleeps) as siasn:
        assert await siasn.rw_hukdis(NIP) == ()
    assert len(sleeps) == 2


def test_timeouts_come_from_settings() -> None:
    siasn = SiasnClient(settings(timeout_s=12, connect_timeout_s=3))
    assert siasn._http.timeout.read == 12 and siasn._http.timeout.connect == 3


def test_secrets_are_not_in_the_settings_repr() -> None:
    text = repr(settings(sso_password=SecretStr("pw-123")))
    assert "secret" not in text.replace("consumer_secret", "")
    assert "pw-123" not in text and "sso-operator" not in text


async def test_concurrency_is_bounded_by_the_semaphore() -> None:
    in_flight, peak = [0], [0]

    async def slow(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            return httpx.Response(200, json={"access_token": "a", "expires_in": 3600})
        in_flight[0] += 1
        peak[0] = max(peak[0], in_flight[0])
        await asyncio.sleep(0.002)
        in_flight[0] -= 1
        return httpx.Response(404, json={"code": 0, "data": "Data tidak ditemukan"})

    siasn = SiasnClient(settings(max_concurrency=3), transport=httpx.MockTransport(slow))
    async with siasn:
        await asyncio.gather(*(siasn.rw_diklat(NIP) for _ in range(20)))
    assert peak[0] == 3


async def test_ref_unor_pages_by_count_limit_and_offset() -> None:
    rows = [{"Id": f"U{i}", "NamaUnor": f"UNOR {i}"} for i in range(5)]

    def paged(request: httpx.Request) -> httpx.Response:
        limit, offset = int(request.url.params["limit"]), int(request.url.params["offset"])
        page = rows[offset : offset + limit]
        if not page:
            return httpx.Response(404, json={"code": 0, "data": "Data tidak ditemukan"})
        return httpx.Response(200, json={"code": 1, "data": page, "count": len(rows)})

    canned = Canned()
    canned.on("/apisiasn/1.0/referensi/ref-unor", paged)
    async with client(canned, ref_unor_page_size=2) as siasn:
        unors = await siasn.ref_unor()
    assert [u.id for u in unors] == ["U0", "U1", "U2", "U3", "U4"]
    offsets = sorted(int(r.url.params["offset"]) for r in canned.data_calls())
    assert offsets == [0, 2, 4]
    assert all("Auth" in r.headers for r in canned.data_calls())


async def test_ref_unor_without_count_stops_at_the_404_page_past_the_end() -> None:
    rows = [{"Id": f"U{i}", "NamaUnor": f"UNOR {i}"} for i in range(4)]

    def paged(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        page = rows[offset : offset + 2]
        if not page:
            return httpx.Response(404, json={"code": 0, "data": "Data tidak ditemukan"})
        return httpx.Response(200, json={"code": 1, "data": page})

    canned = Canned()
    canned.on("/apisiasn/1.0/referensi/ref-unor", paged)
    async with client(canned, ref_unor_page_size=2) as siasn:
        assert len(await siasn.ref_unor()) == 4
    assert len(canned.data_calls()) == 3


SAVE = "/apisiasn/1.0/jabatan/unorjabatan/save"
PAYLOAD = {"pnsId": "P", "unorId": "U", "tmtJabatan": "01-02-2025"}


async def test_save_returns_rw_jabatan_id_and_sends_the_payload() -> None:
    canned = Canned()
    canned.on(SAVE, status(200, {"success": True, "mapData": {"rwJabatanId": "RW1"}}))
    async with client(canned) as siasn:
        assert await siasn.save_unor_jabatan(PAYLOAD) == "RW1"
    (sent,) = canned.data_calls()
    assert sent.method == "POST" and json.loads(sent.content) == PAYLOAD
    assert sent.headers["Auth"] == "bearer sso-operator"


async def test_save_http_200_with_success_false_is_a_failure() -> None:
    canned = Canned()
    canned.on(SAVE, status(200, {"success": False, "message": "Unor tidak ditemukan"}))
    async with client(canned) as siasn:
        with pytest.raises(SiasnSaveRejected, match="Unor tidak ditemukan") as raised:
            await siasn.save_unor_jabatan(PAYLOAD)
    assert "Unor tidak ditemukan" in raised.value.alasan


async def test_save_success_without_rw_jabatan_id_is_a_protocol_error() -> None:
    canned = Canned()
    canned.on(SAVE, status(200, {"success": True, "mapData": {}}))
    async with client(canned) as siasn:
        with pytest.raises(SiasnProtocolError, match="rwJabatanId"):
            await siasn.save_unor_jabatan(PAYLOAD)


async def test_save_is_not_repeated_after_a_5xx_because_it_may_have_been_applied() -> None:
    canned = Canned()
    canned.on(SAVE, status(502, "<html>Bad Gateway</html>"), status(200, {"success": True}))
    async with client(canned) as siasn:
        with pytest.raises(SiasnSaveOutcomeUnknown, match="check rw-jabatan"):
            await siasn.save_unor_jabatan(PAYLOAD)
    assert len(canned.data_calls()) == 1


async def test_save_is_retried_after_429_which_it_cannot_have_applied() -> None:
    canned = Canned()
    canned.on(
        SAVE,
        status(429, {}, {"Retry-After": "1"}),
        status(200, {"success": True, "mapData": {"rwJabatanId": 42}}),
    )
    async with client(canned) as siasn:
        assert await siasn.save_unor_jabatan(PAYLOAD) == "42"


async def test_jabatan_sync_calls_data_utama_jabatansync() -> None:
    canned = Canned()
    canned.on("/apisiasn/1.0/pns/data-utama-jabatansync", ok("ok"))
    async with client(canned) as siasn:
        await siasn.jabatan_sync("8ae48288597fac650159824e03aa2470")
        with pytest.raises(ValueError):
            await siasn.jabatan_sync("../../etc")
    (call,) = canned.data_calls()
    assert call.url.params["pns_orang_id"] == "8ae48288597fac650159824e03aa2470"


async def test_snapshot_is_complete_or_a_failure_naming_the_resource() -> None:
    canned = Canned()
    canned.on(f"/apisiasn/1.0/pns/data-utama/{NIP}", ok(UTAMA))
    canned.on(
        f"/apisiasn/1.0/pns/rw-jabatan/{NIP}",
        ok([{"id": "b", "tmtJabatan": "01-01-2020"}, {"id": "a", "tmtJabatan": "01-01-2010"}]),
    )
    async with client(canned) as siasn:
        snapshot = await siasn.snapshot_for(NIP)
        assert isinstance(snapshot, SiasnSnapshot)
        assert [j.id for j in snapshot.jabatan] == ["a", "b"] and snapshot.golongan == ()
        canned.on(f"/apisiasn/1.0/pns/rw-skp22/{NIP}", ok([{"id": "s", "tahun": "dua"}]))
        failure = await siasn.snapshot_for(NIP)
    assert isinstance(failure, SiasnFailure)
    assert failure.kind == "malformed" and failure.resource == "rw-skp22"
    assert "tahun" in failure.reason and "tahun" in failure.alasan


async def test_snapshot_of_unknown_or_invalid_nip_is_a_failure() -> None:
    canned = Canned()
    async with client(canned) as siasn:
        missing = await siasn.snapshot_for(NIP)
        invalid = await siasn.snapshot_for("12345")
    assert isinstance(missing, SiasnFailure) and missing.kind == "not_found"
    assert isinstance(invalid, SiasnFailure) and invalid.kind == "invalid_nip"
    assert not [r for r in canned.requests if "12345" in r.url.path]


async def test_snapshot_of_a_nip_during_an_outage_is_an_unavailable_failure() -> None:
    canned = Canned()
    canned.on(f"/apisiasn/1.0/pns/data-anak/{NIP}", status(503, {}))
    canned.on(f"/apisiasn/1.0/pns/data-utama/{NIP}", ok(UTAMA))
    async with client(canned, max_attempts=2) as siasn:
        failure = await siasn.snapshot_for(NIP)
    assert isinstance(failure, SiasnFailure)
    assert failure.kind == "unavailable" and failure.resource == "data-anak"


async def test_a_batch_stops_starting_nips_once_siasn_refuses_the_credentials() -> None:
    canned = Canned()
    nips = [f"19850312201001100{i}" for i in range(1, 6)]
    for nip in nips:
        canned.on(f"/apisiasn/1.0/pns/data-utama/{nip}", status(401, SSO_FAULT))
    results: list[SiasnSnapshot | SiasnFailure] = []
    async with client(canned, max_concurrency=1) as siasn:
        remaining = await siasn.snapshots(nips, on_result=results.append)
    assert [r.kind for r in results if isinstance(r, SiasnFailure)] == ["auth"]
    assert remaining == nips[1:]


def test_settings_come_from_pegawai_siasn_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PEGAWAI_SIASN_API_BASE_URL", "https://gw.example/apisiasn/1.0")
    monkeypatch.setenv("PEGAWAI_SIASN_CONSUMER_SECRET", "s3cret")
    monkeypatch.setenv("PEGAWAI_SIASN_INSTANSI_ID", "A5EB03E23C33F6A0E040640A040252AD")
    monkeypatch.setenv("PEGAWAI_SIASN_SATUAN_KERJA_ID", "A5EB03E241AFF6A0E040640A040252AD")
    monkeypatch.setenv("PEGAWAI_SIASN_MAX_CONCURRENCY", "7")
    loaded = SiasnSettings()
    assert loaded.api_base_url == "https://gw.example/apisiasn/1.0"
    assert loaded.consumer_secret.get_secret_value() == "s3cret"
    assert loaded.instansi_id.startswith("A5EB03E23C33")
    assert loaded.satuan_kerja_id.startswith("A5EB03E241AF")
    assert loaded.max_concurrency == 7
    assert "s3cret" not in repr(loaded)
