"""Proposal (usulan) use cases: create one by hand or from a plan's move, and move it through
the workflow. Each transition runs inside the caller's unit of work: it checks the ETag, the
state machine, the actor's role, separation of duties and the gates, re-checks eligibility,
then updates the row (guarded by its version), appends a history row and emits the event —
all or nothing."""

import json
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts import mutasi as me
from tatamutasi_contracts.pegawai import NIP_PATTERN, JenisPenugasan
from tatamutasi_matching.adapters.orm import (
    plan,
    proposal,
    proposal_active,
    proposal_transition,
)
from tatamutasi_matching.domain import workflow as wf
from tatamutasi_matching.service import talent
from tatamutasi_matching.service import workflow_context as ctxs
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.db import dialect_insert
from tatamutasi_platform.runtime import Transaction


def not_found(proposal_id: str) -> wf.WorkflowError:
    return wf.WorkflowError(
        404,
        "not-found",
        f"proposal {proposal_id!r} does not exist",
        f"usulan {proposal_id!r} tidak ditemukan",
        resource_id=proposal_id,
    )


# -- ETag / If-Match -----------------------------------------------------------------------
def etag(version: int) -> str:
    return f'"v{version}"'


def check_version(if_match: str | None, current: int) -> None:
    """428 without If-Match, 412 when it names another version (`*` accepts any)."""
    if if_match is None:
        raise wf.WorkflowError(
            428,
            "precondition-required",
            "send If-Match with the ETag you read, so that concurrent decisions cannot "
            "overwrite each other",
            "sertakan If-Match berisi ETag yang Anda baca agar keputusan bersamaan tidak "
            "saling menimpa",
        )
    tags = {t.strip().removeprefix("W/") for t in if_match.split(",")}
    if "*" not in tags and etag(current) not in tags:
        raise stale(current)


def stale(current: int) -> wf.WorkflowError:
    return wf.WorkflowError(
        412,
        "precondition-failed",
        "the proposal changed since you read it; read it again and retry",
        "usulan sudah berubah sejak Anda membacanya; muat ulang lalu coba lagi",
        current_etag=etag(current),
    )


# -- inputs --------------------------------------------------------------------------------
class MendagriApprovalIn(BaseModel):
    number: str = Field(min_length=1, max_length=200)
    letter_date: date
    document_ref: str = Field(min_length=1, max_length=500)


class ProposalIn(BaseModel):
    """A proposal by hand (to_unor_id + to_jabatan_id) or from a plan's move (plan_id: the
    target post and the explanation come from the plan)."""

    nip: str = Field(pattern=NIP_PATTERN)
    round_id: str | None = Field(default=None, max_length=64)
    plan_id: str | None = Field(default=None, max_length=64)
    to_unor_id: str | None = Field(default=None, min_length=1, max_length=64)
    to_jabatan_id: str | None = Field(default=None, min_length=1, max_length=64)
    jenis_penugasan: JenisPenugasan = "D"
    reason: str | None = Field(default=None, max_length=2000)
    planned_tmt: date | None = None
    backdate_reason: str | None = Field(default=None, max_length=2000)


class TransitionIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


class ReviewIn(BaseModel):
    recommendation: Literal["agree", "disagree"]
    notes: str | None = Field(default=None, max_length=4000)


class DecisionIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)
    justification: str | None = Field(
        default=None, max_length=4000, description="Required when red flags are open."
    )
    mendagri_approval: MendagriApprovalIn | None = Field(
        default=None, description="Required inside an election blackout window."
    )


class ExecuteIn(BaseModel):
    sk_number: str = Field(min_length=1, max_length=200)
    sk_date: date
    tmt: date
    backdate_reason: str | None = Field(default=None, max_length=2000)


class SupersedeIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    superseded_by_plan_id: str | None = Field(default=None, max_length=64)


@dataclass(frozen=True)
class Caller:
    """Who calls, as the workflow sees them, and the day it is for them."""

    actor: wf.Actor
    today: date
    tolerance_days: int


# -- plans ---------------------------------------------------------------------------------
_PLAN_CACHE: "OrderedDict[str, dict[str, Any]]" = OrderedDict()


_PLAN_SHA: "OrderedDict[str, str]" = OrderedDict()
"""plan id → result hash of finished plans (a done plan never changes)."""


def _plan_missing(plan_id: str) -> wf.WorkflowError:
    return wf.WorkflowError(
        422,
        "validation-error",
        f"plan {plan_id} does not exist or is not done",
        f"rencana {plan_id} tidak ada atau belum selesai",
        field="plan_id",
    )


