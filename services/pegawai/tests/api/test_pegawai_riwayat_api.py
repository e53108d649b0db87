"""History endpoints: rows are appended (never overwritten), the current state follows the
newest row, and each change stages its event through the outbox."""

from fastapi.testclient import TestClient
from pegawai_registry_helpers import (
    NIP,
    NIP_F,
    Headers,
    count_rows,
    events,
    field_codes,
    full_body,
    register,
)


def _setup(client: TestClient, auth_headers: Headers) -> dict[str, str]:
    h = auth_headers("admin", sub="bkd-1")
    register(client, h, full_body())
    return h


def test_definitive_post_changes_placement_and_emits(
    client: TestClient, auth_headers: Headers
) -> None:
    h = _setup(client, auth_headers)
    move = {
        "unor_id": "U-KOMINFO",
        "jabatan_id": "J-KABID",
        "jabatan_name": "Kepala Bidang",
        "jenis_jabatan": "1",
        "eselon_id": "32",
        "tmt": "2025-01-02",
        "sk_number": "821/123/2024",
        "sk_date": "2024-12-20",
        "source": "mutasi",
        "proposal_id": "P-1",
    }
    r = client.post(f"/pegawai/{NIP}/jabatan", json=move, headers=h)
    assert r.status_code == 201, r.text
    assert r.headers["etag"] == '"v2"' and r.json()["sk_number"] == "821/123/2024"
    current = client.get(f"/pegawai/{NIP}", headers=h).json()
    assert current["unor_id"] == "U-KOMINFO" and current["tmt_jabatan"] == "2025-01-02"
    [ev] = events(client, "pegawai.placement_changed")
    assert ev["data"]["previous"]["unor_id"] == "U-DINKES"
    assert ev["data"]["current"]["jabatan_id"] == "J-KABID"
    assert ev["data"]["reason"] == "mutasi" and ev["data"]["proposal_id"] == "P-1"
    # an older post is history only: the current post and events stay
    old = {"unor_id": "U-OLD", "jabatan_id": "J-OLD", "tmt": "2015-01-01"}
    assert client.post(f"/pegawai/{NIP}/jabatan", json=old, headers=h).status_code == 201
    assert client.get(f"/pegawai/{NIP}", headers=h).json()["unor_id"] == "U-KOMINFO"
    assert len(events(client, "pegawai.placement_changed")) == 1
    rows = client.get(f"/pegawai/{NIP}/jabatan", headers=h).json()["items"]
    assert [r["unor_id"] for r in rows] == ["U-DINKES", "U-KOMINFO", "U-OLD"]


def test_acting_post_emits_acting_changed_and_keeps_definitive(
    client: TestClient, auth_headers: Headers
) -> None:
    h = _setup(client, auth_headers)
    plt = {
        "unor_id": "U-SETDA",
        "jabatan_id": "J-SEKDA",
        "jenis_penugasan": "PLT",
        "tmt": "2024-01-01",
        "end_date": "2024-03-31",
        "sk_number": "800/PLT/1",
    }
    r = client.post(f"/pegawai/{NIP}/jabatan", json=plt, headers=h)
    assert r.status_code == 201 and r.headers["etag"] == '"v1"'
    assert client.get(f"/pegawai/{NIP}", headers=h).json()["unor_id"] == "U-DINKES"
    [ev] = events(client, "pegawai.acting_changed")
    assert ev["data"]["jenis_penugasan"] == "PLT" and ev["data"]["active"] is False
    assert events(client, "pegawai.placement_changed") == []
    no_tmt = {**plt, "tmt": None}
    r = client.post(f"/pegawai/{NIP}/jabatan", json=no_tmt, headers=h)
    assert r.status_code == 422 and field_codes(r) == {"tmt": "missing"}
    backwards = {**plt, "end_date": "2023-01-01"}
    r = client.post(f"/pegawai/{NIP}/jabatan", json=backwards, headers=h)
    assert r.status_code == 422 and field_codes(r) == {"end_date": "end_before_start"}
    bad = {**plt, "jenis_penugasan": "XX"}
    assert client.post(f"/pegawai/{NIP}/jabatan", json=bad, headers=h).status_code == 422


