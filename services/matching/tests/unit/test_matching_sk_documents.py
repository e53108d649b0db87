"""The round's SK draft as .xlsx and PDF (issue #7 item 6): content, print setup, text-only
NIPs, formula neutralisation, pagination."""

import io
import re
from datetime import date

import openpyxl
import pytest

from tatamutasi_matching.adapters.sk_documents import (
    COLUMNS,
    clip,
    latin1,
    neutralise,
    render_sk_pdf,
    render_sk_xlsx,
)
from tatamutasi_matching.domain.sk_draft import (
    SkDraft,
    SkLine,
    format_tanggal,
    golongan_label,
    jabatan_with_unit,
    jenis_penugasan_label,
)

NIP_A = "199001012015032001"
NIP_B = "198705172010011003"


def _line(number: int, **kw: object) -> SkLine:
    values: dict[str, object] = {
        "number": number,
        "name": f"Pegawai Sintetis {number}, S.Kom.",
        "nip": NIP_A,
        "golongan": golongan_label("31"),
        "from_jabatan": "Analis Kebijakan",
        "from_unit": "Dinas Kesehatan",
        "to_jabatan": "Kepala Seksi Pelayanan",
        "to_unit": "Dinas Pendidikan",
        "jenis_penugasan": "D",
        "tmt": date(2027, 1, 2),
        "note": None,
    }
    values.update(kw)
    return SkLine(**values)  # type: ignore[arg-type]


def _draft(lines: tuple[SkLine, ...], **kw: object) -> SkDraft:
    values: dict[str, object] = {
        "pemda_name": "Pemerintah Provinsi Lampung",
        "ppk_title": "Gubernur Lampung",
        "round_name": "Mutasi Januari 2027",
        "sk_number": "821.2/0123/VI.04/2026",
        "sk_date": date(2026, 11, 23),
        "lines": lines,
    }
    values.update(kw)
    return SkDraft(**values)  # type: ignore[arg-type]


def _sheet(data: bytes) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(io.BytesIO(data))["SK"]


def _find(ws: openpyxl.worksheet.worksheet.Worksheet, text: str) -> tuple[int, int]:
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value == text:
                return c.row, c.column
    raise AssertionError(f"{text!r} not in sheet")


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


# -- pure helpers ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("d", "text"),
    [
        (date(2026, 11, 23), "23 November 2026"),
        (date(2027, 1, 2), "2 Januari 2027"),
        (date(2027, 8, 17), "17 Agustus 2027"),
        (date(2028, 2, 29), "29 Februari 2028"),
    ],
)
def test_format_tanggal_writes_indonesian_long_dates(d: date, text: str) -> None:
    assert format_tanggal(d) == text


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("31", "Penata Muda (III/a)"),
        ("11", "Juru Muda (I/a)"),
        ("45", "Pembina Utama (IV/e)"),
        ("III/b", "Penata Muda Tk I (III/b)"),
        ("IX", "Golongan IX"),
        ("xvii", "Golongan XVII"),
        ("99", "99"),
    ],
)
def test_golongan_label_for_pns_and_pppk(code: str, label: str) -> None:
    assert golongan_label(code) == label


def test_jenis_penugasan_and_jabatan_labels() -> None:
    assert jenis_penugasan_label("D") == "Definitif"
    assert jenis_penugasan_label("plt") == "Pelaksana Tugas (Plt.)"
    assert jenis_penugasan_label("PLH") == "Pelaksana Harian (Plh.)"
    assert jenis_penugasan_label("X1") == "X1"
    assert jabatan_with_unit("Analis", "Dinas A") == "Analis pada Dinas A"
    assert jabatan_with_unit(None, "Dinas A") == "Dinas A"
    assert jabatan_with_unit(None, None) == "-"


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+628123", "'+628123"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("Siti = Rahma", "Siti = Rahma"),
    ],
)
def test_neutralise_prefixes_formula_triggers(raw: str, safe: str) -> None:
    assert neutralise(raw) == safe


def test_clip_keeps_short_values_and_cuts_long_ones() -> None:
    assert clip("pendek") == "pendek"
    cut = clip("x" * 1000)
    assert len(cut) == 350 and cut.endswith("...")


def test_latin1_folds_what_core_fonts_cannot_show() -> None:
    assert latin1("Ma\u2019ruf \u2013 \u0160ari") == "Ma'ruf - Sari"
    assert latin1("Andi \u4e2d") == "Andi ?"
    assert latin1("Jos\u00e9") == "Jos\u00e9"


