"""Ledger exports an auditor can verify offline with only the verifier key.

An export is a folder (or the zip the API serves) with two files:

- `entries.jsonl` or `entries.csv`: one exported entry per line, in index order, with its
  ledger `index`, convenience columns (event id, source, sequence, type, subject, time,
  actor), its RFC 9162 `leaf_hash` (base64) and `entry`, the exact entry bytes as text
  (RFC 8785 JSON, so a JSON or CSV reader gives them back unchanged);
- `manifest.json`: the signed checkpoint (C2SP signed note) the export was made against,
  the query that selected the entries, and a *multi-inclusion proof*: the hashes of the
  largest subtrees of the RFC 9162 tree that hold no exported entry, left to right. With
  the exported leaves they rebuild the signed root, so one structure proves every exported
  entry (it is the union of the entries' inclusion proofs with the shared hashes written
  once; for a whole-log export it is empty).

`verify_export` checks the signature, every line (its columns against its entry bytes,
index order), and that the entries with the proof give the signed root: an edited, removed,
added or reordered line, a proof from another tree or a checkpoint under another key fails.
An export of a query proves that every line is in the log unchanged; that nothing matching
the query was left out is shown only for plain index ranges (no filters: the indexes must
be contiguous). Pure: files are read and written by the caller's paths only."""

import base64
import binascii
import bisect
import csv
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from tatamutasi_audit.ledger import merkle
from tatamutasi_audit.ledger.index_keys import recorded_time
from tatamutasi_audit.ledger.note import Checkpoint, NoteError, Verifier, open_checkpoint

FORMAT = "tatamutasi-ledger-export/1"
PROOF_TYPE = "rfc9162-multi-inclusion"
MANIFEST = "manifest.json"
ENTRY_FILES = {"jsonl": "entries.jsonl", "csv": "entries.csv"}
COLUMNS = (
    "index",
    "event_id",
    "source",
    "sequence",
    "type",
    "subject",
    "time",
    "actor",
    "leaf_hash",
    "entry",
)
RANGE_FILTERS = ("after", "before", "limit")


class ExportInvalid(Exception):
    """The export does not verify (or is not an export)."""


@dataclass(frozen=True)
class ExportRow:
    index: int
    event_id: str
    source: str
    sequence: int
    type: str
    subject: str | None
    time: str
    actor: str
    entry: bytes

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "event_id": self.event_id,
            "source": self.source,
            "sequence": self.sequence,
            "type": self.type,
            "subject": self.subject,
            "time": self.time,
            "actor": self.actor,
            "leaf_hash": base64.b64encode(merkle.leaf_hash(self.entry)).decode(),
            "entry": self.entry.decode("utf-8"),
        }


# -- the multi-inclusion proof ----------------------------------------------------------------
def _split(begin: int, end: int) -> int:
    return begin + (1 << ((end - begin - 1).bit_length() - 1))


def proof_ranges(indices: Sequence[int], size: int) -> list[tuple[int, int]]:
    """Leaf ranges [begin, end) of the largest RFC 9162 subtrees holding none of `indices`
    (sorted, unique, < size), left to right: what the proof holds the hashes of."""
    _check_indices(indices, size)
    out: list[tuple[int, int]] = []

    def walk(begin: int, end: int, lo: int, hi: int) -> None:
        if lo == hi:
            out.append((begin, end))
        elif end - begin > 1 and hi - lo < end - begin:
            mid_leaf = _split(begin, end)
            mid = bisect.bisect_left(indices, mid_leaf, lo, hi)
            walk(begin, mid_leaf, lo, mid)
            walk(mid_leaf, end, mid, hi)

    if size:
        walk(0, size, 0, len(indices))
    return out


def root_from_multiproof(
    size: int, indices: Sequence[int], leaf_hashes: Sequence[bytes], proof: Sequence[bytes]
) -> bytes:
    """The root the exported leaves (at `indices`) and the proof hashes give."""
    _check_indices(indices, size)
    if len(indices) != len(leaf_hashes):
        raise merkle.ProofError("one leaf hash per index")
    if size == 0:
        if proof:
            raise merkle.ProofError("a proof for the empty tree must be empty")
        return merkle.EMPTY_ROOT
    it = iter(proof)

    def mth(begin: int, end: int, lo: int, hi: int) -> bytes:
        if lo == hi:
            h = next(it, None)
            if h is None:
                raise merkle.ProofError("the proof has too few hashes")
            if len(h) != merkle.HASH_SIZE:
                raise merkle.ProofError(f"a proof hash has {len(h)} bytes")
            return h
        if hi - lo == end - begin:  # every leaf of this subtree is exported
            return merkle.root_from_leaf_hashes(leaf_hashes[lo:hi])
        mid_leaf = _split(begin, end)
        mid = bisect.bisect_left(indices, mid_leaf, lo, hi)
        return merkle.node_hash(mth(begin, mid_leaf, lo, mid), mth(mid_leaf, end, mid, hi))

    root = mth(0, size, 0, len(indices))
    if next(it, None) is not None:
        raise merkle.ProofError("the proof has too many hashes")
    return root


