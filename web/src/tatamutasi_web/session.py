"""Sessions kept in the browser: the whole session (the user's API token, roles, language,
CSRF token, flash messages) is compressed and sealed with AES-256-GCM into an httpOnly,
SameSite=Lax cookie. The console keeps no session state, so a restart (or a second console
process with the same key) keeps everybody logged in, and there is no session store to run.

The key comes from `TATAMUTASI_WEB_SESSION_KEY`, or is generated once into
`DATA_DIR/keys/web-session.key` (owner-only). A cookie that does not open with the key (forged,
tampered with, sealed with another key) or whose session has expired counts as no session.
Every session carries a CSRF token that each form (and each script request) must send back.

A sealed cookie cannot be revoked before it expires; logging out replaces it in the browser,
and the API token inside it has the same lifetime anyway (`SESSION_TTL_S`)."""

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import time
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

COOKIE = "tm_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
VERSION = "v1"
AAD = f"{COOKIE}:{VERSION}".encode()
#: Characters per cookie (browsers keep at least 4096 bytes per cookie, name and attributes
#: included); a larger session (an OIDC access token and ID token) spreads over more cookies.
CHUNK = 3800
MAX_CHUNKS = 6
KEY_FILE = "web-session.key"


@dataclass
class Session:
    sid: str
    csrf: str
    lang: str
    expires: float
    token: str | None = None
    sub: str | None = None
    name: str | None = None
    roles: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    nip: str | None = None
    id_token: str | None = None
    oidc: dict[str, str] = field(default_factory=dict)
    flash: list[str] = field(default_factory=list)

    @property
    def logged_in(self) -> bool:
        return self.token is not None

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    def state(self) -> dict[str, Any]:
        return asdict(self)

    def fingerprint(self) -> str:
        """Changes whenever anything in the session changes (to know when to re-seal)."""
        raw = json.dumps(self.state(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def from_state(cls, d: Mapping[str, Any]) -> "Session":
        return cls(
            sid=str(d["sid"]),
            csrf=str(d["csrf"]),
            lang=str(d["lang"]),
            expires=float(d["expires"]),
            token=d.get("token"),
            sub=d.get("sub"),
            name=d.get("name"),
            roles=tuple(d.get("roles") or ()),
            units=tuple(d.get("units") or ()),
            nip=d.get("nip"),
            id_token=d.get("id_token"),
            oidc=dict(d.get("oidc") or {}),
            flash=[str(x) for x in d.get("flash") or ()],
        )


def derive_key(secret: str) -> bytes:
    """32 bytes from a configured secret: base64/base64url of 32 bytes as is, any other
    string (at least 32 characters) through SHA-256."""
    text = secret.strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        if len(raw) == 32:
            return raw
    except (binascii.Error, ValueError):
        pass
    if len(text) < 32:
        raise ValueError("TATAMUTASI_WEB_SESSION_KEY must be 32 random bytes (base64) or longer")
    return hashlib.sha256(b"tatamutasi-web-session:" + text.encode()).digest()


def load_or_create_key(directory: Path) -> bytes:
    """The session key under `directory` (created once, owner-only; a second process starting
    at the same moment reads the one the first wrote)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            text = path.read_text().strip()
            if text:
                return derive_key(text)
            time.sleep(0.02)
        raise RuntimeError(f"{path} is empty") from None
    with os.fdopen(fd, "w") as f:
        f.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode() + "\n")
    return derive_key(path.read_text())


class SessionStore:
    """Seals sessions into cookies and opens them again; nothing is kept in the process."""

    def __init__(self, ttl_s: int, key: bytes, lang_default: str = "id") -> None:
        if len(key) != 32:
            raise ValueError("the session key must be 32 bytes")
        self.ttl_s = ttl_s
        self.lang_default = lang_default
        self._aead = AESGCM(key)

    def new(self, lang: str | None = None) -> Session:
        return Session(
            sid=secrets.token_urlsafe(16),
            csrf=secrets.token_urlsafe(32),
            lang=lang or self.lang_default,
            expires=time.time() + self.ttl_s,
        )

    def rotate(self, old: Session, **values: Any) -> Session:
        """A fresh id and CSRF token at login and logout (no session fixation), keeping the
        language."""
        s = self.new(old.lang)
        for k, v in values.items():
            setattr(s, k, v)
        return s

    # -- sealing ---------------------------------------------------------------------------
    def seal(self, s: Session) -> str:
        raw = json.dumps(s.state(), separators=(",", ":")).encode()
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, zlib.compress(raw, 9), AAD)
        return VERSION + "." + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def open(self, value: str | None) -> Session | None:
        """The session in a sealed value; None when absent, forged, tampered or expired."""
        if not value or not value.startswith(VERSION + "."):
            return None
        body = value[len(VERSION) + 1 :]
        try:
            blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            if len(blob) < 12 + 16:
                return None
            raw = zlib.decompress(self._aead.decrypt(blob[:12], blob[12:], AAD))
            s = Session.from_state(json.loads(raw))
        except (InvalidTag, binascii.Error, ValueError, zlib.error, KeyError, TypeError):
            return None
        if s.expires < time.time():
            return None
        return s

    # -- cookies ---------------------------------------------------------------------------
    def to_cookies(self, s: Session) -> dict[str, str]:
        """Cookie name → value: the sealed session, split when it is large."""
        sealed = self.seal(s)
        parts = [sealed[i : i + CHUNK] for i in range(0, len(sealed), CHUNK)]
        if len(parts) > MAX_CHUNKS:
            raise ValueError("session too large for cookies")
        return {chunk_name(i): p for i, p in enumerate(parts)}

    def from_cookies(self, cookies: Mapping[str, str]) -> Session | None:
        parts = []
        for i in range(MAX_CHUNKS):
            part = cookies.get(chunk_name(i))
            if not part:
                break
            parts.append(part)
        return self.open("".join(parts)) if parts else None


def chunk_name(i: int) -> str:
    return COOKIE if i == 0 else f"{COOKIE}_{i}"


def csrf_ok(session: Session, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(session.csrf.encode(), str(sent).encode())
