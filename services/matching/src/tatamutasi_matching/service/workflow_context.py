"""What the workflow reads from the read models at a transition: the employee and post as
they are now (eligibility re-check), the actor's relatives and the heads of the units a move
touches (separation of duties), blackout windows, open objections and red flags, and the
names an SK snapshot records.

A transition reads all of it in ONE statement (`transition_reads`): the proposal row with
correlated scalar subqueries for the documents and counts the gates need. Lists that are
empty in the common case (waivers, red flags, blackout windows, the actor's relatives) are
counted there and loaded by a second query only when the count is not zero. Each SQL round
trip through the async driver costs about half a millisecond of CPU, so this is what keeps a
transition within a few milliseconds."""

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
    formasi_need,
    jabatan_catalogue,
    kinship,
    mutasi_round,
    objection,
    plan,
    proposal,
    unit_directory,
    waiver,
)
from tatamutasi_matching.domain import workflow as wf
from tatamutasi_matching.domain.eligibility import RULESET_VERSION, Waiver, evaluate
from tatamutasi_matching.domain.model import Post
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


# -- one read per transition ------------------------------------------------------------
def _doc_of(table: Any, key: Any, value: Any, label: str) -> Any:
    return sa.select(table.c.doc).where(key == value).scalar_subquery().label(label)


def _count_of(table: sa.Table, *where: Any, label: str) -> Any:
    return (
        sa.select(sa.func.count()).select_from(table).where(*where).scalar_subquery().label(label)
    )


def _build_reads_statement() -> sa.Select[Any]:
    p = proposal
    actor_nip = sa.bindparam("actor_nip", type_=sa.String())
    ud_from, ud_to = unit_directory.alias("ud_from"), unit_directory.alias("ud_to")
    jc_from = jabatan_catalogue.alias("jc_from")
    return sa.select(
        p,
        _doc_of(employee_profile, employee_profile.c.nip, p.c.nip, "ctx_profile"),
        _doc_of(jabatan_catalogue, jabatan_catalogue.c.jabatan_id, p.c.to_jabatan_id, "ctx_to_jab"),
        _doc_of(jc_from, jc_from.c.jabatan_id, p.c.from_jabatan_id, "ctx_from_jab"),
        sa.select(formasi_need.c.count)
        .where(
            formasi_need.c.unit_id == p.c.to_unor_id,
            formasi_need.c.jabatan_id == p.c.to_jabatan_id,
        )
        .scalar_subquery()
        .label("ctx_need"),
        sa.select(ud_from.c.name)
        .where(ud_from.c.unit_id == p.c.from_unor_id)
        .scalar_subquery()
        .label("ctx_from_unit"),
        sa.select(ud_to.c.name)
        .where(ud_to.c.unit_id == p.c.to_unor_id)
        .scalar_subquery()
        .label("ctx_to_unit"),
        _count_of(waiver, waiver.c.nip == p.c.nip, label="ctx_waivers"),
        _count_of(
            objection,
            objection.c.proposal_id == p.c.proposal_id,
            objection.c.status == "open",
            label="ctx_objections",
        ),
        _count_of(
            flag_view,
            flag_view.c.proposal_id == p.c.proposal_id,
            flag_view.c.status == "open",
            label="ctx_flags",
        ),
        _count_of(blackout, blackout.c.active.is_(True), label="ctx_blackouts"),
        _count_of(
            kinship,
            sa.or_(kinship.c.nip == actor_nip, kinship.c.other_nip == actor_nip),
            label="ctx_relatives",
        ),
    ).where(p.c.proposal_id == sa.bindparam("proposal_id", type_=sa.String()))


_READS = _build_reads_statement()  # built once: SQLAlchemy caches its compiled form


@dataclass(frozen=True)
class TransitionReads:
    """The proposal row and what the gates need, from one statement."""

    row: Any
    profile: Doc | None
    to_jabatan: Doc | None
    from_jabatan: Doc | None
    need: int | None
    from_unit_name: str | None
    to_unit_name: str | None
    waivers: int
    open_objections: int
    open_flags: int
    blackouts: int
    relatives: int


def _json(text: str | None) -> Doc | None:
    return json.loads(text) if text else None


async def transition_reads(
    conn: AsyncConnection, proposal_id: str, actor_nip: str | None
) -> TransitionReads | None:
    """None when the proposal does not exist."""
    r = (
        await conn.execute(_READS, {"proposal_id": proposal_id, "actor_nip": actor_nip or ""})
    ).first()
    if r is None:
        return None
    return TransitionReads(
        row=r,
        profile=_json(r.ctx_profile),
        to_jabatan=_json(r.ctx_to_jab),
        from_jabatan=_json(r.ctx_from_jab),
        need=r.ctx_need,
        from_unit_name=r.ctx_from_unit,
        to_unit_name=r.ctx_to_unit,
        waivers=int(r.ctx_waivers),
        open_objections=int(r.ctx_objections),
        open_flags=int(r.ctx_flags),
        blackouts=int(r.ctx_blackouts),
        relatives=int(r.ctx_relatives) if actor_nip else 0,
    )