# -- .xlsx ------------------------------------------------------------------------------
def test_xlsx_has_the_lampiran_header_and_title() -> None:
    ws = _sheet(render_sk_xlsx(_draft((_line(1),))))
    r, c = _find(ws, "LAMPIRAN KEPUTUSAN GUBERNUR LAMPUNG")
    assert ws.cell(r + 1, c).value == "NOMOR"
    assert ws.cell(r + 1, c + 1).value == ": 821.2/0123/VI.04/2026"
    assert ws.cell(r + 2, c).value == "TANGGAL"
    assert ws.cell(r + 2, c + 1).value == ": 23 November 2026"
    assert ws.cell(r + 3, c).value == "TENTANG"
    assert ws.cell(r + 3, c + 1).value == (
        ": PEMINDAHAN DALAM JABATAN DI LINGKUNGAN PEMERINTAH PROVINSI LAMPUNG"
    )
    _find(ws, "DAFTAR PEMINDAHAN DALAM JABATAN")
    _find(ws, "MUTASI JANUARI 2027")


def test_xlsx_table_rows_carry_every_column_as_text() -> None:
    lines = (
        _line(1),
        _line(
            2,
            name="Budi Santoso, S.E.",
            nip=NIP_B,
            golongan=golongan_label("IX"),
            from_jabatan=None,
            from_unit=None,
            to_jabatan="Sekretaris",
            to_unit="Badan Kepegawaian Daerah",
            jenis_penugasan="PLT",
            tmt=None,
            note="Menggantikan pejabat pensiun",
        ),
    )
    ws = _sheet(render_sk_xlsx(_draft(lines)))
    hr, hc = _find(ws, "NO")
    assert [ws.cell(hr, hc + i).value for i in range(len(COLUMNS))] == list(COLUMNS)
    assert [ws.cell(hr + 1, hc + i).value for i in range(len(COLUMNS))] == [
        str(i + 1) for i in range(len(COLUMNS))
    ]
    first = [ws.cell(hr + 2, hc + i).value for i in range(len(COLUMNS))]
    assert first == [
        1,
        f"Pegawai Sintetis 1, S.Kom.\nNIP. {NIP_A}",
        "Penata Muda (III/a)",
        "Analis Kebijakan pada Dinas Kesehatan",
        "Kepala Seksi Pelayanan pada Dinas Pendidikan",
        "Definitif",
        "2 Januari 2027",
        None,
    ]
    second = [ws.cell(hr + 3, hc + i).value for i in range(len(COLUMNS))]
    assert second == [
        2,
        f"Budi Santoso, S.E.\nNIP. {NIP_B}",
        "Golongan IX",
        "-",
        "Sekretaris pada Badan Kepegawaian Daerah",
        "Pelaksana Tugas (Plt.)",
        "-",
        "Menggantikan pejabat pensiun",
    ]
    # No cell holding a NIP is numeric: the 18 digits survive exactly.
    for row in ws.iter_rows():
        for c in row:
            if c.value is not None and NIP_B in str(c.value):
                assert c.data_type == "s"


def test_xlsx_nip_only_cell_is_never_a_number() -> None:
    """A name that is just digits (bad data) must stay text, not 1.99e17."""
    ws = _sheet(render_sk_xlsx(_draft((_line(1, name=NIP_A, note=NIP_B),))))
    hr, hc = _find(ws, "NO")
    note = ws.cell(hr + 2, hc + 7)
    assert note.value == NIP_B
    assert note.data_type == "s"


def test_xlsx_neutralises_formula_injection() -> None:
    evil = (
        _line(
            1,
            name='=HYPERLINK("http://evil.example","klik")',
            from_jabatan="+cmd|' /C calc'!A0",
            to_unit="@SUM(1+1)",
            note="-2+3",
        ),
    )
    data = render_sk_xlsx(_draft(evil, round_name="=1+1"))
    ws = _sheet(data)
    hr, hc = _find(ws, "NO")
    row = [ws.cell(hr + 2, hc + i) for i in range(len(COLUMNS))]
    assert row[1].value.startswith("'=HYPERLINK(")
    assert row[3].value.startswith("'+cmd|")
    assert row[4].value.endswith("pada '@SUM(1+1)")
    assert row[7].value == "'-2+3"
    for row_cells in ws.iter_rows():
        for c in row_cells:
            assert c.data_type != "f", c.coordinate
    _find(ws, "'=1+1")
    assert b"<f>" not in data  # no formula element anywhere in the workbook


