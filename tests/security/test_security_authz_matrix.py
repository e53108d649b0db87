"""Authorization matrix (issue #12 item 5): every operation of the checked-in OpenAPI
documents x every role (plus no token and a garbage token), called on the real apps
in-process, held to the declared policy in `access_policy.py`.

Outside the table: 403 problem+json. Inside it: anything but 401/403 (a 404 or 422 for a
dummy parameter shows that authorization passed) and never a 5xx. Scoped roles are then tried
outside their scope (an operator of other units, an employee with another NIP)."""

from typing import Any

import pytest
from access_policy import AUDITOR_WRITES, POLICY, SELF, UNITS, Access
from fastapi.testclient import TestClient
from httpx import Response
from security_apps import (
    SERVICES,
    UPSTREAM,
    Headers,
    Seeded,
    operations,
    role_token_kwargs,
)

from tatamutasi_platform.auth import ROLES

PROBLEM = "application/problem+json"

CASES = [(s, m, p) for s in SERVICES for m, p in operations(s)]


@pytest.fixture
def services(security_services: dict[str, Seeded]) -> dict[str, Seeded]:
    return security_services


def call(
    seeded: Seeded, method: str, path: str, headers: dict[str, str], **params: str
) -> Response:
    kwargs: dict[str, Any] = {"headers": headers, "params": seeded.query.get((method, path))}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = seeded.bodies.get((method, path), {})
    return seeded.client.request(method, seeded.url(path, **params), **kwargs)


def is_problem(r: Response, status: int) -> bool:
    return r.status_code == status and r.headers.get("content-type", "").startswith(PROBLEM)


def test_every_openapi_operation_is_declared_in_the_policy() -> None:
    missing = [(s, m, p) for s, m, p in CASES if (m, p) not in POLICY[s]]
    assert missing == [], f"declare these operations in tests/security/access_policy.py: {missing}"
    stale = [
        (s, m, p) for s in SERVICES for (m, p) in POLICY[s] if (m, p) not in set(operations(s))
    ]
    assert stale == [], f"the policy names operations the OpenAPI no longer has: {stale}"


def test_auditor_writes_nothing_in_the_policy() -> None:
    writes = {
        (s, m, p)
        for s in SERVICES
        for (m, p), access in POLICY[s].items()
        if m != "GET" and "auditor" in access.roles
    }
    assert writes == set(AUDITOR_WRITES)


@pytest.mark.parametrize(
    ("service", "method", "path"), CASES, ids=[f"{s}:{m}:{p}" for s, m, p in CASES]
)
def test_operation_admits_exactly_the_declared_roles(
    services: dict[str, Seeded], auth_headers: Headers, service: str, method: str, path: str
) -> None:
    seeded = services[service]
    access: Access = POLICY[service][(method, path)]
    upstream = UPSTREAM.get((service, method, path))

    def refused_or_broken(r: Response) -> bool:
        return r.status_code in (401, 403) or (r.status_code >= 500 and r.status_code != upstream)

    wrong: list[str] = []
    if access.public:
        if refused_or_broken(r := call(seeded, method, path, {})):
            wrong.append(f"no token: {r.status_code}")
    else:
        for label, headers in (
            ("no token", {}),
            ("garbage token", {"Authorization": "Bearer not.a.token"}),
            ("basic auth", {"Authorization": "Basic YWRtaW46YWRtaW4="}),
        ):
            r = call(seeded, method, path, headers)
            if not is_problem(r, 401) or "www-authenticate" not in r.headers:
                wrong.append(f"{label}: {r.status_code} {r.text[:120]}")
    for role in ROLES:
        r = call(seeded, method, path, auth_headers(role, **role_token_kwargs(role, seeded)))
        allowed = access.public or role in access.roles
        if allowed and refused_or_broken(r):
            wrong.append(f"{role} (allowed): {r.status_code} {r.text[:160]}")
        if not allowed and not is_problem(r, 403):
            wrong.append(f"{role} (denied): {r.status_code} {r.text[:160]}")
    assert wrong == [], f"{service} {method} {path}: " + "; ".join(wrong)


SCOPED = [
    (s, m, p, role, scope)
    for s, m, p in CASES
    for role, scope in POLICY[s].get((m, p), Access()).scopes.items()
    if scope in (UNITS, SELF)
]


@pytest.mark.parametrize(
    ("service", "method", "path", "role", "scope"),
    SCOPED,
    ids=[f"{s}:{m}:{p}:{r}" for s, m, p, r, _ in SCOPED],
)
def test_scoped_role_is_refused_outside_its_scope(
    services: dict[str, Seeded],
    auth_headers: Headers,
    service: str,
    method: str,
    path: str,
    role: str,
    scope: object,
) -> None:
    """An operator of other units, or an employee with another NIP, gets 403 on the seeded
    subject's data. Writes whose scope needs a valid body are covered in
    `test_security_authz_scopes.py`."""
    seeded = services[service]
    if method != "GET" and (method, path) not in seeded.bodies:
        pytest.skip("a write's scope is checked after its body: see test_security_authz_scopes")
    headers = auth_headers(role, **role_token_kwargs(role, seeded, in_scope=False))
    r = call(seeded, method, path, headers)
    assert is_problem(r, 403), f"{role} outside scope: {r.status_code} {r.text[:300]}"
    body = r.json()
    assert body["detail_en"] and body["detail_id"] and body["detail_en"] != body["detail_id"]


def test_denials_explain_in_both_languages(
    services: dict[str, Seeded], auth_headers: Headers
) -> None:
    r = services["pegawai"].client.post("/siasn/sync", json={}, headers=auth_headers("auditor"))
    assert is_problem(r, 403)
    body = r.json()
    assert "admin" in body["detail_en"] and "admin" in body["detail_id"]
    assert body["detail_en"] != body["detail_id"]
    r = services["audit"].client.get("/ledger/entries")
    assert is_problem(r, 401)
    assert r.json()["detail_en"] != r.json()["detail_id"]


def test_matrix_covers_every_service_and_role(services: dict[str, Seeded]) -> None:
    """Guard against a matrix that silently shrinks (e.g. an empty OpenAPI document)."""
    assert set(services) == set(SERVICES) == set(POLICY)
    assert len(CASES) > 120 and len(ROLES) == 7
    assert len(SCOPED) > 20
    assert isinstance(services["matching"].client, TestClient)
