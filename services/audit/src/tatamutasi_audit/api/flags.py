"""`/flags`: integrity red flags. Readers list and read flags (subjects in clear for auditors
only, pseudonyms for others); each flag's evidence comes with RFC 9162 inclusion proofs;
auditors change a flag's status (open -> acknowledged -> dismissed | confirmed) with a
reason; admins tune the rules; auditors and admins evaluate a whole round on demand."""

import base64
import time
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from tatamutasi_audit.api.deps import KeysDep, bad_query
from tatamutasi_audit.integrity.catalogue import RULES, validate
from tatamutasi_audit.ledger import merkle
from tatamutasi_audit.service import integrity, ledger
from tatamutasi_audit.service.keys import LedgerKeys
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.http import RuntimeDep, require_roles
from tatamutasi_platform.problems import Problem
from tatamutasi_platform.responses import problem_responses

router = APIRouter(prefix="/flags", tags=["flags"], responses=problem_responses(404))

FlagReader = Annotated[
    Principal, Depends(require_roles("auditor", "admin", "ppk", "penilai", "integration"))
]
Auditor = Annotated[Principal, Depends(require_roles("auditor"))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
Evaluator = Annotated[Principal, Depends(require_roles("auditor", "admin"))]
RULE_PATH = Path(pattern=r"^R[0-9]{1,2}$", description="R1..R10")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class EvidenceOut(BaseModel):
    ledger_index: int
    event_id: str
    type: str
    note: str | None = None


class FlagOut(BaseModel):
    flag_id: str
    rule_id: str
    rule_version: str
    severity: str
    status: str
    proposal_id: str | None
    round_id: str | None
    unor_id: str | None
    confidence: float
    subjects: list[str] = Field(description="NIPs for auditors; ledger pseudonyms for others")
    explanation_id: str
    explanation_en: str
    citation: str
    evidence: list[EvidenceOut]
    raised_at: str
    ledger_index: int | None = Field(description="The flag's own `audit.flag_raised` entry")
    version: int


class FlagPage(BaseModel):
    items: list[FlagOut]
    next_after: str | None = Field(description="Pass as `after` for the next page")


class ProofOut(BaseModel):
    ledger_index: int
    event_id: str
    type: str
    note: str | None
    leaf_hash: str = Field(description="SHA-256(0x00 || entry), base64")
    entry_b64: str = Field(description="The exact entry bytes, base64")
    proof: list[str] = Field(description="RFC 9162 inclusion path, base64, leaf upwards")


class HistoryOut(BaseModel):
    status: str
    previous_status: str
    reason: str
    actor: str
    at: str
    event_id: str
    ledger_index: int | None


class FlagDetail(FlagOut):
    tree_size: int = Field(description="The tree size the proofs are for")
    root: str = Field(description="Root of that tree, base64")
    checkpoint: str | None = Field(description="Signed checkpoint of that size")
    proofs: list[ProofOut]
    history: list[HistoryOut]


class StatusIn(BaseModel):
    status: Literal["acknowledged", "dismissed", "confirmed"]
    reason: str = Field(min_length=1, max_length=4000, description="Why (required)")


class ThresholdOut(BaseModel):
    name: str
    value: float
    default: float
    minimum: float
    maximum: float
    integer: bool
    description_en: str
    description_id: str


class RuleOut(BaseModel):
    rule_id: str
    version: str
    title_en: str
    title_id: str
    explanation_en: str
    explanation_id: str
    citation: str
    severity: str
    enabled: bool
    thresholds: list[ThresholdOut]


class RuleConfigIn(BaseModel):
    enabled: bool | None = None
    thresholds: dict[str, float] = Field(default_factory=dict)


class GapOut(BaseModel):
    rule_id: str
    subject: str
    proposal_id: str | None
    note_en: str
    note_id: str


class EvaluationOut(BaseModel):
    round_id: str
    as_of: str
    proposals: int = Field(description="Proposals of the round evaluated")
    findings: int = Field(description="Findings (raised now or before)")
    raised: list[str] = Field(description="Flags raised by this evaluation")
    by_rule: dict[str, int]
    gaps: list[GapOut] = Field(
        description="What could not be checked (first 200; people named for auditors only)"
    )
    elapsed_ms: int


def _subjects(view: integrity.FlagView, p: Principal, keys: LedgerKeys) -> list[str]:
    if "auditor" in p.roles:
        return view.subjects
    return [keys.pseudonymiser.nip(n) for n in view.subjects]


def _out(view: integrity.FlagView, p: Principal, keys: LedgerKeys) -> dict[str, Any]:
    return {
        "flag_id": view.flag_id,
        "rule_id": view.rule_id,
        "rule_version": view.rule_version,
        "severity": view.severity,
        "status": view.status,
        "proposal_id": view.proposal_id,
        "round_id": view.round_id,
        "unor_id": view.unor_id,
        "confidence": view.confidence,
        "subjects": _subjects(view, p, keys),
        "explanation_id": view.explanation_id,
        "explanation_en": view.explanation_en,
        "citation": view.citation,
        "evidence": [EvidenceOut(**e) for e in view.evidence],
        "raised_at": view.raised_at.isoformat(),
        "ledger_index": view.ledger_idx,
        "version": view.version,
    }


def _unknown_rule(rule_id: str) -> Problem:
    return bad_query(
        "rule_id",
        f"Unknown rule {rule_id!r}; rules are {', '.join(RULES)}",
        f"Aturan {rule_id!r} tidak dikenal; aturan yang ada: {', '.join(RULES)}",
        status=404,
    )


@router.get("", response_model=FlagPage, summary="Red flags, filtered")
async def list_flags(
    runtime: RuntimeDep,
    p: FlagReader,
    keys: KeysDep,
    rule_id: Annotated[str | None, Query(pattern=r"^R[0-9]{1,2}$")] = None,
    status: Annotated[
        Literal["open", "acknowledged", "dismissed", "confirmed"] | None, Query()
    ] = None,
    proposal_id: Annotated[str | None, Query(max_length=64)] = None,
    round_id: Annotated[str | None, Query(max_length=64)] = None,
    subject: Annotated[
        str | None, Query(pattern=r"^[0-9]{18}$", description="A NIP (auditors only)")
    ] = None,
    after: Annotated[str | None, Query(max_length=64, description="Last flag id seen")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> FlagPage:
    if rule_id is not None and rule_id not in RULES:
        raise bad_query(
            "rule_id",
            f"Unknown rule {rule_id!r}; rules are {', '.join(RULES)}",
            f"Aturan {rule_id!r} tidak dikenal; aturan yang ada: {', '.join(RULES)}",
        )
    if subject is not None and "auditor" not in p.roles:
        raise Problem(
            403,
            "forbidden-role",
            "Forbidden",
            "Only auditors may look flags up by person",
            "Hanya auditor yang dapat mencari bendera berdasarkan orang",
            extra={"required_roles": ["auditor"]},
        )
    async with runtime.engine.connect() as conn:
        views = await integrity.list_flags(
            conn,
            rule_id=rule_id,
            status=status,
            proposal_id=proposal_id,
            round_id=round_id,
            subject=subject,
            after=after,
            limit=limit,
        )
    items = [FlagOut(**_out(v, p, keys)) for v in views]
    return FlagPage(items=items, next_after=items[-1].flag_id if len(items) == limit else None)


@router.get("/rules", response_model=list[RuleOut], summary="The rule catalogue and thresholds")
async def rules(runtime: RuntimeDep, _p: FlagReader) -> list[RuleOut]:
    async with runtime.engine.connect() as conn:
        cfg = await integrity.load_config(conn)
    return [_rule_out(rid, cfg[rid]) for rid in RULES]


def _rule_out(rid: str, rc: Any) -> RuleOut:
    r = RULES[rid]
    return RuleOut(
        rule_id=rid,
        version=r.version,
        title_en=r.title_en,
        title_id=r.title_id,
        explanation_en=r.explanation_en,
        explanation_id=r.explanation_id,
        citation=r.citation,
        severity=r.severity,
        enabled=rc.enabled,
        thresholds=[
            ThresholdOut(
                name=t.name,
                value=float(rc.thresholds.get(t.name, t.default)),
                default=t.default,
                minimum=t.minimum,
                maximum=t.maximum,
                integer=t.integer,
                description_en=t.description_en,
                description_id=t.description_id,
            )
            for t in r.thresholds
        ],
    )


@router.get("/rules/{rule_id}", response_model=RuleOut, summary="One rule")
async def rule(runtime: RuntimeDep, _p: FlagReader, rule_id: Annotated[str, RULE_PATH]) -> RuleOut:
    if rule_id not in RULES:
        raise _unknown_rule(rule_id)
    async with runtime.engine.connect() as conn:
        cfg = await integrity.load_config(conn)
    return _rule_out(rule_id, cfg[rule_id])


@router.put("/rules/{rule_id}", response_model=RuleOut, summary="Tune a rule (admin)")
async def configure_rule(
    runtime: RuntimeDep,
    p: Admin,
    rule_id: Annotated[str, RULE_PATH],
    body: RuleConfigIn,
) -> RuleOut:
    if rule_id not in RULES:
        raise _unknown_rule(rule_id)
    issues = validate(rule_id, body.thresholds)
    if issues:
        first = issues[0]
        raise Problem(
            422,
            "validation-error",
            "Unprocessable Content",
            first.message_en,
            first.message_id,
            extra={
                "errors": [
                    {
                        "field": i.field,
                        "location": "body",
                        "code": i.code,
                        "message_en": i.message_en,
                        "message_id": i.message_id,
                    }
                    for i in issues
                ]
            },
        )
    async with runtime.transaction(p.actor) as tx:
        rc = await integrity.set_config(tx, rule_id, body.enabled, body.thresholds)
    return _rule_out(rule_id, rc)


@router.post(
    "/evaluate", response_model=EvaluationOut, summary="Evaluate every rule on a whole round"
)
async def evaluate_round(
    runtime: RuntimeDep,
    p: Evaluator,
    round_id: Annotated[str, Query(min_length=1, max_length=64)],
    as_of: Annotated[date | None, Query(description="Reference date (default: today)")] = None,
) -> EvaluationOut:
    started = time.monotonic()
    day = as_of or utcnow().date()
    async with runtime.transaction(p.actor) as tx:
        result = await integrity.evaluate_and_raise(tx, as_of=day, round_id=round_id)
    if result.proposals == 0:
        raise bad_query(
            "round_id",
            f"No proposals are known for round {round_id!r}",
            f"Tidak ada usulan yang diketahui untuk putaran {round_id!r}",
            status=404,
        )
    by_rule: dict[str, int] = {}
    for f in result.findings:
        by_rule[f.rule_id] = by_rule.get(f.rule_id, 0) + 1
    return EvaluationOut(
        round_id=round_id,
        as_of=day.isoformat(),
        proposals=result.proposals,
        findings=len(result.findings),
        raised=result.raised,
        by_rule=by_rule,
        gaps=[
            GapOut(
                rule_id=g.rule_id,
                subject=g.subject if "auditor" in p.roles else "-",
                proposal_id=g.proposal_id,
                note_en=g.note_en,
                note_id=g.note_id,
            )
            for g in result.gaps[:200]
        ],
        elapsed_ms=int((time.monotonic() - started) * 1000),
    )


@router.get("/{flag_id}", response_model=FlagDetail, summary="A flag with verifiable evidence")
async def flag_detail(
    runtime: RuntimeDep,
    p: FlagReader,
    keys: KeysDep,
    flag_id: Annotated[str, Path(max_length=64)],
) -> FlagDetail:
    async with runtime.engine.connect() as conn:
        view = await integrity.get_flag(conn, flag_id)
        head = await ledger.head(conn)
        proofs = []
        indexes = sorted(
            {e["ledger_index"] for e in view.evidence if e["ledger_index"] < head.size}
        )
        entries = {}
        for idx in indexes:
            got = await ledger.entries(conn, after=idx - 1, limit=1)
            if got and got[0].index == idx:
                entries[idx] = got[0]
        for e in view.evidence:
            entry = entries.get(e["ledger_index"])
            if entry is None:
                continue
            path = await ledger.inclusion_proof(conn, entry.index, head.size)
            proofs.append(
                ProofOut(
                    ledger_index=entry.index,
                    event_id=entry.event_id,
                    type=entry.type,
                    note=e.get("note"),
                    leaf_hash=b64(merkle.leaf_hash(entry.entry)),
                    entry_b64=b64(entry.entry),
                    proof=[b64(h) for h in path],
                )
            )
        history = await integrity.flag_history(conn, flag_id)
    return FlagDetail(
        **_out(view, p, keys),
        tree_size=head.size,
        root=b64(head.root),
        checkpoint=head.note,
        proofs=proofs,
        history=[
            HistoryOut(
                status=h.status,
                previous_status=h.previous_status,
                reason=h.reason,
                actor=h.actor,
                at=h.at.isoformat(),
                event_id=h.event_id,
                ledger_index=h.ledger_idx,
            )
            for h in history
        ],
    )


@router.post("/{flag_id}/status", response_model=FlagOut, summary="Acknowledge, dismiss or confirm")
async def change_status(
    runtime: RuntimeDep,
    p: Auditor,
    keys: KeysDep,
    flag_id: Annotated[str, Path(max_length=64)],
    body: StatusIn,
) -> FlagOut:
    async with runtime.transaction(p.actor) as tx:
        view = await integrity.change_status(tx, flag_id, body.status, body.reason)
    return FlagOut(**_out(view, p, keys))
