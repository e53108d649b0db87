"""Excel/CSV in and out for the registry: the documented template, reading uploads
(python-calamine for .xlsx, the stdlib for CSV), and export with the same columns.

The column list is the one contract between the template, the importer and the export:
Indonesian headers, each mapped to a field of the registration body."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import xlsxwriter

from tatamutasi_pegawai.domain.reference import ReferenceTables
from tatamutasi_platform import spreadsheets
from tatamutasi_platform.spreadsheets import UploadLimits, UploadRejected


@dataclass(frozen=True)
class Column:
    header: str  # Indonesian, as in the template
    field: str  # registration body field (`personal.x` for personal data)
    required: bool
    kind: str  # text | date | year | sex | code
    explanation: str
    example: str
    code_table: str | None = None
    personal: bool = False


COLUMNS: tuple[Column, ...] = (
    Column(
        "NIP",
        "nip",
        True,
        "text",
        "NIP PNS atau NI PPPK, 18 angka, ditulis sebagai teks",
        "198503122010011002",
    ),
    Column("Nama", "name", True, "text", "Nama tanpa gelar", "Budi Santoso"),
    Column("Gelar Depan", "gelar_depan", False, "text", "Gelar di depan nama", "Dr."),
    Column(
        "Gelar Belakang", "gelar_belakang", False, "text", "Gelar di belakang nama", "S.Kom., M.T."
    ),
    Column(
        "Jenis Kelamin",
        "sex",
        False,
        "sex",
        "L (laki-laki) atau P (perempuan); dicocokkan dengan angka ke-15 NIP",
        "L",
    ),
    Column(
        "Tempat Lahir",
        "personal.birth_place",
        False,
        "text",
        "Data pribadi (terbatas)",
        "Bandar Lampung",
        personal=True,
    ),
    Column(
        "Tanggal Lahir",
        "personal.birth_date",
        False,
        "date",
        "Data pribadi (terbatas); "
        "YYYY-MM-DD atau DD-MM-YYYY; dicocokkan dengan angka ke-1 s.d. 8 NIP",
        "1985-03-12",
        personal=True,
    ),
    Column(
        "NIK",
        "personal.nik",
        False,
        "text",
        "Data pribadi (terbatas); 16 angka, teks",
        "1871011203850001",
        personal=True,
    ),
    Column("Agama", "agama_id", False, "code", "Kode agama BKN", "1", "agama"),
    Column(
        "ID SIASN",
        "siasn_id",
        False,
        "text",
        "ID PNS di SIASN (32 heksadesimal atau UUID)",
        "7E85A273D894BD8DE050640A3C03ABCD",
    ),
    Column(
        "Kedudukan Hukum",
        "kedudukan_id",
        False,
        "code",
        "Kode kedudukan hukum BKN; kosong = 01 Aktif",
        "01",
        "kedudukan",
    ),
    Column(
        "TMT CPNS",
        "tmt_cpns",
        False,
        "date",
        "TMT CPNS (PPPK: TMT pengangkatan pertama); dicocokkan dengan NIP",
        "2010-01-01",
    ),
    Column("TMT PNS", "tmt_pns", False, "date", "TMT PNS", "2011-01-01"),
    Column("TMT Pensiun", "tmt_pensiun", False, "date", "Tanggal pensiun (BUP)", "2043-04-01"),
    Column(
        "Akhir Kontrak", "contract_end", False, "date", "Akhir perjanjian kerja PPPK", "2029-12-31"
    ),
    Column("ID Unit Kerja", "unor_id", True, "text", "ID UNOR unit kerja saat ini", "DEMO-DINKES"),
    Column("ID Jabatan", "jabatan_id", True, "text", "ID jabatan saat ini", "DEMO-J-ANALIS"),
    Column(
        "Nama Jabatan", "jabatan_name", False, "text", "Nama jabatan", "Analis Kebijakan Ahli Muda"
    ),
    Column(
        "Jenis Jabatan",
        "jenis_jabatan",
        False,
        "code",
        "Kode jenis jabatan BKN",
        "2",
        "jenis_jabatan",
    ),
    Column(
        "Eselon",
        "eselon_id",
        False,
        "code",
        "Kode eselon BKN (kosong untuk JF/pelaksana)",
        "",
        "eselon",
    ),
    Column("TMT Jabatan", "tmt_jabatan", False, "date", "TMT jabatan saat ini", "2023-01-02"),
    Column(
        "Golongan", "golongan_id", False, "code", "Kode golongan ruang BKN (PNS)", "33", "golongan"
    ),
    Column("TMT Golongan", "tmt_golongan", False, "date", "TMT golongan saat ini", "2022-04-01"),
    Column(
        "Tingkat Pendidikan",
        "education_level_id",
        False,
        "code",
        "Kode tingkat pendidikan BKN (pendidikan tertinggi)",
        "40",
        "tingkat_pendidikan",
    ),
    Column(
        "Jurusan",
        "education_field",
        False,
        "text",
        "Nama pendidikan/jurusan",
        "S-1 Ilmu Pemerintahan",
    ),
    Column("Tahun Lulus", "education_year", False, "year", "Tahun lulus, 4 angka", "2008"),
)
BY_HEADER = {c.header.lower(): c for c in COLUMNS}
BY_FIELD = {c.field: c for c in COLUMNS}
MAX_ROWS = 200_000
LIMITS = UploadLimits(max_rows=MAX_ROWS)


class TableError(ValueError):
    """The file as a whole cannot be read (wrong type, corrupt, no header, over a limit);
    `status` is the HTTP status to answer with."""

    def __init__(self, en: str, id_: str, status: int = 422, code: str = "unreadable-file"):
        super().__init__(en)
        self.en = en
        self.id = id_
        self.status = status
        self.code = code


@dataclass(frozen=True)
class Sheet:
    columns: list[Column | None]  # per file column; None = unknown header (ignored)
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row number, cells)


def _cell_text(value: Any) -> Any:
    if isinstance(value, str):
        # our own exports neutralise formula triggers; reading them back gives the original
        return spreadsheets.unneutralise(value).strip()
    return value


def read_table(data: bytes, filename: str, limits: UploadLimits = LIMITS) -> Sheet:
    """The header and data rows of an upload, after the shared checks (size, zip bomb, row
    count, encoding: `tatamutasi_platform.spreadsheets`)."""
    name = filename.lower()
    try:
        if name.endswith(".csv"):
            raw: list[list[Any]] = spreadsheets.read_csv_rows(data, limits)
        elif name.endswith((".xlsx", ".xlsm", ".xls", ".ods")):
            raw = spreadsheets.read_workbook(data, limits)
        else:
            raise TableError(
                f"Unsupported file type {filename!r}: send .xlsx or .csv",
                f"Jenis berkas {filename!r} tidak didukung: kirim .xlsx atau .csv",
                415,
                "unsupported-file",
            )
    except UploadRejected as exc:
        raise TableError(exc.en, exc.id, exc.status, exc.code) from None
    raw = [r for r in raw if any(c not in (None, "") for c in r)] if raw else raw
    if not raw:
        raise TableError("The file is empty", "Berkas kosong")
    header = [str(h).strip().lower() if h is not None else "" for h in raw[0]]
    columns = [BY_HEADER.get(h) for h in header]
    missing = [c.header for c in COLUMNS if c.required and c not in columns]
    if missing:
        raise TableError(
            f"Missing required columns: {', '.join(missing)} (use the template)",
            f"Kolom wajib tidak ada: {', '.join(missing)} (gunakan templat)",
        )
    if len(raw) - 1 > limits.max_rows:
        rejected = spreadsheets.too_many_rows(limits)
        raise TableError(rejected.en, rejected.id, rejected.status, rejected.code)
    rows = [(i + 2, [_cell_text(c) for c in r]) for i, r in enumerate(raw[1:])]
    return Sheet(columns, rows)


# -- cell conversion (returns value or an Indonesian/English reason) -----------------------
@dataclass(frozen=True)
class CellError:
    en: str
    id: str


_ISO_DATE = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T]00:00(?::00)?)?$")
_DMY_DATE = re.compile(r"^(?P<d>\d{1,2})[-/](?P<m>\d{1,2})[-/](?P<y>\d{4})$")


def _parse_date(value: Any) -> date | CellError:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    match = _ISO_DATE.match(text) or _DMY_DATE.match(text)
    if match is not None:
        groups = match.groupdict()
        try:
            return date(int(groups["y"]), int(groups["m"]), int(groups["d"]))
        except ValueError:
            pass
    return CellError(
        f"{text!r} is not a date (YYYY-MM-DD or DD-MM-YYYY)",
        f"{text!r} bukan tanggal (YYYY-MM-DD atau DD-MM-YYYY)",
    )


def convert(column: Column, value: Any) -> Any:
    """The body value for one cell, None for an empty cell, or a CellError."""
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if column.kind == "date":
        return _parse_date(value)
    if isinstance(value, float) and column.field in ("nip", "personal.nik"):
        return CellError(
            "Write this number as text (Excel rounds long numbers)",
            "Tulis angka ini sebagai teks (Excel membulatkan angka panjang)",
        )
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if column.kind == "year":
        try:
            return int(str(value))
        except ValueError:
            return CellError(f"{value!r} is not a year", f"{value!r} bukan tahun")
    text = str(value).strip()
    if column.kind == "sex":
        mapped = {"L": "M", "P": "F", "M": "M", "F": "F"}.get(text.upper())
        if mapped is None:
            return CellError(f"{text!r}: use L or P", f"{text!r}: isi L atau P")
        return mapped
    if (
        column.kind == "code"
        and text.isdigit()
        and column.code_table
        in (
            "kedudukan",
            "tingkat_pendidikan",
        )
    ):
        return text.zfill(2)
    return text


# -- writing ---------------------------------------------------------------------------------
def _write_sheet(
    wb: xlsxwriter.Workbook, name: str, headers: list[str], rows: list[list[Any]]
) -> None:
    ws = wb.add_worksheet(name)
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = wb.add_format({"num_format": "@"})
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for c, h in enumerate(headers):
        ws.write_string(0, c, h, bold)
        ws.set_column(c, c, max(12, len(h) + 2), text)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, date):
                ws.write_datetime(r, c, datetime(value.year, value.month, value.day), datefmt)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, spreadsheets.neutralise(str(value)))
    ws.freeze_panes(1, 0)


def template(ref: ReferenceTables) -> bytes:
    """The import template: sheet `Pegawai` (headers + one example row, text-formatted so
    NIP/NIK keep their digits) and `Petunjuk` explaining each column and its codes."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, spreadsheets.XLSX_OPTIONS)
    _write_sheet(wb, "Pegawai", [c.header for c in COLUMNS], [[c.example for c in COLUMNS]])
    guide: list[list[Any]] = [
        [
            c.header,
            "wajib" if c.required else "boleh kosong",
            c.explanation,
            c.example,
            _codes_text(ref, c.code_table) if c.code_table else "",
        ]
        for c in COLUMNS
    ]
    guide.append([])
    guide.append(
        [
            "Catatan",
            "",
            "Baris pertama adalah judul kolom; satu pegawai per baris. Impor bersifat "
            "semua-atau-tidak-sama-sekali kecuali dipilih --partial. Kode referensi BKN: "
            f"{ref.source}.",
            "",
            "",
        ]
    )
    _write_sheet(wb, "Petunjuk", ["Kolom", "Wajib", "Keterangan", "Contoh", "Kode"], guide)
    wb.close()
    return buf.getvalue()


def _codes_text(ref: ReferenceTables, table: str) -> str:
    codes: dict[str, Any] = dict(getattr(ref, table))
    return "; ".join(f"{k} = {v}" for k, v in sorted(codes.items()))[:30000]


def export_rows(
    views: list[dict[str, Any]], *, personal: bool
) -> tuple[list[str], list[list[Any]]]:
    cols = [c for c in COLUMNS if personal or not c.personal]
    out: list[list[Any]] = []
    for v in views:
        row = []
        for c in cols:
            value = v.get(c.field)
            if c.kind == "sex" and value is not None:
                value = {"M": "L", "F": "P"}[value]
            row.append(value)
        out.append(row)
    return [c.header for c in cols], out


def to_xlsx(headers: list[str], rows: list[list[Any]], sheet: str = "Pegawai") -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, spreadsheets.XLSX_OPTIONS)
    _write_sheet(wb, sheet, headers, rows)
    wb.close()
    return buf.getvalue()


def to_csv(headers: list[str], rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers)
    for row in rows:
        w.writerow(spreadsheets.csv_row(row))
    return buf.getvalue().encode("utf-8")
