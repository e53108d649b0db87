"""The ledger's storage: appending consumed events as RFC 9162 leaves, signing a checkpoint
per batch, serving proofs, tiles and entries, and checking itself for tampering.

Appends read only the old tree's compact range (<= log2 n hashes) and write each new node
once; proofs read O(log n) node hashes. The tree math lives in `tatamutasi_audit.ledger`."""

import bisect
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_audit.adapters.orm import (
    ledger_checkpoints,
    ledger_entries,
    ledger_index_keys,
    ledger_mentions,
    ledger_nodes,
    ledger_tree,
)
from tatamutasi_audit.ledger import export, merkle
from tatamutasi_audit.ledger.index_keys import EntryFacts, facts_of_entry, index_keys
from tatamutasi_audit.ledger.note import Checkpoint, NoteError, open_checkpoint, sign_checkpoint
from tatamutasi_audit.ledger.tiles import MAX_ENTRY_SIZE, TileRef, encode_bundle, tile_node_range
from tatamutasi_audit.service import completeness
from tatamutasi_audit.service.keys import LedgerKeys, default_keys
from tatamutasi_contracts.envelope import format_time
from tatamutasi_platform.clock import as_utc, utcnow
from tatamutasi_platform.consumer import Event, HandlerRejected
from tatamutasi_platform.db import insert_missing
from tatamutasi_platform.runtime import Runtime

NODE_READ_CHUNK = 400


class LedgerCorrupt(RuntimeError):
    """A hash the tree needs is missing from storage."""


# -- appending -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Appended:
    count: int
    size: int
    root: bytes
    checkpoint: str | None
    # event id -> ledger index of each entry appended by this call (not the ones already there)
    indexes: dict[str, int] = field(default_factory=dict)


_LOCK_TREE = (
    sa.select(ledger_tree.c.size, ledger_tree.c.root).where(ledger_tree.c.id == 1).with_for_update()
)


async def _lock_tree(conn: AsyncConnection) -> tuple[int, bytes]:
    head = (await conn.execute(_LOCK_TREE)).first()
    if head is None:  # the first append ever: create the row (race-free), then lock it
        await insert_missing(
            conn, ledger_tree, [{"id": 1, "size": 0, "root": merkle.EMPTY_ROOT}], key=["id"]
        )
        head = (await conn.execute(_LOCK_TREE)).one()
    return int(head.size), bytes(head.root)


_PG_PRESENT = sa.text(
    "SELECT event_id FROM ledger_entries WHERE event_id = ANY(CAST(:ids AS varchar[]))"
)


async def _present(conn: AsyncConnection, ids: list[str]) -> set[str]:
    """Which of these event ids the ledger already holds. PostgreSQL: one array parameter
    (one statement text whatever the count, so no plan per IN-list length)."""
    if conn.dialect.name == "postgresql":
        return set((await conn.execute(_PG_PRESENT, {"ids": ids})).scalars())
    t = ledger_entries
    out: set[str] = set()
    for i in range(0, len(ids), 500):
        rows = await conn.execute(sa.select(t.c.event_id).where(t.c.event_id.in_(ids[i : i + 500])))
        out.update(rows.scalars())
    return out


_PG_NODES = (
    "SELECT n.level, n.idx, n.hash FROM ledger_nodes AS n "
    "JOIN unnest($1::smallint[], $2::bigint[]) AS w(level, idx) "
    "ON n.level = w.level AND n.idx = w.idx"
)
# an entry and the nodes of its proof in one statement (the inclusion proof's only query)
_PG_ENTRY_AND_NODES = (
    "SELECT -1 AS level, e.idx, e.entry AS hash, e.event_id, e.source, e.sequence, e.type, "
    "e.subject, e.time, e.actor, e.appended_at FROM ledger_entries AS e WHERE e.idx = $3 "
    "UNION ALL SELECT n.level, n.idx, n.hash, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL "
    "FROM ledger_nodes AS n JOIN unnest($1::smallint[], $2::bigint[]) AS w(level, idx) "
    "ON n.level = w.level AND n.idx = w.idx"
)