async def plan_moves(conn: AsyncConnection, plan_id: str) -> tuple[str, dict[str, dict[str, Any]]]:
    """A finished plan's moves by NIP, each with its explanation (parsed results are cached
    by their SHA-256: a plan never changes once done)."""
    row = (
        await conn.execute(
            sa.select(plan.c.status, plan.c.result_sha256).where(plan.c.plan_id == plan_id)
        )
    ).first()
    if row is None:
        raise _plan_missing(plan_id)
    return await _moves(conn, plan_id, row.status, row.result_sha256)


def cached_moves(plan_id: str) -> dict[str, dict[str, Any]] | None:
    """The moves of a finished plan already parsed in this process, if any."""
    sha = _PLAN_SHA.get(plan_id)
    return _PLAN_CACHE.get(sha) if sha is not None else None


async def _moves(
    conn: AsyncConnection, plan_id: str, status: str | None, sha: str | None
) -> tuple[str, dict[str, dict[str, Any]]]:
    if status != "done" or sha is None:
        raise _plan_missing(plan_id)
    sha = str(sha)
    moves = _PLAN_CACHE.get(sha)
    if moves is None:
        text = (await conn.execute(sa.select(plan.c.result).where(plan.c.plan_id == plan_id))).one()
        result = json.loads(text[0])
        explanations = result.get("explanations") or {}
        why = {x["employee"]: x for x in explanations.get("employees", [])}
        detail = {m["employee"]: m for m in explanations.get("moves", [])}
        moves = {}
        for m in result.get("moves", []):
            nip = m["employee"]
            d = detail.get(nip) or {}
            alternatives = d.get("alternatives") or []
            moves[nip] = {
                "from": m["from"],
                "to": m["to"],
                "score": m.get("score"),
                "plan_rank": 1 + sum(1 for a in alternatives if a.get("score", 0) > m["score"]),
                "explanation": {"employee": why.get(nip), "move": d or m},
            }
        _PLAN_CACHE[sha] = moves
        while len(_PLAN_CACHE) > 4:
            _PLAN_CACHE.popitem(last=False)
    _PLAN_SHA[plan_id] = sha
    while len(_PLAN_SHA) > 64:
        _PLAN_SHA.popitem(last=False)
    return sha, moves


def split_post(post_id: str) -> tuple[str, str]:
    unit, _, jabatan = post_id.partition("/")
    return unit, jabatan


# -- reading -------------------------------------------------------------------------------
async def load(conn: AsyncConnection, proposal_id: str) -> Any:
    row = (
        await conn.execute(sa.select(proposal).where(proposal.c.proposal_id == proposal_id))
    ).first()
    if row is None:
        raise not_found(proposal_id)
    return row


def facts(row: Any) -> wf.ProposalFacts:
    return wf.ProposalFacts(
        proposal_id=row.proposal_id,
        nip=row.nip,
        state=row.state,
        from_unor_id=row.from_unor_id,
        to_unor_id=row.to_unor_id,
        created_by=row.created_by,
        reviewed_by=row.reviewed_by,
    )


def _common(row: Any, **changes: Any) -> dict[str, Any]:
    values = {
        "proposal_id": row.proposal_id,
        "round_id": row.round_id,
        "nip": row.nip,
        "from_post": (
            me.PostRef(unor_id=row.from_unor_id, jabatan_id=row.from_jabatan_id)
            if row.from_unor_id and row.from_jabatan_id
            else None
        ),
        "to_post": me.PostRef(unor_id=row.to_unor_id, jabatan_id=row.to_jabatan_id),
        "jenis_mutasi": row.jenis_mutasi,
        "jenis_penugasan": row.jenis_penugasan,
        "plan_id": row.plan_id,
        "planned_tmt": row.planned_tmt,
    }
    values.update(changes)
    return values


# -- create --------------------------------------------------------------------------------
def _round_open(round_id: str | None, status: str | None) -> None:
    if round_id is None:
        return
    if status is None:
        raise wf.WorkflowError(
            422,
            "validation-error",
            f"round {round_id} does not exist",
            f"putaran {round_id} tidak ada",
            field="round_id",
        )
    if status != "open":
        raise wf.WorkflowError(
            409,
            "round-closed",
            f"round {round_id} is {status}; it takes no new proposals",
            f"putaran {round_id} berstatus {status}; tidak menerima usulan baru",
            field="round_id",
        )


