"""Rounds (e.g. "Mutasi Januari 2027"), election blackout windows, PPK delegations and
employees' objections (keberatan): recorded, published, counted per round."""

import json
import uuid
from datetime import date, datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts import mutasi as me
from tatamutasi_contracts.pegawai import NIP_PATTERN
from tatamutasi_matching.adapters.orm import (
    blackout,
    delegation,
    mutasi_round,
    objection,
    proposal,
)
from tatamutasi_matching.domain import workflow as wf
from tatamutasi_matching.domain.sk_draft import SkDraft, SkLine, golongan_label
from tatamutasi_matching.service import workflow_context as ctxs
from tatamutasi_matching.service.proposals import Caller, check_version, load
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.runtime import Transaction


def _invalid(field: str, en: str, id_: str) -> wf.WorkflowError:
    return wf.WorkflowError(422, "validation-error", en, id_, field=field)


# -- rounds ----------------------------------------------------------------------------------
class RoundIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    planned_tmt: date | None = None
    aspirations_close_at: AwareDatetime | None = None


class RoundPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    status: Literal["open", "closed"] | None = None
    planned_tmt: date | None = None
    aspirations_close_at: AwareDatetime | None = None
    batch_sk_number: str | None = Field(default=None, min_length=1, max_length=200)
    batch_sk_date: date | None = None


async def _get_round(conn: AsyncConnection, round_id: str) -> Any:
    row = (
        await conn.execute(sa.select(mutasi_round).where(mutasi_round.c.round_id == round_id))
    ).first()
    if row is None:
        raise wf.WorkflowError(
            404,
            "not-found",
            f"round {round_id!r} does not exist",
            f"putaran {round_id!r} tidak ditemukan",
            resource_id=round_id,
        )
    return row


def _round_event(row: Any) -> me.MutasiRoundChanged:
    close = row.aspirations_close_at
    return me.MutasiRoundChanged(
        round_id=row.round_id,
        name=row.name,
        status=row.status,
        aspirations_close_at=datetime.fromisoformat(close) if close else None,
        planned_tmt=row.planned_tmt,
        batch_sk_number=row.batch_sk_number,
    )


async def open_round(tx: Transaction, body: RoundIn) -> dict[str, Any]:
    exists = (
        await tx.conn.execute(
            sa.select(mutasi_round.c.round_id).where(
                mutasi_round.c.name == body.name, mutasi_round.c.status == "open"
            )
        )
    ).first()
    if exists is not None:
        raise wf.WorkflowError(
            409,
            "round-exists",
            f"an open round is already called {body.name!r}",
            f"sudah ada putaran terbuka bernama {body.name!r}",
            field="name",
            round_id=exists[0],
        )
    round_id = str(uuid.uuid4())
    await tx.conn.execute(
        mutasi_round.insert().values(
            round_id=round_id,
            name=body.name,
            status="open",
            planned_tmt=body.planned_tmt,
            aspirations_close_at=(
                body.aspirations_close_at.isoformat() if body.aspirations_close_at else None
            ),
            version=1,
            created_by=tx.actor.id,
            created_at=utcnow().isoformat(),
        )
    )
    row = await _get_round(tx.conn, round_id)
    await tx.emit(_round_event(row), subject=round_id, key=round_id)
    return await round_view(tx.conn, round_id)


async def change_round(
    tx: Transaction, round_id: str, body: RoundPatch, if_match: str | None
) -> dict[str, Any]:
    row = await _get_round(tx.conn, round_id)
    check_version(if_match, row.version)
    if row.status == "executed":
        raise wf.WorkflowError(
            409,
            "round-executed",
            "an executed round cannot change",
            "putaran yang sudah dilaksanakan tidak dapat diubah",
            field="status",
        )
    values = body.model_dump(exclude_unset=True)
    if "aspirations_close_at" in values and values["aspirations_close_at"] is not None:
        values["aspirations_close_at"] = values["aspirations_close_at"].isoformat()
    result = await tx.conn.execute(
        sa.update(mutasi_round)
        .where(mutasi_round.c.round_id == round_id, mutasi_round.c.version == row.version)
        .values(version=row.version + 1, **values)
    )
    if result.rowcount != 1:
        raise wf.WorkflowError(
            412,
            "precondition-failed",
            "the round changed since you read it",
            "putaran sudah berubah sejak Anda membacanya",
        )
    row = await _get_round(tx.conn, round_id)
    await tx.emit(_round_event(row), subject=round_id, key=round_id)
    return await round_view(tx.conn, round_id)


