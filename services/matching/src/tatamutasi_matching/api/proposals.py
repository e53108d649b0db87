"""Mutasi proposals (usulan): create, read, and move through the workflow. Transitions need
`If-Match` (the ETag you read) and accept `Idempotency-Key`; refusals are problem+json
naming the rule (role, separation of duties, blackout, objection, eligibility, TMT)."""

from dataclasses import replace
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from tatamutasi_contracts.pegawai import NIP_PATTERN
from tatamutasi_matching.domain import workflow as wf
from tatamutasi_matching.service import proposals, rounds, workflow_queries
from tatamutasi_matching.service import workflow_context as ctxs
from tatamutasi_matching.service.workflow_settings import workflow_settings
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.http import (
    RuntimeDep,
    authenticate,
    decode_cursor,
    encode_cursor,
    idempotent,
    require_roles,
)
from tatamutasi_platform.runtime import Runtime, Transaction

router = APIRouter(prefix="/proposals", tags=["proposals"])

Authenticated = Annotated[Principal, Depends(authenticate)]
READERS = ("admin", "operator", "penilai", "ppk", "auditor", "pegawai", "integration")
Reader = Annotated[Principal, Depends(require_roles(*READERS))]


def today() -> date:
    return utcnow().date()


async def caller_for(
    runtime: Runtime, principal: Principal, *, may_delegate: bool = False
) -> proposals.Caller:
    """The caller as the workflow sees them; a PPK delegation is looked up only where it can
    matter (a decision by someone without the ppk role)."""
    delegation_id = None
    if may_delegate and "ppk" not in principal.roles:
        async with runtime.engine.connect() as conn:
            delegation_id = await ctxs.active_delegation(conn, principal.sub, today())
    actor = wf.Actor(
        sub=principal.sub,
        roles=principal.roles,
        units=principal.units,
        nip=principal.nip,
        delegation_id=delegation_id,
    )
    return proposals.Caller(actor, today(), workflow_settings(runtime).tmt_tolerance_days)


def acting(principal: Principal, action: wf.Action, caller: proposals.Caller) -> Principal:
    """The role the event records: the first allowed role held, else PPK delegate."""
    p = principal.acting_as(wf.ROLES_FOR[action])
    if p.acting_role is None and caller.actor.delegation_id and action in ("approve", "reject"):
        p = replace(p, acting_role="ppk-delegate")
    elif p.acting_role is None:
        p = replace(p, acting_role=next(iter(sorted(principal.roles)), None))
    return p


async def run(
    request: Request,
    runtime: Runtime,
    principal: Principal,
    action: wf.Action,
    proposal_id: str,
    body: BaseModel | None,
) -> Response:
    caller = await caller_for(runtime, principal, may_delegate=action in ("approve", "reject"))

    async def work(tx: Transaction) -> Response:
        try:
            out = await proposals.transition(
                tx, proposal_id, action, caller, request.headers.get("if-match"), body
            )
        except wf.WorkflowError as err:
            raise proposals.problem(err) from None
        return JSONResponse(out, headers={"ETag": proposals.etag(out["version"])})

    return await idempotent(request, runtime, acting(principal, action, caller), work)


def _self_only(principal: Principal, nip: str) -> None:
    only_self = "pegawai" in principal.roles and not principal.has_any(
        READERS[:5] + ("integration",)
    )
    if only_self and principal.nip != nip:
        raise proposals.problem(
            wf.WorkflowError(
                403,
                "forbidden-self-only",
                "employees see only the proposals about themselves",
                "pegawai hanya dapat melihat usulan tentang dirinya sendiri",
                rule="PEGAWAI_SELF_ONLY",
            )
        )


def _operator_scope(principal: Principal) -> frozenset[str] | None:
    """Operators (without a wider role) see moves into or out of their units only."""
    wider = ("admin", "penilai", "ppk", "auditor", "integration")
    if "operator" in principal.roles and not principal.has_any(wider):
        return principal.units
    return None


@router.post("", status_code=201, summary="Draft a proposal (by hand, or from a plan's move)")
async def create_proposal(
    body: proposals.ProposalIn,
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles("admin", "operator"))],
) -> Response:
    caller = await caller_for(runtime, principal)

    async def work(tx: Transaction) -> Response:
        try:
            out = await proposals.create(tx, body, caller)
        except wf.WorkflowError as err:
            raise proposals.problem(err) from None
        return JSONResponse(
            out,
            status_code=201,
            headers={
                "Location": f"/proposals/{out['proposal_id']}",
                "ETag": proposals.etag(out["version"]),
            },
        )

    return await idempotent(request, runtime, principal, work)