_CLAIM: dict[str, Any] = {}


async def _claim(conn: AsyncConnection, nip: str, proposal_id: str) -> None:
    """At most one active proposal per employee (primary key on `proposal_active`)."""
    stmt = _CLAIM.get(conn.dialect.name)
    if stmt is None:
        stmt = _CLAIM[conn.dialect.name] = dialect_insert(
            conn, proposal_active
        ).on_conflict_do_nothing(index_elements=["nip"])
    result = await conn.execute(stmt, {"nip": nip, "proposal_id": proposal_id})
    if result.rowcount != 1:
        held = (
            await conn.execute(
                sa.select(proposal_active.c.proposal_id).where(proposal_active.c.nip == nip)
            )
        ).scalar_one_or_none()
        raise wf.WorkflowError(
            409,
            "active-proposal-exists",
            f"employee {nip} is already in an active proposal ({held}); withdraw or decide it "
            "first",
            f"pegawai {nip} sudah ada dalam usulan aktif ({held}); tarik atau putuskan dulu",
            field="nip",
            active_proposal_id=held,
        )


async def _release(conn: AsyncConnection, row: Any) -> None:
    await conn.execute(_RELEASE, {"where_nip": row.nip, "where_proposal_id": row.proposal_id})


_HISTORY = proposal_transition.insert()
_UPDATE = sa.update(proposal).where(
    proposal.c.proposal_id == sa.bindparam("where_proposal_id"),
    proposal.c.version == sa.bindparam("where_version"),
)
_RELEASE = sa.delete(proposal_active).where(
    proposal_active.c.nip == sa.bindparam("where_nip"),
    proposal_active.c.proposal_id == sa.bindparam("where_proposal_id"),
)
"""Statements built once and executed with parameter dicts: SQLAlchemy then compiles each
shape once instead of building and keying a new statement per request."""


def _history_row(
    *,
    proposal_id: str,
    action: str,
    from_state: str | None,
    to_state: str,
    version: int,
    caller: Caller,
    role: str | None,
    reason: str | None,
    eligibility: me.EligibilityResult | None,
    at: str,
) -> dict[str, Any]:
    return {
        "proposal_id": proposal_id,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "version": version,
        "actor": caller.actor.sub,
        "actor_role": role,
        "actor_nip": caller.actor.nip,
        "reason": reason,
        "eligibility": eligibility.model_dump_json() if eligibility is not None else None,
        "at": at,
    }


async def _history(conn: AsyncConnection, **fields: Any) -> None:
    await conn.execute(_HISTORY, _history_row(**fields))


