"""Ledger entry bytes: RFC 8785 canonical JSON of the event envelope, with personal
identifiers replaced by keyed pseudonyms (HMAC-SHA-256 with the Pemda's secret).

What is replaced (UU 27/2022: a published ledger must not leak personal data):
- any string that is an 18-digit NIP / NI PPPK, wherever it appears (subject, actor, data);
- values of keys named `nik` or ending in `_nik` (16-digit NIK);
- person names: `name`/`nama` of an object that also has a `nip` (or of its `snapshot`,
  e.g. the SK record of an executed mutasi), and keys named `pegawai_name`, `person_name`
  or ending in `_person_name`.

A pseudonym is `psn:<kind>:<32 hex>`; the same person always gets the same pseudonym (under
one secret), so an auditor holding the index can find everything about one person.

Canonical JSON has a fast path: for values made only of objects with ASCII keys, arrays,
strings, booleans, null and integers within ±(2**53 - 1) (every envelope without a float),
orjson with sorted keys writes exactly the RFC 8785 bytes (RFC 8785 sorts keys by UTF-16
code units, which for ASCII is the byte order orjson uses; both write compact separators,
the same escapes and UTF-8 text; a test checks the equality with hypothesis against the
`rfc8785` library). Anything else (floats, non-ASCII keys, big integers, other types) goes
through `rfc8785`. Pure."""

import hashlib
import hmac
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import rfc8785

NIP = re.compile(r"^[0-9]{18}$")
PSEUDONYM = re.compile(r"^psn:(nip|nik|name):[0-9a-f]{32}$")
_PERSON_NAME_KEYS = frozenset(("pegawai_name", "person_name"))
MAX_SAFE_INTEGER = 2**53 - 1
_CACHE_SIZE = 65536
_SCALARS = frozenset((int, float, bool, type(None)))
_NAME_KEYS = frozenset(("name", "nama"))


def _fast_path_ok(value: Any) -> bool:
    """True when orjson (sorted keys) provably writes the RFC 8785 bytes of `value`."""
    t = type(value)
    if t is str or t is bool or value is None:
        return True
    if t is int:
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    if t is dict:
        for k, v in value.items():
            if type(k) is not str or not k.isascii() or not _fast_path_ok(v):
                return False
        return True
    if t is list:
        return all(_fast_path_ok(v) for v in value)
    return False


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes of a JSON value; fast when `_fast_path_ok`."""
    if _fast_path_ok(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass  # e.g. a lone surrogate: let rfc8785 decide (it refuses those too)
    return rfc8785.dumps(value)


def entry_bytes(envelope: dict[str, Any]) -> bytes:
    """RFC 8785 canonical JSON: the same event always gives the same bytes."""
    return canonical_json(envelope)


@dataclass(frozen=True)
class Pseudonymiser:
    key: bytes = field(repr=False)
    _mac: Any = field(init=False, repr=False, compare=False)
    _cache: dict[tuple[str, str], str] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        if len(self.key) < 16:
            raise ValueError("the pseudonym secret must have at least 16 bytes")
        # the keyed HMAC state, copied per value instead of re-keying each time
        object.__setattr__(self, "_mac", hmac.new(self.key, digestmod=hashlib.sha256))

    def pseudonym(self, kind: str, value: str) -> str:
        cached = self._cache.get((kind, value))
        if cached is not None:
            return cached
        mac = self._mac.copy()
        mac.update(f"{kind}:{value.strip()}".encode())
        out = f"psn:{kind}:{mac.hexdigest()[:32]}"
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[(kind, value)] = out
        return out

    def nip(self, nip: str) -> str:
        return self.pseudonym("nip", nip)

    def envelope(self, envelope: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
        """The envelope with identifiers replaced, and every pseudonym it now holds (the
        ones made here and any already there: exactly `set(iter_pseudonyms(result))`)."""
        mentions: set[str] = set()
        return self._dict(envelope, None, mentions, False), mentions

    def _dict(
        self, value: dict[str, Any], key: str | None, mentions: set[str], in_person: bool
    ) -> dict[str, Any]:
        person = "nip" in value or (in_person and key == "snapshot")
        out: dict[str, Any] = {}
        for k, v in value.items():
            t = type(v)
            if t is str:
                if (
                    (person and k in _NAME_KEYS)
                    or k in _PERSON_NAME_KEYS
                    or (k.endswith("_person_name"))
                ):
                    out[k] = self._mention("name", v, mentions)
                else:
                    out[k] = self._text(v, k, mentions)
            elif t in _SCALARS:
                out[k] = v
            else:
                out[k] = self._walk(v, k, mentions, person)
        return out

    def _text(self, value: str, key: str | None, mentions: set[str]) -> str:
        if key is not None and (key == "nik" or key.endswith("_nik")):
            return self._mention("nik", value, mentions)
        if 18 <= len(value) <= 19 and NIP.match(value):  # ($ also takes a final newline)
            return self._mention("nip", value, mentions)
        if value.startswith("psn:") and PSEUDONYM.match(value):
            mentions.add(value)
        return value

    def _walk(self, value: Any, key: str | None, mentions: set[str], in_person: bool) -> Any:
        if isinstance(value, str):
            return self._text(str(value), key, mentions)
        if isinstance(value, dict):
            return self._dict(value, key, mentions, in_person)
        if isinstance(value, list):
            return [self._walk(v, key, mentions, in_person) for v in value]
        return value

    def _mention(self, kind: str, value: str, mentions: set[str]) -> str:
        p = value if PSEUDONYM.match(value) else self.pseudonym(kind, value)
        mentions.add(p)
        return p


def iter_pseudonyms(value: Any) -> Iterator[str]:
    """Every pseudonym inside a decoded entry (for rebuilding the index)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from iter_pseudonyms(v)
    elif isinstance(value, list):
        for v in value:
            yield from iter_pseudonyms(v)
    elif isinstance(value, str) and PSEUDONYM.match(value):
        yield value
