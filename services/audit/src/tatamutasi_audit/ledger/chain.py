"""Hash chain over ledger entries: chain[i] = SHA-256(chain[i-1] || SHA-256(entry[i])),
chain[-1] = 32 zero bytes. Any edit, deletion, insertion or reordering of stored entries
changes every later chain hash. (The Merkle-tree ledger of RFC 9162 replaces this later;
the entry bytes stay the same.)"""

import hashlib
from collections.abc import Iterable
from typing import Any

import rfc8785

GENESIS = bytes(32)


def entry_bytes(envelope: dict[str, Any]) -> bytes:
    """RFC 8785 canonical JSON of the envelope: the same event always gives the same bytes."""
    return rfc8785.dumps(envelope)


def entry_hash(entry: bytes) -> bytes:
    return hashlib.sha256(entry).digest()


def next_chain(prev: bytes, entry: bytes) -> bytes:
    return hashlib.sha256(prev + entry_hash(entry)).digest()


def first_mismatch(entries: Iterable[tuple[bytes, bytes]], start: bytes = GENESIS) -> int | None:
    """Given (entry, stored chain hash) pairs in index order, the index of the first entry
    whose chain hash does not match a recomputation, or None when all match."""
    prev = start
    for i, (entry, stored) in enumerate(entries):
        prev = next_chain(prev, entry)
        if prev != stored:
            return i
    return None
