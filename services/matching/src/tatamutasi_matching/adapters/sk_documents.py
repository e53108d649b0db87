"""The SK draft of a round as documents: the lampiran keputusan (list of moves) in the form
BKD uses, as an .xlsx workbook (xlsxwriter) and a PDF (fpdf2, core Helvetica).

Both show the same content: the "LAMPIRAN KEPUTUSAN <PPK>" block with NOMOR, TANGGAL and
TENTANG, the title, the table (NO, NAMA / NIP, PANGKAT / GOL. RUANG, JABATAN LAMA, JABATAN
BARU, JENIS PENUGASAN, TMT, KETERANGAN) and the signature block. Unknown SK number or date
(a draft) are dotted lines to fill in by hand.

Safety: every value is written as text (a NIP never becomes a number, a name never a
formula); values that a spreadsheet would read as a formula (leading `=`, `+`, `-`, `@`,
tab or carriage return) are prefixed with an apostrophe (OWASP "CSV injection")."""

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time

import xlsxwriter
from fpdf import FPDF
from fpdf.fonts import FontFace

from tatamutasi_matching.domain.sk_draft import (
    SkDraft,
    SkLine,
    format_tanggal,
    jabatan_with_unit,
    jenis_penugasan_label,
)
from tatamutasi_platform.spreadsheets import neutralise

DOTS = "...................................."

COLUMNS: tuple[str, ...] = (
    "NO",
    "NAMA / NIP",
    "PANGKAT / GOL. RUANG",
    "JABATAN LAMA",
    "JABATAN BARU",
    "JENIS PENUGASAN",
    "TMT",
    "KETERANGAN",
)


def _safe(value: str | None) -> str | None:
    return None if value is None or not value.strip() else neutralise(value.strip())


# -- the content, shared by both renderings --------------------------------------------
@dataclass(frozen=True)
class _Row:
    cells: tuple[str, ...]


def _tentang(draft: SkDraft) -> str:
    pemda = draft.pemda_name.strip().upper()
    return neutralise(f"PEMINDAHAN DALAM JABATAN DI LINGKUNGAN {pemda}")


def _place(draft: SkDraft) -> str:
    """Where the SK is signed: a Kota's name is its seat; otherwise left to fill in."""
    name = draft.pemda_name.strip()
    for prefix in ("Pemerintah Kota ", "Kota "):
        if name.lower().startswith(prefix.lower()) and len(name) > len(prefix):
            return neutralise(name[len(prefix) :])
    return DOTS


def _header_lines(draft: SkDraft) -> list[tuple[str, str]]:
    return [
        ("NOMOR", neutralise(draft.sk_number) if draft.sk_number else DOTS),
        ("TANGGAL", format_tanggal(draft.sk_date) if draft.sk_date else DOTS),
        ("TENTANG", _tentang(draft)),
    ]


def _title(draft: SkDraft) -> tuple[str, str]:
    return (
        "DAFTAR PEMINDAHAN DALAM JABATAN",
        neutralise(draft.round_name.strip().upper()),
    )


def _row(line: SkLine) -> _Row:
    name = _safe(line.name) or "-"
    nip = neutralise(line.nip.strip())
    return _Row(
        (
            str(line.number),
            f"{name}\nNIP. {nip}",
            _safe(line.golongan) or "-",
            jabatan_with_unit(_safe(line.from_jabatan), _safe(line.from_unit)),
            jabatan_with_unit(_safe(line.to_jabatan), _safe(line.to_unit)),
            neutralise(jenis_penugasan_label(line.jenis_penugasan)),
            format_tanggal(line.tmt) if line.tmt else "-",
            _safe(line.note) or "",
        )
    )


def _signature(draft: SkDraft) -> list[str]:
    date_text = format_tanggal(draft.sk_date) if draft.sk_date else DOTS
    return [
        f"Ditetapkan di {_place(draft)}",
        f"pada tanggal {date_text}",
        "",
        f"{neutralise(draft.ppk_title.strip().upper())},",
        "",
        "",
        "",
        "( " + DOTS + " )",
    ]


