"""Gap reports: need (as of a date) against bezetting (the read model), per post, unit, OPD,
jabatan and rumpun, plus the lists a BKD needs: vacant structural posts and for how long,
holders retiring soon or past the 5-year maximum, holders who do not meet their post
(golongan, education, managerial and technical competency, training), summarised per unit
and OPD. A report as of a past date is rebuilt from the placement and status histories and
the jabatan catalogue as it stood then; `compare` sets two dates side by side per OPD."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_formasi.adapters.orm import needs as needs_t
from tatamutasi_formasi.domain import gaps as g
from tatamutasi_formasi.domain import qualification as ql
from tatamutasi_formasi.domain import requirements as rq
from tatamutasi_formasi.domain import tree
from tatamutasi_formasi.domain.codes import GOLONGAN, OPD_TYPES
from tatamutasi_formasi.service import bezetting, needs, units, verdicts
from tatamutasi_formasi.service import jabatan as jabatan_svc
from tatamutasi_formasi.service.common import valid_at
from tatamutasi_formasi.service.units import UnitVersion

NameFn = Callable[[str], str | None]


@dataclass(frozen=True)
class Filters:
    opd_id: str | None = None
    unit_id: str | None = None  # this unit and everything under it
    jabatan_id: str | None = None
    rumpun: str | None = None
    jenis: str | None = None
    unit_scope: frozenset[str] | None = None  # operator: these units and their sub-units


@dataclass(frozen=True)
class PostRow:
    unit_id: str
    unit_name: str | None
    opd_id: str | None
    opd_name: str | None
    jabatan_id: str
    jabatan_name: str | None
    jenis: str | None
    rumpun: str | None
    need: int
    filled: int
    acting: int
    vacant: int
    over: int


@dataclass(frozen=True)
class GroupRow:
    key: str
    name: str | None
    need: int
    filled: int
    acting: int
    vacant: int
    over: int
    posts: int


@dataclass(frozen=True)
class VacantPost:
    unit_id: str
    unit_name: str | None
    opd_name: str | None
    jabatan_id: str
    jabatan_name: str | None
    eselon_id: str | None
    need: int
    filled: int
    acting: int
    since: date | None
    days_vacant: int | None


@dataclass(frozen=True)
class HolderRow:
    nip: str
    name: str | None
    unit_id: str
    unit_name: str | None
    opd_name: str | None
    jabatan_id: str
    jabatan_name: str | None
    date: date | None  # tmt_pensiun or tmt_jabatan, depending on the list
    detail: str
    aspects: tuple[str, ...] = ()  # not_meeting: the aspects that fail


@dataclass
class QualificationGroup:
    """Holders of one unit / OPD (or all) against the requirements of their posts."""

    key: str
    name: str | None
    holders: int = 0
    not_meeting: int = 0  # holders with at least one failed aspect
    failed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ql.ASPECTS, 0))
    unknown: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ql.ASPECTS, 0))

    def add(self, failed: tuple[str, ...], unknown: tuple[str, ...], n: int = 1) -> None:
        self.holders += n
        if failed:
            self.not_meeting += n
        for a in failed:
            self.failed[a] += n
        for a in unknown:
            self.unknown[a] += n


@dataclass
class Report:
    as_of: date
    retiring_months: int
    totals: g.Totals
    posts: list[PostRow]
    by_opd: list[GroupRow]
    by_unit: list[GroupRow]
    by_jabatan: list[GroupRow]
    by_rumpun: list[GroupRow]
    vacant_structural: list[VacantPost]
    retiring: list[HolderRow]
    over_tenure: list[HolderRow]
    not_meeting: list[HolderRow]
    unknown_units: list[HolderRow] = field(default_factory=list)
    qualification: QualificationGroup = field(default_factory=lambda: QualificationGroup("*", None))
    qualification_by_opd: list[QualificationGroup] = field(default_factory=list)
    qualification_by_unit: list[QualificationGroup] = field(default_factory=list)
    historical: bool = False  # rebuilt from the histories (as_of before today)


def opd_map(snap: dict[str, UnitVersion]) -> dict[str, str]:
    """Unit id -> its OPD: the nearest unit (itself or above) of an OPD type, else the
    top-most unit under the root."""
    parents = {k: v.parent_id for k, v in snap.items()}
    out: dict[str, str] = {}
    for uid in snap:
        try:
            chain = [uid, *tree.ancestors(uid, parents)]
        except tree.TreeError:
            chain = [uid]
        chain = [c for c in chain if c in snap]
        opd = next((c for c in chain if snap[c].unit_type in OPD_TYPES), None)
        if opd is None:
            opd = chain[-2] if len(chain) >= 2 else chain[-1]
        out[uid] = opd
    return out


def subtree(snap: dict[str, UnitVersion], roots: frozenset[str]) -> set[str]:
    parents = {k: v.parent_id for k, v in snap.items()}
    out = set()
    for uid in snap:
        try:
            chain = {uid, *tree.ancestors(uid, parents)}
        except tree.TreeError:
            chain = {uid}
        if chain & roots:
            out.add(uid)
    return out | (roots - set(snap))


async def build(
    conn: AsyncConnection,
    as_of: date,
    filters: Filters,
    *,
    retiring_months: int = 12,
    historical: bool = False,
) -> Report:
    """The report on `as_of`. `historical` (callers pass it for dates before today) rebuilds
    bezetting from the placement/status histories and the catalogue as it stood then, instead
    of reading the current read model."""
    snap = await units.snapshot(conn, as_of, include_closed=True)
    open_units = {k: v for k, v in snap.items() if not v.closed}
    closed = {k for k, v in snap.items() if v.closed}
    successors = {k: v.successor_id for k, v in snap.items() if v.closed}
    opd_of = opd_map(open_units)
    need = await needs.needs_as_of(conn, as_of)
    if historical:
        jab = await jabatan_svc.all_jabatan_as_of(conn, as_of)
        holders = await bezetting.holder_rows_as_of(conn, as_of)
        acting_rows = await bezetting.acting_as_of(conn, as_of)
        since_open = await bezetting.vacancies_open_on(conn, as_of)
    else:
        jab = await jabatan_svc.all_jabatan(conn)
        holders = await bezetting.active_holder_rows(conn)
        acting_rows = await bezetting.active_acting(conn)
        since_open = await bezetting.open_vacancies(conn)

    allowed: set[str] | None = None
    if filters.unit_scope is not None:
        allowed = subtree(open_units, filters.unit_scope)
    if filters.unit_id is not None:
        sub = subtree(open_units, frozenset({filters.unit_id}))
        allowed = sub if allowed is None else allowed & sub
    if filters.opd_id is not None:
        in_opd = {u for u, o in opd_of.items() if o == filters.opd_id}
        allowed = in_opd if allowed is None else allowed & in_opd
    jabatan_pass: dict[str, bool] = {}

    def jabatan_ok(jid: str) -> bool:
        hit = jabatan_pass.get(jid)
        if hit is None:
            j = jab.get(jid)
            hit = not (
                (filters.jabatan_id is not None and jid != filters.jabatan_id)
                or (filters.rumpun is not None and (j is None or j.rumpun != filters.rumpun))
                or (filters.jenis is not None and (j is None or j.jenis != filters.jenis))
            )
            jabatan_pass[jid] = hit
        return hit

    def ok(uid: str, jid: str) -> bool:
        return (allowed is None or uid in allowed) and jabatan_ok(jid)

    # where each holder belongs today: closed units resolve to their successors
    unknown_unit: list[bezetting.HolderTuple] = []
    filled: dict[tuple[str, str], int] = {}
    kept_holders: list[tuple[bezetting.HolderTuple, str]] = []
    for h in holders:
        uid = h[2]
        if uid in closed:
            uid = tree.resolve_successor(uid, successors, closed).unit_id
        if uid not in open_units:
            unknown_unit.append(h)
        elif ok(uid, h[3]):
            key = (uid, h[3])
            filled[key] = filled.get(key, 0) + 1
            kept_holders.append((h, uid))
    acting_n: dict[tuple[str, str], int] = {}
    for a in acting_rows:
        if a.unor_id in open_units and ok(a.unor_id, a.jabatan_id):
            acting_n[(a.unor_id, a.jabatan_id)] = acting_n.get((a.unor_id, a.jabatan_id), 0) + 1
    need_f = {k: v for k, v in need.items() if k[0] in open_units and ok(*k)}
    post_gaps = g.post_gaps(need_f, filled, acting_n)

    unit_names = {k: v.name for k, v in open_units.items()}
    jab_names = {k: v.name for k, v in jab.items()}

    def uname(uid: str | None) -> str | None:
        return unit_names.get(uid) if uid is not None else None

    def jname(jid: str) -> str | None:
        return jab_names.get(jid)

    posts = [
        PostRow(
            p.unit_id,
            uname(p.unit_id),
            opd_of.get(p.unit_id),
            uname(opd_of.get(p.unit_id)),
            p.jabatan_id,
            jname(p.jabatan_id),
            jab[p.jabatan_id].jenis if p.jabatan_id in jab else None,
            jab[p.jabatan_id].rumpun if p.jabatan_id in jab else None,
            p.need,
            p.filled,
            p.acting,
            p.vacant,
            p.over,
        )
        for p in post_gaps
    ]

    # one pass over the posts for the totals and the four roll-ups (each post's vacant/over
    # computed once); vacant and over are summed per post, as in `g.aggregate`
    rumpun_of = {jid: (j.rumpun or "-") for jid, j in jab.items()}
    sums: tuple[dict[str, list[int]], ...] = ({}, {}, {}, {})
    totals = g.Totals()
    for p in post_gaps:
        vacant, over_n = p.vacant, p.over
        row = (p.need, p.filled, p.acting, vacant, over_n)
        totals.need += row[0]
        totals.filled += row[1]
        totals.acting += row[2]
        totals.vacant += vacant
        totals.over += over_n
        totals.posts += 1
        opd = opd_of.get(p.unit_id)
        keys = (opd, p.unit_id, p.jabatan_id, rumpun_of.get(p.jabatan_id, "-"))
        for acc, k in zip(sums, keys, strict=True):
            if k is None:
                continue
            t = acc.get(k)
            if t is None:
                acc[k] = [*row, 1]
            else:
                t[0] += row[0]
                t[1] += row[1]
                t[2] += row[2]
                t[3] += vacant
                t[4] += over_n
                t[5] += 1

    def group(acc: dict[str, list[int]], name_fn: NameFn) -> list[GroupRow]:
        rows = [GroupRow(str(k), name_fn(str(k)), *t) for k, t in acc.items()]
        rows.sort(key=lambda r: (-r.vacant, r.key))
        return rows

    by_opd = group(sums[0], uname)
    by_unit = group(sums[1], uname)
    by_jabatan = group(sums[2], jname)
    by_rumpun = group(sums[3], lambda k: k)

    vacant_structural: list[VacantPost] = []
    need_since = await _need_since(conn, as_of)
    for p in post_gaps:
        j = jab.get(p.jabatan_id)
        if j is None or j.jenis != "struktural" or p.vacant == 0:
            continue
        since = since_open.get((p.unit_id, p.jabatan_id)) or need_since.get(
            (p.unit_id, p.jabatan_id)
        )
        vacant_structural.append(
            VacantPost(
                p.unit_id,
                uname(p.unit_id),
                uname(opd_of.get(p.unit_id)),
                p.jabatan_id,
                j.name,
                j.eselon_id,
                p.need,
                p.filled,
                p.acting,
                since,
                max((as_of - since).days, 0) if since else None,
            )
        )
    vacant_structural.sort(key=lambda v: (-(v.days_vacant or 0), v.unit_id, v.jabatan_id))

    retiring: list[HolderRow] = []
    over: list[HolderRow] = []
    not_meeting: list[HolderRow] = []
    retire_by = g.add_months(as_of, retiring_months)
    tenure_from = g.add_years(as_of, -g.FIVE_YEARS)
    # the verdicts stored in the read model, where computed against the current catalogue;
    # the others (past dates, rows from before they were stored, a jabatan changed since)
    # are computed here, each combination of facts once
    entries = {
        jid: verdicts.Entry(j.version, ql.QualificationCheck(j.requirements), j.requirements)
        for jid, j in jab.items()
    }
    checker = verdicts.Checker(entries)
    quals: dict[str, verdicts.Quals] | None = None
    aspects_of: dict[str, tuple[str, ...]] = {"": ()}
    place_names: dict[str, tuple[str | None, str | None]] = {}  # unit -> its name, its OPD's
    # (unit, failed aspects, unknown aspects) -> holders; rolled up per unit / OPD afterwards
    qual_count: dict[tuple[str, tuple[str, ...], tuple[str, ...]], int] = {}

    for h, uid in kept_holders:
        nip, name, _unor, jid, tmt_jabatan, gol, level, field_, tmt_pensiun, stored = h
        retire = tmt_pensiun is not None and as_of <= tmt_pensiun <= retire_by
        long_tenure = tmt_jabatan is not None and tmt_jabatan <= tenure_from
        entry = entries.get(jid)
        if stored is not None and stored[0] == (entry.version if entry is not None else 0):
            failed = aspects_of.get(stored[1])
            if failed is None:
                failed = aspects_of[stored[1]] = tuple(stored[1].split(","))
            missing = aspects_of.get(stored[2])
            if missing is None:
                missing = aspects_of[stored[2]] = tuple(stored[2].split(","))
            detail = stored[3] or ""
        else:
            if quals is None:
                quals = await bezetting.qualification_rows(conn)
            failed, missing, detail = checker.verdict(jid, gol, level, field_, quals.get(nip))
        ckey = (uid, failed, missing)
        qual_count[ckey] = qual_count.get(ckey, 0) + 1
        if not (retire or long_tenure or failed):
            continue
        names = place_names.get(uid)
        if names is None:
            names = place_names[uid] = (unit_names.get(uid), uname(opd_of.get(uid)))
        base = (nip, name, uid, names[0], names[1], jid, jab_names.get(jid))
        if retire:
            retiring.append(HolderRow(*base, tmt_pensiun, "BUP"))
        if long_tenure and tmt_jabatan is not None:
            years = rq.years_between(tmt_jabatan, as_of)
            over.append(HolderRow(*base, tmt_jabatan, f"{years} tahun dalam jabatan"))
        if failed:
            not_meeting.append(HolderRow(*base, None, detail, failed))
    retiring.sort(key=lambda r: (r.date or as_of, r.nip))
    over.sort(key=lambda r: (r.date or as_of, r.nip))
    not_meeting.sort(key=lambda r: (r.unit_id, r.nip))
    qual_all = QualificationGroup("*", None)
    qual_unit: dict[str, QualificationGroup] = {}
    qual_opd: dict[str, QualificationGroup] = {}
    for (uid, failed_aspects, unknown_aspects), n in qual_count.items():
        opd = opd_of.get(uid)
        targets = [qual_all, qual_unit.setdefault(uid, QualificationGroup(uid, uname(uid)))]
        if opd is not None:
            targets.append(qual_opd.setdefault(opd, QualificationGroup(opd, uname(opd))))
        for grp in targets:
            grp.add(failed_aspects, unknown_aspects, n)
    unknown_rows = [
        HolderRow(
            h[0],
            h[1],
            h[2],
            None,
            None,
            h[3],
            jname(h[3]),
            None,
            "unit tidak dikenal",
        )
        for h in unknown_unit
        if filters.unit_scope is None and filters.unit_id is None and filters.opd_id is None
    ]
    return Report(
        as_of,
        retiring_months,
        totals,
        posts,
        by_opd,
        by_unit,
        by_jabatan,
        by_rumpun,
        vacant_structural,
        retiring,
        over,
        not_meeting,
        unknown_rows,
        qual_all,
        sorted(qual_opd.values(), key=lambda q: (-q.not_meeting, q.key)),
        sorted(qual_unit.values(), key=lambda q: (-q.not_meeting, q.key)),
        historical,
    )


async def _need_since(conn: AsyncConnection, as_of: date) -> dict[tuple[str, str], date]:
    """When each post's current need began (the vacancy start when no holder ever came)."""
    rows = await conn.execute(
        sa.select(needs_t.c.unit_id, needs_t.c.jabatan_id, needs_t.c.valid_from).where(
            valid_at(needs_t, as_of)
        )
    )
    return {(r.unit_id, r.jabatan_id): r.valid_from for r in rows}