async def _pg_fetch(conn: AsyncConnection, sql: str, *args: Any) -> list[Any]:
    """One statement on the connection's asyncpg driver: no SQLAlchemy statement object,
    and outside a transaction no BEGIN/ROLLBACK round trips (inside one, it is part of
    it). Errors come back as SQLAlchemy's, like `_write_records`."""
    import asyncpg

    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    try:
        return list(await driver.fetch(sql, *args))
    except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError) as exc:
        raise sa.exc.OperationalError("fetch", None, exc) from exc
    except asyncpg.PostgresError as exc:
        raise sa.exc.DBAPIError("fetch", None, exc) from exc


async def _select_nodes(
    conn: AsyncConnection, ids: Sequence[merkle.NodeID]
) -> dict[merkle.NodeID, bytes]:
    """One query. PostgreSQL: a join with two arrays, one statement text whatever the
    count (prepared once per connection, primary-key lookups). SQLite:
    `(level = l AND idx IN (...)) OR ...`, each term on the primary key (a row-value IN
    does not use it on SQLite)."""
    if conn.dialect.name == "postgresql":
        rows = await _pg_fetch(conn, _PG_NODES, [lv for lv, _ in ids], [ix for _, ix in ids])
        return {(r[0], r[1]): r[2] for r in rows}
    by_level: dict[int, list[int]] = {}
    for level, idx in ids:
        by_level.setdefault(level, []).append(idx)
    n = ledger_nodes
    terms = [sa.and_(n.c.level == lv, n.c.idx.in_(ix)) for lv, ix in sorted(by_level.items())]
    rows = await conn.execute(sa.select(n.c.level, n.c.idx, n.c.hash).where(sa.or_(*terms)))
    return {(int(r.level), int(r.idx)): bytes(r.hash) for r in rows}


async def read_nodes(conn: AsyncConnection, ids: Sequence[merkle.NodeID]) -> list[bytes]:
    """Stored node hashes in the order asked; LedgerCorrupt if one is missing."""
    got: dict[merkle.NodeID, bytes] = {}
    unique = list(dict.fromkeys(ids))
    for i in range(0, len(unique), NODE_READ_CHUNK):
        got.update(await _select_nodes(conn, unique[i : i + NODE_READ_CHUNK]))
    missing = [i for i in unique if i not in got]
    if missing:
        raise LedgerCorrupt(f"tree nodes missing from storage: {missing[:5]}")
    return [got[i] for i in ids]


# column order of ledger_entries rows as the append COPYs them (the bench's loader too)
ENTRY_COLUMNS = (
    "idx",
    "event_id",
    "source",
    "sequence",
    "type",
    "subject",
    "time",
    "actor",
    "entry",
    "appended_at",
)


async def _write_records(
    conn: AsyncConnection,
    table: sa.Table,
    columns: Sequence[str],
    records: Sequence[tuple[Any, ...]],
) -> None:
    """Insert many rows (tuples in `columns` order) in the caller's transaction: `COPY` on
    PostgreSQL (asyncpg; several times faster than an executemany INSERT), `executemany`
    elsewhere. Errors come back as SQLAlchemy's, so the consumer still retries an outage
    and refuses a bad batch."""
    if not records:
        return
    if conn.dialect.name != "postgresql":
        await conn.execute(table.insert(), [dict(zip(columns, r, strict=True)) for r in records])
        return
    import asyncpg

    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    try:
        await driver.copy_records_to_table(table.name, records=records, columns=list(columns))
    except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError) as exc:
        raise sa.exc.OperationalError(f"COPY {table.name}", None, exc) from exc
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise sa.exc.IntegrityError(f"COPY {table.name}", None, exc) from exc
    except asyncpg.PostgresError as exc:
        raise sa.exc.DBAPIError(f"COPY {table.name}", None, exc) from exc


def _reader(known: dict[merkle.NodeID, bytes]) -> merkle.ReadNodes:
    return lambda ids: [known[i] for i in ids]