def test_operator_needs_both_units_for_a_move(client: TestClient, auth_headers: Headers) -> None:
    _setup(client, auth_headers)
    move = {"unor_id": "U-KOMINFO", "jabatan_id": "J-2", "tmt": "2025-01-01"}
    only_old = auth_headers("operator", units=("U-DINKES",))
    assert client.post(f"/pegawai/{NIP}/jabatan", json=move, headers=only_old).status_code == 403
    only_new = auth_headers("operator", units=("U-KOMINFO",))
    assert client.post(f"/pegawai/{NIP}/jabatan", json=move, headers=only_new).status_code == 403
    both = auth_headers("operator", units=("U-DINKES", "U-KOMINFO"))
    assert client.post(f"/pegawai/{NIP}/jabatan", json=move, headers=both).status_code == 201
    assert (
        client.post(
            f"/pegawai/{NIP}/skp",
            json={"year": 2023, "predikat": 2},
            headers=auth_headers("penilai"),
        ).status_code
        == 403
    )


def test_golongan_history_and_rank_changed(client: TestClient, auth_headers: Headers) -> None:
    h = _setup(client, auth_headers)
    r = client.post(
        f"/pegawai/{NIP}/golongan",
        json={"golongan_id": "42", "tmt": "2026-04-01", "sk_number": "KP/42"},
        headers=h,
    )
    assert r.status_code == 201 and r.json()["golongan"] == "IV/b"
    [ev] = events(client, "pegawai.rank_changed")
    assert ev["data"]["previous_golongan_id"] == "41" and ev["data"]["golongan_id"] == "42"
    bad = client.post(f"/pegawai/{NIP}/golongan", json={"golongan_id": "15"}, headers=h)
    assert bad.status_code == 422 and field_codes(bad) == {"golongan_id": "unknown_golongan"}
    rows = client.get(f"/pegawai/{NIP}/golongan", headers=h).json()["items"]
    assert [r["golongan_id"] for r in rows] == ["41", "42"]


def test_pendidikan_highest_becomes_current(client: TestClient, auth_headers: Headers) -> None:
    h = _setup(client, auth_headers)
    lower = {"level_id": "40", "field_name": "S-1 Informatika", "year": 2008}
    r = client.post(f"/pegawai/{NIP}/pendidikan", json=lower, headers=h)
    assert r.status_code == 201 and r.json()["highest"] is False
    higher = {"level_id": "50", "field_name": "S-3 Ilmu Komputer", "year": 2024}
    assert client.post(f"/pegawai/{NIP}/pendidikan", json=higher, headers=h).json()["highest"]
    assert client.get(f"/pegawai/{NIP}", headers=h).json()["education_level_id"] == "50"
    evs = events(client, "pegawai.education_recorded")
    assert [e["data"]["highest"] for e in evs] == [False, True]
    r = client.post(f"/pegawai/{NIP}/pendidikan", json={"level_id": "99"}, headers=h)
    assert r.status_code == 422


def test_diklat_is_recorded(client: TestClient, auth_headers: Headers) -> None:
    h = _setup(client, auth_headers)
    body = {
        "name": "Pelatihan Kepemimpinan Administrator",
        "start_date": "2023-05-01",
        "end_date": "2023-08-30",
        "hours": 40,
    }
    r = client.post(f"/pegawai/{NIP}/diklat", json=body, headers=h)
    assert r.status_code == 201 and r.json()["year"] == 2023
    [ev] = events(client, "pegawai.training_recorded")
    assert ev["data"]["hours"] == 40 and ev["data"]["year"] == 2023
    assert len(client.get(f"/pegawai/{NIP}/diklat", headers=h).json()["items"]) == 1