def _build_create_statement() -> sa.Select[Any]:
    def b(name: str) -> Any:
        return sa.bindparam(name, type_=sa.String())

    nip, to_unor, to_jab = b("nip"), b("to_unor"), b("to_jab")
    return sa.select(
        sa.select(mutasi_round.c.status)
        .where(mutasi_round.c.round_id == b("round_id"))
        .scalar_subquery()
        .label("round_status"),
        sa.select(plan.c.status)
        .where(plan.c.plan_id == b("plan_id"))
        .scalar_subquery()
        .label("plan_status"),
        sa.select(plan.c.result_sha256)
        .where(plan.c.plan_id == b("plan_id"))
        .scalar_subquery()
        .label("plan_sha"),
        _doc_of(employee_profile, employee_profile.c.nip, nip, "profile"),
        _doc_of(jabatan_catalogue, jabatan_catalogue.c.jabatan_id, to_jab, "to_jab"),
        sa.select(formasi_need.c.count)
        .where(formasi_need.c.unit_id == to_unor, formasi_need.c.jabatan_id == to_jab)
        .scalar_subquery()
        .label("need"),
        _count_of(waiver, waiver.c.nip == nip, label="waivers"),
    )


_CREATE_READS = _build_create_statement()


@dataclass(frozen=True)
class CreateReads:
    """What drafting a proposal reads, in one statement: the round's status, the plan's
    status and result hash, the employee's document, the (expected) target post and the
    number of waivers recorded for the employee."""

    round_status: str | None
    plan_status: str | None
    plan_sha: str | None
    profile: Doc | None
    target: tuple[str, str] | None
    post: Post | None
    waivers: int


async def create_reads(
    conn: AsyncConnection,
    nip: str,
    round_id: str | None,
    plan_id: str | None,
    target: tuple[str, str] | None,
) -> CreateReads:
    unit, jab = target or ("", "")
    r = (
        await conn.execute(
            _CREATE_READS,
            {
                "nip": nip,
                "round_id": round_id or "",
                "plan_id": plan_id or "",
                "to_unor": unit,
                "to_jab": jab,
            },
        )
    ).one()
    post = None
    if target is not None and (r.need is not None or r.to_jab is not None):
        post = talent.post_from(unit, _json(r.to_jab), jab, r.need or 0)
    return CreateReads(
        round_status=r.round_status,
        plan_status=r.plan_status,
        plan_sha=r.plan_sha,
        profile=_json(r.profile),
        target=target,
        post=post,
        waivers=int(r.waivers),
    )


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
    return await eligibility_of(
        conn,
        nip,
        await profile(conn, nip),
        unit_id,
        jabatan_id,
        await talent.load_post(conn, unit_id, jabatan_id),
        effective,
        waivers_known=None,
    )


def post_of(reads: TransitionReads) -> Post | None:
    """The target post as `talent.load_post` would build it, from the combined read."""
    row = reads.row
    if reads.need is None and reads.to_jabatan is None:
        return None
    return talent.post_from(row.to_unor_id, reads.to_jabatan, row.to_jabatan_id, reads.need or 0)


async def eligibility_of(
    conn: AsyncConnection,
    nip: str,
    doc: Doc | None,
    unit_id: str,
    jabatan_id: str,
    post: Post | None,
    effective: date,
    *,
    waivers_known: int | None,
) -> EligibilityCheck:
    """The rules on an employee document and post already read; the employee's waivers are
    loaded unless `waivers_known` says there are none."""
    if doc is None or not doc.get("unor_id") or not doc.get("jabatan_id"):
        raise wf.WorkflowError(
            409,
            "employee-unknown",
            f"employee {nip} is not (or no longer) in the workforce read model",
            f"pegawai {nip} tidak (lagi) ada dalam data kepegawaian",
            field="nip",
        )
    employee = talent.employee_from_doc(doc)
    if post is None:
        raise wf.WorkflowError(
            409,
            "post-unknown",
            f"post {unit_id}/{jabatan_id} is neither in the catalogue nor in the formasi",
            f"jabatan {unit_id}/{jabatan_id} tidak ada dalam katalog maupun formasi",
            field="to_jabatan_id",
        )
    rows = (
        (await conn.execute(sa.select(waiver).where(waiver.c.nip == nip))).all()
        if waivers_known != 0
        else []
    )
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
    return snapshot_of(
        row,
        await profile(conn, row.nip),
        await jabatan_doc(conn, row.from_jabatan_id),
        await jabatan_doc(conn, row.to_jabatan_id),
        await unit_name(conn, row.from_unor_id),
        await unit_name(conn, row.to_unor_id),
    )


def snapshot_of(
    row: Any,
    doc: Doc | None,
    from_jab: Doc | None,
    to_jab: Doc | None,
    from_unit: str | None,
    to_unit: str | None,
) -> ExecutionSnapshot:
    """The snapshot from documents already read (a unit the directory does not know is
    named by its id)."""
    doc = doc or {}
    jenis = talent.JENIS.get((to_jab or {}).get("jenis") or "")
    return ExecutionSnapshot(
        name=(doc.get("name") or row.nip)[:200],
        golongan_id=doc.get("golongan_id"),
        from_unor_name=(from_unit or row.from_unor_id) if row.from_unor_id else None,
        from_jabatan_name=(from_jab or {}).get("name") or row.from_jabatan_id,
        to_unor_name=to_unit or row.to_unor_id,
        to_jabatan_name=(to_jab or {}).get("name") or row.to_jabatan_id,
        to_jenis_jabatan=jenis,  # type: ignore[arg-type]
        to_eselon_id=(to_jab or {}).get("eselon_id"),
    )