async def round_view(conn: AsyncConnection, round_id: str) -> dict[str, Any]:
    row = await _get_round(conn, round_id)
    states = {
        r[0]: int(r[1])
        for r in await conn.execute(
            sa.select(proposal.c.state, sa.func.count())
            .where(proposal.c.round_id == round_id)
            .group_by(proposal.c.state)
        )
    }
    return {
        "round_id": row.round_id,
        "name": row.name,
        "status": row.status,
        "planned_tmt": row.planned_tmt.isoformat() if row.planned_tmt else None,
        "aspirations_close_at": row.aspirations_close_at,
        "plan_id": row.plan_id,
        "batch_sk_number": row.batch_sk_number,
        "batch_sk_date": row.batch_sk_date.isoformat() if row.batch_sk_date else None,
        "version": row.version,
        "created_by": row.created_by,
        "created_at": row.created_at,
        "proposals": {"total": sum(states.values()), "by_state": states},
        "objections": await objection_counts(conn, round_id),
    }


async def list_rounds(conn: AsyncConnection) -> list[dict[str, Any]]:
    ids = [
        r[0]
        for r in await conn.execute(
            sa.select(mutasi_round.c.round_id).order_by(
                mutasi_round.c.created_at, mutasi_round.c.round_id
            )
        )
    ]
    return [await round_view(conn, i) for i in ids]


async def approved_in_round(conn: AsyncConnection, round_id: str) -> list[tuple[str, int]]:
    rows = await conn.execute(
        sa.select(proposal.c.proposal_id, proposal.c.version)
        .where(proposal.c.round_id == round_id, proposal.c.state == "approved")
        .order_by(proposal.c.proposal_id)
    )
    return [(str(r[0]), int(r[1])) for r in rows]


async def set_batch_sk(conn: AsyncConnection, round_id: str, sk_number: str, sk_date: date) -> None:
    await conn.execute(
        sa.update(mutasi_round)
        .where(mutasi_round.c.round_id == round_id)
        .values(batch_sk_number=sk_number, batch_sk_date=sk_date)
    )


async def set_round_plan(conn: AsyncConnection, round_id: str, plan_id: str) -> None:
    await conn.execute(
        sa.update(mutasi_round).where(mutasi_round.c.round_id == round_id).values(plan_id=plan_id)
    )


# -- blackouts -------------------------------------------------------------------------------
class BlackoutIn(BaseModel):
    basis: str = Field(min_length=1, max_length=500, description="e.g. `Pilkada 2027`")
    kind: Literal["pre_election", "post_inauguration"] = Field(
        description="pre_election: UU 10/2016 Ps. 71(2); post_inauguration: Ps. 162(3)"
    )
    start: date
    end: date


def _blackout_view(r: Any) -> dict[str, Any]:
    return {
        "blackout_id": r.blackout_id,
        "basis": r.basis,
        "kind": r.kind,
        "citation": wf.CITATION_BLACKOUT[r.kind],
        "start": r.start.isoformat(),
        "end": r.end.isoformat(),
        "active": bool(r.active),
        "created_by": r.created_by,
        "created_at": r.created_at,
    }


async def set_blackout(tx: Transaction, body: BlackoutIn) -> dict[str, Any]:
    if body.end < body.start:
        raise _invalid("end", "the window ends before it starts", "masa berakhir sebelum dimulai")
    blackout_id = str(uuid.uuid4())
    await tx.conn.execute(
        blackout.insert().values(
            blackout_id=blackout_id,
            basis=body.basis,
            kind=body.kind,
            start=body.start,
            end=body.end,
            active=True,
            created_by=tx.actor.id,
            created_at=utcnow().isoformat(),
        )
    )
    await tx.emit(
        me.MutasiBlackoutSet(
            blackout_id=blackout_id, start=body.start, end=body.end, basis=body.basis, active=True
        ),
        subject=blackout_id,
        key=blackout_id,
    )
    row = (
        await tx.conn.execute(sa.select(blackout).where(blackout.c.blackout_id == blackout_id))
    ).one()
    return _blackout_view(row)


