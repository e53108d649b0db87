"""Property tests of the ledger's Merkle tree: random appends in random batches; every proof
verifies; flipping any bit of a proof, a leaf or a root makes verification fail."""

from hypothesis import given, settings
from hypothesis import strategies as st

from tatamutasi_audit.ledger import merkle

entries_st = st.lists(st.binary(max_size=12), min_size=1, max_size=40, unique=True)


def _build(entries: list[bytes], cuts: list[int]) -> dict[merkle.NodeID, bytes]:
    """Append `entries` in batches split at `cuts`, as the service does."""
    store: dict[merkle.NodeID, bytes] = {}
    bounds = sorted({0, len(entries), *(c % (len(entries) + 1) for c in cuts)})
    for begin, end in zip(bounds, bounds[1:], strict=False):
        hashes = [merkle.leaf_hash(e) for e in entries[begin:end]]
        store.update(merkle.new_nodes(begin, hashes, lambda ids: [store[i] for i in ids]))
    return store


def _flip(data: bytes, bit: int) -> bytes:
    bit %= len(data) * 8
    b = bytearray(data)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


@settings(max_examples=60, deadline=None)
@given(entries_st, st.lists(st.integers(min_value=0), max_size=5))
def test_incremental_appends_store_every_perfect_node_and_give_the_rfc_root(
    entries: list[bytes], cuts: list[int]
) -> None:
    store = _build(entries, cuts)
    n = len(entries)
    assert len(store) == sum(n >> level for level in range(n.bit_length()))
    read = lambda ids: [store[i] for i in ids]  # noqa: E731
    for size in range(1, n + 1):
        assert merkle.root(size, read) == merkle.root_from_entries(entries[:size])


@settings(max_examples=60, deadline=None)
@given(entries_st, st.data())
def test_every_inclusion_proof_verifies_and_any_bit_flip_fails(
    entries: list[bytes], data: st.DataObject
) -> None:
    store = _build(entries, [])
    read = lambda ids: [store[i] for i in ids]  # noqa: E731
    size = data.draw(st.integers(1, len(entries)))
    index = data.draw(st.integers(0, size - 1))
    root = merkle.root(size, read)
    leaf = merkle.leaf_hash(entries[index])
    proof = merkle.inclusion_proof(index, size, read)
    merkle.verify_inclusion(index, size, leaf, proof, root)
    bit = data.draw(st.integers(min_value=0))
    bad_root, bad_leaf = _flip(root, bit), _flip(leaf, bit)
    for args in ((leaf, proof, bad_root), (bad_leaf, proof, root)):
        assert not _ok_inclusion(index, size, *args)
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad_proof = [*proof[:k], _flip(proof[k], bit), *proof[k + 1 :]]
        assert not _ok_inclusion(index, size, leaf, bad_proof, root)
        assert not _ok_inclusion(index, size, leaf, proof[:-1], root)
    assert not _ok_inclusion(index, size, leaf, [*proof, root], root)
    if size > 1:
        other = (index + 1) % size
        assert not _ok_inclusion(other, size, leaf, proof, root)  # entries are unique


def _ok_inclusion(*args: object) -> bool:
    try:
        merkle.verify_inclusion(*args)  # type: ignore[arg-type]
        return True
    except merkle.ProofError:
        return False


def _ok_consistency(*args: object) -> bool:
    try:
        merkle.verify_consistency(*args)  # type: ignore[arg-type]
        return True
    except merkle.ProofError:
        return False


@settings(max_examples=60, deadline=None)
@given(entries_st, st.data())
def test_every_consistency_proof_verifies_and_any_bit_flip_fails(
    entries: list[bytes], data: st.DataObject
) -> None:
    store = _build(entries, [])
    read = lambda ids: [store[i] for i in ids]  # noqa: E731
    size2 = data.draw(st.integers(1, len(entries)))
    size1 = data.draw(st.integers(1, size2))
    root1, root2 = merkle.root(size1, read), merkle.root(size2, read)
    proof = merkle.consistency_proof(size1, size2, read)
    assert _ok_consistency(size1, size2, proof, root1, root2)
    bit = data.draw(st.integers(min_value=0))
    assert not _ok_consistency(size1, size2, proof, _flip(root1, bit), root2)
    assert not _ok_consistency(size1, size2, proof, root1, _flip(root2, bit))
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = [*proof[:k], _flip(proof[k], bit), *proof[k + 1 :]]
        assert not _ok_consistency(size1, size2, bad, root1, root2)
        assert not _ok_consistency(size1, size2, proof[1:], root1, root2)
    # a rewritten history (another first entry) is not consistent with the old root
    forged = [b"forged" + entries[0], *entries[1:]]
    forged_store = _build(forged, [])
    forged_read = lambda ids: [forged_store[i] for i in ids]  # noqa: E731
    forged_proof = merkle.consistency_proof(size1, size2, forged_read)
    forged_root2 = merkle.root(size2, forged_read)
    assert not _ok_consistency(size1, size2, forged_proof, root1, forged_root2)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=5000), st.data())
def test_proofs_read_logarithmically_many_nodes(size: int, data: st.DataObject) -> None:
    reads: list[int] = []

    def read(ids: object) -> list[bytes]:
        ids = list(ids)  # type: ignore[call-overload]
        reads.append(len(ids))
        return [bytes(32)] * len(ids)

    index = data.draw(st.integers(0, size - 1))
    merkle.inclusion_proof(index, size, read)
    merkle.consistency_proof(data.draw(st.integers(1, size)), size, read)
    bound = 2 * size.bit_length() + 2
    assert len(reads) <= 2 and all(r <= bound for r in reads)
