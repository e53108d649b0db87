"""The gap report as an .xlsx workbook formatted for a BKD report: a title block, bordered
tables with totals, frozen headers, filters, landscape A4 pages that repeat the header."""

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from tatamutasi_formasi.domain import qualification as ql
from tatamutasi_formasi.service.gaps import (
    GroupRow,
    HolderRow,
    PostRow,
    QualificationGroup,
    Report,
    VacantPost,
)
from tatamutasi_platform import spreadsheets

TITLE = "LAPORAN ANALISIS KEBUTUHAN DAN PERSEDIAAN PEGAWAI (BEZETTING)"


class _Fmt:
    def __init__(self, wb: Workbook) -> None:
        self.title = wb.add_format({"bold": True, "font_size": 13})
        self.sub = wb.add_format({"italic": True, "font_color": "#555555"})
        self.head = wb.add_format(
            {
                "bold": True,
                "bg_color": "#1F4E78",
                "font_color": "#FFFFFF",
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
            }
        )
        self.cell = wb.add_format({"border": 1, "valign": "top", "text_wrap": True})
        self.num = wb.add_format({"border": 1, "num_format": "#,##0"})
        self.neg = wb.add_format(
            {"border": 1, "num_format": "#,##0", "font_color": "#C00000", "bold": True}
        )
        self.date = wb.add_format({"border": 1, "num_format": "dd-mm-yyyy"})
        self.total = wb.add_format(
            {"bold": True, "border": 1, "bg_color": "#DDEBF7", "num_format": "#,##0"}
        )
        self.total_label = wb.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7"})


def _sheet(
    wb: Workbook, f: _Fmt, name: str, subtitle: str, as_of: date, headers: Sequence[tuple[str, int]]
) -> Worksheet:
    ws = wb.add_worksheet(name)
    ws.write(0, 0, TITLE, f.title)
    ws.write(1, 0, f"{subtitle} — keadaan per {as_of:%d-%m-%Y}", f.sub)
    for col, (text, width) in enumerate(headers):
        ws.write(3, col, text, f.head)
        ws.set_column(col, col, width)
    ws.set_row(3, 30)
    ws.freeze_panes(4, 0)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(3)
    ws.set_footer("&LTataMutasi&CHalaman &P dari &N&R&D")
    return ws


def _write(
    ws: Worksheet,
    f: _Fmt,
    row: int,
    values: Sequence[Any],
    numeric_from: int,
    red: frozenset[int] = frozenset(),
) -> None:
    for col, v in enumerate(values):
        if isinstance(v, date):
            ws.write_datetime(row, col, v, f.date)  # type: ignore[arg-type]
        elif isinstance(v, int) and col >= numeric_from:
            ws.write_number(row, col, v, f.neg if (col in red and v > 0) else f.num)
        elif v is None:
            ws.write_blank(row, col, None, f.cell)
        elif isinstance(v, str):  # names come from users: never a formula
            ws.write_string(row, col, spreadsheets.neutralise(v), f.cell)
        else:
            ws.write(row, col, v, f.cell)


GROUP_HEADERS = [
    ("Kode", 22),
    ("Nama", 48),
    ("Kebutuhan", 11),
    ("Terisi", 10),
    ("Plt/Plh", 9),
    ("Kurang", 10),
    ("Lebih", 9),
    ("Jumlah jabatan", 10),
]


def _groups(
    wb: Workbook, f: _Fmt, name: str, subtitle: str, as_of: date, rows: list[GroupRow]
) -> None:
    ws = _sheet(wb, f, name, subtitle, as_of, GROUP_HEADERS)
    r = 4
    for g in rows:
        _write(
            ws,
            f,
            r,
            [g.key, g.name, g.need, g.filled, g.acting, g.vacant, g.over, g.posts],
            2,
            frozenset({5}),
        )
        r += 1
    ws.write(r, 0, "JUMLAH", f.total_label)
    ws.write_blank(r, 1, None, f.total_label)
    for col, attr in enumerate(("need", "filled", "acting", "vacant", "over", "posts"), start=2):
        letter = chr(ord("A") + col)
        value = sum(getattr(g, attr) for g in rows)
        ws.write_formula(r, col, f"=SUM({letter}5:{letter}{r})", f.total, value)
    ws.autofilter(3, 0, max(r - 1, 3), 7)