async def end_blackout(tx: Transaction, blackout_id: str) -> dict[str, Any]:
    row = (
        await tx.conn.execute(sa.select(blackout).where(blackout.c.blackout_id == blackout_id))
    ).first()
    if row is None:
        raise wf.WorkflowError(
            404,
            "not-found",
            f"blackout {blackout_id!r} does not exist",
            f"masa larangan {blackout_id!r} tidak ditemukan",
        )
    await tx.conn.execute(
        sa.update(blackout).where(blackout.c.blackout_id == blackout_id).values(active=False)
    )
    await tx.emit(
        me.MutasiBlackoutSet(
            blackout_id=blackout_id, start=row.start, end=row.end, basis=row.basis, active=False
        ),
        subject=blackout_id,
        key=blackout_id,
    )
    row = (
        await tx.conn.execute(sa.select(blackout).where(blackout.c.blackout_id == blackout_id))
    ).one()
    return _blackout_view(row)


async def list_blackouts(conn: AsyncConnection) -> list[dict[str, Any]]:
    rows = await conn.execute(
        sa.select(blackout).order_by(blackout.c.start, blackout.c.blackout_id)
    )
    return [_blackout_view(r) for r in rows]


# -- delegations -----------------------------------------------------------------------------
class DelegationIn(BaseModel):
    delegate: str = Field(min_length=1, max_length=200, description="Token subject of the delegate")
    delegate_nip: str | None = Field(default=None, pattern=NIP_PATTERN)
    valid_from: date
    valid_until: date
    reference: str = Field(min_length=1, max_length=200, description="Letter / SK number")


def _delegation_view(r: Any) -> dict[str, Any]:
    return {
        "delegation_id": r.delegation_id,
        "delegator": r.delegator,
        "delegator_nip": r.delegator_nip,
        "delegate": r.delegate,
        "delegate_nip": r.delegate_nip,
        "valid_from": r.valid_from.isoformat(),
        "valid_until": r.valid_until.isoformat(),
        "reference": r.reference,
        "active": bool(r.active),
        "created_at": r.created_at,
    }


def _delegation_event(r: Any) -> me.MutasiDelegationRecorded:
    return me.MutasiDelegationRecorded(
        delegation_id=r.delegation_id,
        delegator=r.delegator,
        delegator_nip=r.delegator_nip,
        delegate=r.delegate,
        delegate_nip=r.delegate_nip,
        valid_from=r.valid_from,
        valid_until=r.valid_until,
        reference=r.reference,
        active=bool(r.active),
    )


async def delegate(
    tx: Transaction, body: DelegationIn, delegator_nip: str | None
) -> dict[str, Any]:
    if body.valid_until < body.valid_from:
        raise _invalid(
            "valid_until",
            "the delegation ends before it starts",
            "pendelegasian berakhir sebelum dimulai",
        )
    if body.delegate == tx.actor.id:
        raise _invalid(
            "delegate",
            "the PPK cannot delegate to themselves",
            "PPK tidak dapat mendelegasikan kepada dirinya sendiri",
        )
    delegation_id = str(uuid.uuid4())
    await tx.conn.execute(
        delegation.insert().values(
            delegation_id=delegation_id,
            delegator=tx.actor.id,
            delegator_nip=delegator_nip,
            delegate=body.delegate,
            delegate_nip=body.delegate_nip,
            valid_from=body.valid_from,
            valid_until=body.valid_until,
            reference=body.reference,
            active=True,
            created_at=utcnow().isoformat(),
        )
    )
    row = (
        await tx.conn.execute(
            sa.select(delegation).where(delegation.c.delegation_id == delegation_id)
        )
    ).one()
    await tx.emit(_delegation_event(row), subject=delegation_id, key=delegation_id)
    return _delegation_view(row)


