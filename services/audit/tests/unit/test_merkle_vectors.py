"""The ledger's Merkle math against the published transparency-dev/merkle test vectors
(read from ../shared/testvectors/merkle at test time) and the RFC 9162 examples."""

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tatamutasi_audit.ledger import merkle


def _vectors() -> Path | None:
    """`$TATAMUTASI_SHARED_DIR` or the `shared/` folder beside the checkout."""
    env = os.environ.get("TATAMUTASI_SHARED_DIR")
    bases = [Path(env)] if env else [p / "shared" for p in Path(__file__).resolve().parents]
    for base in bases:
        path = base / "testvectors" / "merkle" / "testdata"
        if path.is_dir():
            return path
    return None


VECTORS = _vectors()
needs_vectors = pytest.mark.skipif(
    VECTORS is None, reason="shared/testvectors/merkle/testdata is absent on this machine"
)


def _files(kind: str) -> list[Path]:
    if VECTORS is None:
        return []
    return sorted((VECTORS / kind).rglob("*.json"))


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(VECTORS)) for p in paths] if VECTORS else []


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


INCLUSION = _files("inclusion")
CONSISTENCY = _files("consistency")


@needs_vectors
def test_the_vector_folders_are_complete() -> None:
    # every corruption kind of the upstream generator is present, negatives included
    assert len(INCLUSION) >= 90 and len(CONSISTENCY) >= 90
    assert sum(_load(p)["wantErr"] for p in INCLUSION) > 70
    assert sum(_load(p)["wantErr"] for p in CONSISTENCY) > 70


@needs_vectors
@pytest.mark.parametrize("path", INCLUSION, ids=_ids(INCLUSION))
def test_inclusion_vector(path: Path) -> None:
    v = _load(path)
    proof = [_b64(h) for h in v["proof"] or []]
    args = (v["leafIdx"], v["treeSize"], _b64(v["leafHash"]), proof, _b64(v["root"]))
    if v["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(*args)
    else:
        merkle.verify_inclusion(*args)


@needs_vectors
@pytest.mark.parametrize("path", CONSISTENCY, ids=_ids(CONSISTENCY))
def test_consistency_vector(path: Path) -> None:
    v = _load(path)
    proof = [_b64(h) for h in v["proof"] or []]
    args = (v["size1"], v["size2"], proof, _b64(v["root1"]), _b64(v["root2"]))
    if v["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


# The leaves behind the upstream vectors (transparency-dev/merkle testonly) and their roots.
LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def _store(entries: list[bytes]) -> merkle.ReadNodes:
    nodes = merkle.new_nodes(0, [merkle.leaf_hash(e) for e in entries], lambda ids: [])
    return lambda ids: [nodes[i] for i in ids]


def test_empty_tree_root_is_the_hash_of_nothing() -> None:
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert merkle.root_from_entries([]) == merkle.EMPTY_ROOT
    assert merkle.root(0, lambda ids: []) == merkle.EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_known_roots(size: int) -> None:
    assert merkle.root_from_entries(LEAVES[:size]).hex() == ROOTS[size - 1]
    assert merkle.root(size, _store(LEAVES[:size])).hex() == ROOTS[size - 1]


def test_domain_separation_of_leaves_and_nodes() -> None:
    import hashlib

    assert merkle.leaf_hash(b"a") == hashlib.sha256(b"\x00a").digest()
    assert merkle.node_hash(b"l", b"r") == hashlib.sha256(b"\x01lr").digest()
    # a leaf whose bytes look like two child hashes does not collide with their parent
    left, right = merkle.leaf_hash(b"x"), merkle.leaf_hash(b"y")
    assert merkle.leaf_hash(left + right) != merkle.node_hash(left, right)


# RFC 9162 §2.1.5: the example tree of 7 leaves d0..d6 with nodes a..l.
#            hash
#           /    \
#          k      l(=g+j... right border)
#  a=d0 b=d1 c=d2 d=d3 e=d4 f=d5 j=d6; g=(a,b) h=(c,d) i=(e,f) k=(g,h) l=(i,j)
def _rfc_names() -> dict[tuple[int, int], str]:
    return {
        (0, 0): "a",
        (0, 1): "b",
        (0, 2): "c",
        (0, 3): "d",
        (0, 4): "e",
        (0, 5): "f",
        (0, 6): "j",
        (1, 0): "g",
        (1, 1): "h",
        (1, 2): "i",
        (2, 0): "k",
    }


def _rfc_proof(ranges: list[tuple[int, int]]) -> list[str]:
    names = _rfc_names()
    out = []
    for b, e in ranges:
        nodes = merkle.range_nodes(b, e)
        out.append(names[nodes[0]] if len(nodes) == 1 else "l" if (b, e) == (4, 7) else "?")
    return out


@pytest.mark.parametrize(
    ("index", "want"), [(0, ["b", "h", "l"]), (3, ["c", "g", "l"]), (4, ["f", "j", "k"])]
)
def test_rfc9162_inclusion_examples(index: int, want: list[str]) -> None:
    assert _rfc_proof(merkle._inclusion_ranges(index, 0, 7)) == want


@pytest.mark.parametrize(
    ("size1", "want"),
    [(3, ["c", "d", "g", "l"]), (4, ["l"]), (6, ["i", "j", "k"])],
)
def test_rfc9162_consistency_examples(size1: int, want: list[str]) -> None:
    assert _rfc_proof(merkle._consistency_ranges(size1, 7)) == want


def test_proofs_for_the_known_tree_verify_against_known_roots() -> None:
    read = _store(LEAVES)
    for size in range(1, 9):
        r = bytes.fromhex(ROOTS[size - 1])
        for i in range(size):
            proof = merkle.inclusion_proof(i, size, read)
            merkle.verify_inclusion(i, size, merkle.leaf_hash(LEAVES[i]), proof, r)
        for size1 in range(1, size + 1):
            proof = merkle.consistency_proof(size1, size, read)
            merkle.verify_consistency(size1, size, proof, bytes.fromhex(ROOTS[size1 - 1]), r)


@pytest.mark.parametrize(
    ("index", "size"), [(-1, 3), (3, 3), (0, 0)], ids=["negative", "at-size", "empty"]
)
def test_inclusion_proof_rejects_bad_index(index: int, size: int) -> None:
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_proof(index, size, _store(LEAVES))


@pytest.mark.parametrize(("size1", "size2"), [(0, 3), (4, 3), (0, 0)])
def test_consistency_proof_rejects_bad_sizes(size1: int, size2: int) -> None:
    with pytest.raises(merkle.ProofError):
        merkle.consistency_proof(size1, size2, _store(LEAVES))


def test_range_nodes_decomposes_into_aligned_perfect_subtrees() -> None:
    assert merkle.range_nodes(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert merkle.range_nodes(4, 7) == [(1, 2), (0, 6)]
    assert merkle.range_nodes(0, 8) == [(3, 0)]
    assert merkle.range_nodes(5, 5) == []
    with pytest.raises(ValueError):
        merkle.range_nodes(3, 2)
