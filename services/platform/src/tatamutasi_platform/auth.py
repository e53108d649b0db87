"""JWT bearer authentication and role checks.

Tokens are verified with a configured public key (PEM) or an identity provider's JWKS
(Keycloak-compatible). Development tokens are signed with a local Ed25519 key that
`tatamutasi run` creates under the data folder; that key never enters the repository."""

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tatamutasi_platform.outbox import Actor
from tatamutasi_platform.settings import ServiceSettings

ROLES: tuple[str, ...] = (
    "admin",
    "operator",
    "penilai",
    "ppk",
    "pegawai",
    "auditor",
    "integration",
)


@dataclass(frozen=True)
class Principal:
    sub: str
    roles: frozenset[str]
    units: frozenset[str] = field(default_factory=frozenset)
    name: str | None = None
    acting_role: str | None = None
    nip: str | None = None
    """The person's NIP when they are an ASN (claim `nip`, or a `sub` that is a NIP): what
    separation-of-duties checks compare with kinship facts."""

    def has_any(self, roles: Iterable[str]) -> bool:
        return bool(self.roles & set(roles))

    def acting_as(self, allowed: Iterable[str]) -> "Principal":
        allowed = tuple(allowed)
        role = next((r for r in allowed if r in self.roles), None)
        return replace(self, acting_role=role)

    @property
    def actor(self) -> Actor:
        return Actor(id=self.sub, role=self.acting_role)

    def may_act_for_unit(self, unor_id: str) -> bool:
        """Operators are scoped to their units; admins act everywhere."""
        if "admin" in self.roles:
            return True
        return "operator" in self.roles and unor_id in self.units


class AuthError(Exception):
    def __init__(self, code: str, message_en: str, message_id: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_en = message_en
        self.message_id = message_id


class TokenVerifier:
    def __init__(self, settings: ServiceSettings) -> None:
        self._settings = settings
        self._key: Any = None
        self._jwks: jwt.PyJWKClient | None = None
        if settings.auth_jwks_url:
            self._jwks = jwt.PyJWKClient(settings.auth_jwks_url, cache_keys=True, lifespan=300)
        elif settings.auth_public_key is not None:
            self._key = serialization.load_pem_public_key(
                settings.auth_public_key.get_secret_value().encode()
            )
        elif settings.auth_public_key_file is not None:
            self._key = serialization.load_pem_public_key(
                Path(settings.auth_public_key_file).read_bytes()
            )

    @property
    def configured(self) -> bool:
        return self._key is not None or self._jwks is not None

    def verify(self, token: str) -> Principal:
        s = self._settings
        if not self.configured:
            raise AuthError(
                "not_configured",
                "Token verification is not configured",
                "Verifikasi token belum dikonfigurasi",
            )
        try:
            key = self._jwks.get_signing_key_from_jwt(token).key if self._jwks else self._key
            claims = jwt.decode(
                token,
                key,
                algorithms=s.auth_algorithms,
                audience=s.auth_audience,
                issuer=s.auth_issuer,
                leeway=s.auth_leeway_s,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError(
                "token_expired", "The token has expired", "Token sudah kedaluwarsa"
            ) from None
        except jwt.InvalidAudienceError:
            raise AuthError(
                "wrong_audience",
                "The token is not meant for this system",
                "Token tidak ditujukan untuk sistem ini",
            ) from None
        except jwt.InvalidIssuerError:
            raise AuthError(
                "wrong_issuer",
                "The token comes from an unknown issuer",
                "Token berasal dari penerbit yang tidak dikenal",
            ) from None
        except jwt.PyJWTError as exc:
            raise AuthError(
                "invalid_token", f"The token is invalid ({type(exc).__name__})", "Token tidak sah"
            ) from None
        roles = _roles_from_claims(claims)
        if not roles:
            raise AuthError(
                "no_role",
                "The token carries no TataMutasi role",
                "Token tidak memuat peran TataMutasi",
            )
        units = claims.get("units") or []
        if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
            raise AuthError(
                "invalid_token",
                "The 'units' claim must be a list of strings",
                "Klaim 'units' harus berupa daftar teks",
            )
        nip = claims.get("nip")
        if nip is not None and not (isinstance(nip, str) and _NIP.fullmatch(nip)):
            raise AuthError(
                "invalid_token",
                "The 'nip' claim must be 18 digits",
                "Klaim 'nip' harus 18 digit angka",
            )
        sub = str(claims["sub"])
        return Principal(
            sub=sub,
            roles=roles,
            units=frozenset(units),
            name=claims.get("name"),
            nip=nip or (sub if _NIP.fullmatch(sub) else None),
        )


_NIP = re.compile(r"[0-9]{18}")


def _roles_from_claims(claims: dict[str, Any]) -> frozenset[str]:
    """`roles` (our tokens) or Keycloak's `realm_access.roles`; unknown roles are ignored and
    any other shape yields no role (so a malformed claim is a 401, never a grant)."""
    raw = claims.get("roles")
    if raw is None:
        realm = claims.get("realm_access")
        raw = realm.get("roles", []) if isinstance(realm, dict) else []
    if isinstance(raw, str):
        raw = raw.split()
    if not isinstance(raw, list):
        return frozenset()
    return frozenset(r for r in raw if isinstance(r, str) and r in ROLES)


# -- development keys and tokens ---------------------------------------------------------
def generate_keypair() -> tuple[bytes, bytes]:
    private = Ed25519PrivateKey.generate()
    return (
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )


def ensure_dev_keys(directory: Path) -> tuple[Path, Path]:
    """Create (once) the development signing key pair; private key readable by owner only."""
    directory.mkdir(parents=True, exist_ok=True)
    priv, pub = directory / "dev-signing-key.pem", directory / "dev-signing-key.pub.pem"
    if not priv.exists():
        private_pem, public_pem = generate_keypair()
        priv.touch(mode=0o600)
        priv.write_bytes(private_pem)
        pub.write_bytes(public_pem)
    return priv, pub


def issue_token(
    private_key_pem: bytes,
    *,
    sub: str,
    roles: Iterable[str],
    units: Iterable[str] = (),
    name: str | None = None,
    nip: str | None = None,
    issuer: str = "tatamutasi-dev",
    audience: str = "tatamutasi",
    ttl_s: int = 8 * 3600,
    now: float | None = None,
) -> str:
    roles = list(roles)
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}; choose from {', '.join(ROLES)}")
    iat = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "sub": sub,
        "roles": roles,
        "units": list(units),
        "iss": issuer,
        "aud": audience,
        "iat": iat,
        "nbf": iat,
        "exp": iat + ttl_s,
    }
    if name:
        claims["name"] = name
    if nip:
        claims["nip"] = nip
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    alg = "EdDSA" if isinstance(key, Ed25519PrivateKey) else "RS256"
    return jwt.encode(claims, key, algorithm=alg)  # type: ignore[arg-type]
