"""The ledger, property-based (issue #12, item 3), through what an auditor actually checks:
random batches of appends build a C2SP tlog-tiles log (entry bundles, hash tiles, a signed
checkpoint per batch, nodes stored incrementally the way the service stores them). Every
inclusion proof and every consistency proof between any two checkpoints verifies, the
offline verifier accepts the whole log against any earlier checkpoint, and one flipped bit
anywhere (an entry bundle, a hash tile, the signed checkpoint's text, a proof, a leaf)
fails."""

from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tatamutasi_audit.ledger import merkle
from tatamutasi_audit.ledger.note import Checkpoint, Signer, sign_checkpoint
from tatamutasi_audit.ledger.tiles import (
    bundles_for_size,
    encode_bundle,
    tile_node_range,
    tiles_for_size,
)
from tatamutasi_audit.ledger.verifier import VerificationFailed, verify_log

ORIGIN = "tatamutasi.test/ledger"
SIGNER = Signer.generate(ORIGIN)
VERIFIER = SIGNER.verifier()
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LONG = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass
class Log:
    """An in-memory log stored like the service's: nodes appended batch by batch."""

    entries: list[bytes] = field(default_factory=list)
    nodes: dict[tuple[int, int], bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # one signed checkpoint per batch
    roots: list[tuple[int, bytes]] = field(default_factory=list)

    def read(self, ids: list[tuple[int, int]]) -> list[bytes]:
        return [self.nodes[i] for i in ids]

    def append(self, batch: list[bytes]) -> None:
        size = len(self.entries)
        self.nodes.update(merkle.new_nodes(size, [merkle.leaf_hash(e) for e in batch], self.read))
        self.entries += batch
        root = merkle.root(len(self.entries), self.read)
        self.roots.append((len(self.entries), root))
        self.notes.append(sign_checkpoint(Checkpoint(ORIGIN, len(self.entries), root), SIGNER))

    def files(self) -> dict[str, bytes]:
        size = len(self.entries)
        out = {"checkpoint": self.notes[-1].encode()}
        for ref in bundles_for_size(size):
            start = ref.index * 256
            out[ref.path()] = encode_bundle(self.entries[start : start + ref.width])
        for ref in tiles_for_size(size):
            level, begin, count = tile_node_range(ref)
            out[ref.path()] = b"".join(self.nodes[(level, begin + i)] for i in range(count))
        return out


entry = st.binary(min_size=0, max_size=40).map(lambda b: b'{"e":"' + b.hex().encode() + b'"}')
batches = st.lists(st.lists(entry, min_size=1, max_size=300), min_size=1, max_size=5)


def build(parts: list[list[bytes]]) -> Log:
    log = Log()
    for batch in parts:
        log.append(batch)
    return log


def flip(data: bytes, bit: int) -> bytes:
    i = bit // 8 % len(data)
    return data[:i] + bytes([data[i] ^ (1 << (bit % 8))]) + data[i + 1 :]


def _check(parts: list[list[bytes]], data: st.DataObject) -> None:
    log = build(parts)
    size, root = log.roots[-1]
    assert root == merkle.root_from_entries(log.entries)  # incremental == from scratch
    files = log.files()
    fetch = files.__getitem__
    # the whole log verifies, against every checkpoint seen before
    for note in log.notes:
        verify_log(fetch, VERIFIER, previous_note=note)
    # inclusion: sampled leaves of the final tree, and of an earlier checkpoint
    for s, r in (log.roots[-1], data.draw(st.sampled_from(log.roots))):
        for index in {0, s - 1, data.draw(st.integers(0, s - 1))}:
            proof = merkle.inclusion_proof(index, s, log.read)
            leaf = merkle.leaf_hash(log.entries[index])
            merkle.verify_inclusion(index, s, leaf, proof, r)
            with pytest.raises(merkle.ProofError):
                merkle.verify_inclusion(
                    index, s, flip(leaf, data.draw(st.integers(0, 255))), proof, r
                )
            if proof:
                j = data.draw(st.integers(0, len(proof) - 1))
                bad = [*proof[:j], flip(proof[j], data.draw(st.integers(0, 255))), *proof[j + 1 :]]
                with pytest.raises(merkle.ProofError):
                    merkle.verify_inclusion(index, s, leaf, bad, r)
    # consistency between every pair of checkpoints
    for a, (s1, r1) in enumerate(log.roots):
        for s2, r2 in log.roots[a:]:
            proof = merkle.consistency_proof(s1, s2, log.read)
            merkle.verify_consistency(s1, s2, proof, r1, r2)
            if proof:
                j = data.draw(st.integers(0, len(proof) - 1))
                bad = [*proof[:j], flip(proof[j], data.draw(st.integers(0, 255))), *proof[j + 1 :]]
                with pytest.raises(merkle.ProofError):
                    merkle.verify_consistency(s1, s2, bad, r1, r2)
    # one bit flipped in any served file fails the offline verification
    path = data.draw(st.sampled_from(sorted(files)))
    body = files[path]
    if path == "checkpoint":  # the signed text (the signature line's base64 padding bits
        body_len = len(body.split(b"\n\n")[0])  # may be ignored by decoders: not a change)
        bit = data.draw(st.integers(0, body_len * 8 - 1))
    else:
        bit = data.draw(st.integers(0, len(body) * 8 - 1))
    tampered = {**files, path: flip(body, bit)}
    with pytest.raises(VerificationFailed):
        verify_log(tampered.__getitem__, VERIFIER)


@FAST
@given(batches, st.data())
def test_random_appends_every_proof_verifies_and_any_bit_flip_fails(
    parts: list[list[bytes]], data: st.DataObject
) -> None:
    _check(parts, data)


@pytest.mark.chaos
@LONG
@given(st.lists(st.lists(entry, min_size=1, max_size=700), min_size=1, max_size=8), st.data())
def test_random_appends_long(parts: list[list[bytes]], data: st.DataObject) -> None:
    _check(parts, data)
