"""The export's multi-inclusion proof: for any tree and any set of exported leaves, the
leaves and the proof give the root; any change to a leaf, the set or the proof does not."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tatamutasi_audit.ledger import merkle
from tatamutasi_audit.ledger.export import proof_ranges, root_from_multiproof


def _tree(size: int) -> tuple[list[bytes], merkle.ReadNodes, bytes]:
    leaves = [merkle.leaf_hash(b"entry %d" % i) for i in range(size)]
    nodes = merkle.new_nodes(0, leaves, lambda ids: [])
    return leaves, (lambda ids: [nodes[i] for i in ids]), merkle.root_from_leaf_hashes(leaves)


@st.composite
def tree_and_subset(draw: st.DrawFn) -> tuple[int, list[int]]:
    size = draw(st.integers(1, 300))
    subset = draw(st.sets(st.integers(0, size - 1), max_size=size))
    return size, sorted(subset)


@settings(max_examples=300, deadline=None)
@given(tree_and_subset(), st.data())
def test_multiproof_gives_the_root_and_detects_changes(
    case: tuple[int, list[int]], data: st.DataObject
) -> None:
    size, idx = case
    leaves, read, root = _tree(size)
    proof = merkle.range_hashes(proof_ranges(idx, size), read)
    mine = [leaves[i] for i in idx]
    assert root_from_multiproof(size, idx, mine, proof) == root
    if idx:
        k = data.draw(st.integers(0, len(idx) - 1))
        edited = [*mine[:k], merkle.leaf_hash(b"forged"), *mine[k + 1 :]]
        assert root_from_multiproof(size, idx, edited, proof) != root
        # a leaf left out, with the same proof: wrong shape or wrong root
        try:
            got = root_from_multiproof(
                size, idx[:k] + idx[k + 1 :], mine[:k] + mine[k + 1 :], proof
            )
        except merkle.ProofError:
            got = None
        assert got != root
    if proof:
        j = data.draw(st.integers(0, len(proof) - 1))
        flipped = [*proof[:j], bytes([proof[j][0] ^ 1]) + proof[j][1:], *proof[j + 1 :]]
        assert root_from_multiproof(size, idx, mine, flipped) != root


def test_the_proof_is_the_union_of_inclusion_proofs_and_empty_for_everything() -> None:
    size = 1000
    leaves, read, root = _tree(size)
    assert proof_ranges(list(range(size)), size) == []
    # one entry: exactly its RFC 9162 inclusion proof (as a set of hashes)
    proof = merkle.range_hashes(proof_ranges([417], size), read)
    assert sorted(proof) == sorted(merkle.inclusion_proof(417, size, read))
    # a contiguous range of k entries needs O(log n) hashes, not k log n
    assert len(proof_ranges(list(range(300, 700)), size)) <= 2 * size.bit_length()


@pytest.mark.parametrize(
    ("indices", "size"), [([3, 3], 5), ([4, 2], 5), ([5], 5), ([-1], 5), ([0], 0)]
)
def test_bad_index_sets_are_refused(indices: list[int], size: int) -> None:
    with pytest.raises(merkle.ProofError):
        root_from_multiproof(size, indices, [bytes(32)] * len(indices), [])


def test_too_many_or_too_few_proof_hashes_are_refused() -> None:
    leaves, read, root = _tree(10)
    proof = merkle.range_hashes(proof_ranges([2, 7], 10), read)
    with pytest.raises(merkle.ProofError, match="too few"):
        root_from_multiproof(10, [2, 7], [leaves[2], leaves[7]], proof[:-1])
    with pytest.raises(merkle.ProofError, match="too many"):
        root_from_multiproof(10, [2, 7], [leaves[2], leaves[7]], [*proof, bytes(32)])
    assert root_from_multiproof(0, [], [], []) == merkle.EMPTY_ROOT
