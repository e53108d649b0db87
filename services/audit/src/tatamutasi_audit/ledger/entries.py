"""Ledger entry bytes: RFC 8785 canonical JSON of the event envelope, with personal
identifiers replaced by keyed pseudonyms (HMAC-SHA-256 with the Pemda's secret).

What is replaced (UU 27/2022: a published ledger must not leak personal data):
- any string that is an 18-digit NIP / NI PPPK, wherever it appears (subject, actor, data);
- values of keys named `nik` or ending in `_nik` (16-digit NIK);
- person names: `name`/`nama` of an object that also has a `nip`, and keys named
  `pegawai_name`, `person_name` or ending in `_person_name`.

A pseudonym is `psn:<kind>:<32 hex>`; the same person always gets the same pseudonym (under
one secret), so an auditor holding the index can find everything about one person. Pure."""

import hashlib
import hmac
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import rfc8785

NIP = re.compile(r"^[0-9]{18}$")
PSEUDONYM = re.compile(r"^psn:(nip|nik|name):[0-9a-f]{32}$")
_PERSON_NAME_KEYS = ("pegawai_name", "person_name")


def entry_bytes(envelope: dict[str, Any]) -> bytes:
    """RFC 8785 canonical JSON: the same event always gives the same bytes."""
    return rfc8785.dumps(envelope)


@dataclass(frozen=True)
class Pseudonymiser:
    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.key) < 16:
            raise ValueError("the pseudonym secret must have at least 16 bytes")

    def pseudonym(self, kind: str, value: str) -> str:
        mac = hmac.new(self.key, f"{kind}:{value.strip()}".encode(), hashlib.sha256)
        return f"psn:{kind}:{mac.hexdigest()[:32]}"

    def nip(self, nip: str) -> str:
        return self.pseudonym("nip", nip)

    def envelope(self, envelope: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
        """The envelope with identifiers replaced, and the pseudonyms it now mentions."""
        mentions: set[str] = set()
        return self._walk(envelope, None, mentions), mentions

    def _walk(self, value: Any, key: str | None, mentions: set[str]) -> Any:
        if isinstance(value, dict):
            person = "nip" in value
            out: dict[str, Any] = {}
            for k, v in value.items():
                if isinstance(v, str) and self._is_name(k, person):
                    out[k] = self._mention("name", v, mentions)
                else:
                    out[k] = self._walk(v, k, mentions)
            return out
        if isinstance(value, list):
            return [self._walk(v, key, mentions) for v in value]
        if isinstance(value, str):
            if key is not None and (key == "nik" or key.endswith("_nik")):
                return self._mention("nik", value, mentions)
            if NIP.match(value):
                return self._mention("nip", value, mentions)
        return value

    @staticmethod
    def _is_name(key: str, person: bool) -> bool:
        if person and key in ("name", "nama"):
            return True
        return key in _PERSON_NAME_KEYS or key.endswith("_person_name")

    def _mention(self, kind: str, value: str, mentions: set[str]) -> str:
        if PSEUDONYM.match(value):
            return value
        p = self.pseudonym(kind, value)
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
