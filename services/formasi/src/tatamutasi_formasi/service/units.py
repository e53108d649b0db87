"""Unit tree (UNOR) use cases. Every change is a new effective-dated version, so the tree
as it was on any date can be read back ("as of"), and a past placement resolves to the unit
as it was then. Nothing is deleted."""

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts.formasi import FormasiUnitChanged, UnitChange
from tatamutasi_formasi.adapters.orm import holders, needs, units
from tatamutasi_formasi.domain import tree
from tatamutasi_formasi.domain.codes import ESELON, UNIT_TYPES
from tatamutasi_formasi.service.common import Emit, dumps, loads, valid_at
from tatamutasi_platform.clock import as_utc, utcnow
from tatamutasi_platform.errors import Conflict, Invalid, NotFound


@dataclass(frozen=True)
class UnitVersion:
    unit_id: str
    valid_from: date
    valid_to: date | None
    name: str
    parent_id: str | None
    unit_type: str
    eselon_id: str | None
    head_jabatan_name: str | None
    induk_id: str | None
    instansi_id: str | None
    closed: bool
    successor_id: str | None
    predecessor_ids: tuple[str, ...]
    change: str
    origin: str
    version: int
    created_at: datetime
    created_by: str


def _version(row: Any) -> UnitVersion:
    m = row._mapping
    return UnitVersion(
        m["unit_id"],
        m["valid_from"],
        m["valid_to"],
        m["name"],
        m["parent_id"],
        m["unit_type"],
        m["eselon_id"],
        m["head_jabatan_name"],
        m["induk_id"],
        m["instansi_id"],
        bool(m["closed"]),
        m["successor_id"],
        tuple(loads(m["predecessor_ids"]) or ()),
        m["change"],
        m["origin"],
        m["version"],
        as_utc(m["created_at"]),
        m["created_by"],
    )


@dataclass(frozen=True)
class UnitData:
    """The editable attributes of a unit."""

    name: str
    unit_type: str
    parent_id: str | None = None
    eselon_id: str | None = None
    head_jabatan_name: str | None = None
    induk_id: str | None = None
    instansi_id: str | None = None


@dataclass(frozen=True)
class CreateUnit:
    unit_id: str
    data: UnitData
    valid_from: date


@dataclass(frozen=True)
class ChangeUnit:
    """Only the fields given change; `valid_from` is when the change takes effect."""

    valid_from: date
    changes: dict[str, Any] = field(default_factory=dict)


# -- reads ----------------------------------------------------------------------------------
async def current(conn: AsyncConnection, unit_id: str) -> UnitVersion | None:
    row = (
        await conn.execute(
            sa.select(units).where(units.c.unit_id == unit_id, units.c.valid_to.is_(None))
        )
    ).first()
    return _version(row) if row else None


async def as_of(conn: AsyncConnection, unit_id: str, on: date) -> UnitVersion | None:
    row = (
        await conn.execute(sa.select(units).where(units.c.unit_id == unit_id, valid_at(units, on)))
    ).first()
    return _version(row) if row else None


async def history(conn: AsyncConnection, unit_id: str) -> list[UnitVersion]:
    rows = await conn.execute(
        sa.select(units).where(units.c.unit_id == unit_id).order_by(units.c.valid_from)
    )
    return [_version(r) for r in rows]


async def snapshot(
    conn: AsyncConnection, on: date, *, include_closed: bool = False
) -> dict[str, UnitVersion]:
    stmt = sa.select(units).where(valid_at(units, on))
    if not include_closed:
        stmt = stmt.where(units.c.closed.is_(False))
    return {v.unit_id: v for v in (_version(r) for r in await conn.execute(stmt))}


async def latest_all(conn: AsyncConnection) -> dict[str, UnitVersion]:
    rows = await conn.execute(sa.select(units).where(units.c.valid_to.is_(None)))
    return {v.unit_id: v for v in (_version(r) for r in rows)}


async def active_holder_count(conn: AsyncConnection, unit_id: str) -> int:
    return int(
        (
            await conn.execute(
                sa.select(sa.func.count()).where(
                    holders.c.unor_id == unit_id, holders.c.active.is_(True)
                )
            )
        ).scalar_one()
    )


# -- validation -----------------------------------------------------------------------------
def _check_data(data: UnitData) -> None:
    if data.unit_type not in UNIT_TYPES:
        raise Invalid(
            f"Unknown unit type {data.unit_type!r}; known: {', '.join(UNIT_TYPES)}",
            f"Jenis unit {data.unit_type!r} tidak dikenal; yang dikenal: {', '.join(UNIT_TYPES)}",
            field="unit_type",
        )
    if data.eselon_id is not None and data.eselon_id not in ESELON:
        raise Invalid(
            f"Unknown eselon id {data.eselon_id!r}",
            f"Kode eselon {data.eselon_id!r} tidak dikenal",
            field="eselon_id",
        )