def test_skp_predikat_follows_the_matrix(client: TestClient, auth_headers: Headers) -> None:
    h = _setup(client, auth_headers)
    r = client.post(
        f"/pegawai/{NIP}/skp",
        json={"year": 2023, "hasil_kinerja": 1, "perilaku_kerja": 1},
        headers=h,
    )
    assert r.status_code == 201 and r.json()["predikat"] == 1
    assert r.json()["predikat_name"] == "Sangat Baik"
    r = client.post(
        f"/pegawai/{NIP}/skp",
        json={"year": 2024, "hasil_kinerja": 1, "perilaku_kerja": 3, "predikat": 2},
        headers=h,
    )
    assert r.status_code == 422 and field_codes(r) == {"predikat": "predikat_mismatch"}
    assert "Kurang" in r.json()["errors"][0]["message_en"]
    r = client.post(f"/pegawai/{NIP}/skp", json={"year": 2024}, headers=h)
    assert r.status_code == 422 and field_codes(r) == {"predikat": "missing"}
    r = client.post(f"/pegawai/{NIP}/skp", json={"year": 2021, "predikat": 2}, headers=h)
    assert r.status_code == 422
    # a correction for 2023 is a new row; both stay
    r = client.post(f"/pegawai/{NIP}/skp", json={"year": 2023, "predikat": 2}, headers=h)
    assert r.status_code == 201
    assert [
        s["predikat"] for s in client.get(f"/pegawai/{NIP}/skp", headers=h).json()["items"]
    ] == [1, 2]
    assert [e["data"]["predikat"] for e in events(client, "pegawai.performance_recorded")] == [1, 2]


