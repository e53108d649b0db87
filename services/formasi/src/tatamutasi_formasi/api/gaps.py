"""`/gaps`: need against bezetting, per post / unit / OPD / jabatan / rumpun and Pemda-wide,
as JSON (with filters), as a BKD-formatted .xlsx, and as a one-screen summary."""

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from tatamutasi_formasi.api.deps import Reader, operator_scope, today
from tatamutasi_formasi.api.schemas import (
    GapReport,
    GroupOut,
    HolderIssueOut,
    PostGapOut,
    SummaryOut,
    TotalsOut,
    VacantPostOut,
)
from tatamutasi_formasi.domain.gaps import Totals
from tatamutasi_formasi.service import gaps as svc
from tatamutasi_formasi.service import gaps_excel
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.http import RuntimeDep

router = APIRouter(prefix="/gaps", tags=["gaps"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

AsOf = Annotated[date | None, Query(description="Default: today")]
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
    async with runtime.engine.connect() as conn:
        r = await svc.build(
            conn,
            as_of or today(),
            _filters(principal, opd_id, unit_id, jabatan_id, rumpun, jenis),
            retiring_months=retiring_months,
        )
    posts = [p for p in r.posts if not only_gaps or p.vacant or p.over]
    lists: dict[str, list[Any]] = {
        "posts": posts,
        "vacant_structural": r.vacant_structural,
        "retiring": r.retiring,
        "over_tenure": r.over_tenure,
        "not_meeting": r.not_meeting,
        "unknown_units": r.unknown_units,
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
        retiring=[HolderIssueOut(**asdict(h)) for h in r.retiring[:limit]],
        over_tenure=[HolderIssueOut(**asdict(h)) for h in r.over_tenure[:limit]],
        not_meeting=[HolderIssueOut(**asdict(h)) for h in r.not_meeting[:limit]],
        unknown_units=[HolderIssueOut(**asdict(h)) for h in r.unknown_units[:limit]],
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
    async with runtime.engine.connect() as conn:
        r = await svc.build(
            conn,
            on,
            _filters(principal, opd_id, unit_id, jabatan_id, rumpun, jenis),
            retiring_months=retiring_months,
        )
    return Response(
        gaps_excel.workbook(r),
        media_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="analisis-kebutuhan-{on:%Y%m%d}.xlsx"'
        },
    )


@router.get("/summary", response_model=SummaryOut, summary="Pemda-wide summary on one screen")
async def gap_summary(runtime: RuntimeDep, principal: Reader, as_of: AsOf = None) -> SummaryOut:
    on = as_of or today()
    async with runtime.engine.connect() as conn:
        r = await svc.build(
            conn, on, _filters(principal, None, None, None, None, None), retiring_months=12
        )
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
        f"dari 5 tahun dalam jabatan; {len(r.not_meeting)} tidak memenuhi syarat "
        "golongan/pendidikan."
    )
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
    )
