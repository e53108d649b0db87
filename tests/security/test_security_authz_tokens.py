"""Tokens that must not pass, on every service (a read and a write each): expired, for
another audience, from another issuer, signed by another key, `alg: none`, and a role-less or
malformed-claim token. Each is a 401 problem+json naming the reason in both languages."""

import base64
import json
import time
from pathlib import Path

import pytest
from security_apps import SERVICES, Headers, Seeded

from tatamutasi_platform.auth import generate_keypair, issue_token

ENDPOINTS = {
    "pegawai": [("GET", "/pegawai"), ("POST", "/pegawai")],
    "formasi": [("GET", "/units"), ("POST", "/units")],
    "matching": [("GET", "/proposals"), ("POST", "/rounds")],
    "audit": [("GET", "/ledger/entries"), ("POST", "/flags/evaluate")],
}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def unsigned(claims: dict[str, object]) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


@pytest.fixture
def services(security_services: dict[str, Seeded]) -> dict[str, Seeded]:
    return security_services


def bad_tokens(private_pem: bytes) -> dict[str, tuple[str, str]]:
    """name → (token, expected `WWW-Authenticate` error code)."""
    other_key, _ = generate_keypair()
    now = time.time()
    good = {"sub": "x", "roles": ["admin"]}
    claims = {**good, "iss": "tatamutasi-dev", "aud": "tatamutasi", "exp": int(now) + 600}
    return {
        "expired": (
            issue_token(private_pem, **good, ttl_s=60, now=now - 3600),  # type: ignore[arg-type]
            "token_expired",
        ),
        "wrong audience": (
            issue_token(private_pem, **good, audience="siasn"),  # type: ignore[arg-type]
            "wrong_audience",
        ),
        "wrong issuer": (
            issue_token(private_pem, **good, issuer="evil-idp"),  # type: ignore[arg-type]
            "wrong_issuer",
        ),
        "wrong signature": (
            issue_token(other_key, **good),  # type: ignore[arg-type]
            "invalid_token",
        ),
        "alg none": (unsigned(claims), "invalid_token"),
        "alg none, no signature part": (unsigned(claims)[:-1], "invalid_token"),
        "no role": (issue_token(private_pem, sub="x", roles=[]), "no_role"),
        "unknown role only": (
            unsigned({**claims, "roles": ["superuser"]}),
            "invalid_token",
        ),
        "malformed nip claim": (
            issue_token(private_pem, **good, nip="12345"),  # type: ignore[arg-type]
            "invalid_token",
        ),
    }


@pytest.mark.parametrize("service", SERVICES)
def test_bad_tokens_are_401_problems(
    services: dict[str, Seeded], dev_keys: tuple[bytes, Path], service: str
) -> None:
    client = services[service].client
    wrong = []
    for name, (token, code) in bad_tokens(dev_keys[0]).items():
        for method, path in ENDPOINTS[service]:
            r = client.request(method, path, headers={"Authorization": f"Bearer {token}"}, json={})
            body = r.json() if r.headers.get("content-type", "").startswith("application/") else {}
            ok = (
                r.status_code == 401
                and r.headers["content-type"].startswith("application/problem+json")
                and r.headers.get("www-authenticate") == f'Bearer error="{code}"'
                and body.get("detail_en")
                and body.get("detail_id")
            )
            if not ok:
                wrong.append(f"{name} on {method} {path}: {r.status_code} {r.text[:150]}")
    assert wrong == []


def test_a_valid_token_passes_where_the_bad_ones_failed(
    services: dict[str, Seeded], auth_headers: Headers
) -> None:
    """The control: the same requests with a good token are not refused."""
    for service, endpoints in ENDPOINTS.items():
        method, path = endpoints[0]
        r = services[service].client.request(method, path, headers=auth_headers("admin"))
        assert r.status_code == 200, (service, r.text)
