"""What the workflow reads from the read models at a transition: the employee and post as
they are now (eligibility re-check), the actor's relatives and the heads of the units a move
touches (separation of duties), blackout windows, open objections and red flags, and the
names an SK snapshot records."""

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts.mutasi import EligibilityResult, ExecutionSnapshot, RuleOutcome
from tatamutasi_matching.adapters.orm import (
    blackout,
    delegation,
    employee_profile,
    flag_view,
    jabatan_catalogue,
    kinship,
    objection,
    unit_directory,
    waiver,
)
from tatamutasi_matching.domain import workflow as wf
from tatamutasi_matching.domain.eligibility import RULESET_VERSION, Waiver, evaluate
from tatamutasi_matching.service import talent

Doc = dict[str, Any]


async def profile(conn: AsyncConnection, nip: str) -> Doc | None:
    t = employee_profile
    row = (await conn.execute(sa.select(t.c.doc).where(t.c.nip == nip))).first()
    return json.loads(row[0]) if row else None


async def jabatan_doc(conn: AsyncConnection, jabatan_id: str | None) -> Doc | None:
    if not jabatan_id:
        return None
    t = jabatan_catalogue
    row = (await conn.execute(sa.select(t.c.doc).where(t.c.jabatan_id == jabatan_id))).first()
    return json.loads(row[0]) if row else None


async def unit_name(conn: AsyncConnection, unit_id: str | None) -> str | None:
    if not unit_id:
        return None
    t = unit_directory
    row = (await conn.execute(sa.select(t.c.name).where(t.c.unit_id == unit_id))).first()
    return str(row[0]) if row else unit_id


# -- eligibility --------------------------------------------------------------------------
@dataclass(frozen=True)
class EligibilityCheck:
    result: EligibilityResult
    checks: tuple[wf.RuleCheck, ...]


async def eligibility(
    conn: AsyncConnection, nip: str, unit_id: str, jabatan_id: str, effective: date
) -> EligibilityCheck:
    """Re-run the eligibility rules for this move on the data as it is now, with the waivers
    recorded for the employee; an employee or post the read models no longer know is a 409."""
    doc = await profile(conn, nip)
    if doc is None or not doc.get("unor_id") or not doc.get("jabatan_id"):
        raise wf.WorkflowError(
            409,
            "employee-unknown",
            f"employee {nip} is not (or no longer) in the workforce read model",
            f"pegawai {nip} tidak (lagi) ada dalam data kepegawaian",
            field="nip",
        )
    employee = talent.employee_from_doc(doc)
    post = await talent.load_post(conn, unit_id, jabatan_id)
    if post is None:
        raise wf.WorkflowError(
            409,
            "post-unknown",
            f"post {unit_id}/{jabatan_id} is neither in the catalogue nor in the formasi",
            f"jabatan {unit_id}/{jabatan_id} tidak ada dalam katalog maupun formasi",
            field="to_jabatan_id",
        )
    rows = (await conn.execute(sa.select(waiver).where(waiver.c.nip == nip))).all()
    waivers = [
        (r.waiver_id, Waiver(r.nip, r.rule_code, r.reason, r.approver, r.post_id, r.reference))
        for r in rows
    ]
    ev = evaluate(employee, post, effective, waivers=[w for _, w in waivers])
    ids = {id(w): wid for wid, w in waivers}
    checks = tuple(
        wf.RuleCheck(
            code=r.code,
            version=r.version,
            severity=r.severity,
            status=r.status,
            citation=r.citation,
            waiver_id=ids.get(id(r.waiver)) if r.waiver is not None else None,
        )
        for r in ev.results
    )
    result = EligibilityResult(
        ruleset_version=RULESET_VERSION,
        blocked=not ev.eligible,
        outcomes=[
            RuleOutcome(
                code=c.code,
                version=c.version,
                severity=c.severity,
                passed=c.status in ("passed", "not_applicable"),
                waived=c.status == "waived",
                waiver_id=c.waiver_id,
                citation=(c.citation or "")[:300] or None,
            )
            for c in checks
        ],
    )
    return EligibilityCheck(result, checks)


# -- separation of duties ------------------------------------------------------------------
async def relatives(conn: AsyncConnection, nip: str | None) -> frozenset[str]:
    """Relatives of `nip` from kinship facts, in either direction."""
    if nip is None:
        return frozenset()
    t = kinship
    rows = await conn.execute(
        sa.select(t.c.nip, t.c.other_nip).where(sa.or_(t.c.nip == nip, t.c.other_nip == nip))
    )
    return frozenset(b if a == nip else a for a, b in rows)


