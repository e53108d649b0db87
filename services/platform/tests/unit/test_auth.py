"""Unit tests for JWT verification, development keys and role checks."""

import stat
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from pydantic import ValidationError

from tatamutasi_platform.auth import (
    ROLES,
    AuthError,
    Principal,
    TokenVerifier,
    ensure_dev_keys,
    generate_keypair,
    issue_token,
)
from tatamutasi_platform.settings import ServiceSettings

_AUTH_ENV = (
    "AUTH_PUBLIC_KEY",
    "AUTH_PUBLIC_KEY_FILE",
    "AUTH_JWKS_URL",
    "AUTH_ISSUER",
    "AUTH_AUDIENCE",
    "AUTH_ALGORITHMS",
    "AUTH_LEEWAY_S",
    "ENVIRONMENT",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """ServiceSettings reads the environment; keep these tests independent of it."""
    for name in _AUTH_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def keys() -> tuple[bytes, bytes]:
    return generate_keypair()


@pytest.fixture(scope="module")
def other_keys() -> tuple[bytes, bytes]:
    return generate_keypair()


@pytest.fixture
def verifier(keys: tuple[bytes, bytes]) -> TokenVerifier:
    settings = ServiceSettings(auth_public_key=keys[1].decode(), environment="test")
    return TokenVerifier(settings)


def _raw_token(private_pem: bytes, **overrides: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "u-1",
        "iss": "tatamutasi-dev",
        "aud": "tatamutasi",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    key = serialization.load_pem_private_key(private_pem, password=None)
    return jwt.encode(claims, key, algorithm="EdDSA")  # type: ignore[arg-type]


def _code(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(AuthError) as info:
        verifier.verify(token)
    assert info.value.message_en
    assert info.value.message_id
    return info.value.code


# -- round trip -------------------------------------------------------------------------
def test_issue_and_verify_round_trip(keys: tuple[bytes, bytes], verifier: TokenVerifier) -> None:
    assert verifier.configured is True
    token = issue_token(
        keys[0],
        sub="op-7",
        roles=["operator", "penilai"],
        units=["DEMO-DINKES", "DEMO-SETDA"],
        name="Budi Santoso",
    )
    principal = verifier.verify(token)
    assert principal == Principal(
        sub="op-7",
        roles=frozenset({"operator", "penilai"}),
        units=frozenset({"DEMO-DINKES", "DEMO-SETDA"}),
        name="Budi Santoso",
    )
    assert principal.acting_role is None


def test_issued_token_claims(keys: tuple[bytes, bytes]) -> None:
    token = issue_token(keys[0], sub="a", roles=["admin"], ttl_s=60, now=1_700_000_000)
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == "EdDSA"
    assert claims == {
        "sub": "a",
        "roles": ["admin"],
        "units": [],
        "iss": "tatamutasi-dev",
        "aud": "tatamutasi",
        "iat": 1_700_000_000,
        "nbf": 1_700_000_000,
        "exp": 1_700_000_060,
    }


def test_unconfigured_verifier(keys: tuple[bytes, bytes]) -> None:
    v = TokenVerifier(ServiceSettings(environment="test"))
    assert v.configured is False
    assert _code(v, issue_token(keys[0], sub="a", roles=["admin"])) == "not_configured"


def test_public_key_file_setting(tmp_path: Path, keys: tuple[bytes, bytes]) -> None:
    pub = tmp_path / "pub.pem"
    pub.write_bytes(keys[1])
    v = TokenVerifier(ServiceSettings(auth_public_key_file=pub, environment="test"))
    assert v.verify(issue_token(keys[0], sub="x", roles=["auditor"])).roles == {"auditor"}


# -- rejected tokens --------------------------------------------------------------------
def test_expired_token(keys: tuple[bytes, bytes], verifier: TokenVerifier) -> None:
    token = issue_token(keys[0], sub="a", roles=["admin"], ttl_s=60, now=time.time() - 3600)
    assert _code(verifier, token) == "token_expired"


def test_expired_within_leeway_is_accepted(
    keys: tuple[bytes, bytes], verifier: TokenVerifier
) -> None:
    token = issue_token(keys[0], sub="a", roles=["admin"], ttl_s=60, now=time.time() - 70)
    assert verifier.verify(token).sub == "a"


def test_wrong_audience(keys: tuple[bytes, bytes], verifier: TokenVerifier) -> None:
    token = issue_token(keys[0], sub="a", roles=["admin"], audience="someone-else")
    assert _code(verifier, token) == "wrong_audience"


def test_wrong_issuer(keys: tuple[bytes, bytes], verifier: TokenVerifier) -> None:
    token = issue_token(keys[0], sub="a", roles=["admin"], issuer="https://evil.example")
    assert _code(verifier, token) == "wrong_issuer"


def test_signed_by_another_key(other_keys: tuple[bytes, bytes], verifier: TokenVerifier) -> None:
    token = issue_token(other_keys[0], sub="a", roles=["admin"])
    assert _code(verifier, token) == "invalid_token"


def test_garbage_token(verifier: TokenVerifier) -> None:
    assert _code(verifier, "not.a.jwt") == "invalid_token"


def test_missing_required_claim(keys: tuple[bytes, bytes], verifier: TokenVerifier) -> None:
    assert _code(verifier, _raw_token(keys[0], roles=["admin"], sub=None)) == "invalid_token"


def test_tampered_payload(keys: tuple[bytes, bytes], verifier: TokenVerifier) -> None:
    token = issue_token(keys[0], sub="a", roles=["pegawai"])
    header, _payload, sig = token.split(".")
    forged = jwt.utils.base64url_encode(
        b'{"sub":"a","roles":["admin"],"iss":"tatamutasi-dev","aud":"tatamutasi","exp":9999999999}'
    ).decode()
    assert _code(verifier, f"{header}.{forged}.{sig}") == "invalid_token"


def test_token_without_roles(keys: tuple[bytes, bytes], verifier: TokenVerifier) -> None:
    assert _code(verifier, _raw_token(keys[0])) == "no_role"


def test_token_with_only_unknown_roles(keys: tuple[bytes, bytes], verifier: TokenVerifier) -> None:
    token = _raw_token(keys[0], roles=["superuser", "root"])
    assert _code(verifier, token) == "no_role"


def test_unknown_roles_are_dropped(keys: tuple[bytes, bytes], verifier: TokenVerifier) -> None:
    token = _raw_token(keys[0], roles=["root", "ppk"])
    assert verifier.verify(token).roles == frozenset({"ppk"})


def test_space_separated_roles_string(keys: tuple[bytes, bytes], verifier: TokenVerifier) -> None:
    token = _raw_token(keys[0], roles="admin auditor")
    assert verifier.verify(token).roles == frozenset({"admin", "auditor"})


def test_keycloak_realm_access_roles(keys: tuple[bytes, bytes], verifier: TokenVerifier) -> None:
    token = _raw_token(
        keys[0], realm_access={"roles": ["offline_access", "operator"]}, units=["DEMO-BPKAD"]
    )
    p = verifier.verify(token)
    assert p.roles == frozenset({"operator"})
    assert p.units == frozenset({"DEMO-BPKAD"})


def test_keycloak_realm_access_without_known_roles(
    keys: tuple[bytes, bytes], verifier: TokenVerifier
) -> None:
    token = _raw_token(keys[0], realm_access={"roles": ["offline_access"]})
    assert _code(verifier, token) == "no_role"


@pytest.mark.parametrize(
    "claims",
    [
        {"roles": 5},  # not iterable: TypeError today
        {"roles": {"admin": False}},  # an object: iterating it yields its keys -> admin today
        {"roles": [["admin"]]},
        {"realm_access": ["admin"]},  # not an object: AttributeError today
    ],
    ids=["int", "object", "nested-list", "realm-access-list"],
)
def test_malformed_roles_claim_is_an_auth_error(
    keys: tuple[bytes, bytes], verifier: TokenVerifier, claims: dict[str, Any]
) -> None:
    """verify() promises AuthError for a token it cannot use; a malformed (though signed)
    roles claim must neither crash (TypeError/AttributeError -> 500 instead of 401) nor grant
    a role."""
    assert _code(verifier, _raw_token(keys[0], **claims)) in {"no_role", "invalid_token"}


@pytest.mark.parametrize("bad_units", ["DEMO-SETDA", [1, 2], [{"id": "DEMO-SETDA"}], {"a": "b"}])
def test_units_must_be_list_of_strings(
    keys: tuple[bytes, bytes], verifier: TokenVerifier, bad_units: object
) -> None:
    token = _raw_token(keys[0], roles=["operator"], units=bad_units)
    with pytest.raises(AuthError) as info:
        verifier.verify(token)
    assert info.value.code == "invalid_token"
    assert "units" in info.value.message_en


def test_missing_units_is_empty(keys: tuple[bytes, bytes], verifier: TokenVerifier) -> None:
    assert verifier.verify(_raw_token(keys[0], roles=["ppk"])).units == frozenset()


# -- issue_token ------------------------------------------------------------------------
def test_issue_token_rejects_unknown_roles(keys: tuple[bytes, bytes]) -> None:
    with pytest.raises(ValueError, match=r"unknown role\(s\) \['root'\]"):
        issue_token(keys[0], sub="a", roles=["admin", "root"])


def test_roles_constant() -> None:
    assert ROLES == ("admin", "operator", "penilai", "ppk", "pegawai", "auditor", "integration")


# -- Principal --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("roles", "units", "unit", "allowed"),
    [
        ({"admin"}, set(), "DEMO-DINKES", True),
        ({"operator"}, {"DEMO-DINKES"}, "DEMO-DINKES", True),
        ({"operator"}, {"DEMO-DINKES"}, "DEMO-DISDIK", False),
        ({"operator"}, set(), "DEMO-DINKES", False),
        ({"penilai"}, {"DEMO-DINKES"}, "DEMO-DINKES", False),
        ({"ppk", "auditor", "pegawai"}, {"DEMO-DINKES"}, "DEMO-DINKES", False),
        ({"operator", "admin"}, {"DEMO-SETDA"}, "DEMO-DINKES", True),
    ],
)
def test_may_act_for_unit(roles: set[str], units: set[str], unit: str, allowed: bool) -> None:
    p = Principal(sub="x", roles=frozenset(roles), units=frozenset(units))
    assert p.may_act_for_unit(unit) is allowed


def test_acting_as_picks_first_held_role_in_order() -> None:
    p = Principal(sub="x", roles=frozenset({"operator", "ppk"}))
    acting = p.acting_as(["admin", "ppk", "operator"])
    assert acting.acting_role == "ppk"
    assert acting.actor.id == "x"
    assert acting.actor.role == "ppk"
    assert p.has_any(["ppk"]) is True
    assert p.has_any(["admin", "auditor"]) is False


# -- development keys -------------------------------------------------------------------
def test_ensure_dev_keys_creates_private_key_0600(tmp_path: Path) -> None:
    priv, pub = ensure_dev_keys(tmp_path / "keys" / "nested")
    assert priv == tmp_path / "keys" / "nested" / "dev-signing-key.pem"
    assert pub == tmp_path / "keys" / "nested" / "dev-signing-key.pub.pem"
    assert stat.S_IMODE(priv.stat().st_mode) == 0o600
    assert priv.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert pub.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    # the pair matches: a token signed with the private key verifies with the public key
    v = TokenVerifier(ServiceSettings(auth_public_key_file=pub, environment="test"))
    assert v.verify(issue_token(priv.read_bytes(), sub="dev", roles=["admin"])).sub == "dev"


def test_ensure_dev_keys_is_idempotent(tmp_path: Path) -> None:
    priv, pub = ensure_dev_keys(tmp_path)
    first = (priv.read_bytes(), pub.read_bytes())
    priv2, pub2 = ensure_dev_keys(tmp_path)
    assert (priv2, pub2) == (priv, pub)
    assert (priv2.read_bytes(), pub2.read_bytes()) == first
    assert stat.S_IMODE(priv2.stat().st_mode) == 0o600


# -- settings ---------------------------------------------------------------------------
def test_production_without_key_is_rejected() -> None:
    with pytest.raises(ValidationError, match="production needs AUTH_PUBLIC_KEY_FILE"):
        ServiceSettings(environment="production")


def test_production_with_key_is_accepted(keys: tuple[bytes, bytes]) -> None:
    s = ServiceSettings(environment="production", auth_public_key=keys[1].decode())
    assert s.auth_public_key is not None
    assert s.auth_public_key.get_secret_value() == keys[1].decode()
    assert "BEGIN" not in repr(s)