def _posts(wb: Workbook, f: _Fmt, as_of: date, rows: list[PostRow]) -> None:
    headers = [
        ("OPD", 34),
        ("Kode unit", 18),
        ("Unit", 40),
        ("Kode jabatan", 18),
        ("Jabatan", 40),
        ("Jenis", 12),
        ("Rumpun", 20),
        ("Kebutuhan", 11),
        ("Terisi", 10),
        ("Plt/Plh", 9),
        ("Kurang", 10),
        ("Lebih", 9),
    ]
    ws = _sheet(
        wb,
        f,
        "Per Jabatan-Unit",
        "Rincian kebutuhan dan bezetting per jabatan per unit",
        as_of,
        headers,
    )
    r = 4
    for p in rows:
        _write(
            ws,
            f,
            r,
            [
                p.opd_name,
                p.unit_id,
                p.unit_name,
                p.jabatan_id,
                p.jabatan_name,
                p.jenis,
                p.rumpun,
                p.need,
                p.filled,
                p.acting,
                p.vacant,
                p.over,
            ],
            7,
            frozenset({10}),
        )
        r += 1
    ws.autofilter(3, 0, max(r - 1, 3), len(headers) - 1)


def _vacant(wb: Workbook, f: _Fmt, as_of: date, rows: list[VacantPost]) -> None:
    headers = [
        ("OPD", 34),
        ("Unit", 40),
        ("Jabatan", 40),
        ("Eselon", 8),
        ("Kebutuhan", 11),
        ("Terisi", 9),
        ("Plt/Plh", 9),
        ("Kosong sejak", 13),
        ("Lama kosong (hari)", 12),
    ]
    ws = _sheet(
        wb, f, "Jabatan Struktural Kosong", "Jabatan struktural yang lowong", as_of, headers
    )
    for r, v in enumerate(rows, start=4):
        _write(
            ws,
            f,
            r,
            [
                v.opd_name,
                v.unit_name or v.unit_id,
                v.jabatan_name or v.jabatan_id,
                v.eselon_id,
                v.need,
                v.filled,
                v.acting,
                v.since,
                v.days_vacant,
            ],
            4,
        )
    ws.autofilter(3, 0, max(3 + len(rows), 3), len(headers) - 1)


def _holders(
    wb: Workbook,
    f: _Fmt,
    name: str,
    subtitle: str,
    date_label: str,
    as_of: date,
    rows: list[HolderRow],
) -> None:
    headers = [
        ("NIP", 21),
        ("Nama", 32),
        ("OPD", 30),
        ("Unit", 34),
        ("Jabatan", 34),
        (date_label, 13),
        ("Keterangan", 50),
    ]
    ws = _sheet(wb, f, name, subtitle, as_of, headers)
    for r, h in enumerate(rows, start=4):
        _write(
            ws,
            f,
            r,
            [
                h.nip,
                h.name,
                h.opd_name,
                h.unit_name or h.unit_id,
                h.jabatan_name or h.jabatan_id,
                h.date,
                h.detail,
            ],
            99,
        )
        ws.write_string(r, 0, spreadsheets.neutralise(h.nip), f.cell)  # NIPs are text
    ws.autofilter(3, 0, max(3 + len(rows), 3), len(headers) - 1)


def _qualification(
    wb: Workbook, f: _Fmt, as_of: date, rows: list[QualificationGroup], name: str
) -> None:
    headers = [("Kode", 22), ("Nama", 44), ("Pemangku", 11), ("Tidak memenuhi", 12)]
    headers += [(f"Kurang {ql.ASPECT_NAMES[a][0]}", 13) for a in ql.ASPECTS]
    headers += [(f"Data {ql.ASPECT_NAMES[a][0]} belum ada", 13) for a in ql.ASPECTS]
    ws = _sheet(
        wb,
        f,
        name,
        "Kesenjangan kualifikasi pemangku jabatan terhadap syarat jabatan",
        as_of,
        headers,
    )
    for r, q in enumerate(rows, start=4):
        values = [q.key, q.name, q.holders, q.not_meeting]
        values += [q.failed[a] for a in ql.ASPECTS] + [q.unknown[a] for a in ql.ASPECTS]
        _write(ws, f, r, values, 2, frozenset({3, 4, 5, 6, 7, 8}))
    ws.autofilter(3, 0, max(3 + len(rows), 3), len(headers) - 1)