async def kin_context(conn: AsyncConnection, actor: wf.Actor, units: list[str]) -> wf.KinContext:
    rel = await relatives(conn, actor.nip)
    if not rel:
        return wf.KinContext()
    directory = {
        r.unit_id: (r.parent_id, r.eselon_id)
        for r in await conn.execute(
            sa.select(
                unit_directory.c.unit_id, unit_directory.c.parent_id, unit_directory.c.eselon_id
            )
        )
    }
    chain: set[str] = set()
    for unit in units:
        current: str | None = unit
        while current is not None and current not in chain:
            chain.add(current)
            current = directory.get(current, (None, None))[0]
    rows = await conn.execute(
        sa.select(employee_profile.c.doc).where(employee_profile.c.unor_id.in_(sorted(chain)))
    )
    docs = [json.loads(r[0]) for r in rows]
    jab_ids = sorted({d.get("jabatan_id") for d in docs if d.get("jabatan_id")})
    catalogue = {
        r.jabatan_id: json.loads(r.doc)
        for r in await conn.execute(
            sa.select(jabatan_catalogue).where(jabatan_catalogue.c.jabatan_id.in_(jab_ids))
        )
    }
    holders = []
    for d in docs:
        jab = catalogue.get(d.get("jabatan_id") or "") or {}
        holders.append(
            wf.Holder(
                nip=d["nip"],
                unor_id=d.get("unor_id") or "",
                jenis_jabatan=talent.JENIS.get(jab.get("jenis") or ""),
                eselon_id=jab.get("eselon_id"),
            )
        )
    return wf.KinContext(relatives=rel, unit_heads=wf.unit_heads(directory, holders, units))


async def active_delegation(conn: AsyncConnection, sub: str, today: date) -> str | None:
    t = delegation
    row = (
        await conn.execute(
            sa.select(t.c.delegation_id)
            .where(
                t.c.delegate == sub,
                t.c.active.is_(True),
                t.c.valid_from <= today,
                t.c.valid_until >= today,
            )
            .order_by(t.c.created_at)
            .limit(1)
        )
    ).first()
    return str(row[0]) if row else None


# -- gates' inputs -------------------------------------------------------------------------
async def blackouts(conn: AsyncConnection) -> list[wf.Blackout]:
    rows = await conn.execute(sa.select(blackout).where(blackout.c.active.is_(True)))
    return [
        wf.Blackout(r.blackout_id, r.basis, r.kind, r.start, r.end, bool(r.active)) for r in rows
    ]


async def open_objections(conn: AsyncConnection, proposal_id: str) -> int:
    t = objection
    q = sa.select(sa.func.count()).where(t.c.proposal_id == proposal_id, t.c.status == "open")
    return int((await conn.execute(q)).scalar_one())


async def open_flags(conn: AsyncConnection, proposal_id: str) -> list[dict[str, Any]]:
    t = flag_view
    rows = await conn.execute(
        sa.select(t)
        .where(t.c.proposal_id == proposal_id, t.c.status == "open")
        .order_by(t.c.flag_id)
    )
    return [
        {
            "flag_id": r.flag_id,
            "rule_id": r.rule_id,
            "severity": r.severity,
            "citation": r.citation,
            "explanation": {"id": r.explanation_id, "en": r.explanation_en},
        }
        for r in rows
    ]


# -- SK snapshot ---------------------------------------------------------------------------
async def snapshot(conn: AsyncConnection, row: Any) -> ExecutionSnapshot:
    """Names, rank, titles and units as they are now (kept unchanged on the proposal)."""
    doc = await profile(conn, row.nip) or {}
    from_jab = await jabatan_doc(conn, row.from_jabatan_id)
    to_jab = await jabatan_doc(conn, row.to_jabatan_id)
    jenis = talent.JENIS.get((to_jab or {}).get("jenis") or "")
    return ExecutionSnapshot(
        name=(doc.get("name") or row.nip)[:200],
        golongan_id=doc.get("golongan_id"),
        from_unor_name=await unit_name(conn, row.from_unor_id),
        from_jabatan_name=(from_jab or {}).get("name") or row.from_jabatan_id,
        to_unor_name=await unit_name(conn, row.to_unor_id),
        to_jabatan_name=(to_jab or {}).get("name") or row.to_jabatan_id,
        to_jenis_jabatan=jenis,  # type: ignore[arg-type]
        to_eselon_id=(to_jab or {}).get("eselon_id"),
    )
