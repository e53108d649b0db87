"""Appending consumed events to the ledger, reading and checking it."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_audit.adapters.orm import ledger_entries, ledger_head
from tatamutasi_audit.ledger.chain import GENESIS, entry_bytes, next_chain
from tatamutasi_platform.clock import as_utc, utcnow
from tatamutasi_platform.consumer import Event
from tatamutasi_platform.db import insert_missing


async def append(conn: AsyncConnection, events: Sequence[Event]) -> int:
    """Append events (already de-duplicated by the consumer) in the order given."""
    if not events:
        return 0
    await insert_missing(conn, ledger_head, [{"id": 1, "size": 0, "head": GENESIS}], key=["id"])
    head = (
        await conn.execute(
            sa.select(ledger_head.c.size, ledger_head.c.head)
            .where(ledger_head.c.id == 1)
            .with_for_update()
        )
    ).one()
    size, prev = int(head.size), bytes(head.head)
    now = utcnow()
    rows = []
    for ev in events:
        env = ev.envelope
        entry = entry_bytes(orjson.loads(ev.raw))
        prev = next_chain(prev, entry)
        rows.append(
            {
                "idx": size,
                "event_id": env.id,
                "source": env.source,
                "sequence": env.sequence,
                "type": env.type,
                "subject": env.subject,
                "time": ev.envelope.model_dump(mode="json")["time"],
                "actor": env.actor,
                "entry": entry,
                "chain_hash": prev,
                "appended_at": now,
            }
        )
        size += 1
    await conn.execute(ledger_entries.insert(), rows)
    await conn.execute(
        sa.update(ledger_head).where(ledger_head.c.id == 1).values(size=size, head=prev)
    )
    return len(rows)


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
    chain_hash: bytes
    appended_at: datetime


async def entries(
    conn: AsyncConnection,
    *,
    after: int,
    limit: int,
    event_type: str | None = None,
    source: str | None = None,
) -> list[LedgerEntry]:
    t = ledger_entries
    stmt = sa.select(t).where(t.c.idx > after).order_by(t.c.idx).limit(limit)
    if event_type:
        stmt = stmt.where(t.c.type == event_type)
    if source:
        stmt = stmt.where(t.c.source == source)
    return [
        LedgerEntry(
            r.idx,
            r.event_id,
            r.source,
            r.sequence,
            r.type,
            r.subject,
            r.time,
            r.actor,
            bytes(r.entry),
            bytes(r.chain_hash),
            as_utc(r.appended_at),
        )
        for r in (await conn.execute(stmt)).all()
    ]


@dataclass(frozen=True)
class Verification:
    size: int
    head: str
    consistent: bool
    first_bad_index: int | None


async def verify(conn: AsyncConnection, batch: int = 5000) -> Verification:
    """Recompute the chain from the stored entries and compare with the stored hashes."""
    t = ledger_entries
    head = (await conn.execute(sa.select(ledger_head))).first()
    size, stored_head = (int(head.size), bytes(head.head)) if head else (0, GENESIS)
    prev, index, bad = GENESIS, 0, None
    while True:
        rows = (
            await conn.execute(
                sa.select(t.c.idx, t.c.entry, t.c.chain_hash)
                .where(t.c.idx >= index)
                .order_by(t.c.idx)
                .limit(batch)
            )
        ).all()
        if not rows:
            break
        for r in rows:
            prev = next_chain(prev, bytes(r.entry))
            if r.idx != index or prev != bytes(r.chain_hash):
                bad = index
                break
            index += 1
        if bad is not None:
            break
    if bad is None and (index != size or prev != stored_head):
        bad = min(index, size)
    return Verification(size, stored_head.hex(), bad is None, bad)
