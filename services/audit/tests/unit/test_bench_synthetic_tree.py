"""The audit benchmark's bulk loader builds the same tree as the ledger's own math, and its
COPY BINARY rows hold what they claim (`bench/bench_audit_ledger.py`)."""

import struct

import pytest

from bench.bench_audit_ledger import (
    _COPY_HEADER,
    _ENTRY_COLUMNS,
    _entry_rows,
    _node_rows,
    synthetic_entry,
    synthetic_nodes,
)
from tatamutasi_audit.ledger import merkle


@pytest.mark.parametrize("n", [1, 2, 3, 63, 64, 65, 127, 1000, 1025])
def test_bulk_nodes_are_the_ledgers_nodes(n: int) -> None:
    got: dict[merkle.NodeID, bytes] = {}
    for level, first, hashes in synthetic_nodes(n, chunk=64):
        for i, h in enumerate(hashes):
            assert (level, first + i) not in got
            got[(level, first + i)] = h
    leaves = [merkle.leaf_hash(synthetic_entry(k)) for k in range(n)]
    assert got == merkle.new_nodes(0, leaves, lambda ids: [])
    assert merkle.root(n, lambda ids: [got[i] for i in ids]) == merkle.root_from_leaf_hashes(leaves)


def _fields(data: bytes, count: int) -> list[bytes | None]:
    """Fields of one COPY BINARY row at the start of `data`."""
    (n,) = struct.unpack_from(">h", data)
    assert n == count
    out: list[bytes | None] = []
    pos = 2
    for _ in range(n):
        (size,) = struct.unpack_from(">i", data, pos)
        pos += 4
        out.append(None if size < 0 else data[pos : pos + size])
        pos += max(size, 0)
    return out


def test_copy_rows_hold_the_values() -> None:
    assert _COPY_HEADER.startswith(b"PGCOPY\n\xff\r\n\x00") and len(_COPY_HEADER) == 19
    h = bytes(range(32))
    level, idx, hash_ = _fields(_node_rows(3, 41, [h]), 3)
    assert (level, idx, hash_) == (struct.pack(">h", 3), struct.pack(">q", 41), h)
    rows = _entry_rows(7, 9, 123)
    first = _fields(rows, len(_ENTRY_COLUMNS))
    values = dict(zip(_ENTRY_COLUMNS, first, strict=True))
    assert values["idx"] == struct.pack(">q", 7) and values["sequence"] == struct.pack(">q", 8)
    assert values["event_id"] == b"bench-000000000007" and values["subject"] is None
    assert values["entry"] == synthetic_entry(7)
    assert values["appended_at"] == struct.pack(">q", 123)
    assert len(rows) == 2 * (len(rows) // 2)