def test_xlsx_print_setup_is_a4_landscape_fit_to_width_with_repeated_header() -> None:
    ws = _sheet(render_sk_xlsx(_draft(tuple(_line(i) for i in range(1, 80)))))
    hr, _ = _find(ws, "NO")
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert int(ws.page_setup.fitToHeight) == 0
    assert ws.page_setup.fitToWidth in (None, 1, "1")  # 1 is the default (omitted)
    assert ws.print_title_rows == f"${hr}:${hr + 1}"
    assert "Halaman &P dari &N" in ws.oddFooter.center.text


def test_xlsx_signature_block_and_total() -> None:
    ws = _sheet(render_sk_xlsx(_draft((_line(1), _line(2)))))
    _find(ws, "Jumlah: 2 orang")
    r, c = _find(ws, "pada tanggal 23 November 2026")
    assert ws.cell(r - 1, c).value.startswith("Ditetapkan di ")
    assert ws.cell(r + 2, c).value == "GUBERNUR LAMPUNG,"


def test_xlsx_draft_without_number_or_date_leaves_dotted_lines() -> None:
    ws = _sheet(
        render_sk_xlsx(
            _draft((), sk_number=None, sk_date=None, pemda_name="Pemerintah Kota Contoh")
        )
    )
    r, c = _find(ws, "NOMOR")
    assert ws.cell(r, c + 1).value.startswith(": ....")
    assert ws.cell(r + 1, c + 1).value.startswith(": ....")
    _find(ws, "Ditetapkan di Contoh")
    _find(ws, "Tidak ada pemindahan dalam putaran ini.")
    _find(ws, "Jumlah: 0 orang")


def test_xlsx_is_deterministic() -> None:
    draft = _draft((_line(1), _line(2)))
    assert render_sk_xlsx(draft) == render_sk_xlsx(draft)


# -- PDF ----------------------------------------------------------------------------------
def test_pdf_contains_header_names_and_signature() -> None:
    lines = (_line(1), _line(2, name="Budi Santoso, S.E.", nip=NIP_B))
    pdf = render_sk_pdf(_draft(lines), compress=False)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    for text in (
        b"LAMPIRAN KEPUTUSAN GUBERNUR LAMPUNG",
        b": 821.2/0123/VI.04/2026",
        b": 23 November 2026",
        b"PEMINDAHAN DALAM JABATAN",
        b"NAMA / NIP",
        b"(KETERANGAN)",
        b"Pegawai Sintetis 1, S.Kom.",
        b"Budi Santoso, S.E.",
        b"NIP. " + NIP_B.encode(),
        rb"Penata Muda \(III/a\)",  # parentheses are escaped in PDF strings
        b"pada tanggal 23 November 2026",
        b"GUBERNUR LAMPUNG,",
        b"Jumlah: 2 orang",
    ):
        assert text in pdf, text
    assert _pages(pdf) == 1


def test_pdf_long_list_paginates_with_repeated_header_and_page_numbers() -> None:
    lines = tuple(_line(i, name=f"Pegawai Sintetis {i:03d}") for i in range(1, 151))
    pdf = render_sk_pdf(_draft(lines), compress=False)
    pages = _pages(pdf)
    assert pages >= 5
    # The table header appears once per page that holds table rows (all but maybe the last).
    assert pdf.count(b"(NAMA / NIP)") >= pages - 1
    for n in range(1, pages + 1):
        assert f"(Halaman {n} dari ) Tj ({pages})".encode() in pdf
    for i in (1, 75, 150):
        assert f"Pegawai Sintetis {i:03d}".encode() in pdf


def test_pdf_compressed_by_default_and_survives_non_latin_names() -> None:
    draft = _draft((_line(1, name="Ma\u2019ruf Amin \u4e2d\u6587"),))
    pdf = render_sk_pdf(draft)
    assert pdf.startswith(b"%PDF-")
    assert b"/FlateDecode" in pdf
    assert b"Ma'ruf Amin ??" in render_sk_pdf(draft, compress=False)


def test_pdf_clips_values_too_long_for_one_page_and_xlsx_keeps_them() -> None:
    note = "catatan panjang " * 250
    long = _line(1, name="A" * 200, from_jabatan="J" * 300, jenis_penugasan="PLT", note=note)
    pdf = render_sk_pdf(_draft((long,)), compress=False)
    assert pdf.startswith(b"%PDF-")
    assert 0 < pdf.count(b"catatan") < 250  # shown, but cut
    ws = _sheet(render_sk_xlsx(_draft((long,))))
    hr, hc = _find(ws, "NO")
    assert ws.cell(hr + 2, hc + 7).value == note.strip()


def test_pdf_is_deterministic() -> None:
    draft = _draft((_line(1),))
    assert render_sk_pdf(draft) == render_sk_pdf(draft)