def _check_indices(indices: Sequence[int], size: int) -> None:
    for a, b in zip(indices, indices[1:], strict=False):
        if b <= a:
            raise merkle.ProofError("indexes must be strictly increasing")
    if indices and not (indices[0] >= 0 and indices[-1] < size):
        raise merkle.ProofError(f"indexes must lie inside the tree of {size}")


# -- writing ----------------------------------------------------------------------------------
def render_entries(rows: Iterable[ExportRow], fmt: str) -> bytes:
    if fmt == "jsonl":
        return b"".join(orjson.dumps(r.as_dict()) + b"\n" for r in rows)
    if fmt == "csv":
        buf = io.StringIO()
        # RFC 4180 line ends: with "\n" alone a CR inside a value went out unquoted and
        # split the row for every reader (the export then failed to verify)
        w = csv.writer(buf, lineterminator="\r\n")
        # imported here: the offline verifier (JSONL) must not load tatamutasi_platform
        from tatamutasi_platform import spreadsheets

        w.writerow(COLUMNS)
        for r in rows:
            d = r.as_dict()
            # text a spreadsheet would evaluate gets an apostrophe; `_rows` takes it off
            w.writerow(spreadsheets.csv_row(d[c] for c in COLUMNS))
        return buf.getvalue().encode("utf-8")
    raise ValueError(f"unknown export format {fmt!r}")


def build_export(
    rows: Sequence[ExportRow],
    *,
    fmt: str,
    checkpoint_note: str,
    checkpoint: Checkpoint,
    proof: Sequence[bytes],
    query: dict[str, Any],
    complete: bool,
    next_after: int | None,
    created_at: datetime,
) -> dict[str, bytes]:
    """The export's files by name."""
    manifest = {
        "format": FORMAT,
        "origin": checkpoint.origin,
        "checkpoint": checkpoint_note,
        "tree_size": checkpoint.size,
        "root": base64.b64encode(checkpoint.root).decode(),
        "entries_file": ENTRY_FILES[fmt],
        "entries_format": fmt,
        "count": len(rows),
        "first_index": rows[0].index if rows else None,
        "last_index": rows[-1].index if rows else None,
        "query": query,
        "complete": complete,
        "next_after": next_after,
        "proof": {"type": PROOF_TYPE, "hashes": [base64.b64encode(h).decode() for h in proof]},
        "created_at": created_at.isoformat(),
    }
    return {
        MANIFEST: orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n",
        ENTRY_FILES[fmt]: render_entries(rows, fmt),
    }


# -- verifying --------------------------------------------------------------------------------
@dataclass
class ExportReport:
    checkpoint: Checkpoint
    count: int
    entries_format: str
    query: dict[str, Any]
    first_index: int | None
    last_index: int | None
    contiguous: bool
    complete: bool
    indices: list[int] = field(default_factory=list, repr=False)