async def revoke_delegation(tx: Transaction, delegation_id: str) -> dict[str, Any]:
    t = delegation
    row = (await tx.conn.execute(sa.select(t).where(t.c.delegation_id == delegation_id))).first()
    if row is None:
        raise wf.WorkflowError(
            404,
            "not-found",
            f"delegation {delegation_id!r} does not exist",
            f"pendelegasian {delegation_id!r} tidak ditemukan",
        )
    await tx.conn.execute(
        sa.update(t).where(t.c.delegation_id == delegation_id).values(active=False)
    )
    row = (await tx.conn.execute(sa.select(t).where(t.c.delegation_id == delegation_id))).one()
    await tx.emit(_delegation_event(row), subject=delegation_id, key=delegation_id)
    return _delegation_view(row)


async def list_delegations(conn: AsyncConnection) -> list[dict[str, Any]]:
    rows = await conn.execute(sa.select(delegation).order_by(delegation.c.created_at))
    return [_delegation_view(r) for r in rows]


# -- objections ------------------------------------------------------------------------------
class ObjectionIn(BaseModel):
    reason: str = Field(min_length=1, max_length=4000)


class AnswerIn(BaseModel):
    outcome: Literal["upheld", "dismissed"]
    answer: str = Field(min_length=1, max_length=4000)


def objection_view(r: Any) -> dict[str, Any]:
    return {
        "objection_id": r.objection_id,
        "proposal_id": r.proposal_id,
        "round_id": r.round_id,
        "nip": r.nip,
        "reason": r.reason,
        "status": r.status,
        "answer": r.answer,
        "answered_by": r.answered_by,
        "filed_at": r.filed_at,
        "answered_at": r.answered_at,
    }


async def file_objection(
    tx: Transaction, proposal_id: str, body: ObjectionIn, caller: Caller
) -> dict[str, Any]:
    """An employee objects to a proposal about themselves, while it is undecided."""
    row = await load(tx.conn, proposal_id)
    if caller.actor.nip != row.nip:
        raise wf.WorkflowError(
            403,
            "forbidden-self-only",
            "employees may object only to proposals about themselves",
            "pegawai hanya dapat mengajukan keberatan atas usulan tentang dirinya sendiri",
            field="nip",
            rule="PEGAWAI_SELF_ONLY",
        )
    if row.state not in wf.OBJECTION_STATES:
        raise wf.WorkflowError(
            409,
            "invalid-transition",
            f"a proposal that is {row.state} takes no objection",
            f"usulan berstatus {row.state} tidak dapat diajukan keberatan",
            field="state",
        )
    objection_id = str(uuid.uuid4())
    await tx.conn.execute(
        objection.insert().values(
            objection_id=objection_id,
            proposal_id=proposal_id,
            round_id=row.round_id,
            nip=row.nip,
            reason=body.reason,
            status="open",
            filed_at=utcnow().isoformat(),
        )
    )
    await tx.emit(
        me.MutasiObjectionFiled(
            objection_id=objection_id,
            proposal_id=proposal_id,
            round_id=row.round_id,
            nip=row.nip,
            reason=body.reason,
        ),
        subject=proposal_id,
        key=proposal_id,
    )
    return await _objection(tx.conn, objection_id)


async def _objection(conn: AsyncConnection, objection_id: str) -> dict[str, Any]:
    row = (
        await conn.execute(sa.select(objection).where(objection.c.objection_id == objection_id))
    ).first()
    if row is None:
        raise wf.WorkflowError(
            404,
            "not-found",
            f"objection {objection_id!r} does not exist",
            f"keberatan {objection_id!r} tidak ditemukan",
        )
    return objection_view(row)