async def append(
    conn: AsyncConnection, events: Sequence[Event], keys: LedgerKeys | None = None
) -> Appended:
    """Append events not yet in the ledger (idempotent by event id), ordered by producer and
    sequence, then sign a checkpoint of the new tree. Runs inside the caller's transaction."""
    keys = keys or default_keys()
    forget_head()
    size, root = await _lock_tree(conn)
    if not events:
        return Appended(0, size, root, None)
    unique = {e.envelope.id: e for e in events}
    present = await _present(conn, list(unique))
    fresh = sorted(
        (e for i, e in unique.items() if i not in present),
        key=lambda e: (e.envelope.source, e.envelope.sequence, e.envelope.id),
    )
    if not fresh:
        return Appended(0, size, root, None)
    now = utcnow()
    # plain tuples in the tables' column order (no dict or ORM object per entry)
    rows: list[tuple[Any, ...]] = []
    mentions: list[tuple[Any, ...]] = []
    keyed: list[tuple[Any, ...]] = []
    leaves: list[bytes] = []
    entry_of = keys.pseudonymiser.entry
    leaf_hash = merkle.leaf_hash
    for index, ev in enumerate(fresh, start=size):
        # `mentioned`: every pseudonym in the entry (what the self-check recomputes);
        # `entry`: its RFC 8785 bytes (`entry_bytes(pseudo)`)
        pseudo, mentioned, entry = entry_of(orjson.loads(ev.raw))
        if len(entry) > MAX_ENTRY_SIZE:
            raise HandlerRejected(
                f"the ledger entry has {len(entry)} bytes; tlog-tiles allows {MAX_ENTRY_SIZE}"
            )
        env = ev.envelope
        rows.append(
            (
                index,
                env.id,
                env.source,
                env.sequence,
                env.type,
                pseudo.get("subject"),
                format_time(env.time),
                str(pseudo.get("actor", env.actor))[:200],
                entry,
                now,
            )
        )
        mentions += [(p, index) for p in sorted(mentioned)]
        keyed += [(k, v, index) for k, v in sorted(index_keys(pseudo))]
        leaves.append(leaf_hash(entry))
    border = merkle.range_nodes(0, size)
    known = dict(zip(border, await read_nodes(conn, border), strict=True))
    new = merkle.new_nodes(size, leaves, _reader(known))
    new_size = size + len(fresh)
    new_root = merkle.root(new_size, _reader({**known, **new}))
    await _write_records(conn, ledger_entries, ENTRY_COLUMNS, rows)
    await _write_records(
        conn, ledger_nodes, ("level", "idx", "hash"), [(lv, ix, h) for (lv, ix), h in new.items()]
    )
    await _write_records(conn, ledger_mentions, ("pseudonym", "idx"), mentions)
    await _write_records(conn, ledger_index_keys, ("kind", "value", "idx"), keyed)
    note = sign_checkpoint(Checkpoint(keys.origin, new_size, new_root), keys.signer)
    await conn.execute(
        ledger_checkpoints.insert().values(size=new_size, root=new_root, note=note, created_at=now)
    )
    await conn.execute(
        sa.update(ledger_tree).where(ledger_tree.c.id == 1).values(size=new_size, root=new_root)
    )
    seen: dict[str, int] = {}
    for ev in fresh:
        seen[ev.envelope.source] = max(seen.get(ev.envelope.source, 0), ev.envelope.sequence)
    await completeness.advance(conn, seen)
    indexes = {ev.envelope.id: i for i, ev in enumerate(fresh, start=size)}
    return Appended(len(fresh), new_size, new_root, note, indexes)


# -- reading ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TreeHead:
    size: int
    root: bytes
    note: str | None  # the signed checkpoint of this size


async def head(conn: AsyncConnection) -> TreeHead:
    """The latest signed checkpoint (size 0 and no note before the first append)."""
    c = ledger_checkpoints
    row = (await conn.execute(sa.select(c).order_by(c.c.size.desc()).limit(1))).first()
    if row is None:
        return TreeHead(0, merkle.EMPTY_ROOT, None)
    return TreeHead(int(row.size), bytes(row.root), row.note)


# The latest checkpoint, cached per runtime for the read API. Every append in this process
# drops it (`forget_head`: when it starts and, from the consumer, after its commit); another
# instance's appends show within HEAD_TTL_S. A cached head is always a checkpoint the log
# signed and published, so a proof against it is valid, at worst a moment old.
HEAD_TTL_S = 1.0
_HEAD_KEY = "ledger_head"
_generation = [0]


def forget_head() -> None:
    _generation[0] += 1


