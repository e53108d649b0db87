"""Needs (kebutuhan from ABK) per unit x jabatan, versioned by effective date. A need is
either given as a decided number or computed from its ABK basis (or both: the decision may
differ from the workload result, and both are kept)."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts.formasi import FormasiNeedSet
from tatamutasi_formasi.adapters.orm import needs
from tatamutasi_formasi.domain import abk
from tatamutasi_formasi.service import jabatan as jabatan_svc
from tatamutasi_formasi.service import units as units_svc
from tatamutasi_formasi.service.common import Emit, dumps, loads, valid_at
from tatamutasi_platform.clock import as_utc, utcnow
from tatamutasi_platform.errors import Conflict, Invalid


@dataclass(frozen=True)
class SetNeed:
    unit_id: str
    jabatan_id: str
    valid_from: date
    count: int | None = None
    items: tuple[abk.WorkloadItem, ...] = ()
    effective_hours: float | None = None
    rounding: abk.Rounding = "half_up"
    source_document: str | None = None
    decision_number: str | None = None
    decision_date: date | None = None


@dataclass(frozen=True)
class NeedView:
    unit_id: str
    jabatan_id: str
    valid_from: date
    valid_to: date | None
    count: int
    abk_result: float | None
    effective_hours: float | None
    basis: dict[str, Any]
    source_document: str | None
    decision_number: str | None
    decision_date: date | None
    origin: str
    created_at: datetime
    created_by: str


def _view(row: Any) -> NeedView:
    m = row._mapping
    return NeedView(
        m["unit_id"],
        m["jabatan_id"],
        m["valid_from"],
        m["valid_to"],
        m["count"],
        m["abk_result"],
        m["effective_hours"],
        loads(m["basis"]) or {},
        m["source_document"],
        m["decision_number"],
        m["decision_date"],
        m["origin"],
        as_utc(m["created_at"]),
        m["created_by"],
    )


@dataclass(frozen=True)
class Computed:
    count: int
    abk_result: float | None
    effective_hours: float | None
    basis: dict[str, Any]


def compute(cmd: SetNeed, default_hours: float) -> Computed:
    """Pure part of setting a need: the count and its ABK basis. Raises Invalid."""
    if cmd.count is not None and cmd.count < 0:
        raise Invalid("A need cannot be negative", "Kebutuhan tidak boleh negatif", field="count")
    if cmd.count is None and not cmd.items:
        raise Invalid(
            "Give the need (count) or its ABK workload items",
            "Isi jumlah kebutuhan atau uraian beban kerja ABK",
            field="count",
        )
    if not cmd.items:
        return Computed(cmd.count or 0, None, None, {})
    hours = cmd.effective_hours if cmd.effective_hours is not None else default_hours
    try:
        result = abk.compute(list(cmd.items), hours, cmd.rounding)
    except abk.ABKError as exc:
        raise Invalid(exc.en, exc.id_, field=exc.field) from None
    basis = {
        "items": [
            {"task": i.task, "volume": i.volume, "standard_hours": i.standard_hours}
            for i in cmd.items
        ],
        "total_hours": result.total_hours,
        "rounding": cmd.rounding,
    }
    count = cmd.count if cmd.count is not None else result.need
    return Computed(count, result.exact, result.effective_hours, basis)


async def check_post(conn: AsyncConnection, unit_id: str, jabatan_id: str, on: date) -> None:
    """The unit must exist on `on` and the jabatan must exist and fit the unit's type."""
    unit = await units_svc.as_of(conn, unit_id, on)
    if unit is None or unit.closed:
        raise Invalid(
            f"Unit {unit_id!r} does not exist on {on}",
            f"Unit {unit_id!r} tidak ada pada {on}",
            field="unit_id",
        )
    jab = await jabatan_svc.get(conn, jabatan_id)
    if jab is None:
        raise Invalid(
            f"Jabatan {jabatan_id!r} does not exist",
            f"Jabatan {jabatan_id!r} tidak ditemukan",
            field="jabatan_id",
        )
    if jab.unit_types and unit.unit_type not in jab.unit_types:
        raise Invalid(
            f"Jabatan {jabatan_id!r} does not exist in a unit of type {unit.unit_type!r} "
            f"(only {', '.join(jab.unit_types)})",
            f"Jabatan {jabatan_id!r} tidak ada pada unit berjenis {unit.unit_type!r} "
            f"(hanya {', '.join(jab.unit_types)})",
            field="jabatan_id",
        )


async def current_version(conn: AsyncConnection, unit_id: str, jabatan_id: str) -> NeedView | None:
    row = (
        await conn.execute(
            sa.select(needs).where(
                needs.c.unit_id == unit_id,
                needs.c.jabatan_id == jabatan_id,
                needs.c.valid_to.is_(None),
            )
        )
    ).first()
    return _view(row) if row else None


