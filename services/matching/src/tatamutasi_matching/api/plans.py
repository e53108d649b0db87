"""Plans as background jobs: `POST /plans`, then list plans and read status, moves,
explanations, fairness, the difference between two plans and the .xlsx export."""

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from tatamutasi_matching.domain.compare import diff_plans
from tatamutasi_matching.service import plans, talent
from tatamutasi_matching.service.plan_export import plan_workbook
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.errors import Conflict, Forbidden, Invalid, NotFound
from tatamutasi_platform.http import (
    RuntimeDep,
    decode_cursor,
    encode_cursor,
    idempotent,
    require_roles,
)
from tatamutasi_platform.responses import problem_responses
from tatamutasi_platform.runtime import Transaction

router = APIRouter(prefix="/plans", tags=["plans"], responses=problem_responses(400, 404, 409))

Planner = Annotated[Principal, Depends(require_roles("admin"))]
Reader = Annotated[Principal, Depends(require_roles("admin", "penilai", "ppk", "auditor"))]
Anyone = Annotated[
    Principal, Depends(require_roles("admin", "penilai", "ppk", "auditor", "pegawai"))
]


@router.post("", status_code=202, summary="Queue a whole-Pemda plan (computed in background)")
async def create_plan(
    body: plans.PlanRequest,
    request: Request,
    runtime: RuntimeDep,
    principal: Planner,
    background: BackgroundTasks,
) -> Response:
    created: list[str] = []

    async def work(tx: Transaction) -> Response:
        plan_id = await plans.queue(tx.conn, body, principal.actor)
        created.append(plan_id)
        return JSONResponse(
            {"plan_id": plan_id, "status": "queued", "progress": 0},
            status_code=202,
            headers={"Location": f"/plans/{plan_id}"},
        )

    response = await idempotent(request, runtime, principal, work)
    target = created[0] if created else json.loads(bytes(response.body))["plan_id"]
    background.add_task(plans.run, runtime, target, principal.actor)  # no-op unless queued
    return response


async def _row(runtime: RuntimeDep, plan_id: str) -> Any:
    async with runtime.engine.connect() as conn:
        row = await plans.get(conn, plan_id)
    if row is None:
        raise NotFound(f"no plan {plan_id}", f"rencana {plan_id} tidak ada", field="plan_id")
    return row


async def _result(runtime: RuntimeDep, plan_id: str) -> dict[str, Any]:
    row = await _row(runtime, plan_id)
    if row.status != "done":
        raise Conflict(
            f"plan {plan_id} is {row.status}, not done",
            f"rencana {plan_id} berstatus {row.status}, belum selesai",
            field="plan_id",
        )
    result: dict[str, Any] = json.loads(row.result)
    return result


def _summary(row: Any) -> dict[str, Any]:
    return {
        "plan_id": row.plan_id,
        "status": row.status,
        "progress": row.progress,
        "mode": row.mode,
        "scenario": row.scenario,
        "created_by": row.created_by,
        "created_at": row.created_at,
        "objective": row.objective,
        "moves_count": row.moves,
        "hashes": {
            "input_sha256": row.input_sha256,
            "config_sha256": row.config_sha256,
            "result_sha256": row.result_sha256,
        },
    }


