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


# key classes (bit flags), computed once per distinct key text
_NAME_IF_PERSON = 1  # `name`/`nama`: a person's name inside an object that has a `nip`
_NAME = 2  # `pegawai_name`, `person_name`, `*_person_name`: always a person's name
_NIK = 4  # `nik`, `*_nik`
_NOT_ASCII = 8  # a key canonical JSON's fast path cannot sort (see `canonical_json`)
_KEY_CLASSES: dict[str, int] = {}


def _key_class(key: str) -> int:
    c = _KEY_CLASSES.get(key)
    if c is None:
        c = (
            (_NAME_IF_PERSON if key in _NAME_KEYS else 0)
            | (_NAME if key in _PERSON_NAME_KEYS or key.endswith("_person_name") else 0)
            | (_NIK if key == "nik" or key.endswith("_nik") else 0)
            | (0 if key.isascii() else _NOT_ASCII)
        )
        if len(_KEY_CLASSES) < _CACHE_SIZE:
            _KEY_CLASSES[key] = c
    return c


class _Walk:
    """State of one envelope's walk: the pseudonyms it holds, and whether orjson's sorted
    output is provably its RFC 8785 form (`_fast_path_ok` of the result)."""

    __slots__ = ("fast", "mentions")

    def __init__(self) -> None:
        self.mentions: set[str] = set()
        self.fast = True


@dataclass(frozen=True)
class Pseudonymiser:
    key: bytes = field(repr=False)
    _cache: dict[tuple[str, str], str] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        if len(self.key) < 16:
            raise ValueError("the pseudonym secret must have at least 16 bytes")

    def pseudonym(self, kind: str, value: str) -> str:
        cached = self._cache.get((kind, value))
        if cached is not None:
            return cached
        # one-shot HMAC in OpenSSL (no Python-level HMAC object per value)
        mac = hmac.digest(self.key, f"{kind}:{value.strip()}".encode(), "sha256")
        out = f"psn:{kind}:{mac.hex()[:32]}"
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[(kind, value)] = out
        return out

    def nip(self, nip: str) -> str:
        return self.pseudonym("nip", nip)

    def envelope(self, envelope: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
        """The envelope with identifiers replaced, and every pseudonym it now holds (the
        ones made here and any already there: exactly `set(iter_pseudonyms(result))`)."""
        w = _Walk()
        return self._dict(envelope, None, w, False), w.mentions

    def entry(self, envelope: dict[str, Any]) -> tuple[dict[str, Any], set[str], bytes]:
        """`envelope(...)` and the entry bytes of the result (`entry_bytes`), in one walk:
        the walk also decides whether canonical JSON may take its fast path."""
        w = _Walk()
        out = self._dict(envelope, None, w, False)
        if w.fast:
            try:
                return out, w.mentions, orjson.dumps(out, option=orjson.OPT_SORT_KEYS)
            except orjson.JSONEncodeError:
                pass  # e.g. a lone surrogate: let rfc8785 decide (it refuses those too)
        return out, w.mentions, rfc8785.dumps(out)

    def _dict(
        self, value: dict[str, Any], key: str | None, w: _Walk, in_person: bool
    ) -> dict[str, Any]:
        person = "nip" in value or (in_person and key == "snapshot")
        out: dict[str, Any] = {}
        for k, v in value.items():
            if type(k) is not str:
                w.fast = False
                c = 0
            else:
                c = _KEY_CLASSES.get(k)
                if c is None:
                    c = _key_class(k)
                if c & _NOT_ASCII:
                    w.fast = False
            t = type(v)
            if t is str:
                if c & _NAME or (person and c & _NAME_IF_PERSON):
                    out[k] = self._mention("name", v, w)
                elif c & _NIK:
                    out[k] = self._mention("nik", v, w)
                else:
                    out[k] = self._plain(v, w)
            elif t is int:
                if not -MAX_SAFE_INTEGER <= v <= MAX_SAFE_INTEGER:
                    w.fast = False
                out[k] = v
            elif t is bool or v is None:
                out[k] = v
            elif t is float:
                w.fast = False
                out[k] = v
            else:
                out[k] = self._walk(v, k, w, person)
        return out

    def _plain(self, value: str, w: _Walk) -> str:
        if 18 <= len(value) <= 19 and NIP.match(value):  # ($ also takes a final newline)
            return self._mention("nip", value, w)
        if value.startswith("psn:") and PSEUDONYM.match(value):
            w.mentions.add(value)
        return value

    def _text(self, value: str, key: str | None, w: _Walk) -> str:
        if key is not None and (key == "nik" or key.endswith("_nik")):
            return self._mention("nik", value, w)
        return self._plain(value, w)

    def _walk(self, value: Any, key: str | None, w: _Walk, in_person: bool) -> Any:
        t = type(value)
        if t is dict:
            return self._dict(value, key, w, in_person)
        if t is list:
            return [self._walk(v, key, w, in_person) for v in value]
        if t is str:
            return self._text(value, key, w)
        if t is int:
            if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
                w.fast = False
            return value
        if t is bool or value is None:
            return value
        w.fast = False  # floats and anything else: the rfc8785 path decides
        if isinstance(value, str):
            return self._text(str(value), key, w)
        if isinstance(value, dict):
            return self._dict(value, key, w, in_person)
        if isinstance(value, list):
            return [self._walk(v, key, w, in_person) for v in value]
        return value

    def _mention(self, kind: str, value: str, w: _Walk) -> str:
        p = value if value.startswith("psn:") and PSEUDONYM.match(value) else None
        if p is None:
            p = self.pseudonym(kind, value)
        w.mentions.add(p)
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