async def _check_parent(
    conn: AsyncConnection, unit_id: str, parent_id: str | None, on: date
) -> None:
    if parent_id is None:
        return
    parent = await as_of(conn, parent_id, on)
    if parent is None or parent.closed:
        raise Invalid(
            f"Parent unit {parent_id!r} does not exist on {on}",
            f"Unit induk {parent_id!r} tidak ada pada {on}",
            field="parent_id",
        )
    for snap in (await snapshot(conn, on), await latest_all(conn)):
        parents = {k: v.parent_id for k, v in snap.items()}
        try:
            tree.check_parent(unit_id, parent_id, parents)
        except tree.TreeError as exc:
            raise Invalid(exc.en, exc.id_, field="parent_id") from None


def _not_found(unit_id: str) -> NotFound:
    return NotFound(f"Unit {unit_id!r} does not exist", f"Unit {unit_id!r} tidak ditemukan")


def _check_version(cur: UnitVersion, expected: int | None) -> None:
    if expected is not None and cur.version != expected:
        raise Conflict(
            f"Unit {cur.unit_id!r} changed (version {cur.version}); read it again",
            f"Unit {cur.unit_id!r} sudah berubah (versi {cur.version}); muat ulang",
        )


def _check_date(cur: UnitVersion, on: date) -> None:
    if on < cur.valid_from:
        raise Conflict(
            f"Changes cannot predate the unit's current version ({cur.valid_from}); "
            "history is kept, not rewritten",
            f"Perubahan tidak boleh sebelum versi unit saat ini ({cur.valid_from}); "
            "riwayat disimpan, tidak ditulis ulang",
            field="valid_from",
        )
    if cur.closed:
        raise Conflict(
            f"Unit {cur.unit_id!r} was closed on {cur.valid_from}",
            f"Unit {cur.unit_id!r} sudah ditutup pada {cur.valid_from}",
        )


# -- writes ---------------------------------------------------------------------------------
def _event(v: UnitVersion, change: UnitChange) -> FormasiUnitChanged:
    return FormasiUnitChanged(
        unit_id=v.unit_id,
        change=change,
        valid_from=v.valid_from,
        name=v.name,
        parent_id=v.parent_id,
        unit_type=v.unit_type,
        eselon_id=v.eselon_id,
        head_jabatan_name=v.head_jabatan_name,
        closed=v.closed,
        successor_id=v.successor_id,
        predecessor_ids=list(v.predecessor_ids),
        origin=v.origin if v.origin in ("api", "import", "siasn") else "api",  # type: ignore[arg-type]
    )


async def _write(
    conn: AsyncConnection, new: UnitVersion, previous: UnitVersion | None
) -> UnitVersion:
    """Store `new` as the current version: in place when it starts on the same day as the
    previous one (a correction), else close the previous version the day `new` starts."""
    values = {
        "unit_id": new.unit_id,
        "valid_from": new.valid_from,
        "valid_to": None,
        "name": new.name,
        "parent_id": new.parent_id,
        "unit_type": new.unit_type,
        "eselon_id": new.eselon_id,
        "head_jabatan_name": new.head_jabatan_name,
        "induk_id": new.induk_id,
        "instansi_id": new.instansi_id,
        "closed": new.closed,
        "successor_id": new.successor_id,
        "predecessor_ids": dumps(list(new.predecessor_ids)),
        "change": new.change,
        "origin": new.origin,
        "version": new.version,
        "created_at": new.created_at,
        "created_by": new.created_by,
    }
    if previous is not None and previous.valid_from == new.valid_from:
        await conn.execute(
            sa.update(units)
            .where(units.c.unit_id == new.unit_id, units.c.valid_from == new.valid_from)
            .values(**values)
        )
        return new
    if previous is not None:
        await conn.execute(
            sa.update(units)
            .where(units.c.unit_id == new.unit_id, units.c.valid_to.is_(None))
            .values(valid_to=new.valid_from)
        )
    await conn.execute(units.insert().values(**values))
    return new


def _new_version(
    unit_id: str,
    data: UnitData,
    on: date,
    actor: str,
    *,
    change: str,
    origin: str,
    version: int,
    predecessors: tuple[str, ...] = (),
) -> UnitVersion:
    return UnitVersion(
        unit_id,
        on,
        None,
        data.name,
        data.parent_id,
        data.unit_type,
        data.eselon_id,
        data.head_jabatan_name,
        data.induk_id,
        data.instansi_id,
        False,
        None,
        predecessors,
        change,
        origin,
        version,
        utcnow(),
        actor,
    )


