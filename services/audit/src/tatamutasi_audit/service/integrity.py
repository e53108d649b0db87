"""Integrity checks in the audit service: keep the rules' read model from the consumed events
(each with its ledger index), evaluate the affected rules incrementally, raise findings as
`audit.flag_raised` through the outbox (once per finding), and handle flag status changes and
rule configuration. The rules themselves are pure (`tatamutasi_audit.integrity`)."""

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
import structlog
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_audit.adapters.orm import (
    integrity_events,
    integrity_flag_history,
    integrity_flag_subjects,
    integrity_flags,
    integrity_rule_config,
    ledger_entries,
)
from tatamutasi_audit.integrity.catalogue import RULES, RuleConfig, default_config, evaluate
from tatamutasi_audit.integrity.events import (
    PEOPLE_TYPES,
    PROPOSAL_TYPES,
    RECORD_TYPES,
    RELEVANT_TYPES,
    FactsBuilder,
    Observed,
    slim,
)
from tatamutasi_audit.integrity.facts import Facts
from tatamutasi_audit.integrity.rule import Finding, Gap
from tatamutasi_contracts.audit import Evidence, FlagRaised, FlagStatusChanged
from tatamutasi_contracts.envelope import format_time
from tatamutasi_platform.clock import as_utc, utcnow
from tatamutasi_platform.consumer import Event
from tatamutasi_platform.db import insert_missing
from tatamutasi_platform.errors import Conflict, Invalid, NotFound
from tatamutasi_platform.outbox import Actor
from tatamutasi_platform.runtime import Runtime, Transaction

log = structlog.get_logger(__name__)
SYSTEM = Actor.system("audit")
CHUNK = 500
#: Decided proposals this recent are context for the window rules (R6, R7, R9).
CONTEXT_DAYS = 900
TRANSITIONS = {"open": ("acknowledged",), "acknowledged": ("dismissed", "confirmed")}


def flag_id_of(finding_key: str) -> str:
    return "FLG-" + hashlib.sha256(finding_key.encode()).hexdigest()[:28]


# -- the read model --------------------------------------------------------------------------
def _row(o: Observed) -> dict[str, Any]:
    d = o.data
    nip = d.get("nip")
    return {
        "event_id": o.event_id,
        "ledger_idx": o.ledger_index,
        "type": o.type,
        "time": format_time(o.time),
        "actor": o.actor[:200],
        "actor_role": (o.actor_role or None) and str(o.actor_role)[:40],
        "nip": str(nip) if isinstance(nip, str) else None,
        "proposal_id": d.get("proposal_id") if o.type in PROPOSAL_TYPES else None,
        "round_id": d.get("round_id") if o.type in PROPOSAL_TYPES else None,
        "data": orjson.dumps(dict(d)).decode(),
    }


_STORE_COLUMNS = (
    ("event_id", "varchar"),
    ("ledger_idx", "bigint"),
    ("type", "varchar"),
    ("time", "varchar"),
    ("actor", "varchar"),
    ("actor_role", "varchar"),
    ("nip", "varchar"),
    ("proposal_id", "varchar"),
    ("round_id", "varchar"),
    ("data", "text"),
)
# PostgreSQL: the whole batch in one statement, one array per column (one round trip and
# one statement text whatever the batch size, instead of an executemany row by row)
_PG_STORE = sa.text(
    f"INSERT INTO integrity_events ({', '.join(c for c, _ in _STORE_COLUMNS)}) "
    "SELECT * FROM unnest("
    + ", ".join(f"CAST(:{c} AS {t}[])" for c, t in _STORE_COLUMNS)
    + ") ON CONFLICT (event_id) DO NOTHING"
)


async def store(conn: AsyncConnection, observed: Sequence[Observed]) -> None:
    rows = [_row(o) for o in observed if o.type in RELEVANT_TYPES]
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        await conn.execute(_PG_STORE, {c: [r[c] for r in rows] for c, _ in _STORE_COLUMNS})
        return
    for i in range(0, len(rows), CHUNK):
        await insert_missing(conn, integrity_events, rows[i : i + CHUNK], key=["event_id"])