async def current_head(runtime: Runtime) -> TreeHead:
    cached = runtime.extras.get(_HEAD_KEY)
    now = time.monotonic()
    if isinstance(cached, tuple) and cached[0] == _generation[0] and now - cached[1] < HEAD_TTL_S:
        return cached[2]
    generation = _generation[0]
    async with runtime.engine.connect() as conn:
        latest = await head(conn)
    runtime.extras[_HEAD_KEY] = (generation, now, latest)
    return latest


async def checkpoints(conn: AsyncConnection, *, after: int, limit: int) -> list[TreeHead]:
    c = ledger_checkpoints
    rows = await conn.execute(sa.select(c).where(c.c.size > after).order_by(c.c.size).limit(limit))
    return [TreeHead(int(r.size), bytes(r.root), r.note) for r in rows]


async def root_at(conn: AsyncConnection, size: int) -> bytes:
    nodes = merkle.range_nodes(0, size)
    return merkle.fold_right(await read_nodes(conn, nodes)) if nodes else merkle.EMPTY_ROOT


async def inclusion_proof(conn: AsyncConnection, index: int, size: int) -> list[bytes]:
    ids = merkle.inclusion_node_ids(index, size)
    known = dict(zip(ids, await read_nodes(conn, ids), strict=True))
    return merkle.inclusion_proof(index, size, _reader(known))


async def entry_and_inclusion_proof(
    conn: AsyncConnection, index: int, size: int
) -> tuple["LedgerEntry | None", list[bytes]]:
    """The entry at `index` (None if it is not stored) and its inclusion proof in the tree
    of `size`; on PostgreSQL from one query. LedgerCorrupt if a node is missing."""
    ids = merkle.inclusion_node_ids(index, size)
    if conn.dialect.name != "postgresql" or len(ids) > NODE_READ_CHUNK:
        return await entry_at(conn, index), await inclusion_proof(conn, index, size)
    rows = await _pg_fetch(
        conn, _PG_ENTRY_AND_NODES, [lv for lv, _ in ids], [ix for _, ix in ids], index
    )
    found: LedgerEntry | None = None
    got: dict[merkle.NodeID, bytes] = {}
    for r in rows:
        if r[0] < 0:
            found = LedgerEntry(r[1], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[2], as_utc(r[10]))
        else:
            got[(r[0], r[1])] = r[2]
    missing = [i for i in ids if i not in got]
    if missing:
        raise LedgerCorrupt(f"tree nodes missing from storage: {missing[:5]}")
    return found, merkle.inclusion_proof(index, size, _reader(got))


async def consistency_proof(conn: AsyncConnection, size1: int, size2: int) -> list[bytes]:
    ids = merkle.consistency_node_ids(size1, size2)
    known = dict(zip(ids, await read_nodes(conn, ids), strict=True))
    return merkle.consistency_proof(size1, size2, _reader(known))


async def multi_inclusion_proof(
    conn: AsyncConnection, indices: Sequence[int], size: int
) -> list[bytes]:
    """The export proof of the entries at `indices` in the tree of `size`
    (`ledger.export.proof_ranges`): O(k log n) stored hashes for k entries."""
    ranges = export.proof_ranges(indices, size)
    ids = merkle.range_node_ids(ranges)
    known = dict(zip(ids, await read_nodes(conn, ids), strict=True))
    return merkle.range_hashes(ranges, _reader(known))


async def old_root_and_consistency_proof(
    conn: AsyncConnection, size1: int, size2: int
) -> tuple[bytes, list[bytes]]:
    """The root of the tree of `size1` and its consistency proof to `size2`, from one read
    of the stored nodes both need."""
    border = merkle.range_nodes(0, size1)
    ids = list(dict.fromkeys([*border, *merkle.consistency_node_ids(size1, size2)]))
    known = dict(zip(ids, await read_nodes(conn, ids), strict=True))
    return merkle.fold_right([known[i] for i in border]), merkle.consistency_proof(
        size1, size2, _reader(known)
    )


async def hash_tile(conn: AsyncConnection, ref: TileRef) -> bytes:
    level, first, count = tile_node_range(ref)
    n = ledger_nodes
    rows = (
        await conn.execute(
            sa.select(n.c.idx, n.c.hash)
            .where(n.c.level == level, n.c.idx >= first, n.c.idx < first + count)
            .order_by(n.c.idx)
        )
    ).all()
    if [int(r.idx) for r in rows] != list(range(first, first + count)):
        raise LedgerCorrupt(f"tile {ref.path()} has missing hashes")
    return b"".join(bytes(r.hash) for r in rows)


