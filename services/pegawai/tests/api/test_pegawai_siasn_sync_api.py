"""SIASN → registry sync as an admin background job, against the fake SIASN in-process."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pegawai_registry_helpers import count_rows, events
from pegawai_siasn_helpers import siasn_app, wait_job

from tatamutasi_pegawai.siasn_fake import FakeSiasn, Faults

EMPLOYEES = 12


@pytest.fixture
def fake() -> FakeSiasn:
    return FakeSiasn(seed=3, employees=EMPLOYEES)


@pytest.fixture
def client(db_url: str, dev_keys: tuple[bytes, Path], fake: FakeSiasn) -> Iterator[TestClient]:
    with siasn_app(db_url, dev_keys[1], fake) as c:
        yield c


def _sync(
    client: TestClient, admin: dict[str, str], nips: list[str], **body: Any
) -> dict[str, Any]:
    r = client.post("/siasn/sync", json={"nips": nips, **body}, headers=admin)
    assert r.status_code == 202, r.text
    return wait_job(client, admin, r.json()["id"])


def test_sync_registers_every_nip_with_histories_and_hands_the_tree_to_formasi(
    client: TestClient, fake: FakeSiasn, auth_headers: Any
) -> None:
    admin = auth_headers("admin")
    nips = fake.data.nips
    job = _sync(client, admin, nips)
    assert job["status"] == "completed", job
    assert (job["total"], job["done"], job["failed"]) == (EMPLOYEES, EMPLOYEES, 0), job
    assert job["unor_status"].startswith("ok:")
    assert len(events(client, "pegawai.registered")) == EMPLOYEES
    assert events(client, "pegawai.unor_synced")
    detail = client.get(f"/pegawai/{nips[0]}", headers=admin).json()
    assert detail["siasn_id"] and detail["unor_id"] in fake.data.unor_by_id
    assert count_rows(client, "riwayat_jabatan") >= EMPLOYEES
    assert count_rows(client, "riwayat_skp") > 0


def test_a_second_run_changes_nothing_and_emits_nothing(
    client: TestClient, fake: FakeSiasn, auth_headers: Any
) -> None:
    admin = auth_headers("admin")
    first = _sync(client, admin, fake.data.nips)
    assert first["changed"] == EMPLOYEES
    before = len(events(client))
    rows = count_rows(client, "riwayat_jabatan")
    second = _sync(client, admin, fake.data.nips)
    assert second["status"] == "completed"
    assert (second["changed"], second["unchanged"]) == (0, EMPLOYEES), second
    assert second["unor_status"].endswith("unchanged")
    assert len(events(client)) == before
    assert count_rows(client, "riwayat_jabatan") == rows


def test_a_change_in_siasn_is_applied_alone_and_emitted_once(
    client: TestClient, fake: FakeSiasn, auth_headers: Any
) -> None:
    admin = auth_headers("admin")
    nip = fake.data.nips[0]
    _sync(client, admin, [nip], unor=False)
    employee = fake.data.employees[nip]
    target = next(u for u in fake.data.unors if u.id != employee.unor.id and u.eselon_id is None)
    # a newer definitive post appears in rw-jabatan (as after a save in SIASN)
    latest = dict(fake.data.rw_jabatan(nip)[-1])
    latest.update(
        id="0" * 31 + "1",
        unorId=target.id,
        unorNama=target.nama,
        tmtJabatan="02-01-2099",
        jenisPenugasanId="D",
        nomorSk="SK-BARU",
    )
    employee.extra.setdefault("jabatan", []).append(latest)
    before = events(client)
    job = _sync(client, admin, [nip], unor=False)
    assert (job["changed"], job["failed"]) == (1, 0), job
    new = events(client)[len(before) :]
    assert [e["type"] for e in new] == ["pegawai.placement_changed"]
    assert new[0]["data"]["current"]["unor_id"] == target.id
    assert new[0]["data"]["reason"] == "sync"
    assert client.get(f"/pegawai/{nip}", headers=admin).json()["unor_id"] == target.id


def test_a_malformed_record_fails_its_nip_only_and_writes_nothing_of_it(
    client: TestClient, fake: FakeSiasn, auth_headers: Any
) -> None:
    admin = auth_headers("admin")
    bad, good = fake.data.nips[0], fake.data.nips[1]
    fake.faults = Faults(malformed_nips=[bad])
    job = _sync(client, admin, [bad, good], unor=False)
    assert (job["done"], job["failed"]) == (1, 1), job
    failures = client.get(f"/siasn/sync/{job['id']}/failures", headers=admin).json()["items"]
    assert [(f["nip"], f["kind"]) for f in failures] == [(bad, "malformed")]
    assert failures[0]["alasan"] and failures[0]["reason"]
    assert client.get(f"/pegawai/{bad}", headers=admin).status_code == 404
    assert client.get(f"/pegawai/{good}", headers=admin).status_code == 200
    assert all(e["subject"] != bad for e in events(client))


def test_an_outage_mid_sync_gives_per_nip_errors_and_the_job_resumes(
    client: TestClient, fake: FakeSiasn, auth_headers: Any
) -> None:
    admin = auth_headers("admin")
    nips = fake.data.nips[:6]
    fake.faults = Faults(error_rate=1.0)
    job = _sync(client, admin, nips, unor=False)
    assert job["status"] == "completed" and job["failed"] == 6, job
    kinds = {
        f["kind"]
        for f in client.get(f"/siasn/sync/{job['id']}/failures", headers=admin).json()["items"]
    }
    assert kinds == {"unavailable"}
    assert count_rows(client, "pegawai") == 0
    fake.faults = Faults()
    r = client.post(f"/siasn/sync/{job['id']}/resume", headers=admin)
    assert r.status_code == 202, r.text
    resumed = wait_job(client, admin, job["id"])
    assert (resumed["done"], resumed["failed"], resumed["status"]) == (6, 0, "completed")
    assert count_rows(client, "pegawai") == 6


def test_refused_credentials_stop_the_job_which_resumes_where_it_stopped(
    client: TestClient, fake: FakeSiasn, auth_headers: Any
) -> None:
    admin = auth_headers("admin")
    fake.faults = Faults(apim_token_ttl_s=1)
    from tatamutasi_pegawai.siasn_fake import app as fake_app

    original = fake_app.CONSUMER_SECRET
    fake_app.CONSUMER_SECRET = "rotated"  # every APIM token request is now refused
    try:
        job = _sync(client, admin, fake.data.nips, unor=False)
    finally:
        fake_app.CONSUMER_SECRET = original
    assert job["status"] == "stopped", job
    assert job["pending"] > 0 and "credentials" in job["message"]
    r = client.post(f"/siasn/sync/{job['id']}/resume", headers=admin)
    assert r.status_code == 202
    resumed = wait_job(client, admin, job["id"])
    assert (resumed["status"], resumed["done"], resumed["pending"]) == (
        "completed",
        EMPLOYEES,
        0,
    ), resumed


def test_sync_from_an_uploaded_file_reports_rows_that_are_not_nips(
    client: TestClient, fake: FakeSiasn, auth_headers: Any
) -> None:
    admin = auth_headers("admin")
    text = "No;NIP\n1;" + fake.data.nips[0] + "\n2;12345\n"
    r = client.post(
        "/siasn/sync/file?unor=false",
        files={"file": ("daftar.csv", text.encode(), "text/csv")},
        headers=admin,
    )
    assert r.status_code == 202, r.text
    assert [row["row"] for row in r.json()["rejected_rows"]] == [3]
    assert wait_job(client, admin, r.json()["id"])["done"] == 1
    bad = client.post(
        "/siasn/sync/file", files={"file": ("x.pdf", b"%PDF", "application/pdf")}, headers=admin
    )
    assert bad.status_code == 415
    empty = client.post(
        "/siasn/sync/file", files={"file": ("x.csv", b"nip\n123\n", "text/csv")}, headers=admin
    )
    assert empty.status_code == 422 and "NIP" in empty.json()["detail_id"]


def test_sync_needs_admin_valid_nips_and_a_configured_siasn(
    client: TestClient, db_url: str, dev_keys: tuple[bytes, Path], auth_headers: Any
) -> None:
    nip = "198503122010011002"
    assert (
        client.post(
            "/siasn/sync", json={"nips": [nip]}, headers=auth_headers("operator")
        ).status_code
        == 403
    )
    r = client.post("/siasn/sync", json={"nips": ["123"]}, headers=auth_headers("admin"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("nips")
    assert client.get("/siasn/sync/nope", headers=auth_headers("admin")).status_code == 404
    with siasn_app(db_url, dev_keys[1], None) as bare:
        r = bare.post("/siasn/sync", json={"nips": [nip]}, headers=auth_headers("admin"))
        assert r.status_code == 409 and "PEGAWAI_SIASN" in r.json()["detail_en"]
        status = bare.get("/siasn/status", headers=auth_headers("admin")).json()
        assert status["configured"] is False
