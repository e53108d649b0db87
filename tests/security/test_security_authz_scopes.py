"""Scoped roles on writes and lists, where the scope is checked after a valid body is read:
an operator acts only for their own units, an employee only for themself, and lists are
narrowed rather than refused. (Reads of one subject are generated in the matrix test.)"""

from typing import Any

import pytest
from security_apps import OTHER_NIP, SUBJECT_NIP, Headers, Seeded

OUTSIDE_OPERATOR = {"sub": "op-disdik", "units": ("DISDIK",)}
INSIDE_OPERATOR = {"sub": "op-bpkad", "units": ("BPKAD",)}
SUBJECT = {"sub": "sso-subject", "nip": SUBJECT_NIP}
OTHER = {"sub": "sso-other", "nip": OTHER_NIP}


@pytest.fixture
def services(security_services: dict[str, Seeded]) -> dict[str, Seeded]:
    return security_services


def refused(r: Any) -> None:
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_operator_writes_to_pegawai_only_in_their_units(
    services: dict[str, Seeded], auth_headers: Headers
) -> None:
    c, h = services["pegawai"].client, auth_headers
    body = {"nip": "199101012016011009", "name": "Baru", "unor_id": "BPKAD", "jabatan_id": "J-1"}
    refused(c.post("/pegawai", json=body, headers=h("operator", **OUTSIDE_OPERATOR)))
    etag = c.get(f"/pegawai/{SUBJECT_NIP}", headers=h("admin")).headers["etag"]
    patch = {"name": "Diubah Operator Lain"}
    refused(
        c.patch(
            f"/pegawai/{SUBJECT_NIP}",
            json=patch,
            headers={**h("operator", **OUTSIDE_OPERATOR), "If-Match": etag},
        )
    )
    skp = {"year": 2025, "predikat": 3}
    refused(
        c.post(f"/pegawai/{SUBJECT_NIP}/skp", json=skp, headers=h("operator", **OUTSIDE_OPERATOR))
    )
    assert c.get(f"/pegawai/{SUBJECT_NIP}", headers=h("admin")).headers["etag"] == etag
    # the control: an operator of BPKAD registers into BPKAD
    r = c.post("/pegawai", json=body, headers=h("operator", **INSIDE_OPERATOR))
    assert r.status_code == 201, r.text


def test_employee_acts_only_for_themself(
    services: dict[str, Seeded], auth_headers: Headers
) -> None:
    c, h = services["pegawai"].client, auth_headers
    other = h("pegawai", **OTHER)
    refused(c.get(f"/pegawai/{SUBJECT_NIP}/keluarga", headers=other))
    family = {"relation": "spouse", "name": "Pasangan Uji"}
    refused(c.post(f"/pegawai/{SUBJECT_NIP}/keluarga", json=family, headers=other))
    aspirasi = {"preferences": [{"unor_id": "DINKES", "rank": 1}]}
    refused(c.post(f"/pegawai/{SUBJECT_NIP}/aspirasi", json=aspirasi, headers=other))
    # identified by the `nip` claim, the employee reads their own record
    r = c.get(f"/pegawai/{SUBJECT_NIP}", headers=h("pegawai", **SUBJECT))
    assert r.status_code == 200 and r.json()["nip"] == SUBJECT_NIP


def test_operator_lists_only_their_units(
    services: dict[str, Seeded], auth_headers: Headers
) -> None:
    c, h = services["pegawai"].client, auth_headers
    items = c.get("/pegawai", headers=h("operator", **OUTSIDE_OPERATOR)).json()["items"]
    nips = {i["nip"] for i in items}
    assert OTHER_NIP in nips and SUBJECT_NIP not in nips


def test_operator_and_employee_scopes_in_the_workflow(
    services: dict[str, Seeded], auth_headers: Headers
) -> None:
    seeded = services["matching"]
    c, h, pid = seeded.client, auth_headers, seeded.params["proposal_id"]
    move = {"nip": SUBJECT_NIP, "to_unor_id": "DINKES", "to_jabatan_id": "ANALIS"}
    r = c.post("/proposals", json=move, headers=h("operator", **OUTSIDE_OPERATOR))
    refused(r)
    assert r.json()["rule"] == "OPERATOR_OWN_UNITS"
    etag = c.get(f"/proposals/{pid}", headers=h("auditor")).headers["etag"]
    r = c.post(
        f"/proposals/{pid}/submit",
        json={},
        headers={**h("operator", **OUTSIDE_OPERATOR), "If-Match": etag},
    )
    refused(r)
    listed = c.get("/proposals", headers=h("operator", **OUTSIDE_OPERATOR)).json()["items"]
    assert pid not in {p["proposal_id"] for p in listed}
    # employees: only their own proposals, never another's
    objection = {"reason": "Saya keberatan karena alasan keluarga"}
    refused(c.post(f"/proposals/{pid}/objections", json=objection, headers=h("pegawai", **OTHER)))
    refused(c.get(f"/proposals?nip={SUBJECT_NIP}", headers=h("pegawai", **OTHER)))
    mine = c.get("/proposals", headers=h("pegawai", **SUBJECT)).json()["items"]
    assert [p["proposal_id"] for p in mine] == [pid]
    assert c.get("/proposals", headers=h("pegawai", **OTHER)).json()["items"] == []
    assert c.get(f"/proposals/{pid}", headers=h("auditor")).headers["etag"] == etag


def test_operator_sets_needs_only_for_their_units(
    services: dict[str, Seeded], auth_headers: Headers
) -> None:
    c, h = services["formasi"].client, auth_headers
    need = {"unit_id": "BPKAD", "jabatan_id": "J-X", "count": 2, "valid_from": "2026-01-01"}
    refused(c.post("/needs", json=need, headers=h("operator", **OUTSIDE_OPERATOR)))
