"""Applying the SIASN `ref-unor` tree delivered by `pegawai.unor_synced` pages.

Pages are stored by `sync_id`; when the last one arrives, the whole tree is applied once,
parents before children, as new unit versions effective on the sync date. Units this
instansi's earlier syncs created that SIASN no longer lists are closed, unless someone
still holds a post there (they are kept and named in `formasi.unor_sync_applied`)."""

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts.formasi import FormasiUnorSyncApplied
from tatamutasi_contracts.pegawai import PegawaiUnorSynced, UnorRecord
from tatamutasi_formasi.adapters.orm import units, unor_sync_pages, unor_syncs
from tatamutasi_formasi.domain import tree
from tatamutasi_formasi.domain.codes import ESELON, infer_unit_type
from tatamutasi_formasi.service import units as units_svc
from tatamutasi_formasi.service.common import Emit, dumps, loads
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.consumer import HandlerRejected
from tatamutasi_platform.db import insert_missing
from tatamutasi_platform.errors import DomainError


@dataclass(frozen=True)
class SyncResult:
    units: int
    created: int
    updated: int
    closed: int
    kept_with_holders: tuple[str, ...]


async def receive_page(
    conn: AsyncConnection, emit: Emit, actor: str, page: PegawaiUnorSynced, on: date
) -> SyncResult | None:
    """Store one page; apply the sync when all its pages are in (once)."""
    if page.page > page.pages:
        raise HandlerRejected(f"page {page.page} of {page.pages} is out of range")
    await insert_missing(
        conn,
        unor_sync_pages,
        [
            {
                "sync_id": page.sync_id,
                "page": page.page,
                "pages": page.pages,
                "instansi_id": page.instansi_id,
                "units": dumps([u.model_dump(mode="json") for u in page.units]),
                "received_at": utcnow(),
            }
        ],
        key=["sync_id", "page"],
    )
    done = (
        await conn.execute(
            sa.select(unor_syncs.c.sync_id).where(unor_syncs.c.sync_id == page.sync_id)
        )
    ).first()
    if done is not None:
        return None
    rows = (
        await conn.execute(
            sa.select(unor_sync_pages).where(unor_sync_pages.c.sync_id == page.sync_id)
        )
    ).all()
    if len({r.page for r in rows}) < page.pages:
        return None
    records = [UnorRecord.model_validate(u) for r in rows for u in loads(r.units)]
    try:
        result = await apply(conn, emit, actor, page.instansi_id, records, on)
    except (tree.TreeError, DomainError) as exc:
        raise HandlerRejected(f"UNOR sync {page.sync_id} refused: {exc}") from None
    await conn.execute(
        unor_syncs.insert().values(
            sync_id=page.sync_id,
            instansi_id=page.instansi_id,
            applied_at=utcnow(),
            result=dumps(result.__dict__),
        )
    )
    await emit(
        FormasiUnorSyncApplied(
            sync_id=page.sync_id,
            instansi_id=page.instansi_id,
            units=result.units,
            created=result.created,
            updated=result.updated,
            closed=result.closed,
            kept_with_holders=list(result.kept_with_holders),
        ),
        page.sync_id,
    )
    return result


def _data(r: UnorRecord, known: set[str], instansi_id: str) -> units_svc.UnitData:
    return units_svc.UnitData(
        name=r.name,
        unit_type=infer_unit_type(r.name),
        parent_id=r.parent_id if r.parent_id and r.parent_id in known else None,
        eselon_id=r.eselon_id if r.eselon_id in ESELON else None,
        head_jabatan_name=r.head_jabatan_name,
        induk_id=r.induk_id or None,
        instansi_id=instansi_id,
    )


async def apply(
    conn: AsyncConnection,
    emit: Emit,
    actor: str,
    instansi_id: str,
    records: list[UnorRecord],
    on: date,
) -> SyncResult:
    by_id: dict[str, UnorRecord] = {}
    for r in records:
        by_id[r.id] = r
    order = tree.topological((r.id, r.parent_id or None) for r in by_id.values())
    latest = await units_svc.latest_all(conn)
    known = set(by_id) | {k for k, v in latest.items() if not v.closed}
    created = updated = 0
    for uid in order:
        r = by_id[uid]
        data = _data(r, known, instansi_id)
        cur = latest.get(uid)
        if cur is None:
            await units_svc.create(
                conn, emit, actor, units_svc.CreateUnit(uid, data, on), origin="siasn"
            )
            created += 1
            continue
        wanted: dict[str, Any] = {
            "name": data.name,
            "parent_id": data.parent_id,
            "eselon_id": data.eselon_id,
            "head_jabatan_name": data.head_jabatan_name,
            "induk_id": data.induk_id,
        }
        if cur.origin == "siasn" or cur.unit_type == "lainnya":
            wanted["unit_type"] = data.unit_type
        diff = {k: v for k, v in wanted.items() if getattr(cur, k) != v}
        if diff or cur.closed:
            await units_svc.change(
                conn,
                emit,
                actor,
                uid,
                units_svc.ChangeUnit(max(on, cur.valid_from), diff),
                origin="siasn",
                reopen=True,
            )
            updated += 1
    # units an earlier sync of this instansi brought in, now missing from SIASN
    gone = sorted(
        v.unit_id
        for v in latest.values()
        if v.origin == "siasn"
        and v.instansi_id == instansi_id
        and not v.closed
        and v.unit_id not in by_id
    )
    closed = 0
    kept: list[str] = []
    gone_set = set(gone)
    # close leaves first so that parents no longer have open children
    depth = {g: len(tree.ancestors(g, {k: v.parent_id for k, v in latest.items()})) for g in gone}
    for uid in sorted(gone, key=lambda g: -depth[g]):
        if await units_svc.active_holder_count(conn, uid):
            kept.append(uid)
            continue
        children = (
            await conn.execute(
                sa.select(units.c.unit_id).where(
                    units.c.parent_id == uid, units.c.valid_to.is_(None), units.c.closed.is_(False)
                )
            )
        ).all()
        if any(c.unit_id not in gone_set or c.unit_id in kept for c in children):
            kept.append(uid)
            continue
        cur = latest[uid]
        await units_svc.close(conn, emit, actor, uid, max(on, cur.valid_from), origin="siasn")
        closed += 1
    return SyncResult(len(by_id), created, updated, closed, tuple(sorted(kept)))
