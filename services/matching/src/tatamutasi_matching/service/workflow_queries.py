"""Read side of the workflow: proposal lists (cursor-paginated, filtered) and the full view of
one proposal (explanation, snapshot, open flags, objections, history, write-back)."""

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_matching.adapters.orm import proposal, proposal_transition
from tatamutasi_matching.service import rounds
from tatamutasi_matching.service import workflow_context as ctxs
from tatamutasi_matching.service.proposals import etag, load


def summary(row: Any) -> dict[str, Any]:
    return {
        "proposal_id": row.proposal_id,
        "round_id": row.round_id,
        "nip": row.nip,
        "state": row.state,
        "version": row.version,
        "etag": etag(row.version),
        "from_post": (
            {"unor_id": row.from_unor_id, "jabatan_id": row.from_jabatan_id}
            if row.from_unor_id
            else None
        ),
        "to_post": {"unor_id": row.to_unor_id, "jabatan_id": row.to_jabatan_id},
        "jenis_mutasi": row.jenis_mutasi,
        "jenis_penugasan": row.jenis_penugasan,
        "origin": row.origin,
        "plan_id": row.plan_id,
        "score": row.score,
        "plan_rank": row.plan_rank,
        "planned_tmt": row.planned_tmt.isoformat() if row.planned_tmt else None,
        "reason": row.reason,
        "created_by": row.created_by,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


async def view(conn: AsyncConnection, proposal_id: str) -> dict[str, Any]:
    row = await load(conn, proposal_id)
    out = summary(row)
    out.update(
        {
            "backdate_reason": row.backdate_reason,
            "explanation": rounds.explanation_of(row),
            "review": (
                {
                    "by": row.reviewed_by,
                    "recommendation": row.recommendation,
                    "notes": row.review_notes,
                }
                if row.reviewed_by
                else None
            ),
            "decision": (
                {
                    "by": row.decided_by,
                    "reason": row.decision_reason,
                    "delegation_id": row.delegation_id,
                    "approved_at": row.approved_at,
                    **(json.loads(row.approval) if row.approval else {}),
                }
                if row.decided_by
                else None
            ),
            "execution": (
                {
                    "sk_number": row.sk_number,
                    "sk_date": row.sk_date.isoformat() if row.sk_date else None,
                    "tmt": row.tmt.isoformat() if row.tmt else None,
                    "executed_at": row.executed_at,
                    "snapshot": json.loads(row.snapshot) if row.snapshot else None,
                }
                if row.executed_at
                else None
            ),
            "writeback": (
                {
                    "status": row.writeback_status,
                    "attempts": row.writeback_attempts,
                    "error": row.writeback_error,
                    "rw_jabatan_id": row.rw_jabatan_id,
                }
                if row.writeback_status
                else None
            ),
            "superseded_by_plan_id": row.superseded_by_plan_id,
            "open_flags": await ctxs.open_flags(conn, proposal_id),
            "objections": await rounds.objections_of(conn, proposal_id),
        }
    )
    return out


async def history(conn: AsyncConnection, proposal_id: str) -> list[dict[str, Any]]:
    await load(conn, proposal_id)
    t = proposal_transition
    rows = await conn.execute(sa.select(t).where(t.c.proposal_id == proposal_id).order_by(t.c.id))
    return [
        {
            "action": r.action,
            "from_state": r.from_state,
            "to_state": r.to_state,
            "version": r.version,
            "actor": r.actor,
            "actor_role": r.actor_role,
            "actor_nip": r.actor_nip,
            "reason": r.reason,
            "eligibility": json.loads(r.eligibility) if r.eligibility else None,
            "at": r.at,
        }
        for r in rows
    ]


async def page(
    conn: AsyncConnection,
    *,
    after: list[Any] | None,
    limit: int,
    round_id: str | None = None,
    state: str | None = None,
    unit: str | None = None,
    nip: str | None = None,
    units: frozenset[str] | None = None,
    writeback: str | None = None,
) -> list[Any]:
    """Proposals in (created_at, proposal_id) order after the cursor. `unit` matches the from
    or the to unit; `units` restricts to moves touching those units (operators)."""
    t = proposal
    q = sa.select(t)
    if round_id is not None:
        q = q.where(t.c.round_id == round_id)
    if state is not None:
        q = q.where(t.c.state == state)
    if unit is not None:
        q = q.where(sa.or_(t.c.from_unor_id == unit, t.c.to_unor_id == unit))
    if units is not None:
        q = q.where(sa.or_(t.c.from_unor_id.in_(sorted(units)), t.c.to_unor_id.in_(sorted(units))))
    if nip is not None:
        q = q.where(t.c.nip == nip)
    if writeback is not None:
        q = q.where(t.c.writeback_status == writeback)
    if after is not None:
        q = q.where(sa.tuple_(t.c.created_at, t.c.proposal_id) > sa.tuple_(after[0], after[1]))
    q = q.order_by(t.c.created_at, t.c.proposal_id).limit(limit)
    return list((await conn.execute(q)).all())