@router.get("", summary="Plans, oldest first (cursor pagination; filter by status, mode, scenario)")
async def list_plans(
    runtime: RuntimeDep,
    _p: Anyone,  # employees too: the web console finds the plans that explain them
    status: Annotated[Literal["queued", "running", "done", "failed"] | None, Query()] = None,
    mode: Annotated[Literal["optimal", "stable"] | None, Query()] = None,
    scenario: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    after = decode_cursor(cursor, 2)
    if after is not None and not all(isinstance(v, str) for v in after):
        raise Invalid("unknown cursor", "kursor tidak dikenal", field="cursor")
    async with runtime.engine.connect() as conn:
        rows = await plans.list_rows(
            conn,
            status=status,
            mode=mode,
            scenario=scenario,
            after=(after[0], after[1]) if after else None,
            limit=limit,
        )
    nxt = encode_cursor([rows[-1].created_at, rows[-1].plan_id]) if len(rows) == limit else None
    return {"items": [_summary(r) for r in rows], "next_cursor": nxt}


@router.get("/{plan_id}", summary="Status, progress, summary and provenance of a plan")
async def get_plan(plan_id: str, runtime: RuntimeDep, _p: Reader) -> dict[str, Any]:
    row = await _row(runtime, plan_id)
    out: dict[str, Any] = {
        "plan_id": row.plan_id,
        "status": row.status,
        "progress": row.progress,
        "mode": row.mode,
        "scenario": row.scenario,
        "created_by": row.created_by,
        "created_at": row.created_at,
        "request": json.loads(row.request),
        "error": json.loads(row.error) if row.error else None,
    }
    if row.status == "done":
        result = json.loads(row.result)
        out.update(
            {
                "plan_status": result["status"],
                "objective": result["objective"],
                "baseline_objective": result["baseline_objective"],
                "employees": result["employees"],
                "moves_count": result["moves_count"],
                "unmet": result["unmet"],
                "overstaffed_posts": result["overstaffed_posts"],
                "hashes": {
                    "input_sha256": row.input_sha256,
                    "config_sha256": row.config_sha256,
                    "result_sha256": row.result_sha256,
                },
                "provenance": result["provenance"],
            }
        )
    return out


def _unit(post_id: str) -> str:
    return post_id.partition("/")[0]


@router.get(
    "/{plan_id}/moves",
    summary="The moves of a plan by NIP (cursor pagination; filter by unit or OPD)",
)
async def plan_moves(
    plan_id: str,
    runtime: RuntimeDep,
    _p: Reader,
    unit: Annotated[
        str | None, Query(max_length=64, description="Moves from or to this unit")
    ] = None,
    opd: Annotated[
        str | None, Query(max_length=64, description="Moves from or to this OPD")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    after = decode_cursor(cursor, 1)
    if after is not None and not isinstance(after[0], str):
        raise Invalid("unknown cursor", "kursor tidak dikenal", field="cursor")
    result = await _result(runtime, plan_id)
    moves = [
        m
        for m in result["moves"]
        if (unit is None or unit in (_unit(m["from"]), _unit(m["to"])))
        and (opd is None or opd in (m.get("from_opd"), m.get("to_opd")))
        and (after is None or m["employee"] > after[0])
    ]
    page = moves[:limit]
    nxt = encode_cursor([page[-1]["employee"]]) if len(moves) > limit else None
    return {"plan_id": plan_id, "moves": page, "next_cursor": nxt}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/{plan_id}/export.xlsx",
    summary="The plan as .xlsx for the Tim Penilai meeting",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
async def export_plan(plan_id: str, runtime: RuntimeDep, _p: Reader) -> Response:
    row = await _row(runtime, plan_id)
    result = await _result(runtime, plan_id)
    nips = sorted(
        {m["employee"] for m in result["moves"]}
        | {
            a["employee"]
            for m in result.get("explanations", {}).get("moves", [])
            for a in m["alternatives"]
        }
    )
    async with runtime.engine.connect() as conn:
        names = await talent.names(conn, nips)
    data = await run_in_threadpool(plan_workbook, row, result, names)
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="rencana-mutasi-{plan_id}.xlsx"'},
    )


@router.get("/{plan_id}/fairness", summary="Justified envy, preferences, distributions")
async def plan_fairness(plan_id: str, runtime: RuntimeDep, _p: Reader) -> dict[str, Any]:
    result = await _result(runtime, plan_id)
    return {"plan_id": plan_id, **result["fairness"]}


@router.get(
    "/{plan_id}/explanations/{nip}",
    summary="Why this employee stays or moves (pegawai: own NIP only)",
)
async def plan_explanation(
    plan_id: str, nip: str, runtime: RuntimeDep, principal: Anyone
) -> dict[str, Any]:
    if principal.acting_role == "pegawai" and principal.nip != nip:
        raise Forbidden(
            "employees may read only their own explanation",
            "pegawai hanya dapat membaca penjelasan miliknya sendiri",
            field="nip",
        )
    result = await _result(runtime, plan_id)
    explanations = result.get("explanations") or {}
    employee = next((x for x in explanations.get("employees", []) if x["employee"] == nip), None)
    if employee is None:
        raise NotFound(
            f"{nip} is not in plan {plan_id}", f"{nip} tidak ada dalam rencana", field="nip"
        )
    move = next((m for m in explanations.get("moves", []) if m["employee"] == nip), None)
    return {"plan_id": plan_id, "employee": employee, "move": move}


@router.get("/{a}/diff/{b}", summary="Compare two plans: moves added, removed, changed")
async def plan_diff(a: str, b: str, runtime: RuntimeDep, _p: Reader) -> dict[str, Any]:
    return diff_plans(await _result(runtime, a), await _result(runtime, b))