async def entry_bundle(conn: AsyncConnection, ref: TileRef) -> bytes:
    first = ref.index * 256
    t = ledger_entries
    rows = (
        await conn.execute(
            sa.select(t.c.idx, t.c.entry)
            .where(t.c.idx >= first, t.c.idx < first + ref.width)
            .order_by(t.c.idx)
        )
    ).all()
    if [int(r.idx) for r in rows] != list(range(first, first + ref.width)):
        raise LedgerCorrupt(f"entry bundle {ref.path()} has missing entries")
    return encode_bundle([bytes(r.entry) for r in rows])


@dataclass(frozen=True)
class LedgerEntry:
    index: int
    event_id: str
    source: str
    sequence: int
    type: str
    subject: str | None
    time: str
    actor: str
    entry: bytes
    appended_at: datetime


def _entry(r: Any) -> LedgerEntry:
    return LedgerEntry(
        int(r.idx),
        r.event_id,
        r.source,
        int(r.sequence),
        r.type,
        r.subject,
        r.time,
        r.actor,
        bytes(r.entry),
        as_utc(r.appended_at),
    )


async def entries(
    conn: AsyncConnection,
    *,
    after: int,
    limit: int,
    event_type: str | None = None,
    source: str | None = None,
    before: int | None = None,
    pseudonym: str | None = None,
    actor: str | None = None,
    subject: str | None = None,
    time_from: str | None = None,
    time_to: str | None = None,
    keys: dict[str, str] | None = None,
) -> list[LedgerEntry]:
    """Entries in index order after `after`; `time_from`/`time_to` are RFC 3339 UTC texts
    as `format_time` writes them (so they compare as text), `time_to` exclusive; `keys`:
    index keys the entry must have (kind -> value, kinds of `ledger.index_keys`)."""
    t = ledger_entries
    stmt = sa.select(t).where(t.c.idx > after).order_by(t.c.idx).limit(limit)
    if before is not None:
        stmt = stmt.where(t.c.idx < before)
    if actor:
        stmt = stmt.where(t.c.actor == actor)
    if subject:
        stmt = stmt.where(t.c.subject == subject)
    if time_from:
        stmt = stmt.where(t.c.time >= time_from)
    if time_to:
        stmt = stmt.where(t.c.time < time_to)
    if event_type:
        stmt = stmt.where(t.c.type == event_type)
    if source:
        stmt = stmt.where(t.c.source == source)
    if pseudonym:
        m = ledger_mentions
        stmt = stmt.where(t.c.idx.in_(sa.select(m.c.idx).where(m.c.pseudonym == pseudonym)))
    k = ledger_index_keys
    for kind, value in sorted((keys or {}).items()):
        stmt = stmt.where(
            t.c.idx.in_(sa.select(k.c.idx).where(k.c.kind == kind, k.c.value == value))
        )
    return [_entry(r) for r in (await conn.execute(stmt)).all()]


async def entry_at(conn: AsyncConnection, index: int) -> LedgerEntry | None:
    t = ledger_entries
    row = (await conn.execute(sa.select(t).where(t.c.idx == index))).first()
    return _entry(row) if row is not None else None


async def entry_by_event_id(conn: AsyncConnection, event_id: str) -> LedgerEntry | None:
    t = ledger_entries
    row = (await conn.execute(sa.select(t).where(t.c.event_id == event_id))).first()
    return _entry(row) if row is not None else None


# -- self-check ------------------------------------------------------------------------------
@dataclass
class Verification:
    """What the self-check found. `consistent` is False on any problem."""

    size: int
    root: str
    checkpoints: int
    problems: list[str] = field(default_factory=list)
    first_bad_index: int | None = None
    flagged: set[merkle.NodeID] = field(default_factory=set, repr=False)

    @property
    def consistent(self) -> bool:
        return not self.problems

    def bad(self, message: str, index: int | None = None) -> None:
        if len(self.problems) < 50:
            self.problems.append(message)
        if index is not None and (self.first_bad_index is None or index < self.first_bad_index):
            self.first_bad_index = index


