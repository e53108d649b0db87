"""Rounds (batches of proposals under one SK), proposals from a plan, batch PPK decisions and
execution with per-item results, the SK draft (.xlsx, PDF), election blackout windows and
PPK delegations."""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from tatamutasi_matching.adapters import sk_documents
from tatamutasi_matching.api.proposals import acting, caller_for
from tatamutasi_matching.domain import workflow as wf
from tatamutasi_matching.service import proposals, rounds
from tatamutasi_matching.service.workflow_settings import workflow_settings
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.http import RuntimeDep, authenticate, idempotent, require_roles
from tatamutasi_platform.responses import problem_responses
from tatamutasi_platform.runtime import Transaction

router = APIRouter(tags=["rounds"], responses=problem_responses(404, 409, 412, 428))

Admin = Annotated[Principal, Depends(require_roles("admin"))]
Reader = Annotated[
    Principal,
    Depends(require_roles("admin", "operator", "penilai", "ppk", "auditor", "integration")),
]
Authenticated = Annotated[Principal, Depends(authenticate)]


@router.post("/rounds", status_code=201, summary="Open a round (admin)")
async def open_round(
    body: rounds.RoundIn, request: Request, runtime: RuntimeDep, principal: Admin
) -> Response:
    async def work(tx: Transaction) -> Response:
        out = await rounds.open_round(tx, body)
        return JSONResponse(
            out,
            status_code=201,
            headers={
                "Location": f"/rounds/{out['round_id']}",
                "ETag": proposals.etag(out["version"]),
            },
        )

    return await idempotent(request, runtime, principal, work)


@router.get("/rounds", summary="Rounds with proposal and objection counts")
async def list_rounds(runtime: RuntimeDep, _p: Reader) -> dict[str, Any]:
    async with runtime.engine.connect() as conn:
        return {"items": await rounds.list_rounds(conn)}


@router.get("/rounds/{round_id}", summary="A round: proposals by state, objections by outcome")
async def get_round(round_id: str, runtime: RuntimeDep, _p: Reader) -> Response:
    async with runtime.engine.connect() as conn:
        out = await rounds.round_view(conn, round_id)
    return JSONResponse(out, headers={"ETag": proposals.etag(out["version"])})


@router.patch("/rounds/{round_id}", summary="Change or close a round (admin, If-Match)")
async def change_round(
    round_id: str, body: rounds.RoundPatch, request: Request, runtime: RuntimeDep, principal: Admin
) -> Response:
    async def work(tx: Transaction) -> Response:
        out = await rounds.change_round(tx, round_id, body, request.headers.get("if-match"))
        return JSONResponse(out, headers={"ETag": proposals.etag(out["version"])})

    return await idempotent(request, runtime, principal, work)


class FromPlanIn(BaseModel):
    plan_id: str = Field(min_length=1, max_length=64)
    nips: list[str] | None = Field(
        default=None, max_length=100000, description="Only these employees' moves (default all)"
    )
    planned_tmt: date | None = Field(default=None, description="Default: the round's")
    reason: str | None = Field(default=None, max_length=2000)


@router.post(
    "/rounds/{round_id}/proposals/from-plan",
    summary="Turn a plan's moves into draft proposals; supersedes older plans' undecided ones",
)
async def proposals_from_plan(
    round_id: str, body: FromPlanIn, request: Request, runtime: RuntimeDep, principal: Admin
) -> Response:
    caller = await caller_for(runtime, principal)

    async def work(tx: Transaction) -> Response:
        view = await rounds.round_view(tx.conn, round_id)
        _, moves = await proposals.plan_moves(tx.conn, body.plan_id)
        superseded = await proposals.supersede_older(tx, round_id, body.plan_id, caller)
        await rounds.set_round_plan(tx.conn, round_id, body.plan_id)
        nips = body.nips if body.nips is not None else sorted(moves)
        tmt = body.planned_tmt or view["planned_tmt"]
        results = []
        for nip in nips:
            try:
                one = proposals.ProposalIn(
                    nip=nip,
                    round_id=round_id,
                    plan_id=body.plan_id,
                    reason=body.reason,
                    planned_tmt=tmt,
                )
                out = await proposals.create(tx, one, caller)
                results.append({"nip": nip, "status": 201, **out})
            except wf.WorkflowError as err:
                results.append(
                    {
                        "nip": nip,
                        "status": err.status,
                        "code": err.code,
                        "detail_en": err.message_en,
                        "detail_id": err.message_id,
                    }
                )
            except ValueError as err:
                results.append(
                    {
                        "nip": nip,
                        "status": 422,
                        "code": "validation-error",
                        "detail_en": str(err)[:300],
                        "detail_id": "data tidak sah",
                    }
                )
        created = sum(1 for r in results if r["status"] == 201)
        return JSONResponse(
            {
                "round_id": round_id,
                "plan_id": body.plan_id,
                "created": created,
                "refused": len(results) - created,
                "superseded": superseded,
                "results": results,
            }
        )

    return await idempotent(request, runtime, principal, work)