_COLUMNS = (
    integrity_events.c.ledger_idx,
    integrity_events.c.event_id,
    integrity_events.c.type,
    integrity_events.c.time,
    integrity_events.c.actor,
    integrity_events.c.actor_role,
    integrity_events.c.data,
)


def _observed(r: Any) -> Observed:
    idx, event_id, type_, time, actor, role, data = r
    return Observed(
        int(idx),
        event_id,
        type_,
        datetime.fromisoformat(time),
        actor,
        role,
        orjson.loads(data),
    )


async def _select(conn: AsyncConnection, where: Any) -> list[Observed]:
    rows = (await conn.execute(sa.select(*_COLUMNS).where(where))).all()
    return [_observed(r) for r in rows]


async def _chunked_ids(
    conn: AsyncConnection,
    column: Any,
    values: Iterable[str],
    *,
    columns: Sequence[Any] | None = None,
    where: Any = None,
) -> list[Any]:
    vals = sorted(set(values))
    out: list[Any] = []
    for i in range(0, len(vals), CHUNK):
        stmt = sa.select(*(columns or [integrity_events])).where(column.in_(vals[i : i + CHUNK]))
        if where is not None:
            stmt = stmt.where(where)
        out += (await conn.execute(stmt)).all()
    return out


async def load_facts(
    conn: AsyncConnection,
    *,
    as_of: date,
    round_id: str | None = None,
    focus: set[str] | None = None,
) -> Facts:
    """Facts for evaluating one round, or a set of proposals (`focus`), or everything.
    People, kinship, acting posts and records are always complete; proposals are the
    focused ones, the other proposals of their candidates, and recent decisions."""
    e = integrity_events
    builder = FactsBuilder()
    observed = await _select(conn, e.c.type.in_(sorted(PEOPLE_TYPES | RECORD_TYPES)))
    whole = round_id is None and focus is None
    if whole:
        observed += await _select(conn, e.c.type.in_(sorted(PROPOSAL_TYPES)))
        builder.add_all(observed)
        return builder.build(as_of)
    ids: set[str] = set(focus or ())
    if round_id is not None:
        ids |= set(
            (
                await conn.execute(
                    sa.select(e.c.proposal_id).where(e.c.round_id == round_id).distinct()
                )
            ).scalars()
        )
    target = set(ids)
    created = e.c.type == "mutasi.proposal_created"
    nips = {
        r.nip
        for r in await _chunked_ids(conn, e.c.proposal_id, ids, columns=[e.c.nip], where=created)
        if r.nip
    }
    ids |= {
        r.proposal_id
        for r in await _chunked_ids(conn, e.c.nip, nips, columns=[e.c.proposal_id], where=created)
    }
    since = datetime.combine(as_of - timedelta(days=CONTEXT_DAYS), datetime.min.time(), UTC)
    ids |= set(
        (
            await conn.execute(
                sa.select(e.c.proposal_id).where(
                    e.c.type == "mutasi.proposal_approved", e.c.time >= format_time(since)
                )
            )
        ).scalars()
    )
    observed += [
        _observed(r) for r in await _chunked_ids(conn, e.c.proposal_id, ids, columns=_COLUMNS)
    ]
    builder.add_all(observed)
    facts = builder.build(as_of, focus=target)
    if round_id is None:  # incremental: the units the focused moves touch
        touched = [facts.proposals[i] for i in target if i in facts.proposals]
        facts.focus_units = {p.to_unor for p in touched} | {
            p.from_unor for p in touched if p.from_unor
        }
    return facts


# -- configuration ---------------------------------------------------------------------------
async def load_config(conn: AsyncConnection) -> dict[str, RuleConfig]:
    cfg = default_config()
    for r in await conn.execute(sa.select(integrity_rule_config)):
        if r.rule_id in RULES:
            cfg[r.rule_id] = RuleConfig(
                bool(r.enabled), {**RULES[r.rule_id].defaults(), **orjson.loads(r.thresholds)}
            )
    return cfg


