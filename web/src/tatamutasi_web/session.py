"""Server-side sessions: the browser holds only a random id in an httpOnly, SameSite=Lax
cookie; the user's API token stays on the server. Every session carries a CSRF token that
each form (and each script request) must send back."""

import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

COOKIE = "tm_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


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


class SessionStore:
    """In-process store (one web process per deployment unit; sessions end on restart)."""

    def __init__(self, ttl_s: int, lang_default: str = "id") -> None:
        self.ttl_s = ttl_s
        self.lang_default = lang_default
        self._items: dict[str, Session] = {}

    def new(self, lang: str | None = None) -> Session:
        self._sweep()
        s = Session(
            sid=secrets.token_urlsafe(32),
            csrf=secrets.token_urlsafe(32),
            lang=lang or self.lang_default,
            expires=time.time() + self.ttl_s,
        )
        self._items[s.sid] = s
        return s

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        s = self._items.get(sid)
        if s is None or s.expires < time.time():
            self._items.pop(sid, None)
            return None
        return s

    def rotate(self, old: Session, **values: Any) -> Session:
        """A fresh id and CSRF token at login (no session fixation), keeping the language."""
        self._items.pop(old.sid, None)
        s = self.new(old.lang)
        for k, v in values.items():
            setattr(s, k, v)
        return s

    def drop(self, s: Session) -> None:
        self._items.pop(s.sid, None)

    def _sweep(self) -> None:
        now = time.time()
        for sid in [k for k, v in self._items.items() if v.expires < now]:
            self._items.pop(sid, None)


def csrf_ok(session: Session, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(session.csrf.encode(), str(sent).encode())
