"""Bezetting (who holds what): a read model fed ONLY by pegawai events, never edited by hand.

Each aspect of a holder (placement, status, rank, education) remembers the producer
`sequence` of the event that last set it; an event older than that changes nothing. So a
replay of the same events, a redelivery or an out-of-order arrival all end in the same
state. Acting posts (PLT/PLH) are kept apart and counted separately. Structural posts that
fall below their need open a vacancy (`formasi.vacancy_opened`) and close it when filled."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts.formasi import FormasiVacancyFilled, FormasiVacancyOpened
from tatamutasi_contracts.pegawai import (
    PegawaiActingChanged,
    PegawaiAssessmentRecorded,
    PegawaiEducationRecorded,
    PegawaiPlacementChanged,
    PegawaiRankChanged,
    PegawaiRegistered,
    PegawaiStatusChanged,
    PegawaiTrainingRecorded,
    PegawaiUnorSynced,
)
from tatamutasi_formasi.adapters.orm import (
    acting,
    holder_qualifications,
    holders,
    jabatan,
    needs,
    placement_history,
    status_history,
    vacancies,
)
from tatamutasi_formasi.domain import qualification as ql
from tatamutasi_formasi.service import unor_sync, verdicts
from tatamutasi_formasi.service.common import (
    EmitMany,
    chunks,
    conn_emitter,
    conn_emitter_many,
    dumps,
    valid_at,
)
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.consumer import Event
from tatamutasi_platform.db import insert_missing, upsert
from tatamutasi_platform.outbox import Actor

# Kedudukan hukum codes that take a person out of bezetting (DOMAIN.md §1.8).
INACTIVE_KEDUDUKAN = frozenset({"66", "88", "98", "99"})
Post = tuple[str, str]

_HOLDER_COLUMNS = [c.name for c in holders.columns]


def _blank(nip: str) -> dict[str, Any]:
    """A holder known only from a non-placement event so far (not counted until placed)."""
    return {
        "nip": nip,
        "name": None,
        "kind": None,
        "unor_id": "",
        "jabatan_id": "",
        "jenis_jabatan": None,
        "tmt_jabatan": None,
        "golongan_id": None,
        "education_level_id": None,
        "education_field": None,
        "tmt_pensiun": None,
        "kedudukan_id": None,
        "active": True,
        "placement_seq": 0,
        "status_seq": 0,
        "rank_seq": 0,
        "education_seq": 0,
        "updated_at": None,
        "qual_version": None,
        "qual_failed": None,
        "qual_unknown": None,
        "qual_detail": None,
    }


def _apply(
    row: dict[str, Any],
    ev: Event,
    history: list[dict[str, Any]],
    statuses: list[dict[str, Any]],
) -> None:
    """Apply one event to one holder row (in memory), aspect by aspect. Placements go to
    `history`, status changes to `statuses` (both keyed by event id, so replays add nothing)."""
    p = ev.payload
    seq = ev.envelope.sequence
    if isinstance(p, PegawaiRegistered):
        if seq > row["placement_seq"]:
            row.update(
                unor_id=p.unor_id,
                jabatan_id=p.jabatan_id,
                jenis_jabatan=p.jenis_jabatan,
                tmt_jabatan=p.tmt_jabatan,
                placement_seq=seq,
            )
            history.append(
                _history(ev, p.nip, p.unor_id, p.jabatan_id, p.tmt_jabatan, "registration")
            )
        kedudukan = p.kedudukan_id or "01"
        inactive = kedudukan in INACTIVE_KEDUDUKAN
        if inactive or row["status_seq"]:  # active is the default of the status history
            statuses.append(_status(ev, p.nip, kedudukan, not inactive, None))
        if seq > row["status_seq"]:
            row.update(
                kedudukan_id=kedudukan, active=kedudukan not in INACTIVE_KEDUDUKAN, status_seq=seq
            )
        if seq > row["rank_seq"] and p.golongan_id is not None:
            row.update(golongan_id=p.golongan_id, rank_seq=seq)
        if seq > row["education_seq"] and p.education_level_id is not None:
            row.update(
                education_level_id=p.education_level_id,
                education_field=p.education_field,
                education_seq=seq,
            )
        # identity facts: the newest registration wins; they do not move anyone
        row.update(
            name=p.name, kind=p.kind or row["kind"], tmt_pensiun=p.tmt_pensiun or row["tmt_pensiun"]
        )
    elif isinstance(p, PegawaiPlacementChanged):
        c = p.current
        history.append(_history(ev, p.nip, c.unor_id, c.jabatan_id, c.tmt, p.reason))
        if seq > row["placement_seq"]:
            row.update(
                unor_id=c.unor_id,
                jabatan_id=c.jabatan_id,
                jenis_jabatan=c.jenis_jabatan,
                tmt_jabatan=c.tmt,
                placement_seq=seq,
            )
    elif isinstance(p, PegawaiStatusChanged):
        statuses.append(_status(ev, p.nip, p.kedudukan_id, p.active, p.effective))
        if seq > row["status_seq"]:
            row.update(kedudukan_id=p.kedudukan_id, active=p.active, status_seq=seq)
    elif isinstance(p, PegawaiRankChanged):
        if seq > row["rank_seq"]:
            row.update(golongan_id=p.golongan_id, rank_seq=seq)
    elif isinstance(p, PegawaiEducationRecorded) and p.highest and seq > row["education_seq"]:
        row.update(education_level_id=p.level_id, education_field=p.field_name, education_seq=seq)


def _history(
    ev: Event, nip: str, unor_id: str, jabatan_id: str, tmt: date | None, reason: str
) -> dict[str, Any]:
    return {
        "event_id": ev.envelope.id,
        "nip": nip,
        "unor_id": unor_id,
        "jabatan_id": jabatan_id,
        "tmt": tmt,
        "effective": tmt or ev.envelope.time.date(),
        "seq": ev.envelope.sequence,
        "reason": reason,
    }


def _status(
    ev: Event, nip: str, kedudukan_id: str | None, active: bool, effective: date | None
) -> dict[str, Any]:
    return {
        "event_id": ev.envelope.id,
        "nip": nip,
        "kedudukan_id": kedudukan_id,
        "active": active,
        "effective": effective or ev.envelope.time.date(),
        "seq": ev.envelope.sequence,
    }


HOLDER_EVENTS = (
    PegawaiRegistered,
    PegawaiPlacementChanged,
    PegawaiStatusChanged,
    PegawaiRankChanged,
    PegawaiEducationRecorded,
)
QUALIFICATION_EVENTS = (PegawaiTrainingRecorded, PegawaiAssessmentRecorded)


async def apply_events(conn: AsyncConnection, events: Sequence[Event]) -> None:
    """The consumer's batch handler: apply a batch of pegawai events in one transaction.

    Batch-friendly: whatever the batch size, a fixed handful of statements (rows read in
    chunks, written with executemany), so the cost per event falls as batches grow."""
    ordered = sorted(events, key=lambda e: e.envelope.sequence)
    holder_events: list[Event] = []
    acting_events: list[Event] = []
    qualification_events: list[Event] = []
    syncs: list[Event] = []
    for e in ordered:
        p = e.payload
        if isinstance(p, HOLDER_EVENTS):
            holder_events.append(e)
        elif isinstance(p, PegawaiActingChanged):
            acting_events.append(e)
        elif isinstance(p, QUALIFICATION_EVENTS):
            qualification_events.append(e)
        elif isinstance(p, PegawaiUnorSynced):
            syncs.append(e)
    touched: set[Post] = set()
    today = max((e.envelope.time.date() for e in ordered), default=utcnow().date())
    if holder_events:
        touched |= await _apply_holder_events(conn, holder_events)
    if acting_events:
        await _apply_acting(conn, acting_events)
    if qualification_events:
        await _apply_qualifications(conn, qualification_events)
    actor = Actor.system("formasi")
    if touched:
        await refresh_vacancies(conn, conn_emitter_many(conn, actor), touched, today)
    for ev in syncs:
        assert isinstance(ev.payload, PegawaiUnorSynced)
        await unor_sync.receive_page(
            conn,
            conn_emitter(conn, Actor(ev.envelope.actor, ev.envelope.actorrole)),
            ev.envelope.actor,
            ev.payload,
            ev.envelope.time.date(),
        )


async def on_event(conn: AsyncConnection, event: Event) -> None:
    await apply_events(conn, [event])


_MUTABLE = [c for c in _HOLDER_COLUMNS if c != "nip"]
_UPDATE_HOLDER = (
    sa.update(holders)
    .where(holders.c.nip == sa.bindparam("b_nip"))
    .values({c: sa.bindparam(f"b_{c}") for c in _MUTABLE})
)


async def _apply_holder_events(conn: AsyncConnection, events: Sequence[Event]) -> set[Post]:
    nips = list(dict.fromkeys(e.payload.nip for e in events))  # type: ignore[attr-defined]
    rows: dict[str, dict[str, Any]] = {}
    for chunk in chunks(nips):
        for r in await conn.execute(sa.select(holders).where(holders.c.nip.in_(chunk))):
            rows[r.nip] = dict(r._mapping)
    before = {nip: (r["unor_id"], r["jabatan_id"], r["active"]) for nip, r in rows.items()}
    history: list[dict[str, Any]] = []
    statuses: list[dict[str, Any]] = []
    changed: set[str] = set()
    for ev in events:
        nip = ev.payload.nip  # type: ignore[attr-defined]
        row = rows.get(nip)
        if row is None:
            row = rows[nip] = _blank(nip)
        snapshot = dict(row)
        _apply(row, ev, history, statuses)
        if row != snapshot or nip not in before:
            changed.add(nip)
    # the qualification verdict follows the post, golongan and education (same statement)
    await verdicts.stamp(conn, [rows[nip] for nip in sorted(changed)])
    now = utcnow()
    new: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    for nip in sorted(changed):
        row = rows[nip]
        row["updated_at"] = now
        if nip in before:
            updated.append({f"b_{c}": row[c] for c in _HOLDER_COLUMNS})
        else:
            new.append({c: row[c] for c in _HOLDER_COLUMNS})
    for chunk in chunks(new, 1000):
        # upsert, not insert: a concurrent consumer (during a rebalance) may have added it
        await upsert(conn, holders, list(chunk), key=["nip"])
    if updated:
        await conn.execute(_UPDATE_HOLDER, updated)
    if history:
        await insert_missing(conn, placement_history, history, key=["event_id"])
    if statuses:
        await insert_missing(conn, status_history, statuses, key=["event_id"])
    touched: set[Post] = set()
    for nip in changed:
        cur = rows[nip]
        old = before.get(nip)
        if old is not None and old[0]:
            touched.add((old[0], old[1]))
        if cur["unor_id"]:
            touched.add((cur["unor_id"], cur["jabatan_id"]))
    return touched


async def _apply_qualifications(conn: AsyncConnection, events: Sequence[Event]) -> None:
    """Training codes accumulate (a set: replays add nothing); the managerial scores are those
    of the newest kompetensi assessment (by year, then producer sequence)."""
    q = holder_qualifications
    nips = list(dict.fromkeys(e.payload.nip for e in events))  # type: ignore[attr-defined]
    rows: dict[str, dict[str, Any]] = {}
    for chunk in chunks(nips):
        for r in await conn.execute(sa.select(q).where(q.c.nip.in_(chunk))):
            rows[r.nip] = dict(r._mapping)
    changed: set[str] = set()
    for ev in events:
        p = ev.payload
        nip = p.nip  # type: ignore[attr-defined]
        row = rows.get(nip)
        if row is None:
            row = rows[nip] = {
                "nip": nip,
                "training": "",
                "training_on_record": False,
                "managerial_min": None,
                "managerial_scores": None,
                "assessment_year": None,
                "assessment_seq": 0,
            }
        if isinstance(p, PegawaiTrainingRecorded):
            code = ql.training_code(p.name, p.jenis_diklat_id)
            held = set(filter(None, row["training"].split(",")))
            if not row["training_on_record"]:
                row["training_on_record"] = True
                changed.add(nip)
            if code is not None and code not in held:
                row["training"] = ",".join(sorted(held | {code}))
                changed.add(nip)
        elif isinstance(p, PegawaiAssessmentRecorded) and p.kind == "kompetensi":
            seq = ev.envelope.sequence
            mine = (p.year, seq)
            theirs = (row["assessment_year"] or 0, row["assessment_seq"])
            scores = ql.managerial_scores(p.scores)
            if mine > theirs and scores:
                row.update(
                    managerial_min=ql.managerial_minimum(scores),
                    managerial_scores=dumps(scores),
                    assessment_year=p.year,
                    assessment_seq=seq,
                )
                changed.add(nip)
    now = utcnow()
    out = [{**rows[nip], "updated_at": now} for nip in sorted(changed)]
    for chunk in chunks(out, 1000):
        await upsert(conn, q, list(chunk), key=["nip"])
    if changed:
        await verdicts.refresh(conn, changed)


async def _apply_acting(conn: AsyncConnection, events: Sequence[Event]) -> None:
    latest: dict[tuple[str, str, str], Event] = {}
    for ev in events:
        p = ev.payload
        assert isinstance(p, PegawaiActingChanged)
        latest[(p.nip, p.unor_id, p.jabatan_id)] = ev
    for (nip, unor_id, jabatan_id), ev in latest.items():
        p = ev.payload
        assert isinstance(p, PegawaiActingChanged)
        seq = ev.envelope.sequence
        existing = (
            await conn.execute(
                sa.select(acting.c.seq).where(
                    acting.c.nip == nip,
                    acting.c.unor_id == unor_id,
                    acting.c.jabatan_id == jabatan_id,
                )
            )
        ).scalar()
        if existing is not None and existing >= seq:
            continue
        await upsert(
            conn,
            acting,
            [
                {
                    "nip": nip,
                    "unor_id": unor_id,
                    "jabatan_id": jabatan_id,
                    "jenis": p.jenis_penugasan,
                    "start": p.start,
                    "end": p.end,
                    "active": p.active,
                    "seq": seq,
                }
            ],
            key=["nip", "unor_id", "jabatan_id"],
        )


# -- vacancies of structural posts ------------------------------------------------------------
async def filled_counts(
    conn: AsyncConnection, posts: Iterable[Post] | None = None
) -> dict[Post, int]:
    """Active holders per post (all posts, or those asked: read by unit, so the
    (unor_id, jabatan_id) index serves it on SQLite and PostgreSQL alike)."""
    h = holders
    stmt = (
        sa.select(h.c.unor_id, h.c.jabatan_id, sa.func.count().label("n"))
        .where(h.c.active.is_(True), h.c.unor_id != "")
        .group_by(h.c.unor_id, h.c.jabatan_id)
    )
    if posts is None:
        return {(r.unor_id, r.jabatan_id): int(r.n) for r in await conn.execute(stmt)}
    wanted = set(posts)
    out: dict[Post, int] = {}
    # by unit only: an index range per unit; adding `jabatan_id IN` multiplies the probes
    for chunk in chunks(sorted({u for u, _ in wanted})):
        rows = await conn.execute(stmt.where(h.c.unor_id.in_(chunk)))
        for r in rows:
            key = (r.unor_id, r.jabatan_id)
            if key in wanted:
                out[key] = int(r.n)
    return out


async def acting_counts(conn: AsyncConnection) -> dict[Post, int]:
    rows = await conn.execute(
        sa.select(acting.c.unor_id, acting.c.jabatan_id, sa.func.count().label("n"))
        .where(acting.c.active.is_(True))
        .group_by(acting.c.unor_id, acting.c.jabatan_id)
    )
    return {(r.unor_id, r.jabatan_id): int(r.n) for r in rows}


async def refresh_vacancies(
    conn: AsyncConnection, emit: EmitMany, posts: Iterable[Post], on: date
) -> None:
    """Open or close the vacancy record of each structural post among `posts` (a few
    statements per batch, whatever its size; none at all when no structural post moved)."""
    structural_ids = set(
        (
            await conn.execute(
                sa.select(jabatan.c.jabatan_id).where(jabatan.c.jenis == "struktural")
            )
        ).scalars()
    )
    wanted = {p for p in posts if p[1] in structural_ids}
    if not wanted:
        return
    unit_ids = sorted({u for u, _ in wanted})
    jab_ids = sorted({j for _, j in wanted})
    need: dict[Post, int] = {}
    open_rows: dict[Post, Any] = {}
    for chunk in chunks(unit_ids):
        rows = await conn.execute(
            sa.select(needs.c.unit_id, needs.c.jabatan_id, needs.c.count).where(
                needs.c.unit_id.in_(chunk), needs.c.jabatan_id.in_(jab_ids), valid_at(needs, on)
            )
        )
        for r in rows:
            need[(r.unit_id, r.jabatan_id)] = int(r._mapping["count"])
        rows = await conn.execute(
            sa.select(vacancies).where(
                vacancies.c.unit_id.in_(chunk), vacancies.c.closed_on.is_(None)
            )
        )
        for r in rows:
            open_rows[(r.unit_id, r.jabatan_id)] = r
    structural = {p for p in wanted if p in need or p in open_rows}
    if not structural:
        return
    filled = await filled_counts(conn, structural)
    opened: list[dict[str, Any]] = []
    closed: list[dict[str, Any]] = []
    staged: list[tuple[BaseModel, str]] = []
    for post in sorted(structural):
        n, f = need.get(post, 0), filled.get(post, 0)
        vac = open_rows.get(post)
        subject = f"{post[0]}/{post[1]}"
        if f < n and vac is None:
            opened.append({"unit_id": post[0], "jabatan_id": post[1], "since": on})
            staged.append(
                (
                    FormasiVacancyOpened(
                        unit_id=post[0], jabatan_id=post[1], since=on, need=n, filled=f
                    ),
                    subject,
                )
            )
        elif f >= n and vac is not None:
            closed.append({"_id": vac.id, "_on": on})
            staged.append(
                (
                    FormasiVacancyFilled(
                        unit_id=post[0],
                        jabatan_id=post[1],
                        since=vac.since,
                        filled_on=on,
                        days_vacant=max((on - vac.since).days, 0),
                        need=n,
                        filled=f,
                    ),
                    subject,
                )
            )
    if opened:
        await conn.execute(vacancies.insert(), opened)
    if closed:
        await conn.execute(
            sa.update(vacancies)
            .where(vacancies.c.id == sa.bindparam("_id"))
            .values(closed_on=sa.bindparam("_on")),
            closed,
        )
    await emit(staged)


async def open_vacancies(conn: AsyncConnection) -> dict[Post, date]:
    rows = await conn.execute(
        sa.select(vacancies.c.unit_id, vacancies.c.jabatan_id, vacancies.c.since).where(
            vacancies.c.closed_on.is_(None)
        )
    )
    return {(r.unit_id, r.jabatan_id): r.since for r in rows}


# -- reads -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class HolderView:
    nip: str
    name: str | None
    unor_id: str
    jabatan_id: str
    jenis_jabatan: str | None
    tmt_jabatan: date | None
    golongan_id: str | None
    education_level_id: str | None
    education_field: str | None
    tmt_pensiun: date | None
    kind: str | None


def holder_view(r: Any) -> HolderView:
    return HolderView(
        r.nip,
        r.name,
        r.unor_id,
        r.jabatan_id,
        r.jenis_jabatan,
        r.tmt_jabatan,
        r.golongan_id,
        r.education_level_id,
        r.education_field,
        r.tmt_pensiun,
        r.kind,
    )


# the stored qualification verdict: jabatan version, failed, unknown, explanation
StoredVerdict = tuple[int, str, str, str | None]
# nip, name, unor_id, jabatan_id, tmt_jabatan, golongan_id, education_level_id,
# education_field, tmt_pensiun, stored verdict (None: not computed, or a past date)
HolderTuple = tuple[
    str,
    str | None,
    str,
    str,
    date | None,
    str | None,
    str | None,
    str | None,
    date | None,
    StoredVerdict | None,
]


def _raw_date(conn: AsyncConnection, col: Any) -> Any:
    """SQLite hands dates back as ISO text and SQLAlchemy parses each with a regular
    expression; reports read 30,000 of them, so read the text and parse it in C."""
    return sa.type_coerce(col, sa.String) if conn.dialect.name == "sqlite" else col


def _to_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


async def active_holder_rows(conn: AsyncConnection) -> list[HolderTuple]:
    """Current holders as plain tuples (reports read 30,000 of them; no per-row objects)."""
    h = holders
    stmt = sa.select(
        h.c.nip,
        h.c.name,
        h.c.unor_id,
        h.c.jabatan_id,
        _raw_date(conn, h.c.tmt_jabatan),
        h.c.golongan_id,
        h.c.education_level_id,
        h.c.education_field,
        _raw_date(conn, h.c.tmt_pensiun),
        h.c.qual_version,
        h.c.qual_failed,
        h.c.qual_unknown,
        h.c.qual_detail,
    ).where(h.c.active.is_(True), h.c.unor_id != "")
    rows = (await conn.execute(stmt)).all()
    if conn.dialect.name != "sqlite":  # dates arrive as dates
        return [
            (*r[:9], None if r[9] is None else (r[9], r[10] or "", r[11] or "", r[12]))
            for r in rows
        ]
    iso = date.fromisoformat  # SQLite: ISO text, parsed in C (no per-row Python call)
    return [
        (
            r[0],
            r[1],
            r[2],
            r[3],
            iso(r[4][:10]) if r[4] else None,
            r[5],
            r[6],
            r[7],
            iso(r[8][:10]) if r[8] else None,
            None if r[9] is None else (r[9], r[10] or "", r[11] or "", r[12]),
        )
        for r in rows
    ]


async def holder_rows_as_of(conn: AsyncConnection, on: date) -> list[HolderTuple]:
    """Holders as they were on `on`, from the placement and status histories: each person's
    newest placement effective by then, counted when their newest status by then is active
    (no status recorded by then: active). Rank, education, name and retirement date are the
    current ones (the read model keeps no history of them)."""
    ph, sh, h = placement_history, status_history, holders
    placed: dict[str, tuple[tuple[date, int], str, str, date | None]] = {}
    rows = await conn.execute(
        sa.select(
            ph.c.nip,
            ph.c.unor_id,
            ph.c.jabatan_id,
            _raw_date(conn, ph.c.tmt),
            _raw_date(conn, ph.c.effective),
            ph.c.seq,
        ).where(ph.c.effective <= on)
    )
    for nip, unor_id, jabatan_id, tmt, effective, seq in rows:
        key = (_to_date(effective), seq)
        cur = placed.get(nip)
        if cur is None or key > cur[0]:  # type: ignore[operator]
            placed[nip] = (key, unor_id, jabatan_id, _to_date(tmt))  # type: ignore[assignment]
    status: dict[str, tuple[tuple[date, int], bool]] = {}
    rows = await conn.execute(
        sa.select(sh.c.nip, sh.c.active, _raw_date(conn, sh.c.effective), sh.c.seq).where(
            sh.c.effective <= on
        )
    )
    for nip, active, effective, seq in rows:
        key = (_to_date(effective), seq)
        cur_s = status.get(nip)
        if cur_s is None or key > cur_s[0]:  # type: ignore[operator]
            status[nip] = (key, bool(active))  # type: ignore[assignment]
    facts = {
        r[0]: r
        for r in await conn.execute(
            sa.select(
                h.c.nip,
                h.c.name,
                h.c.golongan_id,
                h.c.education_level_id,
                h.c.education_field,
                _raw_date(conn, h.c.tmt_pensiun),
            )
        )
    }
    out: list[HolderTuple] = []
    for nip in sorted(placed):
        _, unor_id, jabatan_id, tmt = placed[nip]
        if not status.get(nip, ((on, 0), True))[1]:
            continue
        f = facts.get(nip)
        out.append(
            (
                nip,
                f[1] if f else None,
                unor_id,
                jabatan_id,
                tmt,
                f[2] if f else None,
                f[3] if f else None,
                f[4] if f else None,
                _to_date(f[5]) if f else None,
                None,
            )
        )
    return out


Qualifications = verdicts.Quals


async def qualification_rows(conn: AsyncConnection) -> dict[str, Qualifications]:
    q = holder_qualifications
    rows = await conn.execute(
        sa.select(
            q.c.nip, q.c.training, q.c.training_on_record, q.c.managerial_min, q.c.managerial_scores
        )
    )
    return {r[0]: Qualifications(r[1] if r[2] else None, r[3], r[4]) for r in rows}


async def acting_as_of(conn: AsyncConnection, on: date) -> list["ActingView"]:
    """Acting posts (PLT/PLH) running on `on`: started by then and not ended before it (one
    without an end date counts only while it is still active)."""
    rows = await conn.execute(sa.select(acting).where(acting.c.start <= on))
    return [
        ActingView(r.nip, r.unor_id, r.jabatan_id, r.jenis, r.start, r.end)
        for r in rows
        if (r.end is not None and r.end >= on) or (r.end is None and r.active)
    ]


async def vacancies_open_on(conn: AsyncConnection, on: date) -> dict[Post, date]:
    rows = await conn.execute(
        sa.select(vacancies.c.unit_id, vacancies.c.jabatan_id, vacancies.c.since).where(
            vacancies.c.since <= on,
            sa.or_(vacancies.c.closed_on.is_(None), vacancies.c.closed_on > on),
        )
    )
    return {(r.unit_id, r.jabatan_id): r.since for r in rows}


async def active_holders(conn: AsyncConnection) -> list[HolderView]:
    rows = await conn.execute(
        sa.select(holders).where(holders.c.active.is_(True), holders.c.unor_id != "")
    )
    return [holder_view(r) for r in rows]


async def holders_page(
    conn: AsyncConnection,
    *,
    after: str | None,
    limit: int,
    unor_id: str | None = None,
    jabatan_id: str | None = None,
    unit_scope: frozenset[str] | None = None,
) -> list[HolderView]:
    stmt = (
        sa.select(holders)
        .where(holders.c.active.is_(True), holders.c.unor_id != "")
        .order_by(holders.c.nip)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(holders.c.nip > after)
    if unor_id is not None:
        stmt = stmt.where(holders.c.unor_id == unor_id)
    if jabatan_id is not None:
        stmt = stmt.where(holders.c.jabatan_id == jabatan_id)
    if unit_scope is not None:
        stmt = stmt.where(holders.c.unor_id.in_(sorted(unit_scope)))
    return [holder_view(r) for r in await conn.execute(stmt)]


@dataclass(frozen=True)
class ActingView:
    nip: str
    unor_id: str
    jabatan_id: str
    jenis: str
    start: date
    end: date | None


async def active_acting(conn: AsyncConnection) -> list[ActingView]:
    rows = await conn.execute(
        sa.select(acting).where(acting.c.active.is_(True)).order_by(acting.c.nip)
    )
    return [ActingView(r.nip, r.unor_id, r.jabatan_id, r.jenis, r.start, r.end) for r in rows]


@dataclass(frozen=True)
class PlacementRecord:
    event_id: str
    unor_id: str
    jabatan_id: str
    tmt: date | None
    effective: date
    reason: str
    seq: int


async def placement_history_of(conn: AsyncConnection, nip: str) -> list[PlacementRecord]:
    rows = await conn.execute(
        sa.select(placement_history)
        .where(placement_history.c.nip == nip)
        .order_by(placement_history.c.effective, placement_history.c.seq)
    )
    return [
        PlacementRecord(r.event_id, r.unor_id, r.jabatan_id, r.tmt, r.effective, r.reason, r.seq)
        for r in rows
    ]