def golongan_name(gid: str | None) -> str:
    return GOLONGAN.get(gid or "", gid or "-")


# -- before / after (e.g. a mutasi round's outcome) ------------------------------------------
@dataclass(frozen=True)
class ChangeRow:
    key: str  # OPD id
    name: str | None
    before: g.Totals
    after: g.Totals

    @property
    def vacant_change(self) -> int:
        return self.after.vacant - self.before.vacant

    @property
    def over_change(self) -> int:
        return self.after.over - self.before.over

    @property
    def filled_change(self) -> int:
        return self.after.filled - self.before.filled


@dataclass(frozen=True)
class Change:
    before: Report
    after: Report
    by_opd: list[ChangeRow]


def _totals_of(r: GroupRow | None) -> g.Totals:
    if r is None:
        return g.Totals()
    return g.Totals(r.need, r.filled, r.acting, r.vacant, r.over, r.posts)


async def compare(
    conn: AsyncConnection, before: date, after: date, filters: Filters, *, today: date
) -> Change:
    """The gap report on two dates and the change per OPD (dates before `today` come from the
    histories). Rows: every OPD of either date, largest drop in vacancies first."""
    r1 = await build(conn, before, filters, historical=before < today)
    r2 = await build(conn, after, filters, historical=after < today)
    one = {x.key: x for x in r1.by_opd}
    two = {x.key: x for x in r2.by_opd}
    rows = [
        ChangeRow(
            k,
            (two.get(k) or one[k]).name,
            _totals_of(one.get(k)),
            _totals_of(two.get(k)),
        )
        for k in sorted(set(one) | set(two))
    ]
    rows.sort(key=lambda c: (c.vacant_change, c.over_change, c.key))
    return Change(r1, r2, rows)