@router.get("", summary="Proposals, filtered, cursor-paginated (pegawai: own only)")
async def list_proposals(
    runtime: RuntimeDep,
    principal: Reader,
    round_id: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[str | None, Query(pattern="^(" + "|".join(wf.STATES) + ")$")] = None,
    unit: Annotated[str | None, Query(max_length=64, description="From or to unit")] = None,
    nip: Annotated[str | None, Query(pattern=NIP_PATTERN)] = None,
    writeback: Annotated[str | None, Query(pattern="^(pending|succeeded|failed)$")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    if principal.acting_role == "pegawai":
        if principal.nip is None or (nip is not None and nip != principal.nip):
            _self_only(principal, nip or "")
        nip = principal.nip
    after = decode_cursor(cursor, 2)
    async with runtime.engine.connect() as conn:
        rows = await workflow_queries.page(
            conn,
            after=after,
            limit=limit,
            round_id=round_id,
            state=state,
            unit=unit,
            nip=nip,
            units=_operator_scope(principal),
            writeback=writeback,
        )
        items = []
        for row in rows:
            item = workflow_queries.summary(row)
            if principal.acting_role == "pegawai":
                item["explanation"] = rounds.explanation_of(row)
            items.append(item)
    nxt = encode_cursor([rows[-1].created_at, rows[-1].proposal_id]) if len(rows) == limit else None
    return {"items": items, "next_cursor": nxt}


@router.get("/{proposal_id}", summary="One proposal with explanation, flags, objections")
async def get_proposal(proposal_id: str, runtime: RuntimeDep, principal: Reader) -> Response:
    async with runtime.engine.connect() as conn:
        try:
            out = await workflow_queries.view(conn, proposal_id)
        except wf.WorkflowError as err:
            raise proposals.problem(err) from None
    _self_only(principal, out["nip"])
    scope = _operator_scope(principal)
    if scope is not None and not (
        {out["to_post"]["unor_id"], (out["from_post"] or {}).get("unor_id")} & scope
    ):
        raise proposals.problem(
            wf.WorkflowError(
                403,
                "forbidden-unit",
                "not a move of your units",
                "bukan mutasi di unit Anda",
                rule="OPERATOR_OWN_UNITS",
            )
        )
    return JSONResponse(out, headers={"ETag": proposals.etag(out["version"])})


@router.get("/{proposal_id}/history", summary="Every transition: who, when, why, eligibility")
async def proposal_history(
    proposal_id: str, runtime: RuntimeDep, principal: Reader
) -> dict[str, Any]:
    async with runtime.engine.connect() as conn:
        try:
            row = await proposals.load(conn, proposal_id)
            _self_only(principal, row.nip)
            items = await workflow_queries.history(conn, proposal_id)
        except wf.WorkflowError as err:
            raise proposals.problem(err) from None
    return {"proposal_id": proposal_id, "items": items}


@router.post("/{proposal_id}/submit", summary="draft → submitted (admin, operator)")
async def submit(
    proposal_id: str,
    body: proposals.TransitionIn,
    request: Request,
    runtime: RuntimeDep,
    principal: Authenticated,
) -> Response:
    return await run(request, runtime, principal, "submit", proposal_id, body)


@router.post("/{proposal_id}/review", summary="submitted → reviewed (Tim Penilai: penilai)")
async def review(
    proposal_id: str,
    body: proposals.ReviewIn,
    request: Request,
    runtime: RuntimeDep,
    principal: Authenticated,
) -> Response:
    return await run(request, runtime, principal, "review", proposal_id, body)


@router.post("/{proposal_id}/approve", summary="reviewed → approved (PPK or delegate)")
async def approve(
    proposal_id: str,
    body: proposals.DecisionIn,
    request: Request,
    runtime: RuntimeDep,
    principal: Authenticated,
) -> Response:
    return await run(request, runtime, principal, "approve", proposal_id, body)


@router.post("/{proposal_id}/reject", summary="reviewed → rejected (PPK or delegate; reason)")
async def reject(
    proposal_id: str,
    body: proposals.DecisionIn,
    request: Request,
    runtime: RuntimeDep,
    principal: Authenticated,
) -> Response:
    return await run(request, runtime, principal, "reject", proposal_id, body)


@router.post("/{proposal_id}/execute", summary="approved → executed (admin; SK number, date, TMT)")
async def execute(
    proposal_id: str,
    body: proposals.ExecuteIn,
    request: Request,
    runtime: RuntimeDep,
    principal: Authenticated,
) -> Response:
    return await run(request, runtime, principal, "execute", proposal_id, body)


@router.post("/{proposal_id}/withdraw", summary="→ withdrawn (admin, operator; reason)")
async def withdraw(
    proposal_id: str,
    body: proposals.TransitionIn,
    request: Request,
    runtime: RuntimeDep,
    principal: Authenticated,
) -> Response:
    return await run(request, runtime, principal, "withdraw", proposal_id, body)


@router.post("/{proposal_id}/supersede", summary="→ superseded by a newer plan (admin)")
async def supersede(
    proposal_id: str,
    body: proposals.SupersedeIn,
    request: Request,
    runtime: RuntimeDep,
    principal: Authenticated,
) -> Response:
    return await run(request, runtime, principal, "supersede", proposal_id, body)


@router.post(
    "/{proposal_id}/objections",
    status_code=201,
    summary="File an objection (keberatan; pegawai, about themselves only)",
)
async def file_objection(
    proposal_id: str,
    body: rounds.ObjectionIn,
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles("pegawai"))],
) -> Response:
    caller = await caller_for(runtime, principal)

    async def work(tx: Transaction) -> Response:
        try:
            out = await rounds.file_objection(tx, proposal_id, body, caller)
        except wf.WorkflowError as err:
            raise proposals.problem(err) from None
        return JSONResponse(out, status_code=201)

    return await idempotent(request, runtime, principal, work)


@router.post(
    "/{proposal_id}/objections/{objection_id}/answer",
    summary="Answer an objection (admin, penilai); the employee sees the answer",
)
async def answer_objection(
    proposal_id: str,
    objection_id: str,
    body: rounds.AnswerIn,
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles("admin", "penilai"))],
) -> Response:
    async def work(tx: Transaction) -> Response:
        try:
            out = await rounds.answer_objection(tx, proposal_id, objection_id, body)
        except wf.WorkflowError as err:
            raise proposals.problem(err) from None
        return JSONResponse(out)

    return await idempotent(request, runtime, principal, work)