async def create(
    conn: AsyncConnection,
    emit: Emit,
    actor: str,
    cmd: CreateUnit,
    *,
    origin: str = "api",
    predecessors: tuple[str, ...] = (),
    change: UnitChange = "created",
) -> UnitVersion:
    _check_data(cmd.data)
    exists = (
        await conn.execute(sa.select(units.c.id).where(units.c.unit_id == cmd.unit_id).limit(1))
    ).first()
    if exists is not None:
        raise Conflict(
            f"Unit {cmd.unit_id!r} already exists; change it instead",
            f"Unit {cmd.unit_id!r} sudah ada; ubah unit tersebut",
            field="unit_id",
        )
    await _check_parent(conn, cmd.unit_id, cmd.data.parent_id, cmd.valid_from)
    v = _new_version(
        cmd.unit_id,
        cmd.data,
        cmd.valid_from,
        actor,
        change=change,
        origin=origin,
        version=1,
        predecessors=predecessors,
    )
    await _write(conn, v, None)
    await emit(_event(v, change), v.unit_id)
    return v


EDITABLE = ("name", "unit_type", "parent_id", "eselon_id", "head_jabatan_name", "induk_id")


async def change(
    conn: AsyncConnection,
    emit: Emit,
    actor: str,
    unit_id: str,
    cmd: ChangeUnit,
    *,
    expected_version: int | None = None,
    origin: str = "api",
    kind: UnitChange | None = None,
    predecessors: tuple[str, ...] | None = None,
    reopen: bool = False,
) -> UnitVersion:
    cur = await current(conn, unit_id)
    if cur is None:
        raise _not_found(unit_id)
    _check_version(cur, expected_version)
    if cur.closed and reopen:
        cur = replace(cur, closed=False)
    _check_date(cur, cmd.valid_from)
    unknown = set(cmd.changes) - set(EDITABLE)
    if unknown:
        raise Invalid(f"Cannot change {sorted(unknown)}", f"Tidak dapat mengubah {sorted(unknown)}")
    data = UnitData(
        **{
            "name": cur.name,
            "unit_type": cur.unit_type,
            "parent_id": cur.parent_id,
            "eselon_id": cur.eselon_id,
            "head_jabatan_name": cur.head_jabatan_name,
            "induk_id": cur.induk_id,
            "instansi_id": cur.instansi_id,
            **cmd.changes,
        }
    )
    _check_data(data)
    if data.parent_id != cur.parent_id:
        await _check_parent(conn, unit_id, data.parent_id, cmd.valid_from)
    if kind is None:
        if data.parent_id != cur.parent_id:
            kind = "moved"
        elif {k for k, v in cmd.changes.items() if getattr(cur, k) != v} == {"name"}:
            kind = "renamed"
        else:
            kind = "updated"
    new = _new_version(
        unit_id,
        data,
        cmd.valid_from,
        actor,
        change=kind,
        origin=origin,
        version=cur.version + 1,
        predecessors=predecessors if predecessors is not None else cur.predecessor_ids,
    )
    await _write(conn, new, await current(conn, unit_id))
    await emit(_event(new, kind), unit_id)
    return new


async def _open_children(conn: AsyncConnection, unit_id: str, on: date) -> list[str]:
    rows = await conn.execute(
        sa.select(units.c.unit_id).where(
            units.c.parent_id == unit_id, valid_at(units, on), units.c.closed.is_(False)
        )
    )
    return sorted(r.unit_id for r in rows)


async def close(
    conn: AsyncConnection,
    emit: Emit,
    actor: str,
    unit_id: str,
    on: date,
    *,
    successor_id: str | None = None,
    expected_version: int | None = None,
    kind: UnitChange = "closed",
    origin: str = "api",
) -> UnitVersion:
    """Close a unit. Refused while it has open sub-units, or holders and no successor
    (that would orphan them). The unit's open needs end the same day."""
    cur = await current(conn, unit_id)
    if cur is None:
        raise _not_found(unit_id)
    _check_version(cur, expected_version)
    _check_date(cur, on)
    children = await _open_children(conn, unit_id, on)
    if children:
        raise Conflict(
            f"Unit {unit_id!r} still has sub-units {children[:10]}; move or close them first",
            f"Unit {unit_id!r} masih memiliki sub-unit {children[:10]}; pindahkan atau tutup dulu",
            children=children,
        )
    if successor_id is not None:
        succ = await as_of(conn, successor_id, on)
        if succ is None or succ.closed or successor_id == unit_id:
            raise Invalid(
                f"Successor unit {successor_id!r} does not exist on {on}",
                f"Unit pengganti {successor_id!r} tidak ada pada {on}",
                field="successor_id",
            )
    else:
        held = await active_holder_count(conn, unit_id)
        if held:
            raise Conflict(
                f"Unit {unit_id!r} has {held} current holder(s); name a successor unit or "
                "move them first, so that nobody is orphaned",
                f"Unit {unit_id!r} masih memiliki {held} pemangku jabatan; tentukan unit "
                "pengganti atau pindahkan mereka dulu agar tidak ada yang kehilangan unit",
                field="successor_id",
                holders=held,
            )
    new = replace(
        cur,
        valid_from=on,
        valid_to=None,
        closed=True,
        successor_id=successor_id,
        change=kind,
        origin=origin,
        version=cur.version + 1,
        created_at=utcnow(),
        created_by=actor,
    )
    await _write(conn, new, cur)
    # needs of a closed unit end the day it closes
    await conn.execute(
        sa.update(needs)
        .where(needs.c.unit_id == unit_id, needs.c.valid_to.is_(None), needs.c.valid_from < on)
        .values(valid_to=on)
    )
    await conn.execute(
        sa.delete(needs).where(
            needs.c.unit_id == unit_id, needs.c.valid_to.is_(None), needs.c.valid_from >= on
        )
    )
    await emit(_event(new, kind), unit_id)
    return new


