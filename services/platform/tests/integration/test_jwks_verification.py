"""Token verification against an identity provider's JWKS (Keycloak-style), served locally."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tatamutasi_platform.auth import AuthError, TokenVerifier
from tatamutasi_platform.settings import ServiceSettings

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks_document() -> bytes:
    jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    jwk.update(kid="kc-1", use="sig", alg="RS256")
    return json.dumps({"keys": [jwk]}).encode()


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    body = jwks_document()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/realms/pemda/protocol/openid-connect/certs"
    server.shutdown()
    server.server_close()


def keycloak_token(key: Any, kid: str = "kc-1", **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "sub": "f3b1c0de",
        "iss": "https://sso.pemda.example/realms/pemda",
        "aud": "tatamutasi",
        "iat": now,
        "exp": now + 300,
        "realm_access": {"roles": ["penilai", "offline_access"]},
        "name": "Tim Penilai",
    } | claims
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


def verifier(jwks_url: str) -> TokenVerifier:
    return TokenVerifier(
        ServiceSettings(
            auth_jwks_url=jwks_url,
            auth_issuer="https://sso.pemda.example/realms/pemda",
            environment="production",
        )
    )


def test_keycloak_token_is_verified_through_jwks(jwks_url: str) -> None:
    principal = verifier(jwks_url).verify(keycloak_token(KEY))
    assert principal.sub == "f3b1c0de"
    assert principal.roles == {"penilai"}  # unknown realm roles are ignored
    assert principal.name == "Tim Penilai"


def test_token_signed_by_a_key_not_in_the_jwks_is_refused(jwks_url: str) -> None:
    with pytest.raises(AuthError) as exc:
        verifier(jwks_url).verify(keycloak_token(OTHER))
    assert exc.value.code == "invalid_token"


def test_unknown_key_id_is_refused(jwks_url: str) -> None:
    with pytest.raises(AuthError) as exc:
        verifier(jwks_url).verify(keycloak_token(KEY, kid="rotated-away"))
    assert exc.value.code == "invalid_token"


def test_wrong_issuer_through_jwks_is_refused(jwks_url: str) -> None:
    with pytest.raises(AuthError) as exc:
        verifier(jwks_url).verify(keycloak_token(KEY, iss="https://evil.example"))
    assert exc.value.code == "wrong_issuer"