async def create(tx: Transaction, body: ProposalIn, caller: Caller) -> dict[str, Any]:
    """Draft a proposal. From a plan: the move for `nip` in that finished plan gives the
    target post, score, rank and explanation. By hand: the target post must be known."""
    conn = tx.conn
    # one statement reads the round, plan, employee, target post and waiver count; the target
    # is known up front by hand, or from the plan's moves when this process parsed them before
    expected: tuple[str, str] | None = None
    if body.plan_id is not None:
        known = cached_moves(body.plan_id)
        if known is not None and body.nip in known:
            expected = split_post(known[body.nip]["to"])
    elif body.to_unor_id is not None and body.to_jabatan_id is not None:
        expected = (body.to_unor_id, body.to_jabatan_id)
    reads = await ctxs.create_reads(conn, body.nip, body.round_id, body.plan_id, expected)
    _round_open(body.round_id, reads.round_status)
    doc = reads.profile
    if doc is None or not doc.get("unor_id"):
        raise wf.WorkflowError(
            422,
            "validation-error",
            f"unknown employee {body.nip}",
            f"pegawai {body.nip} tidak dikenal",
            field="nip",
        )
    # the from post is the employee's post as the registry knows it now (a plan may be older)
    from_unor, from_jab = doc.get("unor_id"), doc.get("jabatan_id")
    origin: Literal["plan", "manual"] = "manual"
    score = rank = None
    explanation: dict[str, Any] | None = None
    if body.plan_id is not None:
        _, moves = await _moves(conn, body.plan_id, reads.plan_status, reads.plan_sha)
        move = moves.get(body.nip)
        if move is None:
            raise wf.WorkflowError(
                422,
                "validation-error",
                f"plan {body.plan_id} does not move {body.nip}",
                f"rencana {body.plan_id} tidak memutasi {body.nip}",
                field="nip",
            )
        to_unor, to_jab = split_post(move["to"])
        if (body.to_unor_id, body.to_jabatan_id) not in ((None, None), (to_unor, to_jab)):
            raise wf.WorkflowError(
                422,
                "validation-error",
                "the target post differs from the plan's move",
                "jabatan tujuan berbeda dengan usulan dalam rencana",
                field="to_jabatan_id",
            )
        origin, score, rank, explanation = (
            "plan",
            move["score"],
            move["plan_rank"],
            move["explanation"],
        )
        post = (
            reads.post
            if reads.target == (to_unor, to_jab)
            else await talent.load_post(conn, to_unor, to_jab)
        )
    else:
        if body.to_unor_id is None or body.to_jabatan_id is None:
            raise wf.WorkflowError(
                422,
                "validation-error",
                "a proposal by hand needs to_unor_id and to_jabatan_id",
                "usulan manual wajib berisi to_unor_id dan to_jabatan_id",
                field="to_jabatan_id",
            )
        to_unor, to_jab = body.to_unor_id, body.to_jabatan_id
        post = reads.post
        if post is None:
            raise wf.WorkflowError(
                422,
                "validation-error",
                f"unknown post {to_unor}/{to_jab}",
                f"jabatan {to_unor}/{to_jab} tidak dikenal",
                field="to_jabatan_id",
            )
        if (to_unor, to_jab) == (from_unor, from_jab) and body.jenis_penugasan == "D":
            raise wf.WorkflowError(
                422,
                "validation-error",
                "the employee already holds this post",
                "pegawai sudah menduduki jabatan ini",
                field="to_jabatan_id",
            )
        explanation = {"manual": True, "reason": body.reason}
    role = wf.authorize("create", caller.actor, None, to_unor_id=to_unor, from_unor_id=from_unor)
    wf.tmt_gate(body.planned_tmt, caller.today, caller.tolerance_days, body.backdate_reason)
    check = await ctxs.eligibility_of(
        conn,
        body.nip,
        doc,
        to_unor,
        to_jab,
        post,
        body.planned_tmt or caller.today,
        waivers_known=reads.waivers,
    )
    # every refusal comes before the first write (batches rely on it: nothing half-done)
    proposal_id = str(uuid.uuid4())
    await _claim(conn, body.nip, proposal_id)
    now = utcnow().isoformat()
    row = {
        "proposal_id": proposal_id,
        "round_id": body.round_id,
        "nip": body.nip,
        "state": "draft",
        "version": 1,
        "from_unor_id": from_unor,
        "from_jabatan_id": from_jab,
        "to_unor_id": to_unor,
        "to_jabatan_id": to_jab,
        "jenis_mutasi": wf.jenis_mutasi(from_unor, to_unor),
        "jenis_penugasan": body.jenis_penugasan,
        "reason": body.reason,
        "planned_tmt": body.planned_tmt,
        "backdate_reason": body.backdate_reason,
        "origin": origin,
        "plan_id": body.plan_id,
        "score": score,
        "plan_rank": rank,
        "explanation": json.dumps(explanation, sort_keys=True) if explanation else None,
        "created_by": caller.actor.sub,
        "created_by_role": role,
        "created_at": now,
        "updated_at": now,
    }
    await conn.execute(proposal.insert(), row)
    await _history(
        conn,
        proposal_id=proposal_id,
        action="create",
        from_state=None,
        to_state="draft",
        version=1,
        caller=caller,
        role=role,
        reason=body.reason,
        eligibility=check.result,
        at=now,
    )
    await tx.emit(
        me.MutasiProposalCreated(
            **_common(SimpleNamespace(**row)),
            state="draft",
            version=1,
            actor_nip=caller.actor.nip,
            reason=body.reason,
            eligibility=check.result,
            origin=origin,
            score=score,
            plan_rank=rank,
            created_by_role=role,
        ),
        subject=proposal_id,
        key=proposal_id,
    )
    return {"proposal_id": proposal_id, "version": 1, "state": "draft"}


