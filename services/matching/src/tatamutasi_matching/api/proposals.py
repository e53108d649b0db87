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
from tatamutasi_platform.responses import problem_responses
from tatamutasi_platform.runtime import Runtime, Transaction

router = APIRouter(
    prefix="/proposals", tags=["proposals"], responses=problem_responses(400, 404, 409, 412, 428)
)

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
        out = await proposals.transition(
            tx, proposal_id, action, caller, request.headers.get("if-match"), body
        )
        return JSONResponse(out, headers={"ETag": proposals.etag(out["version"])})

    return await idempotent(request, runtime, acting(principal, action, caller), work)


def _self_only(principal: Principal, nip: str) -> None:
    only_self = "pegawai" in principal.roles and not principal.has_any(
        READERS[:5] + ("integration",)
    )
    if only_self and principal.nip != nip:
        raise wf.WorkflowError(
            403,
            "forbidden-self-only",
            "employees see only the proposals about themselves",
            "pegawai hanya dapat melihat usulan tentang dirinya sendiri",
            rule="PEGAWAI_SELF_ONLY",
        )


def _operator_scope(principal: Principal) -> frozenset[str] | None:
    """Operators (without a wider role) see moves into or out of their units only."""
    wider = ("admin", "penilai", "ppk", "auditor", "integration")
    if "operator" in principal.roles and not principal.has_any(wider):
        return principal.units
    return None


def _own_units_only(principal: Principal, *unor_ids: str | None) -> None:
    """An operator (without a wider role) reads only moves into or out of their units."""
    scope = _operator_scope(principal)
    if scope is not None and not ({u for u in unor_ids if u} & scope):
        raise wf.WorkflowError(
            403,
            "forbidden-unit",
            "not a move of your units",
            "bukan mutasi di unit Anda",
            rule="OPERATOR_OWN_UNITS",
        )


@router.post("", status_code=201, summary="Draft a proposal (by hand, or from a plan's move)")
async def create_proposal(
    body: proposals.ProposalIn,
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles("admin", "operator"))],
) -> Response:
    caller = await caller_for(runtime, principal)

    async def work(tx: Transaction) -> Response:
        out = await proposals.create(tx, body, caller)
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
        out = await workflow_queries.view(conn, proposal_id)
    _self_only(principal, out["nip"])
    _own_units_only(principal, out["to_post"]["unor_id"], (out["from_post"] or {}).get("unor_id"))
    return JSONResponse(out, headers={"ETag": proposals.etag(out["version"])})


@router.get("/{proposal_id}/history", summary="Every transition: who, when, why, eligibility")
async def proposal_history(
    proposal_id: str, runtime: RuntimeDep, principal: Reader
) -> dict[str, Any]:
    async with runtime.engine.connect() as conn:
        row = await proposals.load(conn, proposal_id)
        _self_only(principal, row.nip)
        _own_units_only(principal, row.to_unor_id, row.from_unor_id)
        items = await workflow_queries.history(conn, proposal_id)
    return {"proposal_id": proposal_id, "items": items}


# -- transitions: one table, one endpoint each -------------------------------------------------
TRANSITION_ENDPOINTS: tuple[tuple[wf.Action, type[BaseModel], str], ...] = (
    ("submit", proposals.TransitionIn, "draft → submitted (admin, operator)"),
    ("review", proposals.ReviewIn, "submitted → reviewed (Tim Penilai: penilai)"),
    ("approve", proposals.DecisionIn, "reviewed → approved (PPK or delegate)"),
    ("reject", proposals.DecisionIn, "reviewed → rejected (PPK or delegate; reason)"),
    ("execute", proposals.ExecuteIn, "approved → executed (admin; SK number, date, TMT)"),
    ("withdraw", proposals.TransitionIn, "→ withdrawn (admin, operator; reason)"),
    ("supersede", proposals.SupersedeIn, "→ superseded by a newer plan (admin)"),
)
"""action → request body and summary; each becomes `POST /proposals/{id}/<action>` with the
operation id `<action>`. Roles, separation of duties and the gates are the workflow's."""


def _transition_endpoint(action: wf.Action, model: type[BaseModel]) -> Any:
    async def endpoint(
        proposal_id: str,
        body: model,  # type: ignore[valid-type]
        request: Request,
        runtime: RuntimeDep,
        principal: Authenticated,
    ) -> Response:
        return await run(request, runtime, principal, action, proposal_id, body)

    endpoint.__name__ = action
    return endpoint


for _action, _model, _summary in TRANSITION_ENDPOINTS:
    router.add_api_route(
        f"/{{proposal_id}}/{_action}",
        _transition_endpoint(_action, _model),
        methods=["POST"],
        summary=_summary,
        name=_action,
    )


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
        out = await rounds.file_objection(tx, proposal_id, body, caller)
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
        out = await rounds.answer_objection(tx, proposal_id, objection_id, body)
        return JSONResponse(out)

    return await idempotent(request, runtime, principal, work)
