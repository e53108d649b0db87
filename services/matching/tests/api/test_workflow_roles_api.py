"""Role × transition matrix through the API: every role tries every transition from the
state it starts from; only the allowed roles pass, the others get 403 and change nothing."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from workflow_helpers import (
    ADMIN,
    MOVER,
    PENILAI,
    PPK,
    SECOND,
    THIRD,
    Headers,
    create,
    pemda_client,
    to_state,
)

ROLES = ("admin", "operator", "penilai", "ppk", "pegawai", "auditor", "integration")
SUBS = {"admin": ADMIN, "penilai": PENILAI, "ppk": PPK}

# action → (start state, body, roles allowed)
MATRIX: dict[str, tuple[str, dict[str, Any], set[str]]] = {
    "submit": ("draft", {}, {"admin", "operator"}),
    "withdraw": ("draft", {"reason": "tidak jadi"}, {"admin", "operator"}),
    "review": ("submitted", {"recommendation": "agree"}, {"penilai"}),
    "approve": ("reviewed", {"reason": "ok"}, {"ppk"}),
    "reject": ("reviewed", {"reason": "belum perlu"}, {"ppk"}),
    "execute": (
        "approved",
        {"sk_number": "800/9/2026", "sk_date": "2026-11-20", "tmt": "2026-12-01"},
        {"admin"},
    ),
    "supersede": ("draft", {"reason": "rencana baru"}, {"admin"}),
}


@pytest.fixture
def client(db_url: str, dev_keys: tuple[bytes, Path]) -> Iterator[TestClient]:
    with pemda_client(db_url, dev_keys) as c:
        yield c


def headers_for(h: Headers, role: str) -> dict[str, str]:
    if role == "operator":
        return h("operator", sub="op-bpkad", units=("BPKAD",))
    if role == "pegawai":
        return h("pegawai", sub=MOVER)
    return h(role, **SUBS.get(role, {}))


def attempt(
    client: TestClient, h: Headers, pid: str, action: str, body: dict[str, Any], role: str
) -> int:
    etag = client.get(f"/proposals/{pid}", headers=h("auditor")).headers["etag"]
    r = client.post(
        f"/proposals/{pid}/{action}", json=body, headers={**headers_for(h, role), "If-Match": etag}
    )
    if r.status_code == 403:
        assert r.json()["type"].endswith(("forbidden-role", "forbidden-unit"))
    return r.status_code


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_only_allowed_roles_make_each_transition(
    client: TestClient, auth_headers: Headers, action: str
) -> None:
    h = auth_headers
    start, body, allowed = MATRIX[action]
    people = iter((MOVER, SECOND, THIRD))
    pid = create(client, h, nip=next(people))["proposal_id"]
    to_state(client, h, pid, start)
    for role in ROLES:
        if role in allowed:
            continue
        assert attempt(client, h, pid, action, body, role) == 403, role
        assert client.get(f"/proposals/{pid}", headers=h("auditor")).json()["state"] == start
    for role in sorted(allowed):
        status = attempt(client, h, pid, action, body, role)
        assert status == 200, role
        pid = create(client, h, nip=next(people))["proposal_id"]
        to_state(client, h, pid, start)


def test_create_roles(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers
    body = {"nip": MOVER, "to_unor_id": "DINKES", "to_jabatan_id": "ANALIS"}
    for role in ("penilai", "ppk", "pegawai", "auditor", "integration"):
        assert client.post("/proposals", json=body, headers=headers_for(h, role)).status_code == 403
    foreign = h("operator", sub="op-disdik", units=("DISDIK",))
    r = client.post("/proposals", json=body, headers=foreign)
    assert r.status_code == 403 and r.json()["rule"] == "OPERATOR_OWN_UNITS"
    own = client.post("/proposals", json=body, headers=headers_for(h, "operator"))
    assert own.status_code == 201
    body2 = {**body, "nip": SECOND}
    assert client.post("/proposals", json=body2, headers=headers_for(h, "admin")).status_code == 201


def test_objection_roles(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers
    pid = create(client, h)["proposal_id"]
    body = {"reason": "saya sedang tugas belajar"}
    for role in ("admin", "operator", "penilai", "ppk", "auditor", "integration"):
        r = client.post(f"/proposals/{pid}/objections", json=body, headers=headers_for(h, role))
        assert r.status_code == 403, role
    other = client.post(f"/proposals/{pid}/objections", json=body, headers=h("pegawai", sub=SECOND))
    assert other.status_code == 403 and other.json()["rule"] == "PEGAWAI_SELF_ONLY"
    filed = client.post(
        f"/proposals/{pid}/objections", json=body, headers=headers_for(h, "pegawai")
    )
    assert filed.status_code == 201
    oid = filed.json()["objection_id"]
    answer = {"outcome": "dismissed", "answer": "tugas belajar selesai Desember"}
    for role in ("operator", "ppk", "pegawai", "auditor", "integration"):
        r = client.post(
            f"/proposals/{pid}/objections/{oid}/answer", json=answer, headers=headers_for(h, role)
        )
        assert r.status_code == 403, role
    r = client.post(
        f"/proposals/{pid}/objections/{oid}/answer", json=answer, headers=headers_for(h, "penilai")
    )
    assert r.status_code == 200


def test_auditor_reads_but_writes_nothing(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers
    auditor = h("auditor")
    assert client.post("/rounds", json={"name": "X"}, headers=auditor).status_code == 403
    assert (
        client.post(
            "/blackouts",
            json={"basis": "x", "kind": "pre_election", "start": "2027-01-01", "end": "2027-02-01"},
            headers=auditor,
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/delegations",
            json={
                "delegate": "x",
                "valid_from": "2026-01-01",
                "valid_until": "2026-02-01",
                "reference": "r",
            },
            headers=auditor,
        ).status_code
        == 403
    )
    assert client.get("/rounds", headers=auditor).status_code == 200
    assert client.get("/blackouts", headers=auditor).status_code == 200
    assert client.get("/proposals", headers=auditor).status_code == 200