async def set_need(
    conn: AsyncConnection,
    emit: Emit,
    actor: str,
    cmd: SetNeed,
    *,
    default_hours: float,
    origin: str = "api",
) -> tuple[NeedView, bool]:
    """Store a need version. Returns (the version, whether anything changed): the same
    need, basis and decision on the same date again is a no-op (safe re-imports)."""
    c = compute(cmd, default_hours)
    await check_post(conn, cmd.unit_id, cmd.jabatan_id, cmd.valid_from)
    prev = await current_version(conn, cmd.unit_id, cmd.jabatan_id)
    values = {
        "unit_id": cmd.unit_id,
        "jabatan_id": cmd.jabatan_id,
        "valid_from": cmd.valid_from,
        "valid_to": None,
        "count": c.count,
        "abk_result": c.abk_result,
        "effective_hours": c.effective_hours,
        "basis": dumps(c.basis),
        "source_document": cmd.source_document,
        "decision_number": cmd.decision_number,
        "decision_date": cmd.decision_date,
        "origin": origin,
        "created_at": utcnow(),
        "created_by": actor,
    }
    if prev is not None:
        if cmd.valid_from < prev.valid_from:
            raise Conflict(
                f"A need from {prev.valid_from} exists; a new version cannot start earlier",
                f"Sudah ada kebutuhan sejak {prev.valid_from}; versi baru tidak boleh lebih awal",
                field="valid_from",
            )
        same = (
            prev.valid_from == cmd.valid_from
            and prev.count == c.count
            and prev.basis == c.basis
            and prev.effective_hours == c.effective_hours
            and prev.source_document == cmd.source_document
            and prev.decision_number == cmd.decision_number
            and prev.decision_date == cmd.decision_date
        )
        if same:
            return prev, False
        if prev.valid_from == cmd.valid_from:
            await conn.execute(
                sa.update(needs)
                .where(
                    needs.c.unit_id == cmd.unit_id,
                    needs.c.jabatan_id == cmd.jabatan_id,
                    needs.c.valid_from == cmd.valid_from,
                )
                .values(**values)
            )
        else:
            await conn.execute(
                sa.update(needs)
                .where(
                    needs.c.unit_id == cmd.unit_id,
                    needs.c.jabatan_id == cmd.jabatan_id,
                    needs.c.valid_to.is_(None),
                )
                .values(valid_to=cmd.valid_from)
            )
            await conn.execute(needs.insert().values(**values))
    else:
        await conn.execute(needs.insert().values(**values))
    view = await current_version(conn, cmd.unit_id, cmd.jabatan_id)
    assert view is not None
    await emit(
        FormasiNeedSet(
            unit_id=cmd.unit_id,
            jabatan_id=cmd.jabatan_id,
            count=c.count,
            previous_count=prev.count if prev is not None else None,
            valid_from=cmd.valid_from,
            abk_result=c.abk_result,
            effective_hours=c.effective_hours,
            source_document=cmd.source_document,
            decision_number=cmd.decision_number,
            decision_date=cmd.decision_date,
            origin=origin if origin in ("api", "import") else "api",  # type: ignore[arg-type]
        ),
        f"{cmd.unit_id}/{cmd.jabatan_id}",
    )
    return view, True


async def needs_as_of(conn: AsyncConnection, on: date) -> dict[tuple[str, str], int]:
    rows = await conn.execute(
        sa.select(needs.c.unit_id, needs.c.jabatan_id, needs.c.count).where(valid_at(needs, on))
    )
    return {(r.unit_id, r.jabatan_id): int(r._mapping["count"]) for r in rows}


async def page(
    conn: AsyncConnection,
    *,
    on: date,
    after: tuple[str, str] | None,
    limit: int,
    unit_id: str | None = None,
    jabatan_id: str | None = None,
) -> list[NeedView]:
    stmt = (
        sa.select(needs)
        .where(valid_at(needs, on))
        .order_by(needs.c.unit_id, needs.c.jabatan_id)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(sa.tuple_(needs.c.unit_id, needs.c.jabatan_id) > sa.tuple_(*after))
    if unit_id is not None:
        stmt = stmt.where(needs.c.unit_id == unit_id)
    if jabatan_id is not None:
        stmt = stmt.where(needs.c.jabatan_id == jabatan_id)
    return [_view(r) for r in await conn.execute(stmt)]


async def history(conn: AsyncConnection, unit_id: str, jabatan_id: str) -> list[NeedView]:
    rows = await conn.execute(
        sa.select(needs)
        .where(needs.c.unit_id == unit_id, needs.c.jabatan_id == jabatan_id)
        .order_by(needs.c.valid_from)
    )
    return [_view(r) for r in rows]