def test_asesmen_kompetensi_jpm_and_potensi(client: TestClient, auth_headers: Headers) -> None:
    h = _setup(client, auth_headers)  # eselon 32 (administrator): standard level 3
    scores = {
        "integritas": 3,
        "kerjasama": 3,
        "komunikasi": 3,
        "orientasiPadaHasil": 3,
        "pelayananPublik": 3,
        "pengembanganDiriDanOrla": 2,
        "mengelolaPerubahan": 2,
        "pengambilanKeputusan": 2,
        "perekatBangsa": 3,
    }
    r = client.post(
        f"/pegawai/{NIP}/asesmen",
        json={"kind": "kompetensi", "year": 2024, "scores": scores},
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert r.json()["standard_level"] == 3 and r.json()["jpm"] == 88.89
    assert r.json()["jpm_category"] == "MS"
    potensi = {
        "kind": "potensi",
        "year": 2024,
        "total": 72.5,
        "scores": {
            "berfikirKritis": 3.5,
            "intelektual": 4,
            "interpersonal": 3,
            "kesadaranDiri": 3,
            "motivasiKomitmen": 4,
        },
    }
    assert client.post(f"/pegawai/{NIP}/asesmen", json=potensi, headers=h).status_code == 201
    evs = events(client, "pegawai.assessment_recorded")
    assert [e["data"]["kind"] for e in evs] == ["kompetensi", "potensi"]
    assert evs[0]["data"]["jpm"] == 88.89 and evs[1]["data"]["total"] == 72.5
    bad = {"kind": "kompetensi", "year": 2024, "scores": {"integritas": 6, "nope": 3}}
    r = client.post(f"/pegawai/{NIP}/asesmen", json=bad, headers=h)
    assert r.status_code == 422
    assert field_codes(r) == {"scores.nope": "unknown_key", "scores.integritas": "level_range"}
    items = client.get(f"/pegawai/{NIP}/asesmen", headers=h).json()["items"]
    assert items[0]["scores"]["integritas"] == 3


def test_hukdis_with_period(client: TestClient, auth_headers: Headers) -> None:
    h = _setup(client, auth_headers)
    body = {
        "level": "sedang",
        "start_date": "2024-02-01",
        "end_date": "2025-01-31",
        "jenis_hukuman_id": "4",
        "sk_number": "HD/1",
    }
    r = client.post(f"/pegawai/{NIP}/hukdis", json=body, headers=h)
    assert r.status_code == 201
    [ev] = events(client, "pegawai.discipline_recorded")
    assert ev["data"]["level"] == "sedang" and ev["data"]["end"] == "2025-01-31"
    r = client.post(f"/pegawai/{NIP}/hukdis", json={**body, "end_date": "2023-01-01"}, headers=h)
    assert r.status_code == 422
    assert client.get(f"/pegawai/{NIP}/hukdis", headers=auth_headers("auditor")).status_code == 200


def test_history_posts_are_idempotent(client: TestClient, auth_headers: Headers) -> None:
    h = {**_setup(client, auth_headers), "Idempotency-Key": "skp-2023"}
    body = {"year": 2023, "predikat": 2}
    first = client.post(f"/pegawai/{NIP}/skp", json=body, headers=h)
    again = client.post(f"/pegawai/{NIP}/skp", json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    assert count_rows(client, "riwayat_skp") == 1
    assert len(events(client, "pegawai.performance_recorded")) == 1


def test_history_of_unknown_employee_is_404_and_cursor_pages(
    client: TestClient, auth_headers: Headers
) -> None:
    h = _setup(client, auth_headers)
    r = client.post(f"/pegawai/{NIP_F}/skp", json={"year": 2023, "predikat": 2}, headers=h)
    assert r.status_code == 404
    assert client.get(f"/pegawai/{NIP_F}/jabatan", headers=h).status_code == 404
    for year in (2022, 2023, 2024):
        client.post(f"/pegawai/{NIP}/skp", json={"year": year, "predikat": 2}, headers=h)
    page = client.get(f"/pegawai/{NIP}/skp", params={"limit": 2}, headers=h).json()
    rest = client.get(
        f"/pegawai/{NIP}/skp", params={"limit": 2, "cursor": page["next_cursor"]}, headers=h
    ).json()
    assert [s["year"] for s in page["items"] + rest["items"]] == [2022, 2023, 2024]


def test_aspirations_by_self_replace_previous_statement(
    client: TestClient, auth_headers: Headers
) -> None:
    _setup(client, auth_headers)
    me = auth_headers("pegawai", sub=NIP)
    first = {
        "preferences": [
            {"rank": 1, "unor_id": "U-KOMINFO", "reason": "Latar TI"},
            {"rank": 2, "jabatan_id": "J-PRANATA"},
        ],
        "round_id": "R-2026",
    }
    r = client.post(f"/pegawai/{NIP}/aspirasi", json=first, headers=me)
    assert r.status_code == 201, r.text
    assert r.json()["stated_by"] == NIP
    second = {"preferences": [{"rank": 1, "unor_id": "U-BAPPEDA"}], "round_id": "R-2026"}
    client.post(f"/pegawai/{NIP}/aspirasi", json=second, headers=me)
    got = client.get(f"/pegawai/{NIP}/aspirasi", headers=auth_headers("penilai")).json()
    assert [p["unor_id"] for p in got["preferences"]] == ["U-BAPPEDA"]
    assert count_rows(client, "aspirasi") == 3
    evs = events(client, "pegawai.aspiration_stated")
    assert len(evs) == 2 and evs[0]["actorrole"] == "pegawai"
    assert evs[0]["data"]["preferences"][0]["reason"] == "Latar TI"
    other = auth_headers("pegawai", sub=NIP_F)
    assert client.post(f"/pegawai/{NIP}/aspirasi", json=first, headers=other).status_code == 403
    gap = {"preferences": [{"rank": 1, "unor_id": "U-A"}, {"rank": 3, "unor_id": "U-B"}]}
    r = client.post(f"/pegawai/{NIP}/aspirasi", json=gap, headers=me)
    assert r.status_code == 422 and field_codes(r) == {"preferences": "rank_sequence"}
    empty = {"preferences": [{"rank": 1}]}
    r = client.post(f"/pegawai/{NIP}/aspirasi", json=empty, headers=me)
    assert r.status_code == 422 and field_codes(r) == {"preferences.0": "empty_preference"}
    assert (
        client.post(
            f"/pegawai/{NIP}/aspirasi",
            json=first,
            headers=auth_headers("operator", units=("U-DINKES",)),
        ).status_code
        == 403
    )