# -- transitions ---------------------------------------------------------------------------
async def transition(
    tx: Transaction,
    proposal_id: str,
    action: wf.Action,
    caller: Caller,
    if_match: str | None,
    body: BaseModel | None = None,
) -> dict[str, Any]:
    """Apply one transition; returns the proposal's new state and version."""
    conn = tx.conn
    reads = await ctxs.transition_reads(conn, proposal_id, caller.actor.nip)
    if reads is None:
        raise not_found(proposal_id)
    row = reads.row
    p = facts(row)
    role = wf.authorize(action, caller.actor, p)
    check_version(if_match, row.version)
    target = wf.next_state(action, row.state)
    if action in wf.DECIDING:
        kin = (
            await ctxs.kin_context(
                conn, caller.actor, [u for u in (row.from_unor_id, row.to_unor_id) if u]
            )
            if reads.relatives
            else wf.KinContext()
        )
        wf.check_sod(action, caller.actor, p, kin)
    today = caller.today
    values: dict[str, Any] = {}
    reason: str | None = getattr(body, "reason", None)
    extra: dict[str, Any] = {}
    check: ctxs.EligibilityCheck | None = None

    if action in ("review", "approve", "execute"):
        effective = row.planned_tmt or today
        if isinstance(body, ExecuteIn):
            effective = body.tmt
        check = await ctxs.eligibility_of(
            conn,
            row.nip,
            reads.profile,
            row.to_unor_id,
            row.to_jabatan_id,
            ctxs.post_of(reads),
            effective,
            waivers_known=reads.waivers,
        )
        wf.eligibility_gate(action, check.checks)

    if action == "review":
        assert isinstance(body, ReviewIn)
        reason = body.notes
        values.update(
            reviewed_by=caller.actor.sub,
            recommendation=body.recommendation,
            review_notes=body.notes,
        )
        extra.update(recommendation=body.recommendation, notes=body.notes)
    elif action == "approve":
        assert isinstance(body, DecisionIn)
        wf.objection_gate(reads.open_objections)
        flags = await ctxs.open_flags(conn, proposal_id) if reads.open_flags else []
        acknowledged = wf.flags_gate([f["flag_id"] for f in flags], body.justification)
        ma = body.mendagri_approval
        window = wf.blackout_gate(
            await ctxs.blackouts(conn) if reads.blackouts else [],
            today,
            row.planned_tmt,
            wf.MendagriRef(ma.number, ma.letter_date, ma.document_ref) if ma else None,
        )
        approval = me.MendagriApproval(**ma.model_dump()) if (ma and window) else None
        delegation_id = caller.actor.delegation_id if role == "delegate" else None
        values.update(
            decided_by=caller.actor.sub,
            decision_reason=reason,
            delegation_id=delegation_id,
            approved_at=utcnow().isoformat(),
            approval=json.dumps(
                {
                    "justification": body.justification,
                    "acknowledged_flags": acknowledged,
                    "mendagri_approval": approval.model_dump(mode="json") if approval else None,
                    "blackout_id": window.blackout_id if window else None,
                },
                sort_keys=True,
            ),
        )
        extra.update(
            justification=body.justification,
            acknowledged_flags=acknowledged,
            delegation_id=delegation_id,
            mendagri_approval=approval,
            in_blackout=window is not None,
        )
    elif action == "reject":
        assert isinstance(body, DecisionIn)
        _require_reason(reason, "a rejection")
        delegation_id = caller.actor.delegation_id if role == "delegate" else None
        values.update(
            decided_by=caller.actor.sub, decision_reason=reason, delegation_id=delegation_id
        )
    elif action == "execute":
        assert isinstance(body, ExecuteIn)
        wf.tmt_gate(body.tmt, today, caller.tolerance_days, body.backdate_reason, "tmt")
        if body.sk_date > today:
            raise wf.WorkflowError(
                422,
                "validation-error",
                "the SK date is in the future",
                "tanggal SK berada di masa depan",
                field="sk_date",
            )
        snap = ctxs.snapshot_of(
            row,
            reads.profile,
            reads.from_jabatan,
            reads.to_jabatan,
            reads.from_unit_name,
            reads.to_unit_name,
        )
        reason = body.backdate_reason
        values.update(
            sk_number=body.sk_number,
            sk_date=body.sk_date,
            tmt=body.tmt,
            executed_at=utcnow().isoformat(),
            snapshot=snap.model_dump_json(),
            writeback_status="pending",
            writeback_attempts=0,
        )
        extra.update(
            sk_number=body.sk_number,
            sk_date=body.sk_date,
            tmt=body.tmt,
            approved_at=_aware(row.approved_at),
            snapshot=snap,
        )
    elif action in ("withdraw",):
        _require_reason(reason, "a withdrawal")
    elif action == "supersede":
        assert isinstance(body, SupersedeIn)
        values.update(superseded_by_plan_id=body.superseded_by_plan_id)
        extra.update(superseded_by_plan_id=body.superseded_by_plan_id)

    return await _apply(tx, row, action, target, caller, role, reason, check, values, extra)


