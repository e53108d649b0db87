"""RFC 9162 §2.1 Merkle tree math: hashes, roots, inclusion and consistency proofs.

Pure functions; storage is a function passed in. A tree of `size` leaves is stored as its
*perfect* subtrees: node `(level, index)` is the hash of leaves
`[index * 2**level, (index + 1) * 2**level)` (level 0 = leaf hashes), as in C2SP tlog-tiles.
Every other hash a proof needs (an "ephemeral" node on the right border) is folded from at
most log2(size) perfect nodes, so a proof reads O(log n) stored hashes.

Verification follows transparency-dev/merkle `proof/verify.go` and passes its published
test vectors (including every corrupted case)."""

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeID = tuple[int, int]  # (level, index)
# Reads stored perfect-subtree hashes, in the order asked.
ReadNodes = Callable[[Sequence[NodeID]], Sequence[bytes]]


class ProofError(ValueError):
    """A proof, a size or a hash does not check out."""


# -- hashing ------------------------------------------------------------------------------
def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """k with k < n <= 2k (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) from the leaf hashes, by the RFC's recursive definition (iteratively)."""
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])  # a lone right node is promoted unchanged (RFC 9162 MTH)
        level = nxt
    return level[0]


def root_from_entries(entries: Iterable[bytes]) -> bytes:
    return root_from_leaf_hashes([leaf_hash(e) for e in entries])


# -- perfect subtrees ---------------------------------------------------------------------
def range_nodes(begin: int, end: int) -> list[NodeID]:
    """The perfect subtrees that make up leaves [begin, end), left to right (the range's
    compact decomposition)."""
    if not 0 <= begin <= end:
        raise ValueError(f"bad range [{begin}, {end})")
    out: list[NodeID] = []
    while begin < end:
        level = (end - begin).bit_length() - 1
        if begin:
            level = min(level, (begin & -begin).bit_length() - 1)
        out.append((level, begin >> level))
        begin += 1 << level
    return out


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """Hash of a range from its compact decomposition: H(p0, H(p1, ... pk))."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def root(size: int, read: ReadNodes) -> bytes:
    """Root of the tree of `size` leaves from stored perfect subtrees (<= log2 n reads)."""
    nodes = range_nodes(0, size)
    return fold_right(list(read(nodes))) if nodes else EMPTY_ROOT


def new_nodes(size: int, leaf_hashes: Sequence[bytes], read: ReadNodes) -> dict[NodeID, bytes]:
    """Append `leaf_hashes` to a tree of `size`: every perfect node that appears, keyed by
    (level, index), including the new leaves. Reads only the old tree's compact range."""
    border = range_nodes(0, size)
    known: dict[NodeID, bytes] = dict(zip(border, read(border), strict=True)) if border else {}
    out: dict[NodeID, bytes] = {}
    for offset, h in enumerate(leaf_hashes):
        index, level = size + offset, 0
        out[(0, index)] = h
        while index & 1:  # a right child completes its parent
            left = out.get((level, index - 1)) or known[(level, index - 1)]
            h = node_hash(left, h)
            level, index = level + 1, index >> 1
            out[(level, index)] = h
    return out


# -- proof generation ---------------------------------------------------------------------
def _inclusion_ranges(index: int, begin: int, end: int) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.3.1 PATH(m, D[begin:end]) as leaf ranges, from the leaf upwards."""
    out: list[tuple[int, int]] = []
    while end - begin > 1:
        k = _largest_power_of_two_below(end - begin)
        if index < begin + k:
            out.append((begin + k, end))
            end = begin + k
        else:
            out.append((begin, begin + k))
            begin += k
    return list(reversed(out))


def _consistency_ranges(m: int, n: int) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.4.1 PROOF(m, D[n]) as leaf ranges (0 < m < n)."""
    out: list[tuple[int, int]] = []
    begin, end, complete = 0, n, True
    while True:
        if m == end - begin:
            if not complete:
                out.append((begin, end))
            break
        k = _largest_power_of_two_below(end - begin)
        if m <= k:
            out.append((begin + k, end))
            end = begin + k
        else:
            out.append((begin, begin + k))
            begin, m, complete = begin + k, m - k, False
    return list(reversed(out))