def workbook(report: Report, pemda: str | None = None) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf, {**spreadsheets.XLSX_OPTIONS, "default_date_format": "dd-mm-yyyy"}
    )
    f = _Fmt(wb)
    t = report.totals
    ws = wb.add_worksheet("Ringkasan")
    ws.set_column(0, 0, 46)
    ws.set_column(1, 1, 16)
    ws.write(0, 0, TITLE, f.title)
    sub = (pemda + " — " if pemda else "") + f"keadaan per {report.as_of:%d-%m-%Y}"
    ws.write_string(1, 0, spreadsheets.neutralise(sub), f.sub)
    summary = [
        ("Jumlah kebutuhan (ABK)", t.need),
        ("Jumlah terisi (definitif)", t.filled),
        ("Pelaksana tugas / harian (Plt/Plh)", t.acting),
        ("Kekurangan (jabatan kurang diisi)", t.vacant),
        ("Kelebihan (jabatan lebih diisi)", t.over),
        ("Selisih bersih (kebutuhan − terisi)", t.net),
        ("Jabatan struktural kosong", len(report.vacant_structural)),
        (f"Pensiun dalam {report.retiring_months} bulan", len(report.retiring)),
        ("Lebih dari 5 tahun dalam jabatan", len(report.over_tenure)),
        ("Tidak memenuhi syarat jabatan (golongan, pendidikan, kompetensi, diklat)",
         len(report.not_meeting)),
    ] + [
        (f"  — {ql.ASPECT_NAMES[a][0]}: tidak memenuhi", report.qualification.failed[a])
        for a in ql.ASPECTS
    ] + [
        (f"  — {ql.ASPECT_NAMES[a][0]}: data belum ada", report.qualification.unknown[a])
        for a in ql.ASPECTS
    ]  # fmt: skip
    ws.write(3, 0, "Uraian", f.head)
    ws.write(3, 1, "Jumlah", f.head)
    for r, (label, value) in enumerate(summary, start=4):
        ws.write(r, 0, label, f.cell)
        ws.write_number(r, 1, value, f.num)
    ws.set_landscape()
    ws.set_paper(9)
    _groups(wb, f, "Per OPD", "Rekapitulasi per perangkat daerah", report.as_of, report.by_opd)
    _groups(wb, f, "Per Unit", "Rekapitulasi per unit kerja", report.as_of, report.by_unit)
    _groups(wb, f, "Per Jabatan", "Rekapitulasi per jabatan", report.as_of, report.by_jabatan)
    _groups(wb, f, "Per Rumpun", "Rekapitulasi per rumpun jabatan", report.as_of, report.by_rumpun)
    _posts(wb, f, report.as_of, report.posts)
    _vacant(wb, f, report.as_of, report.vacant_structural)
    _holders(
        wb,
        f,
        "Pensiun",
        f"Pemangku jabatan yang mencapai BUP dalam {report.retiring_months} bulan",
        "TMT pensiun",
        report.as_of,
        report.retiring,
    )
    _holders(
        wb,
        f,
        "Lebih 5 Tahun",
        "Pemangku jabatan lebih dari 5 tahun dalam jabatan yang sama",
        "TMT jabatan",
        report.as_of,
        report.over_tenure,
    )
    _qualification(wb, f, report.as_of, report.qualification_by_opd, "Kualifikasi per OPD")
    _qualification(wb, f, report.as_of, report.qualification_by_unit, "Kualifikasi per Unit")
    _holders(
        wb,
        f,
        "Tidak Memenuhi Syarat",
        "Pemangku jabatan yang tidak memenuhi syarat golongan, pendidikan, kompetensi atau diklat",
        "-",
        report.as_of,
        report.not_meeting,
    )
    wb.close()
    return buf.getvalue()