async def merge(
    conn: AsyncConnection,
    emit: Emit,
    actor: str,
    sources: list[str],
    on: date,
    *,
    target_id: str,
    new_target: UnitData | None = None,
) -> UnitVersion:
    """Merge `sources` into `target_id` (an existing unit, or a new one from `new_target`):
    their sub-units move under the target, then they close with the target as successor."""
    if len(set(sources)) != len(sources) or not sources or target_id in sources:
        raise Invalid(
            "Name two or more distinct source units, none of them the target",
            "Sebutkan dua atau lebih unit asal yang berbeda, bukan unit tujuan",
            field="sources",
        )
    for s in sources:
        v = await current(conn, s)
        if v is None:
            raise Invalid(
                f"Unit {s!r} does not exist", f"Unit {s!r} tidak ditemukan", field="sources"
            )
        _check_date(v, on)
    if new_target is not None:
        target = await create(
            conn,
            emit,
            actor,
            CreateUnit(target_id, new_target, on),
            predecessors=tuple(sources),
            change="merged",
        )
    else:
        t = await current(conn, target_id)
        if t is None or t.closed:
            raise Invalid(
                f"Target unit {target_id!r} does not exist",
                f"Unit tujuan {target_id!r} tidak ditemukan",
                field="target_id",
            )
        target = await change(
            conn,
            emit,
            actor,
            target_id,
            ChangeUnit(on, {}),
            kind="merged",
            predecessors=tuple(dict.fromkeys((*t.predecessor_ids, *sources))),
        )
    for s in sources:
        for child in await _open_children(conn, s, on):
            await change(conn, emit, actor, child, ChangeUnit(on, {"parent_id": target_id}))
        await close(conn, emit, actor, s, on, successor_id=target_id, kind="merged")
    return target


@dataclass(frozen=True)
class SplitPart:
    unit_id: str
    data: UnitData


async def split(
    conn: AsyncConnection,
    emit: Emit,
    actor: str,
    source_id: str,
    on: date,
    parts: list[SplitPart],
    *,
    successor_id: str | None,
) -> list[UnitVersion]:
    """Split `source_id` into new units `parts`, then close it. Its sub-units and current
    holders go to `successor_id` (one of the parts) until they are placed anew; without a
    successor, a source that has holders or sub-units is refused (nobody is orphaned)."""
    src = await current(conn, source_id)
    if src is None:
        raise _not_found(source_id)
    _check_date(src, on)
    ids = [p.unit_id for p in parts]
    if len(parts) < 2 or len(set(ids)) != len(ids) or source_id in ids:
        raise Invalid(
            "A split needs two or more distinct new units",
            "Pemecahan memerlukan dua atau lebih unit baru yang berbeda",
            field="parts",
        )
    if successor_id is not None and successor_id not in ids:
        raise Invalid(
            "The successor must be one of the new units",
            "Unit pengganti harus salah satu unit baru",
            field="successor_id",
        )
    if successor_id is None:
        held = await active_holder_count(conn, source_id)
        children = await _open_children(conn, source_id, on)
        if held or children:
            raise Conflict(
                f"Unit {source_id!r} has {held} holder(s) and {len(children)} sub-unit(s); "
                "name the successor among the new units",
                f"Unit {source_id!r} memiliki {held} pemangku jabatan dan {len(children)} "
                "sub-unit; tentukan unit pengganti di antara unit baru",
                field="successor_id",
            )
    created = [
        await create(
            conn,
            emit,
            actor,
            CreateUnit(p.unit_id, p.data, on),
            predecessors=(source_id,),
            change="split",
        )
        for p in parts
    ]
    if successor_id is not None:
        for child in await _open_children(conn, source_id, on):
            await change(conn, emit, actor, child, ChangeUnit(on, {"parent_id": successor_id}))
    await close(conn, emit, actor, source_id, on, successor_id=successor_id, kind="split")
    return created
