"""`/gaps`: need against bezetting, per post / unit / OPD / jabatan / rumpun and Pemda-wide,
as JSON (with filters), as a BKD-formatted .xlsx, and as a one-screen summary; qualification
gaps of holders; any past date (`as_of`, rebuilt from the placement history) and the change
per OPD between two dates (`/gaps/change`, e.g. before and after a mutasi round)."""

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from tatamutasi_formasi.api.deps import Reader, operator_scope, today
from tatamutasi_formasi.api.schemas import (
    GapChangeOut,
    GapChangeRowOut,
    GapReport,
    GroupOut,
    HolderIssueOut,
    PostGapOut,
    QualificationOut,
    SummaryOut,
    TotalsOut,
    VacantPostOut,
)
from tatamutasi_formasi.domain import qualification as ql
from tatamutasi_formasi.domain.gaps import Totals
from tatamutasi_formasi.service import gaps as svc
from tatamutasi_formasi.service import gaps_excel
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.errors import Invalid
from tatamutasi_platform.http import RuntimeDep

router = APIRouter(prefix="/gaps", tags=["gaps"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

AsOf = Annotated[
    date | None,
    Query(
        description="Default: today. A past date rebuilds bezetting from the placement and "
        "status histories and uses the needs, units and jabatan catalogue in force then"
    ),
]
OpdId = Annotated[str | None, Query(max_length=64, description="Only this OPD")]
UnitId = Annotated[str | None, Query(max_length=64, description="This unit and all under it")]
JabatanId = Annotated[str | None, Query(max_length=64)]
Rumpun = Annotated[str | None, Query(max_length=200)]
Jenis = Annotated[str | None, Query(pattern="^(struktural|fungsional|pelaksana)$")]
Months = Annotated[int, Query(ge=1, le=120, description="Retiring within this many months")]


def _filters(
    principal: Principal,
    opd_id: str | None,
    unit_id: str | None,
    jabatan_id: str | None,
    rumpun: str | None,
    jenis: str | None,
) -> svc.Filters:
    return svc.Filters(
        opd_id=opd_id,
        unit_id=unit_id,
        jabatan_id=jabatan_id,
        rumpun=rumpun,
        jenis=jenis,
        unit_scope=operator_scope(principal),
    )


def _totals(t: Totals) -> TotalsOut:
    return TotalsOut(
        need=t.need, filled=t.filled, acting=t.acting, vacant=t.vacant, over=t.over, posts=t.posts
    )


def _groups(rows: list[svc.GroupRow]) -> list[GroupOut]:
    return [GroupOut(**asdict(g)) for g in rows]


def _qual(q: svc.QualificationGroup) -> QualificationOut:
    return QualificationOut(
        key=q.key,
        name=q.name,
        holders=q.holders,
        not_meeting=q.not_meeting,
        failed=dict(q.failed),
        unknown=dict(q.unknown),
    )


def _issue(h: svc.HolderRow) -> HolderIssueOut:
    return HolderIssueOut(**{**asdict(h), "aspects": list(h.aspects)})


async def _build(
    runtime: Any, on: date, filters: svc.Filters, retiring_months: int = 12
) -> svc.Report:
    async with runtime.engine.connect() as conn:
        return await svc.build(
            conn, on, filters, retiring_months=retiring_months, historical=on < today()
        )


@router.get("", response_model=GapReport, summary="Gap report with filters")
async def gap_report(
    runtime: RuntimeDep,
    principal: Reader,
    as_of: AsOf = None,
    opd_id: OpdId = None,
    unit_id: UnitId = None,
    jabatan_id: JabatanId = None,
    rumpun: Rumpun = None,
    jenis: Jenis = None,
    retiring_months: Months = 12,
    only_gaps: Annotated[bool, Query(description="Only posts with a shortage or surplus")] = False,
    limit: Annotated[int, Query(ge=1, le=50000, description="Rows per list")] = 1000,
) -> GapReport:
    """Need (in force on `as_of`) against the bezetting read model. Vacant and over are
    counted per post, so a surplus in one post never hides a shortage in another. Operators
    see their units only."""
    r = await _build(
        runtime,
        as_of or today(),
        _filters(principal, opd_id, unit_id, jabatan_id, rumpun, jenis),
        retiring_months,
    )
    posts = [p for p in r.posts if not only_gaps or p.vacant or p.over]
    lists: dict[str, list[Any]] = {
        "posts": posts,
        "vacant_structural": r.vacant_structural,
        "retiring": r.retiring,
        "over_tenure": r.over_tenure,
        "not_meeting": r.not_meeting,
        "unknown_units": r.unknown_units,
        "qualification_by_unit": r.qualification_by_unit,
    }
    truncated = any(len(v) > limit for v in lists.values())
    return GapReport(
        as_of=r.as_of,
        retiring_months=r.retiring_months,
        totals=_totals(r.totals),
        posts=[PostGapOut(**asdict(p)) for p in posts[:limit]],
        by_opd=_groups(r.by_opd),
        by_unit=_groups(r.by_unit[:limit]),
        by_jabatan=_groups(r.by_jabatan[:limit]),
        by_rumpun=_groups(r.by_rumpun),
        vacant_structural=[VacantPostOut(**asdict(v)) for v in r.vacant_structural[:limit]],
        retiring=[_issue(h) for h in r.retiring[:limit]],
        over_tenure=[_issue(h) for h in r.over_tenure[:limit]],
        not_meeting=[_issue(h) for h in r.not_meeting[:limit]],
        unknown_units=[_issue(h) for h in r.unknown_units[:limit]],
        qualification=_qual(r.qualification),
        qualification_by_opd=[_qual(q) for q in r.qualification_by_opd],
        qualification_by_unit=[_qual(q) for q in r.qualification_by_unit[:limit]],
        historical=r.historical,
        truncated=truncated,
    )


@router.get(
    "/export.xlsx",
    summary="The gap report as an Excel workbook formatted for a BKD report",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
async def gap_report_xlsx(
    runtime: RuntimeDep,
    principal: Reader,
    as_of: AsOf = None,
    opd_id: OpdId = None,
    unit_id: UnitId = None,
    jabatan_id: JabatanId = None,
    rumpun: Rumpun = None,
    jenis: Jenis = None,
    retiring_months: Months = 12,
) -> Response:
    on = as_of or today()
    r = await _build(
        runtime,
        on,
        _filters(principal, opd_id, unit_id, jabatan_id, rumpun, jenis),
        retiring_months,
    )
    return Response(
        gaps_excel.workbook(r),
        media_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="analisis-kebutuhan-{on:%Y%m%d}.xlsx"'
        },
    )


def _change_out(c: svc.Change) -> GapChangeOut:
    b, a = c.before.totals, c.after.totals
    headline = [
        f"Kekurangan pegawai {b.vacant} per {c.before.as_of:%d-%m-%Y} menjadi {a.vacant} per "
        f"{c.after.as_of:%d-%m-%Y} ({a.vacant - b.vacant:+d}); kelebihan {b.over} menjadi "
        f"{a.over} ({a.over - b.over:+d}).",
    ]
    better = [r for r in c.by_opd if r.vacant_change < 0][:3]
    worse = sorted((r for r in c.by_opd if r.vacant_change > 0), key=lambda r: -r.vacant_change)
    if better:
        headline.append(
            "Kekurangan paling berkurang: "
            + ", ".join(f"{r.name or r.key} ({r.vacant_change:+d})" for r in better)
            + "."
        )
    if worse:
        headline.append(
            "Kekurangan bertambah: "
            + ", ".join(f"{r.name or r.key} ({r.vacant_change:+d})" for r in worse[:3])
            + "."
        )
    nb, na = c.before.qualification.not_meeting, c.after.qualification.not_meeting
    headline.append(f"Pemangku yang tidak memenuhi syarat jabatan: {nb} menjadi {na}.")
    return GapChangeOut(
        before=c.before.as_of,
        after=c.after.as_of,
        headline=headline,
        totals_before=_totals(b),
        totals_after=_totals(a),
        by_opd=[
            GapChangeRowOut(
                key=r.key,
                name=r.name,
                before=_totals(r.before),
                after=_totals(r.after),
                vacant_change=r.vacant_change,
                over_change=r.over_change,
                filled_change=r.filled_change,
            )
            for r in c.by_opd
        ],
        not_meeting_before=nb,
        not_meeting_after=na,
    )


@router.get(
    "/change",
    response_model=GapChangeOut,
    summary="Gaps on two dates side by side, per OPD (e.g. before and after a mutasi round)",
)
async def gap_change(
    runtime: RuntimeDep,
    principal: Reader,
    before: Annotated[date, Query(description="The earlier date, e.g. the day before a round")],
    after: Annotated[date | None, Query(description="The later date; default today")] = None,
    opd_id: OpdId = None,
    unit_id: UnitId = None,
    jabatan_id: JabatanId = None,
    rumpun: Rumpun = None,
    jenis: Jenis = None,
) -> GapChangeOut:
    """Past dates are rebuilt from the placement and status histories, so the outcome of a
    round shows as the change in need/filled/vacant/over of every OPD."""
    on = after or today()
    if before > on:
        raise Invalid(
            "`before` must not be later than `after`",
            "`before` tidak boleh lebih akhir dari `after`",
            field="before",
        )
    async with runtime.engine.connect() as conn:
        c = await svc.compare(
            conn,
            before,
            on,
            _filters(principal, opd_id, unit_id, jabatan_id, rumpun, jenis),
            today=today(),
        )
    return _change_out(c)


@router.get("/summary", response_model=SummaryOut, summary="Pemda-wide summary on one screen")
async def gap_summary(
    runtime: RuntimeDep,
    principal: Reader,
    as_of: AsOf = None,
    since: Annotated[
        date | None, Query(description="Also show the change since this date, per OPD")
    ] = None,
) -> SummaryOut:
    """What a BKD head reads in a minute: totals and fill rate, where the shortages and
    surpluses are, the longest-vacant structural posts, retirements, tenure, qualification
    gaps and (with `since`) what changed."""
    on = as_of or today()
    filters = _filters(principal, None, None, None, None, None)
    change: GapChangeOut | None = None
    if since is not None:
        if since > on:
            raise Invalid(
                "`since` must not be later than `as_of`",
                "`since` tidak boleh lebih akhir dari `as_of`",
                field="since",
            )
        async with runtime.engine.connect() as conn:
            c = await svc.compare(conn, since, on, filters, today=today())
        r = c.after
        change = _change_out(c)
    else:
        r = await _build(runtime, on, filters)
    t = r.totals
    rate = round(100 * t.filled / t.need, 1) if t.need else None
    short = [g for g in r.by_opd if g.vacant > 0][:5]
    over = sorted((g for g in r.by_opd if g.over > 0), key=lambda g: (-g.over, g.key))[:5]
    headline = [
        f"Per {on:%d-%m-%Y}: kebutuhan {t.need} pegawai, terisi {t.filled}"
        + (f" ({rate}%)" if rate is not None else "")
        + f", Plt/Plh {t.acting}.",
        f"Kekurangan {t.vacant} pada {sum(1 for p in r.posts if p.vacant)} jabatan-unit; "
        f"kelebihan {t.over} pada {sum(1 for p in r.posts if p.over)} jabatan-unit.",
    ]
    if short:
        headline.append(
            "Kekurangan terbesar: "
            + ", ".join(f"{g.name or g.key} ({g.vacant})" for g in short[:3])
            + "."
        )
    if r.vacant_structural:
        longest = r.vacant_structural[0]
        headline.append(
            f"{len(r.vacant_structural)} jabatan struktural kosong; terlama "
            f"{longest.jabatan_name or longest.jabatan_id} di "
            f"{longest.unit_name or longest.unit_id}"
            + (f" ({longest.days_vacant} hari)." if longest.days_vacant is not None else ".")
        )
    headline.append(
        f"{len(r.retiring)} pemangku jabatan pensiun dalam 12 bulan; {len(r.over_tenure)} lebih "
        "dari 5 tahun dalam jabatan."
    )
    q = r.qualification
    if q.holders:
        parts = [f"{ql.ASPECT_NAMES[a][0]} {q.failed[a]}" for a in ql.ASPECTS if q.failed[a]]
        headline.append(
            f"{q.not_meeting} dari {q.holders} pemangku "
            f"({round(100 * q.not_meeting / q.holders)}%) "
            "tidak memenuhi syarat jabatannya" + (f": {', '.join(parts)}" if parts else "") + "."
        )
        missing = [f"{ql.ASPECT_NAMES[a][0]} {q.unknown[a]}" for a in ql.ASPECTS if q.unknown[a]]
        if missing:
            headline.append(
                "Data belum lengkap (tidak dihitung kurang): " + ", ".join(missing) + "."
            )
    if change is not None:
        headline += change.headline[:2]
    qual_opd = [x for x in r.qualification_by_opd if x.not_meeting][:5]
    return SummaryOut(
        as_of=on,
        headline=headline,
        totals=_totals(t),
        fill_rate_percent=rate,
        top_short_opd=_groups(short),
        top_over_opd=_groups(over),
        vacant_structural=len(r.vacant_structural),
        longest_vacant=[VacantPostOut(**asdict(v)) for v in r.vacant_structural[:5]],
        retiring_12_months=len(r.retiring),
        over_5_years=len(r.over_tenure),
        not_meeting_requirements=len(r.not_meeting),
        unknown_units=len(r.unknown_units),
        qualification=_qual(q),
        top_qualification_gap_opd=[_qual(x) for x in qual_opd],
        change=change,
    )