async def set_config(
    tx: Transaction, rule_id: str, enabled: bool | None, thresholds: dict[str, float]
) -> RuleConfig:
    cfg = (await load_config(tx.conn))[rule_id]
    merged = {**cfg.thresholds, **thresholds}
    new = RuleConfig(cfg.enabled if enabled is None else enabled, merged)
    t = integrity_rule_config
    await tx.conn.execute(sa.delete(t).where(t.c.rule_id == rule_id))
    await tx.conn.execute(
        t.insert().values(
            rule_id=rule_id,
            enabled=new.enabled,
            thresholds=orjson.dumps(merged).decode(),
            updated_at=utcnow(),
            updated_by=tx.actor.id,
        )
    )
    return new


# -- raising ---------------------------------------------------------------------------------
def _payload(f: Finding, flag_id: str) -> FlagRaised:
    return FlagRaised(
        flag_id=flag_id,
        rule_id=f.rule_id,
        rule_version=f.rule_version,
        severity=f.severity,  # type: ignore[arg-type]
        subjects=list(f.subjects),
        proposal_id=f.proposal_id,
        round_id=f.round_id,
        unor_id=f.unor_id,
        confidence=f.confidence,
        explanation_id=f.explanation_id,
        explanation_en=f.explanation_en,
        citation=f.citation,
        evidence=[
            Evidence(ledger_index=e.ledger_index, event_id=e.event_id, type=e.type, note=e.note)
            for e in f.evidence
        ],
    )


async def raise_findings(tx: Transaction, findings: Sequence[Finding]) -> list[str]:
    """Insert and emit the findings not raised before; returns the new flag ids."""
    if not findings:
        return []
    unique = {f.finding_key: f for f in findings}
    t = integrity_flags
    known: set[str] = set()
    keys = sorted(unique)
    for i in range(0, len(keys), CHUNK):
        known |= set(
            (
                await tx.conn.execute(
                    sa.select(t.c.finding_key).where(t.c.finding_key.in_(keys[i : i + CHUNK]))
                )
            ).scalars()
        )
    now = utcnow()
    raised = []
    for key in keys:
        if key in known:
            continue
        f = unique[key]
        fid = flag_id_of(key)
        payload = _payload(f, fid)
        event_id = await tx.emit(payload, subject=fid, key=f.proposal_id or fid)
        await tx.conn.execute(
            t.insert().values(
                flag_id=fid,
                finding_key=key,
                rule_id=f.rule_id,
                rule_version=f.rule_version,
                severity=f.severity,
                status="open",
                proposal_id=f.proposal_id,
                round_id=f.round_id,
                unor_id=f.unor_id,
                confidence=f.confidence,
                subjects=orjson.dumps(list(f.subjects)).decode(),
                explanation_id=f.explanation_id,
                explanation_en=f.explanation_en,
                citation=f.citation,
                evidence=orjson.dumps([e.model_dump() for e in payload.evidence]).decode(),
                raised_at=now,
                raised_event_id=event_id,
                ledger_idx=None,
                version=1,
                updated_at=now,
            )
        )
        if f.subjects:
            await tx.conn.execute(
                integrity_flag_subjects.insert(),
                [{"nip": n, "flag_id": fid} for n in dict.fromkeys(f.subjects)],
            )
        raised.append(fid)
    return raised


@dataclass(frozen=True)
class RoundEvaluation:
    round_id: str
    proposals: int
    findings: list[Finding]
    raised: list[str]
    gaps: list[Gap]


async def evaluate_and_raise(
    tx: Transaction, *, as_of: date, round_id: str | None = None, focus: set[str] | None = None
) -> RoundEvaluation:
    facts = await load_facts(tx.conn, as_of=as_of, round_id=round_id, focus=focus)
    outcome = evaluate(facts, await load_config(tx.conn))
    raised = await raise_findings(tx, outcome.findings)
    return RoundEvaluation(
        round_id or "",
        len(facts.focused()),
        outcome.findings,
        raised,
        outcome.gaps,
    )


# -- the consumer hook -----------------------------------------------------------------------
def _transient(exc: BaseException) -> bool:
    if isinstance(exc, (OperationalError, InterfaceError, ConnectionError, OSError)):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


