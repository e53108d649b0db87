"""Offline verification of a whole log served as C2SP tlog-tiles, trusting only the verifier
key: the checkpoint's signature, every entry against the signed root, every served hash tile,
consistency with a checkpoint seen before, and inclusion of chosen events.

Pure: the log is read through a `fetch(path) -> bytes` function (HTTP, a directory, a test
client), so this module never knows where the bytes come from."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import orjson

from tatamutasi_audit.ledger import merkle
from tatamutasi_audit.ledger.note import Checkpoint, NoteError, Verifier, open_checkpoint
from tatamutasi_audit.ledger.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    bundles_for_size,
    decode_bundle,
    tiles_for_size,
)

Fetch = Callable[[str], bytes]


class VerificationFailed(Exception):
    """The log does not verify. `alarm` marks a fork, rewrite or truncation: the log no
    longer extends a checkpoint this verifier saw before."""

    def __init__(self, message: str, *, alarm: bool = False) -> None:
        super().__init__(message)
        self.alarm = alarm


@dataclass
class LogReport:
    checkpoint: Checkpoint
    note: str
    previous_size: int | None = None
    included: dict[str, int] = field(default_factory=dict)  # event id -> leaf index
    tiles_checked: int = 0


def _leaves(fetch: Fetch, size: int) -> list[bytes]:
    entries: list[bytes] = []
    for ref in bundles_for_size(size):
        try:
            bundle = decode_bundle(fetch(ref.path()))
        except ValueError as exc:
            raise VerificationFailed(f"entry bundle {ref.path()} is malformed: {exc}") from None
        if len(bundle) != ref.width:
            raise VerificationFailed(
                f"entry bundle {ref.path()} has {len(bundle)} entries, want {ref.width}"
            )
        entries += bundle
    return entries


def verify_log(
    fetch: Fetch,
    verifier: Verifier,
    *,
    origin: str | None = None,
    previous_note: str | None = None,
    event_ids: Iterable[str] = (),
) -> LogReport:
    """Raises VerificationFailed with the first problem found."""
    try:
        note = fetch("checkpoint").decode("utf-8")
        checkpoint = open_checkpoint(note, verifier, origin)
    except (NoteError, UnicodeDecodeError) as exc:
        raise VerificationFailed(f"the checkpoint does not verify: {exc}") from None
    previous = None
    if previous_note is not None:
        try:
            previous = open_checkpoint(previous_note, verifier, origin)
        except NoteError as exc:
            raise VerificationFailed(f"the remembered checkpoint does not verify: {exc}") from None
    size = checkpoint.size
    report = LogReport(checkpoint, note, previous.size if previous else None)

    entries = _leaves(fetch, size)
    nodes = merkle.new_nodes(0, [merkle.leaf_hash(e) for e in entries], lambda ids: [])
    read: merkle.ReadNodes = lambda ids: [nodes[i] for i in ids]  # noqa: E731
    if merkle.root(size, read) != checkpoint.root:
        raise VerificationFailed(
            f"the {size} entries do not give the signed root: entries were edited, removed, "
            "reordered or inserted"
        )
    for ref in tiles_for_size(size):
        data = fetch(ref.path())
        level = TILE_HEIGHT * ref.level
        want = b"".join(nodes[(level, ref.index * TILE_WIDTH + i)] for i in range(ref.width))
        if data != want:
            raise VerificationFailed(f"hash tile {ref.path()} differs from the entries")
        report.tiles_checked += 1

    if previous is not None:
        if previous.size > size:
            raise VerificationFailed(
                f"ALARM: the log shrank from {previous.size} to {size} entries (truncated "
                "or rolled back)",
                alarm=True,
            )
        if previous.size > 0:
            proof = merkle.consistency_proof(previous.size, size, read)
            try:
                merkle.verify_consistency(
                    previous.size, size, proof, previous.root, checkpoint.root
                )
            except merkle.ProofError:
                raise VerificationFailed(
                    f"ALARM: the log of {size} entries does not extend the checkpoint of "
                    f"{previous.size} seen before (fork or rewritten history)",
                    alarm=True,
                ) from None

    wanted = set(event_ids)
    if wanted:
        for index, entry in enumerate(entries):
            try:
                event_id = orjson.loads(entry).get("id")
            except (orjson.JSONDecodeError, AttributeError):
                continue
            if event_id in wanted and event_id not in report.included:
                proof = merkle.inclusion_proof(index, size, read)
                merkle.verify_inclusion(
                    index, size, merkle.leaf_hash(entry), proof, checkpoint.root
                )
                report.included[event_id] = index
        missing = sorted(wanted - set(report.included))
        if missing:
            raise VerificationFailed(f"events not in the log: {', '.join(missing)}")
    return report
