"""Talent queries over the read models: the 9-box of a unit and ranked candidates for one
post ("isi jabatan kosong"), each with its inputs and explanation."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool

from tatamutasi_matching.domain.eligibility import ruleset_versions
from tatamutasi_matching.domain.ninebox import NineBoxConfig, place_all, succession_candidates
from tatamutasi_matching.domain.planning import RoundConfig, rank_candidates
from tatamutasi_matching.service import talent, waivers
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.errors import Forbidden, Invalid, NotFound
from tatamutasi_platform.http import RuntimeDep, require_roles

router = APIRouter(tags=["talent"])

Reader = Annotated[
    Principal, Depends(require_roles("admin", "operator", "penilai", "ppk", "auditor"))
]


def _scope(principal: Principal, unit: str | None) -> None:
    """Operators see their own units only; the other reader roles see every unit."""
    if principal.has_any(("admin", "penilai", "ppk", "auditor")):
        return
    if unit is None or not principal.may_act_for_unit(unit):
        raise Forbidden(
            "operators may only read their own units",
            "operator hanya dapat membaca unitnya sendiri",
            field="unit",
        )


@router.get("/ninebox", summary="9-box placement of the employees of a unit, inputs shown")
async def ninebox(
    runtime: RuntimeDep,
    principal: Reader,
    unit: Annotated[str | None, Query(max_length=64, description="Unit (UNOR) id")] = None,
    as_of: Annotated[date | None, Query(description="Reference date (default today)")] = None,
) -> dict[str, Any]:
    _scope(principal, unit)
    day = as_of or utcnow().date()
    async with runtime.engine.connect() as conn:
        employees = await talent.load_employees(conn, unit)
    cfg = NineBoxConfig()
    placements = await run_in_threadpool(place_all, employees, day, cfg)
    return {
        "unit": unit,
        "as_of": day.isoformat(),
        "config": cfg.as_dict(),
        "placements": [p.as_dict() for p in placements],
        "succession": [p.nip for p in succession_candidates(placements)],
    }


@router.get("/candidates", summary="Ranked, explained candidates for one post")
async def candidates(
    runtime: RuntimeDep,
    principal: Reader,
    post: Annotated[str, Query(max_length=130, description="`UNIT_ID/JABATAN_ID`")],
    effective: Annotated[date | None, Query(description="When the move takes effect")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 10,
    include_blocked: bool = False,
) -> dict[str, Any]:
    unit_id, sep, jabatan_id = post.partition("/")
    if not sep or not unit_id or not jabatan_id:
        raise Invalid(
            "post must be UNIT_ID/JABATAN_ID", "post harus berbentuk UNIT_ID/JABATAN_ID",
            field="post",
        )  # fmt: skip
    _scope(principal, unit_id)
    day = effective or utcnow().date()
    async with runtime.engine.connect() as conn:
        target = await talent.load_post(conn, unit_id, jabatan_id)
        if target is None:
            raise NotFound(
                f"post {post} is neither in the catalogue nor in the formasi",
                f"jabatan {post} tidak ada dalam katalog maupun formasi",
                field="post",
            )
        employees = await talent.load_employees(conn)
        waived = await waivers.load(conn)
    cfg = RoundConfig(effective=day, waivers=waived)
    ranked = await run_in_threadpool(
        lambda: rank_candidates(target, employees, cfg, include_blocked=include_blocked)
    )
    names = {e.nip: e.name for e in employees}
    return {
        "post": {
            "id": target.post_id,
            "name": target.name,
            "capacity": target.capacity,
            "jabatan_class": target.jabatan_class,
        },
        "effective": day.isoformat(),
        "versions": {"rules": ruleset_versions(), "scoring": cfg.scoring.version},
        "total": len(ranked),
        "candidates": [{"name": names[c.nip], **c.as_dict()} for c in ranked[:limit]],
    }