async def answer_objection(
    tx: Transaction, proposal_id: str, objection_id: str, body: AnswerIn
) -> dict[str, Any]:
    current = await _objection(tx.conn, objection_id)
    if current["proposal_id"] != proposal_id:
        raise wf.WorkflowError(
            404,
            "not-found",
            "no such objection on this proposal",
            "keberatan tidak ada pada usulan ini",
        )
    if current["status"] != "open":
        raise wf.WorkflowError(
            409,
            "objection-answered",
            "this objection is already answered",
            "keberatan ini sudah dijawab",
            field="objection_id",
        )
    result = await tx.conn.execute(
        sa.update(objection)
        .where(objection.c.objection_id == objection_id, objection.c.status == "open")
        .values(
            status=body.outcome,
            answer=body.answer,
            answered_by=tx.actor.id,
            answered_at=utcnow().isoformat(),
        )
    )
    if result.rowcount != 1:
        raise wf.WorkflowError(
            409,
            "objection-answered",
            "this objection is already answered",
            "keberatan ini sudah dijawab",
        )
    await tx.emit(
        me.MutasiObjectionAnswered(
            objection_id=objection_id,
            proposal_id=proposal_id,
            round_id=current["round_id"],
            nip=current["nip"],
            outcome=body.outcome,
            answer=body.answer,
        ),
        subject=proposal_id,
        key=proposal_id,
    )
    return await _objection(tx.conn, objection_id)


async def objections_of(conn: AsyncConnection, proposal_id: str) -> list[dict[str, Any]]:
    rows = await conn.execute(
        sa.select(objection)
        .where(objection.c.proposal_id == proposal_id)
        .order_by(objection.c.filed_at, objection.c.objection_id)
    )
    return [objection_view(r) for r in rows]


async def objection_counts(conn: AsyncConnection, round_id: str) -> dict[str, int]:
    counts = dict.fromkeys(("open", "upheld", "dismissed"), 0)
    for status, n in await conn.execute(
        sa.select(objection.c.status, sa.func.count())
        .where(objection.c.round_id == round_id)
        .group_by(objection.c.status)
    ):
        counts[status] = int(n)
    return {"filed": sum(counts.values()), **counts}


# -- SK draft -------------------------------------------------------------------------------
async def sk_draft(
    conn: AsyncConnection, round_id: str, pemda_name: str, ppk_title: str
) -> SkDraft:
    """The round's lampiran: executed moves from their snapshots; approved, not yet executed
    moves from the registry as it is now (noted as such)."""
    r = await _get_round(conn, round_id)
    rows = (
        await conn.execute(
            sa.select(proposal)
            .where(
                proposal.c.round_id == round_id,
                proposal.c.state.in_(("approved", "executed", "written_back")),
            )
            .order_by(proposal.c.to_unor_id, proposal.c.nip)
        )
    ).all()
    lines = []
    for n, row in enumerate(rows, start=1):
        if row.snapshot:
            snap = me.ExecutionSnapshot.model_validate_json(row.snapshot)
            note = None
        else:
            snap = await ctxs.snapshot(conn, row)
            note = "belum ditetapkan (disetujui PPK)"
        lines.append(
            SkLine(
                number=n,
                name=snap.name,
                nip=row.nip,
                golongan=golongan_label(snap.golongan_id) if snap.golongan_id else None,
                from_jabatan=snap.from_jabatan_name,
                from_unit=snap.from_unor_name,
                to_jabatan=snap.to_jabatan_name or row.to_jabatan_id,
                to_unit=snap.to_unor_name or row.to_unor_id,
                jenis_penugasan=row.jenis_penugasan,
                tmt=row.tmt or row.planned_tmt,
                note=note,
            )
        )
    sk_numbers = {row.sk_number for row in rows if row.sk_number}
    sk_dates = {row.sk_date for row in rows if row.sk_date}
    return SkDraft(
        pemda_name=pemda_name,
        ppk_title=ppk_title,
        round_name=r.name,
        sk_number=r.batch_sk_number or (sk_numbers.pop() if len(sk_numbers) == 1 else None),
        sk_date=r.batch_sk_date or (sk_dates.pop() if len(sk_dates) == 1 else None),
        lines=tuple(lines),
    )


def explanation_of(row: Any) -> Any:
    return json.loads(row.explanation) if row.explanation else None