async def on_appended(
    runtime: Runtime,
    conn: AsyncConnection,
    events: Sequence[Event],
    indexes: dict[str, int] | None = None,
) -> None:
    """Called by the ledger consumer after a batch is appended, in its transaction. A failure
    here is logged and never keeps an event out of the ledger (database outages excepted).
    `indexes` (event id -> ledger index, from the append) saves looking the indexes up."""
    wanted = [
        e
        for e in events
        if e.envelope.type in RELEVANT_TYPES
        or e.envelope.type in ("audit.flag_raised", "audit.flag_status_changed")
    ]
    if not wanted:
        return
    try:
        async with conn.begin_nested():
            await _ingest(runtime, conn, wanted, indexes)
    except Exception as exc:
        if _transient(exc):
            raise
        log.warning("integrity evaluation failed; the ledger is unaffected", error=repr(exc)[:300])


async def _ingest(
    runtime: Runtime,
    conn: AsyncConnection,
    events: Sequence[Event],
    known: dict[str, int] | None = None,
) -> None:
    ids = [e.envelope.id for e in events if known is None or e.envelope.id not in known]
    index: dict[str, int] = dict(known or {})
    for i in range(0, len(ids), CHUNK):
        rows = await conn.execute(
            sa.select(ledger_entries.c.event_id, ledger_entries.c.idx).where(
                ledger_entries.c.event_id.in_(ids[i : i + CHUNK])
            )
        )
        index.update({r.event_id: int(r.idx) for r in rows})
    observed: list[Observed] = []
    for e in events:
        env = e.envelope
        if env.id not in index:
            continue
        data = e.payload.model_dump(mode="json")
        if env.type == "audit.flag_raised":
            await conn.execute(
                sa.update(integrity_flags)
                .where(integrity_flags.c.raised_event_id == env.id)
                .values(ledger_idx=index[env.id])
            )
            continue
        if env.type == "audit.flag_status_changed":
            await conn.execute(
                sa.update(integrity_flag_history)
                .where(integrity_flag_history.c.event_id == env.id)
                .values(ledger_idx=index[env.id])
            )
            continue
        observed.append(
            Observed(
                index[env.id],
                env.id,
                env.type,
                env.time,
                env.actor or "",
                env.actorrole,
                slim(data),
            )
        )
    if not observed:
        return
    await store(conn, observed)
    focus = await affected_proposals(conn, observed)
    if not focus:
        return
    tx = Transaction(conn, runtime.tables, SYSTEM)
    await evaluate_and_raise(tx, as_of=utcnow().date(), focus=focus)
    if tx.emitted:
        runtime.relay.wake()


async def affected_proposals(conn: AsyncConnection, observed: Sequence[Observed]) -> set[str]:
    """Proposals whose findings may change: those the events are about, and the proposals
    of (and involving relatives of) people whose kinship or post changed."""
    focus = {str(o.data["proposal_id"]) for o in observed if o.type in PROPOSAL_TYPES}
    nips: set[str] = set()
    for o in observed:
        if o.type in PEOPLE_TYPES and isinstance(o.data.get("nip"), str):
            nips.add(o.data["nip"])
            for r in o.data.get("relations", []) or []:
                nips.add(str(r.get("other_nip")))
    if nips:
        e = integrity_events
        created = e.c.type == "mutasi.proposal_created"
        focus |= {
            r.proposal_id
            for r in await _chunked_ids(
                conn, e.c.nip, nips, columns=[e.c.proposal_id], where=created
            )
        }
    return focus


# -- flags: queries and status ---------------------------------------------------------------
@dataclass(frozen=True)
class FlagView:
    flag_id: str
    rule_id: str
    rule_version: str
    severity: str
    status: str
    proposal_id: str | None
    round_id: str | None
    unor_id: str | None
    confidence: float
    subjects: list[str]
    explanation_id: str
    explanation_en: str
    citation: str
    evidence: list[dict[str, Any]]
    raised_at: datetime
    ledger_idx: int | None
    version: int
    updated_at: datetime


