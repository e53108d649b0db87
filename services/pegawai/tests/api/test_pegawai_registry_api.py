"""Registry API: full registration, NIP cross-check, reference codes, corrections with
ETag/If-Match, and the filtered, cursor-paginated list."""

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pegawai_registry_helpers import (
    MINIMAL,
    NIP,
    NIP_F,
    NIP_PPPK,
    REFERENCE,
    Headers,
    count_rows,
    events,
    field_codes,
    full_body,
    make_client,
    register,
)


def test_full_registration_stores_every_field_and_first_history_rows(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers("admin", sub="bkd-1")
    body = register(client, h, full_body())
    assert body["full_name"] == "Budi Santoso, S.Kom., M.T."
    assert body["golongan"] == "IV/a" and body["kedudukan_name"] == "Aktif"
    assert body["active"] is True and body["tmt_pensiun"] == "2043-04-01"
    assert body["personal"]["nik"] == "1871011203850001"
    got = client.get(f"/pegawai/{NIP}", headers=h).json()
    assert got["eselon_id"] == "32" and got["education_level_id"] == "45"
    for table in ("riwayat_jabatan", "riwayat_golongan", "riwayat_pendidikan", "riwayat_status"):
        assert count_rows(client, table) == 1, table
    [registered] = events(client, "pegawai.registered")
    data = registered["data"]
    assert data["golongan_id"] == "41" and data["kind"] == "PNS" and data["sex"] == "M"
    assert data["name"] == "Budi Santoso, S.Kom., M.T."
    assert registered["actor"] == "bkd-1" and registered["actorrole"] == "admin"


def test_minimal_body_still_registers(client: TestClient, auth_headers: Headers) -> None:
    body = register(client, auth_headers("admin"), MINIMAL)
    assert body["kedudukan_id"] == "01" and body["golongan_id"] is None


def test_nip_mismatch_is_field_level_422_in_both_languages(
    client: TestClient, auth_headers: Headers
) -> None:
    bad = full_body(
        sex="F",
        tmt_cpns="2011-01-01",
        personal={"birth_date": "1985-03-13", "birth_place": "Metro"},
    )
    r = client.post("/pegawai", json=bad, headers=auth_headers("admin"))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    errors = {e["field"]: e for e in r.json()["errors"]}
    assert set(errors) == {"birth_date", "tmt_cpns", "sex"}
    assert errors["birth_date"]["code"] == "nip_birth_date_mismatch"
    assert "1985-03-12" in errors["birth_date"]["message_en"]
    assert "tidak sesuai dengan NIP" in errors["birth_date"]["message_id"]
    assert "2010-01" in errors["tmt_cpns"]["message_en"]
    assert "perempuan" not in errors["sex"]["message_id"].split("berarti")[1]
    assert count_rows(client, "pegawai") == 0 and events(client) == []


def test_pppk_ni_checks_year_only(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers("admin")
    ok = {
        **MINIMAL,
        "nip": NIP_PPPK,
        "sex": "M",
        "tmt_cpns": "2024-07-01",
        "contract_end": "2029-06-30",
    }
    body = register(client, h, ok)
    assert body["kind"] == "PPPK"
    r = client.post(f"/pegawai/{NIP_PPPK}/golongan", json={"golongan_id": "31"}, headers=h)
    assert r.status_code == 422 and field_codes(r) == {"golongan_id": "golongan_pppk"}
    r = client.post(f"/pegawai/{NIP_PPPK}/golongan", json={"golongan_id": "ix"}, headers=h)
    assert r.status_code == 201, r.text
    assert client.get(f"/pegawai/{NIP_PPPK}", headers=h).json()["golongan_id"] == "IX"
    other = {**ok, "nip": "200012312024211003", "golongan_id": "31"}
    r = client.post("/pegawai", json=other, headers=h)
    assert r.status_code == 422 and field_codes(r) == {"golongan_id": "golongan_pppk"}
    roman = register(client, h, {**other, "golongan_id": "VII"})
    assert roman["golongan_id"] == "VII"
    r = client.post("/pegawai", json={**full_body(), "golongan_id": "IX"}, headers=h)
    assert r.status_code == 422 and field_codes(r) == {"golongan_id": "unknown_golongan"}
    wrong = {**ok, "nip": "200012312024211002", "tmt_cpns": "2023-07-01"}
    r = client.post("/pegawai", json=wrong, headers=h)
    assert r.status_code == 422 and field_codes(r) == {"tmt_cpns": "nip_tmt_mismatch"}
    assert "2024" in r.json()["errors"][0]["message_en"]


def test_unknown_reference_codes_are_422(client: TestClient, auth_headers: Headers) -> None:
    bad = full_body(golongan_id="46", eselon_id="33", education_level_id="41", agama_id="9")
    r = client.post("/pegawai", json=bad, headers=auth_headers("admin"))
    assert r.status_code == 422
    assert field_codes(r) == {
        "golongan_id": "unknown_golongan",
        "eselon_id": "unknown_eselon",
        "education_level_id": "unknown_tingkat_pendidikan",
        "agama_id": "unknown_agama",
    }
    assert "Kode golongan '46' tidak dikenal" in r.json()["errors"][0]["message_id"]


def test_duplicate_siasn_id_is_409(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers("admin")
    register(client, h, full_body())
    other = full_body(nip=NIP_F, sex="F", tmt_cpns=None, personal=None)
    r = client.post("/pegawai", json=other, headers=h)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "siasn_id"


def test_patch_needs_if_match_and_rejects_stale(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers("admin", sub="bkd-2")
    register(client, h, full_body())
    r = client.patch(f"/pegawai/{NIP}", json={"gelar_depan": "Dr."}, headers=h)
    assert r.status_code == 428
    r = client.patch(
        f"/pegawai/{NIP}", json={"gelar_depan": "Dr."}, headers={**h, "If-Match": '"v9"'}
    )
    assert r.status_code == 412 and r.json()["current_etag"] == '"v1"'
    r = client.patch(
        f"/pegawai/{NIP}", json={"gelar_depan": "Dr."}, headers={**h, "If-Match": '"v1"'}
    )
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"v2"' and r.json()["full_name"].startswith("Dr. Budi")
    again = client.patch(
        f"/pegawai/{NIP}", json={"gelar_depan": "Prof."}, headers={**h, "If-Match": '"v1"'}
    )
    assert again.status_code == 412
    assert count_rows(client, "riwayat_identitas") == 1


def test_patch_status_writes_history_and_event(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers("admin")
    register(client, h, full_body())
    r = client.patch(
        f"/pegawai/{NIP}",
        json={"kedudukan_id": "99", "status_effective": "2043-04-01"},
        headers={**h, "If-Match": '"v1"'},
    )
    assert r.status_code == 200 and r.json()["active"] is False
    [changed] = events(client, "pegawai.status_changed")
    assert changed["data"] == {
        "nip": NIP,
        "kedudukan_id": "99",
        "active": False,
        "effective": "2043-04-01",
    }
    assert count_rows(client, "riwayat_status") == 2
    same = client.patch(
        f"/pegawai/{NIP}", json={"kedudukan_id": "99"}, headers={**h, "If-Match": '"v2"'}
    )
    assert same.status_code == 200 and same.headers["etag"] == '"v2"'
    assert len(events(client, "pegawai.status_changed")) == 1


def test_patch_cross_checks_and_validates(client: TestClient, auth_headers: Headers) -> None:
    h = {**auth_headers("admin"), "If-Match": '"v1"'}
    register(client, h, full_body())
    r = client.patch(f"/pegawai/{NIP}", json={"personal": {"birth_date": "1986-03-12"}}, headers=h)
    assert r.status_code == 422 and field_codes(r) == {"birth_date": "nip_birth_date_mismatch"}
    r = client.patch(f"/pegawai/{NIP}", json={"kedudukan_id": "77"}, headers=h)
    assert r.status_code == 422 and field_codes(r) == {"kedudukan_id": "unknown_kedudukan"}
    r = client.patch(f"/pegawai/{NIP}", json={"name": None}, headers=h)
    assert r.status_code == 422 and field_codes(r) == {"name": "missing"}
    r = client.patch(f"/pegawai/{NIP}", json={"golongan_id": "42"}, headers=h)
    assert r.status_code == 422 and field_codes(r) == {"golongan_id": "extra_forbidden"}
    assert client.get(f"/pegawai/{NIP}", headers=h).headers["etag"] == '"v1"'


def test_operator_patches_only_in_own_unit_and_never_personal(
    client: TestClient, auth_headers: Headers
) -> None:
    register(client, auth_headers("admin"), full_body())
    other = auth_headers("operator", units=("U-X",))
    r = client.patch(
        f"/pegawai/{NIP}", json={"gelar_depan": "Dr."}, headers={**other, "If-Match": '"v1"'}
    )
    assert r.status_code == 403
    own = {**auth_headers("operator", units=("U-DINKES",)), "If-Match": '"v1"'}
    r = client.patch(f"/pegawai/{NIP}", json={"personal": {"phone": "0812 1111"}}, headers=own)
    assert r.status_code == 403 and r.json()["errors"][0]["field"] == "personal"
    assert (
        client.patch(f"/pegawai/{NIP}", json={"gelar_depan": "Dr."}, headers=own).status_code == 200
    )


def _seed(client: TestClient, h: dict[str, str]) -> list[str]:
    rows: list[dict[str, Any]] = [
        {
            "nip": "198001012005011001",
            "name": "Agus Salim",
            "unor_id": "U-A",
            "jabatan_id": "J-1",
            "golongan_id": "34",
            "tmt_pensiun": "2038-02-01",
        },
        {
            "nip": "197001012000012001",
            "name": "Siti Aminah",
            "unor_id": "U-A",
            "jabatan_id": "J-2",
            "golongan_id": "41",
            "tmt_pensiun": "2028-02-01",
        },
        {
            "nip": "196601012000011001",
            "name": "Hendra Lubis",
            "unor_id": "U-B",
            "jabatan_id": "J-1",
            "golongan_id": "41",
            "tmt_pensiun": "2026-02-01",
            "kedudukan_id": "99",
        },
        {"nip": NIP_PPPK, "name": "Rizki Pratama", "unor_id": "U-B", "jabatan_id": "J-3"},
    ]
    for b in rows:
        register(client, h, b)
    return sorted(b["nip"] for b in rows)


def test_list_filters(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers("admin")
    nips = _seed(client, h)

    def nips_for(**params: Any) -> list[str]:
        r = client.get("/pegawai", params=params, headers=h)
        assert r.status_code == 200, r.text
        return [p["nip"] for p in r.json()["items"]]

    assert nips_for() == nips
    assert nips_for(jabatan_id="J-1") == ["196601012000011001", "198001012005011001"]
    assert nips_for(golongan_id="41") == ["196601012000011001", "197001012000012001"]
    assert nips_for(kind="PPPK") == [NIP_PPPK]
    assert nips_for(status="retired") == ["196601012000011001"]
    assert NIP_PPPK in nips_for(status="active")
    assert nips_for(retiring_before="2030-01-01") == ["196601012000011001", "197001012000012001"]
    assert nips_for(q="aminah") == ["197001012000012001"]
    assert nips_for(q="1980") == ["198001012005011001"]
    assert nips_for(unor_id="U-B", golongan_id="41") == ["196601012000011001"]
    assert client.get("/pegawai", params={"status": "x"}, headers=h).status_code == 422
    assert all(
        "personal" not in p or p["personal"] is None
        for p in client.get("/pegawai", headers=h).json()["items"]
    )
    # filters hold across pages
    first = client.get("/pegawai", params={"limit": 1, "golongan_id": "41"}, headers=h).json()
    second = client.get(
        "/pegawai",
        params={"limit": 1, "golongan_id": "41", "cursor": first["next_cursor"]},
        headers=h,
    ).json()
    assert [p["nip"] for p in first["items"] + second["items"]] == [
        "196601012000011001",
        "197001012000012001",
    ]


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="BKN reference dumps not present")
def test_reference_folder_from_settings_is_used(
    db_url: str, dev_keys: tuple[bytes, Path], auth_headers: Headers
) -> None:
    with make_client(db_url, dev_keys[1], reference_path=REFERENCE) as c:
        h = auth_headers("admin")
        register(c, h, full_body(kedudukan_id="05"))  # only in the full BKN table
        wrong_level = {"level": "berat", "start_date": "2024-01-01", "jenis_hukuman_id": "1"}
        r = c.post(f"/pegawai/{NIP}/hukdis", json=wrong_level, headers=h)
        assert r.status_code == 422 and field_codes(r) == {"level": "level_mismatch"}
        assert "TEGURAN LISAN" in r.json()["errors"][0]["message_id"]
        r = c.post(
            f"/pegawai/{NIP}/hukdis", json={**wrong_level, "jenis_hukuman_id": "999"}, headers=h
        )
        assert r.status_code == 422 and field_codes(r) == {
            "jenis_hukuman_id": "unknown_jenis_hukuman"
        }