async def verify(
    conn: AsyncConnection, keys: LedgerKeys | None = None, batch: int = 4096
) -> Verification:
    """Recompute the whole tree from the stored entry bytes and compare it with the stored
    hashes, the tree head and every signed checkpoint. Detects edited, deleted, reordered,
    inserted and truncated entries, and edited, deleted or inserted hashes."""
    keys = keys or default_keys()
    tree = (await conn.execute(sa.select(ledger_tree))).first()
    size, root = (int(tree.size), bytes(tree.root)) if tree else (0, merkle.EMPTY_ROOT)
    cps = (
        await conn.execute(sa.select(ledger_checkpoints).order_by(ledger_checkpoints.c.size))
    ).all()
    report = Verification(size, root.hex(), len(cps))
    want_roots: dict[int, bytes] = {}
    for cp in cps:
        try:
            parsed = open_checkpoint(cp.note, keys.verifier, keys.origin)
        except NoteError as exc:
            report.bad(f"checkpoint {cp.size}: {exc}")
            continue
        if parsed.size != cp.size or parsed.root != bytes(cp.root):
            report.bad(f"checkpoint {cp.size}: stored size/root differ from the signed note")
        want_roots[parsed.size] = parsed.root
    if cps and (int(cps[-1].size) != size or bytes(cps[-1].root) != root):
        report.bad("the tree head is not the latest signed checkpoint")

    t = ledger_entries
    count = (await conn.execute(sa.select(sa.func.count()).select_from(t))).scalar_one()
    if count != size:
        report.bad(f"{count} entries stored for a tree of {size}")
    border: dict[merkle.NodeID, bytes] = {}
    expected = 0
    stops = sorted(s for s in want_roots if s > 0)
    while True:
        rows = (
            await conn.execute(
                sa.select(t).where(t.c.idx >= expected).order_by(t.c.idx).limit(batch)
            )
        ).all()
        if not rows:
            break
        hashes = []
        for r in rows:
            if int(r.idx) != expected:
                report.bad(f"entry {expected} is missing (next stored: {r.idx})", expected)
                break
            hashes.append(merkle.leaf_hash(bytes(r.entry)))
            expected += 1
        start = expected - len(hashes)
        if not hashes:
            break
        await _compare_query_rows(conn, rows[: len(hashes)], report)
        new = merkle.new_nodes(start, hashes, _reader(border))
        await _compare_nodes(conn, new, report)
        known = {**border, **new}
        # every checkpoint inside this chunk: its root from the recomputed nodes
        lo, hi = bisect.bisect_right(stops, start), bisect.bisect_right(stops, expected)
        for cp_size in stops[lo:hi]:
            if merkle.root(cp_size, _reader(known)) != want_roots[cp_size]:
                report.bad(f"the entries do not give checkpoint {cp_size}'s signed root")
        border = {n: known[n] for n in merkle.range_nodes(0, expected)}
        if len(hashes) < len(rows):
            break
    if expected < size:
        report.bad(f"entries {expected}..{size - 1} are missing", expected)
    elif expected == size and merkle.root(expected, _reader(border)) != root:
        report.bad("the entries do not give the stored root")
    for table in (ledger_index_keys, ledger_mentions):
        stray = (
            await conn.execute(
                sa.select(table.c.idx)
                .distinct()
                .where(sa.or_(table.c.idx >= expected, table.c.idx < 0))
                .order_by(table.c.idx)
                .limit(5)
            )
        ).scalars()
        for index in stray:
            report.bad(f"index rows point at entry {index}, which is not stored", int(index))
    beyond = (
        await conn.execute(sa.select(sa.func.count()).select_from(t).where(t.c.idx >= size))
    ).scalar_one()
    if beyond:
        report.bad(f"{beyond} entries stored beyond the tree size {size}", size)
    want_nodes = sum(size >> level for level in range(max(size.bit_length(), 1)))
    n_nodes = (
        await conn.execute(sa.select(sa.func.count()).select_from(ledger_nodes))
    ).scalar_one()
    if n_nodes != want_nodes:
        report.bad(f"{n_nodes} node hashes stored, a tree of {size} has {want_nodes}")
    return report


_COLUMNS = ("event_id", "source", "sequence", "type", "subject", "time", "actor")


