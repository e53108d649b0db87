"""Plans as background jobs: `POST /plans`, then read status, moves, explanations, fairness
and the difference between two plans."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response
from fastapi.responses import JSONResponse

from tatamutasi_matching.domain.compare import diff_plans
from tatamutasi_matching.service import plans
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.errors import Conflict, Forbidden, NotFound
from tatamutasi_platform.http import RuntimeDep, idempotent, require_roles
from tatamutasi_platform.runtime import Transaction

router = APIRouter(prefix="/plans", tags=["plans"])

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


@router.get("/{plan_id}/moves", summary="The moves of a plan")
async def plan_moves(plan_id: str, runtime: RuntimeDep, _p: Reader) -> dict[str, Any]:
    result = await _result(runtime, plan_id)
    return {"plan_id": plan_id, "moves": result["moves"]}


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
    if principal.acting_role == "pegawai" and principal.sub != nip:
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
