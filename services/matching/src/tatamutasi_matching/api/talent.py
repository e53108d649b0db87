"""Talent queries over the read models: the 9-box of a unit, ranked candidates for one
post ("isi jabatan kosong"), each with its inputs and explanation, and the training a unit
needs."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool

from tatamutasi_matching.domain.batch import RoundSettings
from tatamutasi_matching.domain.eligibility import ruleset_versions
from tatamutasi_matching.domain.ninebox import NineBoxConfig, place_all, succession_candidates
from tatamutasi_matching.domain.planning import Candidate, Ranking, RoundConfig, rank_post
from tatamutasi_matching.domain.scoring import ScoringConfig, unit_training_needs
from tatamutasi_matching.service import talent, waivers
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.errors import Forbidden, Invalid, NotFound
from tatamutasi_platform.http import RuntimeDep, decode_cursor, encode_cursor, require_roles
from tatamutasi_platform.responses import problem_responses

router = APIRouter(tags=["talent"], responses=problem_responses(400, 404))

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


@router.get("/candidates", summary="Ranked, explained candidates for one post (cursor pages)")
async def candidates(
    runtime: RuntimeDep,
    principal: Reader,
    post: Annotated[str, Query(max_length=130, description="`UNIT_ID/JABATAN_ID`")],
    effective: Annotated[date | None, Query(description="When the move takes effect")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 10,
    include_blocked: bool = False,
    unit: Annotated[
        str | None, Query(max_length=64, description="Only candidates now in this unit")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
) -> dict[str, Any]:
    unit_id, sep, jabatan_id = post.partition("/")
    if not sep or not unit_id or not jabatan_id:
        raise Invalid(
            "post must be UNIT_ID/JABATAN_ID", "post harus berbentuk UNIT_ID/JABATAN_ID",
            field="post",
        )  # fmt: skip
    _scope(principal, unit_id)
    after = decode_cursor(cursor, 3)
    if after is not None and not (
        isinstance(after[0], int) and isinstance(after[1], int) and isinstance(after[2], str)
    ):
        raise Invalid("unknown cursor", "kursor tidak dikenal", field="cursor")
    day = effective or utcnow().date()
    async with runtime.engine.connect() as conn:
        target = await talent.load_post(conn, unit_id, jabatan_id)
        if target is None:
            raise NotFound(
                f"post {post} is neither in the catalogue nor in the formasi",
                f"jabatan {post} tidak ada dalam katalog maupun formasi",
                field="post",
            )
        snap = await talent.snapshot(conn)
        waived = await waivers.load(conn)
    cfg = RoundConfig(effective=day, waivers=waived)

    def work() -> tuple[Ranking, list[Candidate], int]:
        features = snap.features_for(
            RoundSettings(cfg.effective, cfg.eligibility, cfg.scoring, cfg.ninebox)
        )
        ranking = rank_post(target, features, cfg, include_blocked=include_blocked, unit=unit)
        start = 0 if after is None else ranking.start_after((after[0], after[1], after[2]))
        return ranking, ranking.explain(target, cfg, start, limit), start

    ranking, page, start = await run_in_threadpool(work)
    names = {e.nip: e.name for e in snap.employees}
    last = start + len(page) - 1
    more = start + len(page) < ranking.total
    return {
        "post": {
            "id": target.post_id,
            "name": target.name,
            "capacity": target.capacity,
            "jabatan_class": target.jabatan_class,
        },
        "effective": day.isoformat(),
        "versions": {"rules": ruleset_versions(), "scoring": cfg.scoring.version},
        "total": ranking.total,
        "candidates": [
            {"rank": start + k + 1, "name": names[c.nip], **c.as_dict()} for k, c in enumerate(page)
        ],
        "next_cursor": encode_cursor(list(ranking.key(last))) if page and more else None,
    }


@router.get(
    "/training-needs",
    summary="What training a unit needs: missing competencies by BKN jenis diklat",
)
async def training_needs(
    runtime: RuntimeDep,
    principal: Reader,
    unit: Annotated[str | None, Query(max_length=64, description="Unit (UNOR) id")] = None,
    as_of: Annotated[date | None, Query(description="Reference date (default today)")] = None,
) -> dict[str, Any]:
    """Each employee's missing competencies in their current post (managerial and
    socio-cultural levels against the post's standard, technical competencies), mapped to
    the recommended BKN jenis diklat and counted per unit."""
    _scope(principal, unit)
    day = as_of or utcnow().date()
    async with runtime.engine.connect() as conn:
        employees = await talent.load_employees(conn, unit)
        posts = await talent.load_posts(conn, employees)
    by_id = {p.post_id: p for p in posts}
    units = await run_in_threadpool(unit_training_needs, employees, by_id, day)
    return {"as_of": day.isoformat(), "scoring": ScoringConfig().version, "units": units}