async def _compare_query_rows(
    conn: AsyncConnection, rows: Sequence[Any], report: Verification
) -> None:
    """The query columns and index rows (units, rounds, flags, proposals, pseudonyms) of
    entries [first, last] must be what their entry bytes say: an edited or deleted index
    row would hide an entry from an auditor's query without touching the tree."""
    first, last = int(rows[0].idx), int(rows[-1].idx)
    k, m = ledger_index_keys, ledger_mentions
    stored_keys: dict[int, set[tuple[str, str]]] = {}
    for r in await conn.execute(
        sa.select(k.c.idx, k.c.kind, k.c.value).where(k.c.idx >= first, k.c.idx <= last)
    ):
        stored_keys.setdefault(int(r.idx), set()).add((r.kind, r.value))
    stored_mentions: dict[int, set[str]] = {}
    for mr in await conn.execute(
        sa.select(m.c.idx, m.c.pseudonym).where(m.c.idx >= first, m.c.idx <= last)
    ):
        stored_mentions.setdefault(int(mr.idx), set()).add(mr.pseudonym)
    for r in rows:
        index = int(r.idx)
        try:
            facts: EntryFacts = facts_of_entry(bytes(r.entry))
        except ValueError as exc:
            report.bad(f"entry {index} is not a readable event: {exc}", index)
            continue
        wrong = [c for c in _COLUMNS if getattr(facts, c) != getattr(r, c)]
        if wrong:
            report.bad(f"entry {index}: stored {', '.join(wrong)} differ from the entry", index)
        if stored_keys.pop(index, set()) != set(facts.keys):
            report.bad(
                f"entry {index}: its unit/round/flag/proposal index rows were changed", index
            )
        if stored_mentions.pop(index, set()) != set(facts.mentions):
            report.bad(f"entry {index}: its pseudonym index rows were changed", index)
    for index in sorted({*stored_keys, *stored_mentions}):
        report.bad(f"index rows point at entry {index}, which is not stored", index)


async def _compare_nodes(
    conn: AsyncConnection, computed: dict[merkle.NodeID, bytes], report: Verification
) -> None:
    """Leaves: stored = SHA-256(0x00 || stored entry). Interior nodes: stored = hash of the
    stored children (reported only where the children themselves are sound, so the report
    points at the tampered place, not at every ancestor)."""
    ids = set(computed)
    ids |= {(lv - 1, 2 * ix + k) for lv, ix in computed if lv > 0 for k in (0, 1)}
    wanted = sorted(ids)
    stored: dict[merkle.NodeID, bytes] = {}
    for i in range(0, len(wanted), NODE_READ_CHUNK):
        stored.update(await _select_nodes(conn, wanted[i : i + NODE_READ_CHUNK]))
    for level, idx in sorted(computed):
        got = stored.get((level, idx))
        if got is None:
            report.flagged.add((level, idx))
            report.bad(f"node ({level}, {idx}) hash is missing", idx << level)
            continue
        if level == 0:
            if got != computed[(0, idx)]:
                report.flagged.add((0, idx))
                report.bad(f"node (0, {idx}) hash does not match entry {idx}", idx)
            continue
        left, right = (level - 1, 2 * idx), (level - 1, 2 * idx + 1)
        if left in report.flagged or right in report.flagged:
            report.flagged.add((level, idx))
            continue
        if got != merkle.node_hash(stored[left], stored[right]):
            report.flagged.add((level, idx))
            report.bad(f"node ({level}, {idx}) hash is not the hash of its children", idx << level)


async def mention_count(conn: AsyncConnection, pseudonym: str) -> int:
    m = ledger_mentions
    stmt = sa.select(sa.func.count()).select_from(m).where(m.c.pseudonym == pseudonym)
    return int((await conn.execute(stmt)).scalar_one())


async def ensure_genesis_checkpoint(conn: AsyncConnection, keys: LedgerKeys) -> None:
    """Publish a signed checkpoint of the empty tree, so clients always find one."""
    note = sign_checkpoint(Checkpoint(keys.origin, 0, merkle.EMPTY_ROOT), keys.signer)
    await insert_missing(
        conn,
        ledger_checkpoints,
        [{"size": 0, "root": merkle.EMPTY_ROOT, "note": note, "created_at": utcnow()}],
        key=["size"],
    )
