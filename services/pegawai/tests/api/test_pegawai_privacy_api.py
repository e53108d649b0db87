"""Privacy: personal fields and family only for admin and the employee themself; never in
events or logs. Kinship leaves the service only as relation facts between NIPs."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pegawai_registry_helpers import (
    NIP,
    NIP_F,
    Headers,
    events,
    full_body,
    make_client,
    register,
)

NIK = "1871011203850001"
OTHER_ROLES = ["operator", "penilai", "ppk", "auditor", "integration"]
SPOUSE = {
    "relation": "spouse",
    "name": "Dewi Lestari, S.Pd.",
    "nik": "1871014101900002",
    "birth_date": "1990-01-01",
    "birth_place": "Kota Metro",
    "sex": "F",
}


def _headers(auth_headers: Headers, role: str) -> dict[str, str]:
    return auth_headers(role, units=("U-DINKES",)) if role == "operator" else auth_headers(role)


def test_personal_fields_hidden_from_other_roles(client: TestClient, auth_headers: Headers) -> None:
    register(client, auth_headers("admin"), full_body())
    for role in OTHER_ROLES:
        h = _headers(auth_headers, role)
        r = client.get(f"/pegawai/{NIP}", headers=h)
        assert r.status_code == 200, role
        assert r.json()["personal"] is None, role
        for secret in (NIK, "1985-03-12", "Jl. Contoh", "Bandar Lampung"):
            assert secret not in r.text, (role, secret)
        assert client.get(f"/pegawai/{NIP}/keluarga", headers=h).status_code == 403, role
        post = client.post(f"/pegawai/{NIP}/keluarga", json=SPOUSE, headers=h)
        assert post.status_code == 403, role
        listed = client.get("/pegawai", headers=h)
        assert listed.status_code in (200, 403) and NIK not in listed.text, role


def test_personal_fields_visible_to_admin_and_self(
    client: TestClient, auth_headers: Headers
) -> None:
    register(client, auth_headers("admin"), full_body())
    for h in (auth_headers("admin"), auth_headers("pegawai", sub=NIP)):
        personal = client.get(f"/pegawai/{NIP}", headers=h).json()["personal"]
        assert personal["nik"] == NIK and personal["birth_date"] == "1985-03-12"
        assert client.get(f"/pegawai/{NIP}/keluarga", headers=h).status_code == 200
    other = auth_headers("pegawai", sub=NIP_F)
    assert client.get(f"/pegawai/{NIP}/keluarga", headers=other).status_code == 403


def test_only_admin_records_personal_data(client: TestClient, auth_headers: Headers) -> None:
    op = auth_headers("operator", units=("U-DINKES",))
    r = client.post("/pegawai", json=full_body(), headers=op)
    assert r.status_code == 403 and r.json()["errors"][0]["field"] == "personal"
    created = client.post("/pegawai", json=full_body(personal=None), headers=op)
    assert created.status_code == 201 and created.json()["personal"] is None


def test_no_personal_data_in_events(client: TestClient, auth_headers: Headers) -> None:
    admin = auth_headers("admin")
    register(client, admin, full_body())
    client.post(f"/pegawai/{NIP}/keluarga", json=SPOUSE, headers=admin)
    client.patch(
        f"/pegawai/{NIP}",
        json={"personal": {"phone": "0812 9999 0000"}, "kedudukan_id": "03"},
        headers={**admin, "If-Match": '"v1"'},
    )
    blob = json.dumps([e["data"] for e in events(client)])
    for secret in (
        NIK,
        "1985-03-12",
        "Bandar Lampung",
        "Jl. Contoh",
        "0812",
        "Dewi",
        SPOUSE["nik"],
        "1990-01-01",
        "Metro",
    ):
        assert secret not in blob, secret
    assert {e["type"] for e in events(client)} >= {
        "pegawai.registered",
        "pegawai.family_updated",
        "pegawai.status_changed",
    }


def test_no_personal_data_in_logs(
    db_url: str,
    dev_keys: tuple[bytes, Path],
    auth_headers: Headers,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with make_client(db_url, dev_keys[1], log_level="INFO") as c:
        admin = auth_headers("admin")
        register(c, admin, full_body())
        c.post(f"/pegawai/{NIP}/keluarga", json=SPOUSE, headers=admin)
        c.get(f"/pegawai/{NIP}", headers=admin)
        bad = full_body(nip=NIP_F, personal={"nik": "123", "birth_place": "Bandar Lampung"})
        assert c.post("/pegawai", json=bad, headers=admin).status_code == 422
    out = capsys.readouterr()
    logged = out.out + out.err
    assert "/pegawai/{nip}/keluarga" in logged  # the access log ran (route templates only)
    for secret in (NIK, "Bandar Lampung", "Jl. Contoh", "Dewi", SPOUSE["nik"]):
        assert secret not in logged, secret


# -- kinship ---------------------------------------------------------------------------------
WIFE_NIP = NIP_F  # born 1990-01-01, female


def _register_wife(client: TestClient, admin: dict[str, str], **personal: str) -> None:
    body = {
        "nip": WIFE_NIP,
        "name": "Dewi Lestari",
        "unor_id": "U-DISDIK",
        "jabatan_id": "J-9",
        "gelar_belakang": "S.Pd.",
        "sex": "F",
        "personal": personal,
    }
    register(client, admin, body)


def test_spouse_by_nik_becomes_relation_fact_on_both_sides(
    client: TestClient, auth_headers: Headers
) -> None:
    admin = auth_headers("admin")
    register(client, admin, full_body())
    _register_wife(client, admin, nik=SPOUSE["nik"], birth_date="1990-01-01")
    r = client.post(f"/pegawai/{NIP}/keluarga", json=SPOUSE, headers=admin)
    assert r.status_code == 201, r.text
    updates = {e["subject"]: e["data"] for e in events(client, "pegawai.family_updated")}
    assert updates[NIP]["relations"] == [
        {"other_nip": WIFE_NIP, "relation": "spouse", "basis": "nik", "confidence": 1.0}
    ]
    [back] = updates[WIFE_NIP]["relations"]
    assert back["other_nip"] == NIP and back["relation"] == "spouse"
    fam = client.get(f"/pegawai/{NIP}/keluarga", headers=admin).json()
    assert fam["relations"][0]["other_nip"] == WIFE_NIP and fam["items"][0]["nik"] == SPOUSE["nik"]


def test_match_by_name_birth_date_and_place_without_nik(
    client: TestClient, auth_headers: Headers
) -> None:
    admin = auth_headers("admin")
    register(client, admin, full_body())
    _register_wife(client, admin, birth_date="1990-01-01", birth_place="Metro")
    no_nik = {k: v for k, v in SPOUSE.items() if k != "nik"}
    client.post(f"/pegawai/{NIP}/keluarga", json=no_nik, headers=admin)
    [ev] = [e for e in events(client, "pegawai.family_updated") if e["subject"] == NIP]
    [fact] = ev["data"]["relations"]
    assert fact["basis"] == "name+birth_date+birth_place" and fact["confidence"] == 0.9


def test_name_alone_never_matches(client: TestClient, auth_headers: Headers) -> None:
    admin = auth_headers("admin")
    register(client, admin, full_body())
    _register_wife(client, admin, birth_date="1990-01-01", birth_place="Metro")
    name_only = {"relation": "spouse", "name": "Dewi Lestari"}
    client.post(f"/pegawai/{NIP}/keluarga", json=name_only, headers=admin)
    other_place = {**name_only, "birth_date": "1990-01-01", "birth_place": "Jambi"}
    client.post(f"/pegawai/{NIP}/keluarga", json=other_place, headers=admin)
    assert all(e["data"]["relations"] == [] for e in events(client, "pegawai.family_updated"))


def test_registering_a_known_relative_publishes_kinship(
    client: TestClient, auth_headers: Headers
) -> None:
    admin = auth_headers("admin")
    register(client, admin, full_body())
    client.post(f"/pegawai/{NIP}/keluarga", json=SPOUSE, headers=admin)
    assert events(client, "pegawai.family_updated")[-1]["data"]["relations"] == []
    _register_wife(client, admin, nik=SPOUSE["nik"], birth_date="1990-01-01")
    latest = {
        e["subject"]: e["data"]["relations"] for e in events(client, "pegawai.family_updated")
    }
    assert latest[WIFE_NIP][0]["other_nip"] == NIP
    assert latest[NIP][0]["other_nip"] == WIFE_NIP


def test_siblings_share_a_parent(client: TestClient, auth_headers: Headers) -> None:
    admin = auth_headers("admin")
    register(client, admin, full_body())
    _register_wife(client, admin)
    father = {
        "relation": "father",
        "name": "H. Sutrisno",
        "birth_date": "1955-05-05",
        "birth_place": "Kab. Lampung Selatan",
    }
    client.post(f"/pegawai/{NIP}/keluarga", json=father, headers=admin)
    same = {**father, "name": "SUTRISNO", "birth_place": "Lampung Selatan"}
    client.post(f"/pegawai/{WIFE_NIP}/keluarga", json=same, headers=admin)
    latest = {
        e["subject"]: e["data"]["relations"] for e in events(client, "pegawai.family_updated")
    }
    assert latest[WIFE_NIP] == [
        {
            "other_nip": NIP,
            "relation": "sibling",
            "basis": "shared parent (name+birth_date+birth_place)",
            "confidence": 0.81,
        }
    ]
    assert latest[NIP][0]["relation"] == "sibling"


def test_self_records_own_family_but_not_self_as_relative(
    client: TestClient, auth_headers: Headers
) -> None:
    register(client, auth_headers("admin"), full_body())
    me = auth_headers("pegawai", sub=NIP)
    assert client.post(f"/pegawai/{NIP}/keluarga", json=SPOUSE, headers=me).status_code == 201
    r = client.post(f"/pegawai/{NIP}/keluarga", json={**SPOUSE, "relative_nip": NIP}, headers=me)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "self_relation"