def _fetch_ranges(ranges: Sequence[tuple[int, int]], read: ReadNodes) -> list[bytes]:
    plans = [range_nodes(b, e) for b, e in ranges]
    wanted = list(dict.fromkeys(node for plan in plans for node in plan))
    got = dict(zip(wanted, read(wanted), strict=True)) if wanted else {}
    return [fold_right([got[n] for n in plan]) for plan in plans]


def range_hashes(ranges: Sequence[tuple[int, int]], read: ReadNodes) -> list[bytes]:
    """Hashes of RFC 9162 subtrees given as leaf ranges [begin, end) (each a subtree of the
    tree's recursive split, e.g. from a proof), from stored perfect nodes."""
    return _fetch_ranges(ranges, read)


def range_node_ids(ranges: Sequence[tuple[int, int]]) -> list[NodeID]:
    """The stored nodes `range_hashes` reads."""
    return _node_ids(ranges)


def inclusion_proof(index: int, size: int, read: ReadNodes) -> list[bytes]:
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not below tree size {size}")
    return _fetch_ranges(_inclusion_ranges(index, 0, size), read)


def consistency_proof(size1: int, size2: int, read: ReadNodes) -> list[bytes]:
    if not 0 < size1 <= size2:
        raise ProofError(f"need 0 < size1 <= size2, got {size1} and {size2}")
    if size1 == size2:
        return []
    return _fetch_ranges(_consistency_ranges(size1, size2), read)


def _node_ids(ranges: Sequence[tuple[int, int]]) -> list[NodeID]:
    return list(dict.fromkeys(n for b, e in ranges for n in range_nodes(b, e)))


def inclusion_node_ids(index: int, size: int) -> list[NodeID]:
    """The stored nodes `inclusion_proof` reads (for callers that fetch them first)."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not below tree size {size}")
    return _node_ids(_inclusion_ranges(index, 0, size))


def consistency_node_ids(size1: int, size2: int) -> list[NodeID]:
    """The stored nodes `consistency_proof` reads."""
    if not 0 < size1 <= size2:
        raise ProofError(f"need 0 < size1 <= size2, got {size1} and {size2}")
    return [] if size1 == size2 else _node_ids(_consistency_ranges(size1, size2))


# -- verification (transparency-dev/merkle proof/verify.go) -------------------------------
def _decompose(index: int, size: int) -> tuple[int, int]:
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    return inner, border


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        seed = node_hash(seed, h) if (index >> i) & 1 == 0 else node_hash(h, seed)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        if (index >> i) & 1 == 1:
            seed = node_hash(h, seed)
    return seed


def _chain_border_right(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for h in proof:
        seed = node_hash(h, seed)
    return seed


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not below tree size {size}")
    if len(leaf) != HASH_SIZE:
        raise ProofError(f"leaf hash has {len(leaf)} bytes, want {HASH_SIZE}")
    inner, border = _decompose(index, size)
    if len(proof) != inner + border:
        raise ProofError(f"proof has {len(proof)} hashes, want {inner + border}")
    res = _chain_inner(leaf, proof[:inner], index)
    return _chain_border_right(res, proof[inner:])


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """Raises ProofError unless `leaf` is at `index` in the tree of `size` with `root_hash`."""
    if root_from_inclusion_proof(index, size, leaf, proof) != root_hash:
        raise ProofError("inclusion proof does not lead to the expected root")


def root_from_consistency_proof(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes
) -> bytes:
    if size2 < size1:
        raise ProofError(f"size2 ({size2}) < size1 ({size1})")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless")
    if size1 == size2:
        if proof:
            raise ProofError("size1 = size2, but the proof is not empty")
        return root1
    if not proof:
        raise ProofError("empty proof")
    inner, border = _decompose(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1
    inner -= shift
    seed, start = proof[0], 1
    if size1 == 1 << shift:
        seed, start = root1, 0
    if len(proof) != start + inner + border:
        raise ProofError(f"proof has {len(proof)} hashes, want {start + inner + border}")
    rest = proof[start:]
    mask = (size1 - 1) >> shift
    hash1 = _chain_border_right(_chain_inner_right(seed, rest[:inner], mask), rest[inner:])
    if hash1 != root1:
        raise ProofError("consistency proof does not lead to the old root")
    return _chain_border_right(_chain_inner(seed, rest[:inner], mask), rest[inner:])


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Raises ProofError unless the tree (size2, root2) extends the tree (size1, root1)."""
    if root_from_consistency_proof(size1, size2, proof, root1) != root2:
        raise ProofError("consistency proof does not lead to the new root")