def _b64(text: Any, what: str) -> bytes:
    try:
        return base64.b64decode(str(text).encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise ExportInvalid(f"{what} is not base64") from None


def _read_lines(path: Path, fmt: str) -> Iterable[dict[str, Any]]:
    if fmt == "jsonl":
        with path.open("rb") as f:
            data = f.read()
        for n, line in enumerate(data.split(b"\n"), 1):
            if not line.strip():
                continue
            try:
                row = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise ExportInvalid(f"line {n} of {path.name} is not JSON") from None
            if type(row) is not dict:
                raise ExportInvalid(f"line {n} of {path.name} is not a JSON object")
            yield row
    else:
        from tatamutasi_platform import spreadsheets  # CSV only (see render_entries)

        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None or tuple(header) != COLUMNS:
                raise ExportInvalid(f"{path.name} does not have the columns {', '.join(COLUMNS)}")
            for cells in reader:
                if len(cells) != len(COLUMNS):
                    raise ExportInvalid(f"line {reader.line_num} of {path.name} has bad columns")
                cells = [spreadsheets.unneutralise(c) for c in cells]
                cell_row: dict[str, Any] = dict(zip(COLUMNS, cells, strict=True))
                cell_row["subject"] = cell_row["subject"] or None
                yield cell_row


def _same_time(column: Any, recorded: Any) -> bool:
    if column == recorded:
        return True
    try:
        return recorded_time(recorded) == column
    except ValueError:
        return False


_sha256 = hashlib.sha256
_b2a = binascii.b2a_base64


def _check_row(n: int, row: dict[str, Any]) -> tuple[int, bytes]:
    """The row's index and leaf hash, after checking its columns against its entry bytes."""
    try:
        index = int(row["index"])
        entry = row["entry"].encode("utf-8")
        env = orjson.loads(entry)
        leaf_b64 = row["leaf_hash"].encode("ascii")
    except (KeyError, ValueError, AttributeError, orjson.JSONDecodeError):
        raise ExportInvalid(f"line {n}: missing index, entry or leaf_hash") from None
    if type(env) is not dict:
        raise ExportInvalid(f"line {n}: the entry is not an event")
    leaf = _sha256(b"\x00" + entry).digest()  # merkle.leaf_hash, inlined: once per line
    if _b2a(leaf, newline=False) != leaf_b64:
        raise ExportInvalid(f"line {n} (index {index}): leaf_hash is not the entry's hash")
    get, rget = env.get, row.get
    actor = get("actor", "")
    if type(actor) is not str or len(actor) > 200:
        actor = str(actor)[:200]
    seq, env_seq = rget("sequence"), get("sequence")
    if (
        rget("event_id") != get("id")
        or rget("source") != get("source")
        or rget("type") != get("type")
        or rget("subject") != get("subject")
        or rget("actor") != actor
        or (
            not (type(seq) is int and type(env_seq) is int and seq == env_seq)
            and str(seq) != str(env_seq)
        )
        or not _same_time(rget("time"), get("time"))
    ):
        for name, key in _COLUMN_KEYS:
            column, recorded = row.get(name), get(key)
            if name == "sequence":
                column, recorded = str(column), str(recorded)
            if name == "time":
                if not _same_time(column, recorded):
                    break
            elif column != recorded:
                break
        raise ExportInvalid(
            f"line {n} (index {index}): column {name} ({column!r}) is not what the entry "
            f"records ({recorded!r})"
        )
    return index, leaf


_COLUMN_KEYS = (
    ("event_id", "id"),
    ("source", "source"),
    ("sequence", "sequence"),
    ("type", "type"),
    ("subject", "subject"),
    ("time", "time"),
    ("actor", "actor"),
)


def verify_export(folder: Path, verifier: Verifier, *, origin: str | None = None) -> ExportReport:
    """Raises ExportInvalid with the first problem found."""
    try:
        manifest = orjson.loads((folder / MANIFEST).read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ExportInvalid(f"no readable {MANIFEST} in {folder}: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ExportInvalid(f"{MANIFEST} is not a {FORMAT} manifest")
    try:
        cp = open_checkpoint(str(manifest.get("checkpoint")), verifier, origin)
    except NoteError as exc:
        raise ExportInvalid(f"the export's checkpoint does not verify: {exc}") from None
    if (
        manifest.get("tree_size") != cp.size
        or manifest.get("root") != base64.b64encode(cp.root).decode()
    ):
        raise ExportInvalid("the manifest's tree size or root is not the signed checkpoint's")
    fmt = manifest.get("entries_format")
    if fmt not in ENTRY_FILES or manifest.get("entries_file") != ENTRY_FILES[fmt]:
        raise ExportInvalid("the manifest names an unknown entries file or format")
    proof_doc = manifest.get("proof")
    if not isinstance(proof_doc, dict) or proof_doc.get("type") != PROOF_TYPE:
        raise ExportInvalid(f"the manifest has no {PROOF_TYPE} proof")
    proof = [_b64(h, "a proof hash") for h in proof_doc.get("hashes") or []]
    path = folder / ENTRY_FILES[fmt]
    if not path.is_file():
        raise ExportInvalid(f"{path.name} is missing")

    indices: list[int] = []
    leaves: list[bytes] = []
    last = -1
    for n, row in enumerate(_read_lines(path, fmt), 1):
        index, leaf = _check_row(n, row)
        if index <= last:
            raise ExportInvalid(f"line {n}: index {index} is not after {last} (reordered?)")
        if index >= cp.size:
            raise ExportInvalid(f"line {n}: index {index} is beyond the tree size {cp.size}")
        last = index
        indices.append(index)
        leaves.append(leaf)
    if len(indices) != manifest.get("count"):
        raise ExportInvalid(
            f"{path.name} has {len(indices)} entries, the manifest says {manifest.get('count')}"
        )
    try:
        root = root_from_multiproof(cp.size, indices, leaves, proof)
    except merkle.ProofError as exc:
        raise ExportInvalid(f"the proof does not fit the exported entries: {exc}") from None
    if root != cp.root:
        raise ExportInvalid(
            "the exported entries and the proof do not give the signed root: a line was "
            "edited, removed, added or reordered, or the proof is from another tree"
        )
    query = manifest.get("query") or {}
    contiguous = all(b == a + 1 for a, b in zip(indices, indices[1:], strict=False))
    plain_range = not any(k not in RANGE_FILTERS for k in query)
    if plain_range and not contiguous:
        raise ExportInvalid("an export of an index range must have every index in it")
    return ExportReport(
        checkpoint=cp,
        count=len(indices),
        entries_format=fmt,
        query=query,
        first_index=indices[0] if indices else None,
        last_index=indices[-1] if indices else None,
        contiguous=contiguous,
        complete=bool(manifest.get("complete", False)),
        indices=indices,
    )
