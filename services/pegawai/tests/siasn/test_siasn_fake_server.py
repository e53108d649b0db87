"""The client against the fake SIASN server: in-process (httpx ASGI transport) for quirks and
faults, and once over real HTTP (uvicorn in a thread)."""

import dataclasses
import re
from datetime import date

import httpx
import pytest
from pydantic import SecretStr

from tatamutasi_pegawai.adapters.siasn import (
    SiasnClient,
    SiasnFailure,
    SiasnSaveRejected,
    SiasnSnapshot,
    SiasnUnorJabatanSave,
)
from tatamutasi_pegawai.siasn_fake import (
    FakeData,
    FakeSiasn,
    Faults,
    create_app,
    fake_client_settings,
    serve_in_thread,
)

EMPLOYEES = 24


class NoSleep(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def nip_is_valid(nip: str) -> bool:
    """DOMAIN.md §2: PNS `YYYYMMDD YYYYMM G NNN`, PPPK `YYYYMMDD YYYY 2 C G NNN`."""
    if not re.fullmatch(r"\d{18}", nip):
        return False
    try:
        birth = date(int(nip[:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        return False
    month = int(nip[12:14])
    pppk = nip[12] == "2" and nip[13] in "123456789" and not 1 <= month <= 12
    if not (1 <= month <= 12 or pppk):
        return False
    return int(nip[8:12]) >= birth.year + 18 and nip[14] in "12" and nip[15:] != "000"


@pytest.fixture
def fake() -> FakeSiasn:
    return FakeSiasn(seed=7, employees=EMPLOYEES)


def make_client(fake: FakeSiasn, sleeps: NoSleep | None = None, **changes: object) -> SiasnClient:
    return SiasnClient(
        fake_client_settings("http://fake.test", instansi_id=fake.data.instansi_id, **changes),
        transport=httpx.ASGITransport(app=create_app(fake)),
        sleep=sleeps if sleeps is not None else NoSleep(),
    )


def test_fake_data_is_deterministic_and_nips_are_valid_and_unique() -> None:
    one, two, other = (
        FakeData(seed=3, employees=60),
        FakeData(seed=3, employees=60),
        FakeData(seed=4, employees=60),
    )
    assert one.nips == two.nips and one.nips != other.nips
    assert len(set(one.nips)) == 60
    assert all(nip_is_valid(n) for n in one.nips)
    nip = one.nips[5]
    assert one.data_utama(nip) == two.data_utama(nip)
    assert one.rw_jabatan(nip) == two.rw_jabatan(nip)


def test_fake_unor_tree_is_a_tree_with_three_id_formats() -> None:
    data = FakeData(seed=1, employees=10)
    ids = {u.id for u in data.unors}
    roots = [u for u in data.unors if u.diatasan_id is None]
    assert len(roots) == 1
    assert all(u.diatasan_id in ids for u in data.unors if u.diatasan_id)
    formats = {
        "upper": r"[0-9A-F]{32}",
        "lower": r"[0-9a-f]{32}",
        "uuid": r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    }
    for pattern in formats.values():
        assert any(re.fullmatch(pattern, i) for i in ids)


async def test_every_snapshot_of_the_fake_reads_cleanly(fake: FakeSiasn) -> None:
    results: list[SiasnSnapshot | SiasnFailure] = []
    async with make_client(fake) as siasn:
        await siasn.snapshots(fake.data.nips, on_result=results.append)
        assert siasn.stats["apim_tokens"] == 1 and siasn.stats["sso_tokens"] == 1
    snapshots = [r for r in results if isinstance(r, SiasnSnapshot)]
    assert len(snapshots) == EMPLOYEES
    pppk = [s for s in snapshots if s.profile.is_pppk]
    assert pppk and all(s.golongan == () and s.profile.golongan_id is None for s in pppk)
    assert all(s.profile.golongan and re.fullmatch(r"[IVX]+", s.profile.golongan) for s in pppk)
    pns = [s for s in snapshots if not s.profile.is_pppk]
    assert all(s.golongan for s in pns)
    for s in snapshots:
        tmts = [j.tmt_jabatan for j in s.jabatan if j.tmt_jabatan]
        assert tmts == sorted(tmts)
        current = s.current_jabatan
        assert current is not None and current.unor_id == s.profile.unor_id
    assert any(s.acting for s in snapshots)
    assert any(s.potensi and s.kompetensi for s in snapshots)
    assert any(not s.potensi for s in snapshots)
    assert any(s.family.pasangan for s in snapshots)


async def test_unknown_nip_is_not_found(fake: FakeSiasn) -> None:
    async with make_client(fake) as siasn:
        result = await siasn.snapshot_for("199001012015031999")
    assert isinstance(result, SiasnFailure) and result.kind == "not_found"


async def test_fake_requires_both_headers_with_the_documented_401_bodies(fake: FakeSiasn) -> None:
    nip = fake.data.nips[0]
    transport = httpx.ASGITransport(app=create_app(fake))
    async with httpx.AsyncClient(transport=transport, base_url="http://fake.test") as http:
        token = await http.post(
            "/oauth2/token",
            auth=("fake-consumer-key", "fake-consumer-secret"),
            data={"grant_type": "client_credentials"},
        )
        apim = token.json()["access_token"]
        assert 0 < token.json()["expires_in"] <= 300
        bad_key = await http.post(
            "/oauth2/token", auth=("x", "y"), data={"grant_type": "client_credentials"}
        )
        assert bad_key.status_code == 401
        no_apim = await http.get(f"/apisiasn/1.0/pns/data-utama/{nip}")
        assert no_apim.status_code == 401 and "fault" in no_apim.json()
        no_sso = await http.get(
            f"/apisiasn/1.0/pns/data-utama/{nip}", headers={"Authorization": f"Bearer {apim}"}
        )
        assert no_sso.status_code == 401 and set(no_sso.json()) == {"Error", "Message"}
        ref = await http.get(
            "/referensi_siasn/1/agama", headers={"Authorization": f"Bearer {apim}"}
        )
        assert ref.status_code == 200 and ref.json()["code"] == 1
        sso = (await http.post("/admin/sso-token")).json()["access_token"]
        headers = {"Authorization": f"Bearer {apim}", "Auth": f"bearer {sso}"}
        found = await http.get(f"/apisiasn/1.0/pns/data-utama/{nip}", headers=headers)
        assert found.status_code == 200 and found.json()["code"] == 1
        assert re.fullmatch(r"\d{2}-\d{2}-\d{4}", found.json()["data"]["tglLahir"])
        missing = await http.get("/apisiasn/1.0/pns/data-utama/199001012015031999", headers=headers)
        assert missing.status_code == 404
        assert missing.json() == {"code": 0, "data": "Data tidak ditemukan"}
        unor = await http.get(
            "/apisiasn/1.0/referensi/ref-unor", params={"limit": 5, "offset": 0}, headers=headers
        )
        body = unor.json()
        assert body["count"] == len(fake.data.unors) and len(body["data"]) == 5
        assert {"Id", "NamaUnor", "PemimpinPnsId", "DiatasanId"} <= set(body["data"][0])
        past = await http.get(
            "/apisiasn/1.0/referensi/ref-unor",
            params={"limit": 5, "offset": 10_000},
            headers=headers,
        )
        assert past.status_code == 404 and past.json()["code"] == 0


async def test_operator_supplied_sso_token_works_against_the_fake(fake: FakeSiasn) -> None:
    transport = httpx.ASGITransport(app=create_app(fake))
    async with httpx.AsyncClient(transport=transport, base_url="http://fake.test") as http:
        sso = (await http.post("/admin/sso-token")).json()["access_token"]
    siasn = SiasnClient(
        fake_client_settings(
            "http://fake.test",
            sso_username=None,
            sso_password=None,
            sso_access_token=SecretStr(sso),
        ),
        transport=transport,
    )
    async with siasn:
        assert await siasn.data_utama(fake.data.nips[0]) is not None
    assert fake.counts["sso-token"] == 0


async def test_ref_unor_is_read_whole_across_pages(fake: FakeSiasn) -> None:
    async with make_client(fake, ref_unor_page_size=7) as siasn:
        unors = await siasn.ref_unor()
    assert len(unors) == len(fake.data.unors)
    heads = {u.pemimpin_pns_id for u in unors} - {None}
    assert heads and heads <= set(fake.data.by_pns_id)
    assert any(u.pemimpin_pns_id is None and u.eselon_id for u in unors)  # vacant posts


async def test_expired_tokens_are_renewed_transparently(fake: FakeSiasn) -> None:
    nip = fake.data.nips[1]
    async with make_client(fake) as siasn:
        await siasn.data_utama(nip)
        fake.expire("all")
        assert await siasn.data_utama(nip) is not None
        fake.expire("sso")
        assert await siasn.rw_jabatan(nip)
        assert siasn.stats["reauth"] == 3  # apim, then sso (expired together), then sso
    assert fake.counts["apim-token"] == 2 and fake.counts["sso-token"] == 3


async def test_short_token_expiry_from_the_fault_switch_is_handled(fake: FakeSiasn) -> None:
    fake.faults = Faults(apim_token_ttl_s=1, sso_token_ttl_s=1)
    async with make_client(fake, token_refresh_margin_s=5) as siasn:
        for nip in fake.data.nips[:3]:
            assert isinstance(await siasn.snapshot_for(nip), SiasnSnapshot)
    assert fake.counts["apim-token"] >= 3  # every token is "about to expire": renewed


async def test_5xx_faults_are_retried_until_the_snapshot_is_whole(fake: FakeSiasn) -> None:
    fake.faults = Faults(fail_next=4)
    sleeps = NoSleep()
    async with make_client(fake, sleeps, max_concurrency=1) as siasn:
        result = await siasn.snapshot_for(fake.data.nips[2])
    assert isinstance(result, SiasnSnapshot)
    assert len(sleeps) == 4 and fake.counts["5xx"] == 4


async def test_429_from_the_fake_waits_retry_after(fake: FakeSiasn) -> None:
    fake.faults = Faults(throttle_next=2, retry_after_s=3)
    sleeps = NoSleep()
    async with make_client(fake, sleeps) as siasn:
        assert await siasn.data_utama(fake.data.nips[3]) is not None
    assert sleeps == [3.0, 3.0]


async def test_an_outage_gives_per_nip_unavailable_failures(fake: FakeSiasn) -> None:
    fake.faults = Faults(error_rate=1.0)
    async with make_client(fake, max_attempts=2) as siasn:
        results: list[SiasnSnapshot | SiasnFailure] = []
        await siasn.snapshots(fake.data.nips[:3], on_result=results.append)
    assert len(results) == 3
    assert all(isinstance(r, SiasnFailure) and r.kind == "unavailable" for r in results)


async def test_a_malformed_record_fails_only_that_nip(fake: FakeSiasn) -> None:
    bad = fake.data.nips[4]
    fake.faults = Faults(malformed_nips=[bad])
    results: dict[str, SiasnSnapshot | SiasnFailure] = {}
    async with make_client(fake) as siasn:
        await siasn.snapshots(
            fake.data.nips[3:6], on_result=lambda r: results.__setitem__(r.nip, r)
        )
    failure = results.pop(bad)
    assert isinstance(failure, SiasnFailure) and failure.kind == "malformed"
    assert "31-02-2020" in failure.reason
    assert all(isinstance(r, SiasnSnapshot) for r in results.values())


async def test_save_records_the_payload_and_data_utama_changes_only_after_jabatansync(
    fake: FakeSiasn,
) -> None:
    nip = fake.data.nips[6]
    target = next(u for u in fake.data.unors if u.eselon_id == "41")
    async with make_client(fake) as siasn:
        before = await siasn.data_utama(nip)
        assert before is not None and before.unor_id != target.id
        rw_id = await siasn.save_unor_jabatan(
            SiasnUnorJabatanSave(
                pns_id=before.pns_id,
                unor_id=target.id,
                jenis_jabatan="4",
                jabatan_fungsional_umum_id="JFU-1",
                nomor_sk="821.2/77/BKPSDM/2025",
                tanggal_sk=date(2025, 6, 2),
                tmt_jabatan=date(2025, 7, 1),
            )
        )
        history = await siasn.rw_jabatan(nip)
        assert any(j.id == rw_id and j.unor_id == target.id for j in history)
        still = await siasn.data_utama(nip)
        assert still is not None and still.unor_id == before.unor_id
        await siasn.jabatan_sync(before.pns_id)
        after = await siasn.data_utama(nip)
    assert after is not None and after.unor_id == target.id
    assert after.tmt_jabatan == date(2025, 7, 1)
    (saved,) = fake.saves
    payload = saved["payload"]
    assert payload["tmtJabatan"] == "01-07-2025" and payload["tanggalSk"] == "02-06-2025"
    assert payload["instansiId"] == fake.data.instansi_id and payload["jenisMutasiId"] == "MJ"
    assert fake.syncs == [before.pns_id]


async def test_save_rejections_from_the_fake_are_failures(fake: FakeSiasn) -> None:
    nip = fake.data.nips[7]
    async with make_client(fake) as siasn:
        profile = await siasn.data_utama(nip)
        assert profile is not None
        save = SiasnUnorJabatanSave(
            pns_id=profile.pns_id,
            unor_id="UNKNOWN-UNOR",
            jenis_jabatan="4",
            nomor_sk="1",
            tanggal_sk=date(2025, 1, 1),
            tmt_jabatan=date(2025, 1, 1),
        )
        with pytest.raises(SiasnSaveRejected, match="Unor tidak ditemukan"):
            await siasn.save_unor_jabatan(save)
        fake.faults = Faults(save_reject=True)
        valid = dataclasses.replace(save, unor_id=profile.unor_id or "")
        with pytest.raises(SiasnSaveRejected, match="simulasi"):
            await siasn.save_unor_jabatan(valid)
    assert len(fake.saves) == 2 and all(not s["result"]["success"] for s in fake.saves)


async def test_admin_endpoint_sets_faults_and_rejects_bad_values(fake: FakeSiasn) -> None:
    transport = httpx.ASGITransport(app=create_app(fake))
    async with httpx.AsyncClient(transport=transport, base_url="http://fake.test") as http:
        changed = await http.put("/admin/faults", json={"latency_ms": 5, "error_rate": 0.5})
        assert changed.status_code == 200 and changed.json()["error_rate"] == 0.5
        bad = await http.put("/admin/faults", json={"error_rate": 3})
        assert bad.status_code == 422
        assert (await http.get("/admin/faults")).json()["latency_ms"] == 5
        nips = (await http.get("/admin/nips")).json()
    assert nips["count"] == EMPLOYEES and fake.faults.error_rate == 0.5


async def test_client_against_the_fake_over_real_http() -> None:
    fake = FakeSiasn(seed=11, employees=12, faults=Faults(fail_next=2, throttle_next=1))
    with serve_in_thread(fake) as base_url:
        settings = fake_client_settings(base_url, retry_after_max_s=0.01)
        results: list[SiasnSnapshot | SiasnFailure] = []
        async with SiasnClient(settings) as siasn:
            await siasn.snapshots(fake.data.nips, on_result=results.append)
            unors = await siasn.ref_unor()
            retries = siasn.stats["retries"]
    assert len(results) == 12 and all(isinstance(r, SiasnSnapshot) for r in results)
    assert len(unors) == len(fake.data.unors)
    assert retries == 3