class DecisionItem(BaseModel):
    proposal_id: str = Field(max_length=64)
    decision: Literal["approve", "reject"]
    if_match: str = Field(max_length=40, description="The ETag of the proposal you read")
    reason: str | None = Field(default=None, max_length=2000)
    justification: str | None = Field(default=None, max_length=4000)
    mendagri_approval: proposals.MendagriApprovalIn | None = None


class BatchDecisionIn(BaseModel):
    items: list[DecisionItem] = Field(min_length=1, max_length=5000)


@router.post(
    "/rounds/{round_id}/decisions",
    summary="PPK decisions on many proposals of a round, with a result per item",
)
async def batch_decisions(
    round_id: str,
    body: BatchDecisionIn,
    request: Request,
    runtime: RuntimeDep,
    principal: Authenticated,
) -> Response:
    caller = await caller_for(runtime, principal, may_delegate=True)
    if "ppk" not in principal.roles and caller.actor.delegation_id is None:
        raise wf.WorkflowError(
            403,
            "forbidden-role",
            "decisions need the role ppk or a recorded delegation",
            "keputusan memerlukan peran ppk atau pendelegasian yang tercatat",
            rule="ROLE",
        )

    async def work(tx: Transaction) -> Response:
        await rounds.round_view(tx.conn, round_id)
        results: list[dict[str, Any]] = []
        for item in body.items:
            decision = proposals.DecisionIn(
                reason=item.reason,
                justification=item.justification,
                mendagri_approval=item.mendagri_approval,
            )
            try:
                row = await proposals.load(tx.conn, item.proposal_id)
                if row.round_id != round_id:
                    raise wf.WorkflowError(
                        422,
                        "validation-error",
                        "the proposal is not in this round",
                        "usulan tidak termasuk putaran ini",
                        field="proposal_id",
                    )
                out = await proposals.transition(
                    tx, item.proposal_id, item.decision, caller, item.if_match, decision
                )
                results.append({"status": 200, **out, "etag": proposals.etag(out["version"])})
            except wf.WorkflowError as err:
                results.append(
                    {
                        "proposal_id": item.proposal_id,
                        "status": err.status,
                        "code": err.code,
                        "detail_en": err.message_en,
                        "detail_id": err.message_id,
                        **{k: v for k, v in err.extra.items() if k in ("rule", "citation")},
                    }
                )
        ok = sum(1 for r in results if r["status"] == 200)
        return JSONResponse(
            {"round_id": round_id, "decided": ok, "refused": len(results) - ok, "results": results}
        )

    return await idempotent(request, runtime, acting(principal, "approve", caller), work)


