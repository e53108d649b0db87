"""Unit tests for the audit hash chain (tatamutasi_audit.ledger.chain)."""

import hashlib
from typing import Any

import pytest

from tatamutasi_audit.ledger.chain import (
    GENESIS,
    entry_bytes,
    entry_hash,
    first_mismatch,
    next_chain,
)


def _envelope(i: int) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"evt-{i:04d}",
        "type": "id.go.tatamutasi.pegawai.registered.v1",
        "source": "/tatamutasi/pegawai",
        "data": {"pegawai_id": f"p-{i}", "unor_id": "DEMO-DINKES", "n": i},
    }


def _chain(entries: list[bytes], start: bytes = GENESIS) -> list[bytes]:
    out, prev = [], start
    for e in entries:
        prev = next_chain(prev, e)
        out.append(prev)
    return out


@pytest.fixture
def ledger() -> list[tuple[bytes, bytes]]:
    entries = [entry_bytes(_envelope(i)) for i in range(6)]
    return list(zip(entries, _chain(entries), strict=True))


# -- canonical bytes --------------------------------------------------------------------
def test_entry_bytes_is_key_order_independent_and_compact() -> None:
    a = {"b": 1, "a": {"y": [1, 2], "x": "é"}, "c": None}
    b = {"c": None, "a": {"x": "é", "y": [1, 2]}, "b": 1}
    assert entry_bytes(a) == entry_bytes(b)
    assert entry_bytes(a) == '{"a":{"x":"é","y":[1,2]},"b":1,"c":null}'.encode()
    assert b" " not in entry_bytes(a)


def test_entry_bytes_rfc8785_numbers_and_escapes() -> None:
    assert entry_bytes({"n": 1.0, "m": 1e21, "s": "a\nb\u0001"}) == (
        b'{"m":1e+21,"n":1,"s":"a\\nb\\u0001"}'
    )


def test_entry_bytes_sorts_by_utf16_code_units() -> None:
    # RFC 8785 3.2.3: keys sort by UTF-16 code units, so U+1F600 (surrogates D83D..) comes
    # before U+FB33 even though its code point is larger.
    out = entry_bytes({"\ufb33": 1, "\U0001f600": 2})
    assert out == '{"\U0001f600":2,"\ufb33":1}'.encode()


# -- chain ------------------------------------------------------------------------------
def test_chain_recomputation_matches_definition() -> None:
    e0, e1 = entry_bytes(_envelope(0)), entry_bytes(_envelope(1))
    c0 = hashlib.sha256(bytes(32) + hashlib.sha256(e0).digest()).digest()
    c1 = hashlib.sha256(c0 + hashlib.sha256(e1).digest()).digest()
    assert bytes(32) == GENESIS
    assert entry_hash(e0) == hashlib.sha256(e0).digest()
    assert next_chain(GENESIS, e0) == c0
    assert _chain([e0, e1]) == [c0, c1]
    assert len(c1) == 32


def test_intact_chain(ledger: list[tuple[bytes, bytes]]) -> None:
    assert first_mismatch(ledger) is None
    assert first_mismatch([]) is None


def test_intact_chain_from_a_checkpoint(ledger: list[tuple[bytes, bytes]]) -> None:
    assert first_mismatch(ledger[3:], start=ledger[2][1]) is None
    assert first_mismatch(ledger[3:]) == 0  # wrong start: the first entry mismatches


@pytest.mark.parametrize("index", [0, 2, 5])
def test_edited_entry(ledger: list[tuple[bytes, bytes]], index: int) -> None:
    entry, stored = ledger[index]
    envelope = _envelope(index)
    envelope["data"]["unor_id"] = "DEMO-SETDA"
    ledger[index] = (entry_bytes(envelope), stored)
    assert first_mismatch(ledger) == index


def test_edited_stored_hash(ledger: list[tuple[bytes, bytes]]) -> None:
    entry, stored = ledger[4]
    ledger[4] = (entry, bytes([stored[0] ^ 1]) + stored[1:])
    assert first_mismatch(ledger) == 4


@pytest.mark.parametrize("index", [0, 2, 4])
def test_removed_entry(ledger: list[tuple[bytes, bytes]], index: int) -> None:
    del ledger[index]
    assert first_mismatch(ledger) == index


def test_removed_last_entry_is_not_detectable_by_the_chain(
    ledger: list[tuple[bytes, bytes]],
) -> None:
    # truncation leaves a valid prefix; the head/length checkpoint must catch it elsewhere
    assert first_mismatch(ledger[:-1]) is None


def test_swapped_entries(ledger: list[tuple[bytes, bytes]]) -> None:
    ledger[1], ledger[3] = ledger[3], ledger[1]
    assert first_mismatch(ledger) == 1


def test_swapped_entry_bytes_keeping_hashes(ledger: list[tuple[bytes, bytes]]) -> None:
    (e2, c2), (e3, c3) = ledger[2], ledger[3]
    ledger[2], ledger[3] = (e3, c2), (e2, c3)
    assert first_mismatch(ledger) == 2


def test_inserted_entry_with_forged_hash(ledger: list[tuple[bytes, bytes]]) -> None:
    ledger.insert(2, (entry_bytes(_envelope(99)), bytes(32)))
    assert first_mismatch(ledger) == 2


def test_inserted_entry_with_correct_hash_breaks_the_next_one(
    ledger: list[tuple[bytes, bytes]],
) -> None:
    forged = entry_bytes(_envelope(99))
    ledger.insert(2, (forged, next_chain(ledger[1][1], forged)))
    assert first_mismatch(ledger) == 3


def test_mismatch_accepts_a_generator(ledger: list[tuple[bytes, bytes]]) -> None:
    ledger[3] = (b"{}", ledger[3][1])
    assert first_mismatch(pair for pair in ledger) == 3
