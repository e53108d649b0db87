"""The fast canonical-JSON path gives exactly the bytes of the `rfc8785` library (RFC 8785)
for every value it takes, and falls back for the rest; the faster pseudonymiser gives the
same pseudonyms as the plain HMAC definition."""

import hashlib
import hmac
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from tatamutasi_audit.ledger.entries import (
    MAX_SAFE_INTEGER,
    NIP,
    Pseudonymiser,
    _fast_path_ok,
    canonical_json,
    iter_pseudonyms,
)

SAFE_INT = st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=30)
ASCII_KEYS = st.text(st.characters(codec="ascii"), max_size=12)

fast_values = st.recursive(
    st.none() | st.booleans() | SAFE_INT | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(ASCII_KEYS, inner, max_size=6),
    max_leaves=40,
)
any_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(ANY_TEXT, inner, max_size=6),
    max_leaves=40,
)


def _rfc(value: Any) -> bytes | type[Exception]:
    try:
        return rfc8785.dumps(value)
    except Exception as exc:  # the library refuses e.g. integers beyond 2**53
        return type(exc)


@settings(max_examples=600, deadline=None)
@given(fast_values)
def test_fast_path_equals_rfc8785_on_its_domain(value: Any) -> None:
    assert _fast_path_ok(value)
    assert canonical_json(value) == rfc8785.dumps(value)


@settings(max_examples=600, deadline=None)
@given(any_values)
def test_every_value_gives_the_rfc8785_bytes_or_its_error(value: Any) -> None:
    want = _rfc(value)
    if isinstance(want, bytes):
        assert canonical_json(value) == want
    else:
        with pytest.raises(want):
            canonical_json(value)


@pytest.mark.parametrize(
    "value",
    [
        {"x": 1.0},  # RFC 8785 writes 1, orjson 1.0
        {"x": 1e21},
        {"x": 2**53},  # beyond the IEEE 754 safe range
        {"é": 1, "z": 2},  # non-ASCII keys: UTF-16 order
        {"\U0001f600": 1, "\ufb01": 2},  # where UTF-16 and code point order differ
        {1: "non-string key"},
    ],
)
def test_values_the_fast_path_cannot_prove_take_the_slow_path(value: Any) -> None:
    assert not _fast_path_ok(value)
    want = _rfc(value)
    if isinstance(want, bytes):
        assert canonical_json(value) == want


def test_envelopes_take_the_fast_path() -> None:
    env: dict[str, Any] = {
        "specversion": "1.0",
        "id": "e",
        "sequence": 12,
        "subject": "psn:nip:" + "0" * 32,
        "data": {"name": "Siti Rahmawati, S.Kep.", "tags": ["a", None, True], "n": -3},
    }
    assert _fast_path_ok(env) and canonical_json(env) == rfc8785.dumps(env)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["nip", "nik", "name"]), ANY_TEXT)
def test_pseudonyms_are_the_keyed_hmac_of_kind_and_value(kind: str, value: str) -> None:
    key = b"k" * 32
    p = Pseudonymiser(key)
    want = hmac.new(key, f"{kind}:{value.strip()}".encode(), hashlib.sha256).hexdigest()[:32]
    assert p.pseudonym(kind, value) == f"psn:{kind}:{want}"
    assert p.pseudonym(kind, value) == f"psn:{kind}:{want}"  # from the cache
    assert Pseudonymiser(b"j" * 32).pseudonym(kind, value) != p.pseudonym(kind, value)


def test_the_name_in_an_execution_snapshot_is_pseudonymised() -> None:
    p = Pseudonymiser(b"s" * 32)
    nip = "198503122010011100"
    env = {
        "data": {
            "nip": nip,
            "snapshot": {"name": "Budi Santoso", "to_unor_name": "Dinas Kesehatan"},
            "to_post": {"name": "not a person", "unor_id": "U1"},
        }
    }
    out, mentions = p.envelope(env)
    assert out["data"]["snapshot"]["name"] == p.pseudonym("name", "Budi Santoso")
    assert out["data"]["snapshot"]["to_unor_name"] == "Dinas Kesehatan"
    assert out["data"]["to_post"]["name"] == "not a person"
    assert mentions == {p.nip(nip), p.pseudonym("name", "Budi Santoso")}


NIPS = st.from_regex(r"\A[0-9]{18}\Z")
KEYS = st.sampled_from(["nip", "name", "nama", "nik", "ibu_nik", "pegawai_name", "x", "snapshot"])
envelopes = st.recursive(
    st.none() | st.booleans() | st.integers() | ANY_TEXT | NIPS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(KEYS | ASCII_KEYS, inner, max_size=5)
    ),
    max_leaves=30,
)


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(KEYS | ASCII_KEYS, envelopes, max_size=6))
def test_no_nip_survives_and_mentions_are_every_pseudonym(env: dict[str, Any]) -> None:
    p = Pseudonymiser(b"m" * 32)
    out, mentions = p.envelope(env)
    assert not any(NIP.match(s) for s in _strings(out))
    assert mentions == set(iter_pseudonyms(out))
    assert p.envelope(out) == (out, mentions)  # pseudonymising twice changes nothing


ENTRY_KEYS = KEYS | ASCII_KEYS | ANY_TEXT
entry_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | ANY_TEXT
    | NIPS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ENTRY_KEYS, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(ENTRY_KEYS, entry_values, max_size=6))
def test_entry_in_one_walk_is_envelope_then_rfc8785(env: dict[str, Any]) -> None:
    """`Pseudonymiser.entry` (the append path: one walk that also picks the canonical JSON
    path) gives what `envelope` then RFC 8785 give, or the same refusal."""
    p = Pseudonymiser(b"w" * 32)
    out, mentions = p.envelope(env)
    want = _rfc(out)
    if isinstance(want, bytes):
        assert p.entry(env) == (out, mentions, want)
    else:
        with pytest.raises(want):
            p.entry(env)
