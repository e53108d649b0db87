"""Query keys of a ledger entry: the units, rounds, flags and proposals it is about, taken
from the (already pseudonymised) envelope when it is appended, so auditor queries use an
index instead of scanning entry bytes.

- `unit`: values of keys `unor_id`, `unit_id`, or ending in `_unor_id` / `_unit_id`
  (e.g. `from_post.unor_id`, `to_post.unor_id` of a mutasi proposal);
- `round`: `round_id`;
- `flag`: `flag_id`, and each id in `acknowledged_flags`;
- `proposal`: `proposal_id`.

Keys are found at any depth of `data`. `entry_facts` derives everything the query tables
hold from an entry's bytes, so the self-check can prove those tables match the entries.
Pure."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pydantic import AwareDatetime, TypeAdapter, ValidationError

from tatamutasi_audit.ledger.entries import iter_pseudonyms
from tatamutasi_contracts.envelope import format_time

_TIME = TypeAdapter(AwareDatetime)


def recorded_time(text: object) -> str:
    """The `time` column of an entry: its event time parsed as the envelope parses it,
    written by `format_time`. ValueError if it is not an RFC 3339 time."""
    try:
        when: datetime = _TIME.validate_python(text)
    except ValidationError:
        raise ValueError(f"not an RFC 3339 time: {text!r}") from None
    return format_time(when)


KINDS = ("unit", "round", "flag", "proposal")
MAX_VALUE = 200

_EXACT = {
    "unor_id": "unit",
    "unit_id": "unit",
    "round_id": "round",
    "flag_id": "flag",
    "proposal_id": "proposal",
}
_LISTS = {"acknowledged_flags": "flag"}


def _kind(key: str) -> str | None:
    kind = _EXACT.get(key)
    if kind is None and (key.endswith(("_unor_id", "_unit_id"))):
        kind = "unit"
    return kind


def index_keys(envelope: dict[str, Any]) -> set[tuple[str, str]]:
    """(kind, value) pairs of an envelope's data."""
    out: set[tuple[str, str]] = set()
    _walk(envelope.get("data"), out)
    return out


def _walk(value: Any, out: set[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, str):
                kind = _kind(k)
                if kind is not None and v:
                    out.add((kind, v[:MAX_VALUE]))
            elif isinstance(v, list) and k in _LISTS:
                out.update((_LISTS[k], x[:MAX_VALUE]) for x in v if isinstance(x, str) and x)
            elif isinstance(v, dict | list):
                _walk(v, out)
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, dict | list):
                _walk(v, out)


@dataclass(frozen=True)
class EntryFacts:
    """The query columns and index rows an entry must have."""

    event_id: str
    source: str
    sequence: int
    type: str
    subject: str | None
    time: str
    actor: str
    keys: frozenset[tuple[str, str]]
    mentions: frozenset[str]


def entry_facts(envelope: dict[str, Any]) -> EntryFacts:
    """From a decoded (pseudonymised) entry; ValueError if it is not an event."""
    try:
        return EntryFacts(
            event_id=str(envelope["id"]),
            source=str(envelope["source"]),
            sequence=int(envelope["sequence"]),
            type=str(envelope["type"]),
            subject=envelope.get("subject"),
            time=recorded_time(envelope["time"]),
            actor=str(envelope["actor"])[:200],
            keys=frozenset(index_keys(envelope)),
            mentions=frozenset(iter_pseudonyms(envelope)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a ledger event: {exc!r}") from None


def facts_of_entry(entry: bytes) -> EntryFacts:
    try:
        envelope = orjson.loads(entry)
    except orjson.JSONDecodeError:
        raise ValueError("the entry is not JSON") from None
    if not isinstance(envelope, dict):
        raise ValueError("the entry is not a JSON object")
    return entry_facts(envelope)