def _view(r: Any) -> FlagView:
    return FlagView(
        r.flag_id,
        r.rule_id,
        r.rule_version,
        r.severity,
        r.status,
        r.proposal_id,
        r.round_id,
        r.unor_id,
        float(r.confidence),
        orjson.loads(r.subjects),
        r.explanation_id,
        r.explanation_en,
        r.citation,
        orjson.loads(r.evidence),
        as_utc(r.raised_at),
        int(r.ledger_idx) if r.ledger_idx is not None else None,
        int(r.version),
        as_utc(r.updated_at),
    )


async def list_flags(
    conn: AsyncConnection,
    *,
    rule_id: str | None = None,
    status: str | None = None,
    proposal_id: str | None = None,
    round_id: str | None = None,
    subject: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> list[FlagView]:
    t = integrity_flags
    stmt = sa.select(t).order_by(t.c.flag_id).limit(limit)
    for col, value in (
        (t.c.rule_id, rule_id),
        (t.c.status, status),
        (t.c.proposal_id, proposal_id),
        (t.c.round_id, round_id),
    ):
        if value is not None:
            stmt = stmt.where(col == value)
    if subject is not None:
        s = integrity_flag_subjects
        stmt = stmt.where(t.c.flag_id.in_(sa.select(s.c.flag_id).where(s.c.nip == subject)))
    if after is not None:
        stmt = stmt.where(t.c.flag_id > after)
    return [_view(r) for r in await conn.execute(stmt)]


async def get_flag(conn: AsyncConnection, flag_id: str) -> FlagView:
    row = (
        await conn.execute(sa.select(integrity_flags).where(integrity_flags.c.flag_id == flag_id))
    ).first()
    if row is None:
        raise NotFound(f"Flag {flag_id!r} does not exist", f"Bendera {flag_id!r} tidak ditemukan")
    return _view(row)


async def flag_history(conn: AsyncConnection, flag_id: str) -> list[Any]:
    h = integrity_flag_history
    return list(await conn.execute(sa.select(h).where(h.c.flag_id == flag_id).order_by(h.c.at)))


async def change_status(tx: Transaction, flag_id: str, status: str, reason: str) -> FlagView:
    """open -> acknowledged -> dismissed | confirmed, each with a reason; one event each."""
    if not reason.strip():
        raise Invalid("A reason is required", "Alasan wajib diisi", field="reason")
    flag = await get_flag(tx.conn, flag_id)
    allowed = TRANSITIONS.get(flag.status, ())
    if status not in allowed:
        raise Conflict(
            f"A flag that is {flag.status} cannot become {status}"
            + (f"; it can become {', '.join(allowed)}" if allowed else ""),
            f"Bendera berstatus {flag.status} tidak dapat menjadi {status}"
            + (f"; status berikutnya: {', '.join(allowed)}" if allowed else ""),
            field="status",
        )
    t = integrity_flags
    now = utcnow()
    done = await tx.conn.execute(
        sa.update(t)
        .where(t.c.flag_id == flag_id, t.c.version == flag.version)
        .values(status=status, version=flag.version + 1, updated_at=now)
    )
    if done.rowcount != 1:
        raise Conflict(
            "The flag changed meanwhile; reload it and try again",
            "Bendera telah berubah; muat ulang dan coba lagi",
        )
    event_id = await tx.emit(
        FlagStatusChanged(
            flag_id=flag_id,
            rule_id=flag.rule_id,
            proposal_id=flag.proposal_id,
            status=status,  # type: ignore[arg-type]
            previous_status=flag.status,  # type: ignore[arg-type]
            reason=reason.strip()[:4000],
        ),
        subject=flag_id,
        key=flag.proposal_id or flag_id,
    )
    await tx.conn.execute(
        integrity_flag_history.insert().values(
            event_id=event_id,
            flag_id=flag_id,
            status=status,
            previous_status=flag.status,
            reason=reason.strip()[:4000],
            actor=tx.actor.id,
            at=now,
            ledger_idx=None,
        )
    )
    return await get_flag(tx.conn, flag_id)