@router.post(
    "/rounds/{round_id}/execute",
    summary="Execute every approved proposal of a round under one batch SK (per-item results)",
)
async def batch_execute(
    round_id: str,
    body: proposals.ExecuteIn,
    request: Request,
    runtime: RuntimeDep,
    principal: Admin,
) -> Response:
    caller = await caller_for(runtime, principal)

    async def work(tx: Transaction) -> Response:
        await rounds.round_view(tx.conn, round_id)
        rows = await rounds.approved_in_round(tx.conn, round_id)
        results: list[dict[str, Any]] = []
        for pid, version in rows:
            try:
                out = await proposals.transition(
                    tx, pid, "execute", caller, proposals.etag(version), body
                )
                results.append({"status": 200, **out})
            except wf.WorkflowError as err:
                results.append(
                    {
                        "proposal_id": pid,
                        "status": err.status,
                        "code": err.code,
                        "detail_en": err.message_en,
                        "detail_id": err.message_id,
                    }
                )
        ok = sum(1 for r in results if r["status"] == 200)
        if ok:
            await rounds.set_batch_sk(tx.conn, round_id, body.sk_number, body.sk_date)
        return JSONResponse(
            {"round_id": round_id, "executed": ok, "refused": len(results) - ok, "results": results}
        )

    return await idempotent(request, runtime, principal, work)


async def _draft(runtime: RuntimeDep, round_id: str) -> Any:
    settings = workflow_settings(runtime)
    async with runtime.engine.connect() as conn:
        return await rounds.sk_draft(conn, round_id, settings.pemda_name, settings.ppk_title)


@router.get(
    "/rounds/{round_id}/sk-draft.xlsx",
    summary="The round's SK draft (lampiran) as .xlsx",
    response_class=Response,
)
async def sk_draft_xlsx(round_id: str, runtime: RuntimeDep, _p: Reader) -> Response:
    draft = await _draft(runtime, round_id)
    data = await run_in_threadpool(sk_documents.render_sk_xlsx, draft)
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="sk-draft-{round_id}.xlsx"'},
    )


@router.get(
    "/rounds/{round_id}/sk-draft.pdf",
    summary="The round's SK draft (lampiran) as PDF",
    response_class=Response,
)
async def sk_draft_pdf(round_id: str, runtime: RuntimeDep, _p: Reader) -> Response:
    draft = await _draft(runtime, round_id)
    data = await run_in_threadpool(sk_documents.render_sk_pdf, draft)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="sk-draft-{round_id}.pdf"'},
    )


# -- blackouts -------------------------------------------------------------------------------
@router.post("/blackouts", status_code=201, summary="Set an election blackout window (admin)")
async def set_blackout(
    body: rounds.BlackoutIn, request: Request, runtime: RuntimeDep, principal: Admin
) -> Response:
    async def work(tx: Transaction) -> Response:
        return JSONResponse(await rounds.set_blackout(tx, body), status_code=201)

    return await idempotent(request, runtime, principal, work)


@router.post("/blackouts/{blackout_id}/end", summary="End a blackout window early (admin)")
async def end_blackout(
    blackout_id: str, request: Request, runtime: RuntimeDep, principal: Admin
) -> Response:
    async def work(tx: Transaction) -> Response:
        return JSONResponse(await rounds.end_blackout(tx, blackout_id))

    return await idempotent(request, runtime, principal, work)


@router.get("/blackouts", summary="Election blackout windows")
async def list_blackouts(runtime: RuntimeDep, _p: Reader) -> dict[str, Any]:
    async with runtime.engine.connect() as conn:
        return {"items": await rounds.list_blackouts(conn)}


# -- delegations -----------------------------------------------------------------------------
PPK = Annotated[Principal, Depends(require_roles("ppk"))]


@router.post("/delegations", status_code=201, summary="The PPK delegates decisions (recorded)")
async def delegate(
    body: rounds.DelegationIn, request: Request, runtime: RuntimeDep, principal: PPK
) -> Response:
    async def work(tx: Transaction) -> Response:
        return JSONResponse(await rounds.delegate(tx, body, principal.nip), status_code=201)

    return await idempotent(request, runtime, principal, work)


@router.post("/delegations/{delegation_id}/revoke", summary="Revoke a delegation (PPK)")
async def revoke(
    delegation_id: str, request: Request, runtime: RuntimeDep, principal: PPK
) -> Response:
    async def work(tx: Transaction) -> Response:
        return JSONResponse(await rounds.revoke_delegation(tx, delegation_id))

    return await idempotent(request, runtime, principal, work)


@router.get("/delegations", summary="PPK delegations")
async def list_delegations(runtime: RuntimeDep, _p: Reader) -> dict[str, Any]:
    async with runtime.engine.connect() as conn:
        return {"items": await rounds.list_delegations(conn)}