def _aware(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _require_reason(reason: str | None, what: str) -> None:
    if not (reason and reason.strip()):
        raise wf.WorkflowError(
            422,
            "validation-error",
            f"{what} needs a reason",
            "wajib disertai alasan",
            field="reason",
        )


_EVENTS: dict[str, type[me.ProposalTransition]] = {
    "submit": me.MutasiProposalSubmitted,
    "review": me.MutasiProposalReviewed,
    "approve": me.MutasiProposalApproved,
    "reject": me.MutasiProposalRejected,
    "execute": me.MutasiExecuted,
    "withdraw": me.MutasiProposalWithdrawn,
    "supersede": me.MutasiProposalSuperseded,
    "write_back": me.MutasiProposalWrittenBack,
}


async def _apply(
    tx: Transaction,
    row: Any,
    action: str,
    target: str,
    caller: Caller,
    role: str | None,
    reason: str | None,
    check: ctxs.EligibilityCheck | None,
    values: dict[str, Any],
    extra: dict[str, Any],
) -> dict[str, Any]:
    conn = tx.conn
    now = utcnow().isoformat()
    version = row.version + 1
    result = await conn.execute(
        _UPDATE,
        {
            "state": target,
            "version": version,
            "updated_at": now,
            **values,
            "where_proposal_id": row.proposal_id,
            "where_version": row.version,
        },
    )
    if result.rowcount != 1:
        raise stale(row.version)
    if target not in wf.ACTIVE_STATES:
        await _release(conn, row)
    eligibility = check.result if check else None
    await _history(
        conn,
        proposal_id=row.proposal_id,
        action=action,
        from_state=row.state,
        to_state=target,
        version=version,
        caller=caller,
        role=role,
        reason=reason,
        eligibility=eligibility,
        at=now,
    )
    await tx.emit(
        _EVENTS[action](
            **_common(row),
            state=target,
            previous_state=row.state,
            version=version,
            actor_nip=caller.actor.nip,
            reason=reason,
            eligibility=eligibility,
            **extra,
        ),
        subject=row.proposal_id,
        key=row.proposal_id,
    )
    return {"proposal_id": row.proposal_id, "state": target, "version": version}


async def supersede_older(
    tx: Transaction, round_id: str, plan_id: str, caller: Caller
) -> list[str]:
    """Proposals of the round from another plan, still undecided, are superseded by `plan_id`
    (decided ones stand: an approval is withdrawn explicitly, never silently)."""
    rows = (
        await tx.conn.execute(
            sa.select(proposal).where(
                proposal.c.round_id == round_id,
                proposal.c.plan_id.is_not(None),
                proposal.c.plan_id != plan_id,
                proposal.c.state.in_(sorted(wf.TRANSITIONS["supersede"][0])),
            )
        )
    ).all()
    done = []
    for row in rows:
        reason = f"replaced by plan {plan_id}"
        await _apply(
            tx,
            row,
            "supersede",
            "superseded",
            caller,
            "admin",
            reason,
            None,
            {"superseded_by_plan_id": plan_id},
            {"superseded_by_plan_id": plan_id},
        )
        done.append(row.proposal_id)
    return done


async def write_back(tx: Transaction, proposal_id: str, rw_jabatan_id: str) -> bool:
    """SIASN accepted the write-back: executed → written_back (repeats change nothing)."""
    row = (
        await tx.conn.execute(sa.select(proposal).where(proposal.c.proposal_id == proposal_id))
    ).first()
    if row is None or row.state != "executed":
        return False
    caller = Caller(wf.Actor(sub=tx.actor.id, roles=frozenset({"integration"})), utcnow().date(), 0)
    await _apply(
        tx,
        row,
        "write_back",
        "written_back",
        caller,
        "integration",
        None,
        None,
        {"rw_jabatan_id": rw_jabatan_id, "writeback_status": "succeeded", "writeback_error": None},
        {"rw_jabatan_id": rw_jabatan_id},
    )
    return True


async def record_writeback_failure(
    conn: AsyncConnection, proposal_id: str, attempts: int, error: str | None
) -> None:
    """The write-back failed after retries: recorded on the proposal for a person to retry."""
    await conn.execute(
        sa.update(proposal)
        .where(proposal.c.proposal_id == proposal_id, proposal.c.state == "executed")
        .values(writeback_status="failed", writeback_attempts=attempts, writeback_error=error)
    )
