"""`/bezetting`: who holds what, derived only from pegawai events; and its reconciliation
with the pegawai service."""

from dataclasses import asdict
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_formasi.api.deps import READERS, Reader, operator_scope
from tatamutasi_formasi.api.schemas import (
    ActingOut,
    Difference,
    FilledOut,
    HolderOut,
    HolderPage,
    PlacementOut,
    Reconciliation,
)
from tatamutasi_formasi.service import bezetting, gaps, reconcile, units
from tatamutasi_formasi.settings import FormasiSettings
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.errors import Forbidden
from tatamutasi_platform.http import RuntimeDep, decode_cursor, encode_cursor, require_roles
from tatamutasi_platform.responses import problem_responses

router = APIRouter(tags=["bezetting"], responses=problem_responses(400))


async def _scope(conn: AsyncConnection, principal: Principal) -> frozenset[str] | None:
    """An operator sees its units and every unit under them."""
    roots = operator_scope(principal)
    if roots is None:
        return None
    return frozenset(gaps.subtree(await units.latest_all(conn), roots))


@router.get(
    "/bezetting",
    response_model=list[FilledOut],
    summary="Headcount per unit and jabatan (definitive holders; acting counted apart)",
)
async def get_bezetting(
    runtime: RuntimeDep,
    principal: Reader,
    unor_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[FilledOut]:
    async with runtime.engine.connect() as conn:
        scope = await _scope(conn, principal)
        filled = await bezetting.filled_counts(conn)
        acting = await bezetting.acting_counts(conn)
    keys = sorted(set(filled) | set(acting))
    return [
        FilledOut(
            unor_id=u, jabatan_id=j, filled=filled.get((u, j), 0), acting=acting.get((u, j), 0)
        )
        for u, j in keys
        if (unor_id is None or u == unor_id) and (scope is None or u in scope)
    ]


@router.get(
    "/bezetting/holders", response_model=HolderPage, summary="Current holders (cursor pagination)"
)
async def list_holders(
    runtime: RuntimeDep,
    principal: Reader,
    unor_id: Annotated[str | None, Query(max_length=64)] = None,
    jabatan_id: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> HolderPage:
    after = decode_cursor(cursor, 1)
    async with runtime.engine.connect() as conn:
        items = await bezetting.holders_page(
            conn,
            after=after[0] if after else None,
            limit=limit,
            unor_id=unor_id,
            jabatan_id=jabatan_id,
            unit_scope=await _scope(conn, principal),
        )
    nxt = encode_cursor([items[-1].nip]) if len(items) == limit else None
    return HolderPage(items=[HolderOut(**asdict(h)) for h in items], next_cursor=nxt)


@router.get(
    "/bezetting/acting", response_model=list[ActingOut], summary="Active PLT/PLH assignments"
)
async def list_acting(runtime: RuntimeDep, principal: Reader) -> list[ActingOut]:
    async with runtime.engine.connect() as conn:
        scope = await _scope(conn, principal)
        rows = await bezetting.active_acting(conn)
    return [ActingOut(**asdict(a)) for a in rows if scope is None or a.unor_id in scope]


@router.get(
    "/bezetting/placements/{nip}",
    response_model=list[PlacementOut],
    summary="A person's placements, each with the unit as it was on that date",
)
async def placement_history(
    nip: Annotated[str, Path(pattern=r"^[0-9]{18}$")],
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles(*READERS, "pegawai"))],
) -> list[PlacementOut]:
    if principal.acting_role == "pegawai" and principal.nip != nip:
        raise Forbidden(
            "Employees may read only their own history",
            "Pegawai hanya boleh melihat riwayatnya sendiri",
        )
    out: list[PlacementOut] = []
    async with runtime.engine.connect() as conn:
        for p in await bezetting.placement_history_of(conn, nip):
            then = await units.as_of(conn, p.unor_id, p.effective)
            out.append(
                PlacementOut(
                    unor_id=p.unor_id,
                    jabatan_id=p.jabatan_id,
                    tmt=p.tmt,
                    effective=p.effective,
                    reason=p.reason,
                    unit_name_then=then.name if then else None,
                    unit_parent_then=then.parent_id if then else None,
                    unit_closed_then=then.closed if then else None,
                )
            )
    return out


@router.get(
    "/bezetting/reconciliation",
    response_model=Reconciliation,
    summary="Compare bezetting with the pegawai service's current data; list differences",
    responses=problem_responses(502),
)
async def reconciliation(
    request: Request,
    runtime: RuntimeDep,
    _p: Annotated[Principal, Depends(require_roles("admin", "auditor", "integration"))],
) -> Reconciliation:
    """Reads every page of `GET /pegawai` (with the caller's token) and compares NIP, unit
    and jabatan with the read model. A difference means an event is missing or pending."""
    settings = runtime.settings
    assert isinstance(settings, FormasiSettings)
    transport = runtime.extras.get("pegawai_transport")
    async with httpx.AsyncClient(
        base_url=settings.pegawai_base_url, transport=transport, timeout=settings.pegawai_timeout_s
    ) as client:
        registry = await reconcile.fetch_registry(client, request.headers.get("authorization", ""))
    async with runtime.engine.connect() as conn:
        holders = await bezetting.active_holders(conn)
    diffs = reconcile.compare(registry, holders)
    return Reconciliation(
        checked_registry=len(registry),
        checked_bezetting=len(holders),
        differences=[Difference(**asdict(d)) for d in diffs],  # type: ignore[arg-type]
        consistent=not diffs,
    )