def _lampiran_title(draft: SkDraft) -> str:
    return neutralise(f"LAMPIRAN KEPUTUSAN {draft.ppk_title.strip().upper()}")


def _created(draft: SkDraft) -> datetime:
    """A fixed document date (the SK date, else the latest TMT, else a constant) so that the
    same draft renders to the same bytes."""
    day = draft.sk_date or max((ln.tmt for ln in draft.lines if ln.tmt), default=None)
    if day is None:
        return datetime(2000, 1, 1, tzinfo=UTC)
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


# -- .xlsx ---------------------------------------------------------------------------------
XLSX_WIDTHS: tuple[float, ...] = (5, 34, 22, 40, 40, 18, 16, 24)


def render_sk_xlsx(draft: SkDraft) -> bytes:
    """The lampiran as an .xlsx: A4 landscape, fit to one page wide, header row repeated on
    every printed page, page numbers in the footer, every cell text."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    wb.set_properties(
        {
            "title": f"Lampiran Keputusan — {draft.round_name}",
            "author": "TataMutasi",
            "created": _created(draft).replace(tzinfo=None),
        }
    )
    ws = wb.add_worksheet("SK")
    base = {"font_name": "Arial", "font_size": 10, "valign": "top"}
    plain = wb.add_format({**base, "quote_prefix": True})
    bold = wb.add_format({**base, "bold": True, "quote_prefix": True})
    wrap = wb.add_format({**base, "text_wrap": True, "quote_prefix": True})
    title = wb.add_format({**base, "bold": True, "align": "center", "font_size": 11})
    head = wb.add_format(
        {
            **base,
            "bold": True,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
            "border": 1,
            "bg_color": "#D9D9D9",
        }
    )
    number_head = wb.add_format(
        {**base, "italic": True, "align": "center", "border": 1, "font_size": 8}
    )
    cell = wb.add_format({**base, "text_wrap": True, "border": 1, "quote_prefix": True})
    centre = wb.add_format(
        {**base, "text_wrap": True, "border": 1, "align": "center", "quote_prefix": True}
    )
    last_col = len(COLUMNS) - 1
    for i, width in enumerate(XLSX_WIDTHS):
        ws.set_column(i, i, width)

    # Lampiran block, top right (columns E..H), as on a printed SK.
    r = 0
    ws.merge_range(r, 4, r, last_col, _lampiran_title(draft), bold)
    for label, value in _header_lines(draft):
        r += 1
        ws.write_string(r, 4, label, plain)
        ws.merge_range(r, 5, r, last_col, f": {value}", wrap)
        if label == "TENTANG":
            ws.set_row(r, 30)
    r += 2
    for text in _title(draft):
        ws.merge_range(r, 0, r, last_col, text, title)
        r += 1
    r += 1

    header_row = r
    for c, name in enumerate(COLUMNS):
        ws.write_string(r, c, name, head)
    ws.set_row(r, 30)
    r += 1
    for c in range(len(COLUMNS)):
        ws.write_string(r, c, str(c + 1), number_head)
    numbering_row = r
    r += 1
    for line in draft.lines:
        row = _row(line)
        ws.write_number(r, 0, line.number, centre)
        for c, value in enumerate(row.cells[1:], start=1):
            fmt = centre if c in (5, 6) else cell
            if value:
                ws.write_string(r, c, value, fmt)
            else:
                ws.write_blank(r, c, None, fmt)
        r += 1
    if not draft.lines:
        ws.merge_range(r, 0, r, last_col, "Tidak ada pemindahan dalam putaran ini.", cell)
        r += 1

    r += 1
    ws.write_string(r, 0, f"Jumlah: {len(draft.lines)} orang", bold)
    r += 2
    for text in _signature(draft):
        if text:
            ws.merge_range(r, 5, r, last_col, text, plain)
        r += 1

    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
    ws.repeat_rows(header_row, numbering_row)
    ws.fit_to_pages(1, 0)
    ws.set_footer("&CHalaman &P dari &N")
    ws.freeze_panes(numbering_row + 1, 0)
    ws.print_area(0, 0, r, last_col)
    wb.close()
    return buf.getvalue()


# -- PDF -------------------------------------------------------------------------------
PDF_WIDTHS: tuple[float, ...] = (10, 48, 32, 52, 52, 27, 25, 31)  # mm; 277 = A4 landscape
_LATIN1_FIXES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)


def latin1(text: str) -> str:
    """Core PDF fonts speak Latin-1 only: keep what fits, fold accents and typographic
    quotes, and show anything else as "?" rather than failing the whole document."""
    text = text.translate(_LATIN1_FIXES)
    out = []
    for ch in text:
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode()
            out.append(base or "?")
    return "".join(out)


PDF_CELL_MAX = 350


def clip(text: str, limit: int = PDF_CELL_MAX) -> str:
    """A table row must fit on one PDF page: very long values (a 4,000-character note) are
    cut with "..." in the PDF; the .xlsx keeps them whole."""
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


class _SkPdf(FPDF):
    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 5, f"Halaman {self.page_no()} dari {{nb}}", align="C")


def render_sk_pdf(draft: SkDraft, *, compress: bool = True) -> bytes:
    """The lampiran as a PDF: A4 landscape, the table header repeated on every page, page
    numbers "Halaman X dari Y". `compress=False` leaves content streams readable."""
    pdf = _SkPdf(orientation="L", unit="mm", format="A4")
    pdf.set_compression(compress)
    pdf.set_creation_date(_created(draft))
    pdf.set_title(latin1(f"Lampiran Keputusan - {draft.round_name}"))
    pdf.set_creator("TataMutasi")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.alias_nb_pages()
    pdf.add_page()

    # Lampiran block, top right.
    x0 = 175.0
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_x(x0)
    pdf.multi_cell(0, 4.5, latin1(_lampiran_title(draft)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for label, value in _header_lines(draft):
        pdf.set_x(x0)
        pdf.cell(20, 4.5, label)
        pdf.multi_cell(0, 4.5, latin1(f": {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    for text in _title(draft):
        pdf.cell(0, 6, latin1(text), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    pdf.set_font("Helvetica", "", 8)
    _pdf_table(pdf, [_row(line).cells for line in draft.lines])
    if not draft.lines:
        pdf.cell(0, 6, "Tidak ada pemindahan dalam putaran ini.", new_x="LMARGIN", new_y="NEXT")

    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(0, 5, f"Jumlah: {len(draft.lines)} orang", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    signature = _signature(draft)
    if pdf.get_y() + 5 * len(signature) > pdf.h - 15:
        pdf.add_page()
    pdf.set_font("Helvetica", "", 9)
    for text in signature:
        pdf.set_x(190)
        pdf.cell(0, 5, latin1(text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _pdf_table(pdf: FPDF, rows: Sequence[tuple[str, ...]]) -> None:
    align = ("C", "L", "L", "L", "L", "C", "C", "L")
    with pdf.table(
        col_widths=PDF_WIDTHS,
        width=sum(PDF_WIDTHS),
        text_align=align,
        num_heading_rows=2,
        repeat_headings=1,
        line_height=4,
        padding=1,
        v_align="TOP",
        headings_style=FontFace(emphasis="BOLD", fill_color=(217, 217, 217)),
    ) as table:
        heading = table.row()
        for name in COLUMNS:
            heading.cell(name, align="C")
        numbers = table.row()
        for i in range(len(COLUMNS)):
            numbers.cell(str(i + 1), align="C")
        for cells in rows:
            row = table.row()
            for value in cells:
                row.cell(latin1(clip(value)))
