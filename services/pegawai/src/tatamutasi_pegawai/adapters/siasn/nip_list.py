"""Read the list of NIPs to fetch from SIASN: a CSV or XLSX with a `nip` column, as BKD staff
export it. Tolerant of header case and spacing ("NIP", " Nip Baru "), `;` or `,` separated
CSV with or without a BOM, NIPs typed with spaces ("19850312 201001 1 002") or a leading
apostrophe, and NIPs stored as numbers. Excel keeps only 15 significant digits of a number,
so a NIP typed into a number cell loses its last digits: that is reported per row with advice,
never silently "corrected"."""

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

_NIP = re.compile(r"^\d{18}$")
_SCIENTIFIC = re.compile(r"^\d(?:[.,]\d+)?[eE]\+?\d+$")
_SPACES = re.compile(r"[\s\u00a0'’`\-.]")
_HEADERS = {"nip", "nipbaru", "nippns", "nipnipppk", "nippppk", "nipasn"}


@dataclass(frozen=True)
class NipProblem:
    row: int  # 1-based, the header is row 1
    value: str
    reason: str
    alasan: str


@dataclass(frozen=True)
class NipList:
    nips: tuple[str, ...]
    problems: tuple[NipProblem, ...]
    duplicates: int


class NipFileError(ValueError):
    def __init__(self, reason: str, alasan: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.alasan = alasan


def _header_key(value: Any) -> str:
    return re.sub(r"[^a-z]", "", str(value or "").lower())


def _cell_text(value: Any) -> tuple[str, bool]:
    """(text, was_a_number). A float is read at Excel's precision (15 significant digits), so
    a NIP that Excel rounded shows as rounded (ending in 000) instead of as float noise."""
    if isinstance(value, bool) or value is None:
        return "", False
    if isinstance(value, float):
        if not value.is_integer():
            return repr(value), True
        if abs(value) >= 1e15:
            return str(int(Decimal(f"{value:.15g}"))), True
        return str(int(value)), True
    if isinstance(value, int):
        return str(value), True
    return str(value), False


def _check(row: int, raw: Any) -> str | NipProblem | None:
    text, numeric = _cell_text(raw)
    nip = _SPACES.sub("", text.strip())
    if not nip:
        return None
    if _SCIENTIFIC.match(text.strip()):
        return NipProblem(
            row,
            text,
            "the NIP was saved as a number in scientific notation and lost its digits; format "
            "the column as Text in Excel and export again",
            "NIP tersimpan sebagai angka berformat ilmiah dan kehilangan digitnya; ubah format "
            "kolom menjadi Teks di Excel lalu ekspor ulang",
        )
    if not _NIP.match(nip):
        return NipProblem(
            row,
            text,
            "not an 18-digit NIP",
            "bukan NIP 18 angka",
        )
    if nip[15:] == "000" and numeric:
        return NipProblem(
            row,
            text,
            "sequence 000: a NIP stored as an Excel number loses its last digits; format the "
            "column as Text and type the NIP again",
            "nomor urut 000: NIP yang disimpan sebagai angka di Excel kehilangan digit "
            "terakhirnya; ubah format kolom menjadi Teks lalu ketik ulang NIP",
        )
    if nip[15:] == "000":
        return NipProblem(row, text, "sequence number 000 is not valid", "nomor urut 000 tidak sah")
    return nip


def _from_rows(rows: list[list[Any]]) -> NipList:
    header_index = None
    column = None
    for r, row in enumerate(rows[:10]):  # the header may sit below a title row or two
        for c, cell in enumerate(row):
            if _header_key(cell) in _HEADERS:
                header_index, column = r, c
                break
        if column is not None:
            break
    if header_index is None or column is None:
        raise NipFileError(
            "no 'nip' column found in the first 10 rows",
            "kolom 'nip' tidak ditemukan pada 10 baris pertama",
        )
    nips: list[str] = []
    seen: set[str] = set()
    problems: list[NipProblem] = []
    duplicates = 0
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        result = _check(offset, row[column] if column < len(row) else None)
        if result is None:
            continue
        if isinstance(result, NipProblem):
            problems.append(result)
        elif result in seen:
            duplicates += 1
        else:
            seen.add(result)
            nips.append(result)
    return NipList(tuple(nips), tuple(problems), duplicates)


def _read_csv(path: Path) -> list[list[Any]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(path: Path) -> list[list[Any]]:
    """openpyxl for .xlsx (it keeps whole numbers written as integers exact), calamine for
    the older and other spreadsheet formats."""
    try:
        if path.suffix.lower() in {".xlsx", ".xlsm"}:
            import openpyxl

            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                return [list(row) for row in sheet.iter_rows(values_only=True)]
            finally:
                workbook.close()
        from python_calamine import CalamineWorkbook

        rows: list[list[Any]] = (
            CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        )
        return rows
    except Exception as exc:  # both readers raise their own error types for broken files
        raise NipFileError(
            f"cannot read {path.name} as a spreadsheet ({type(exc).__name__})",
            f"{path.name} tidak dapat dibaca sebagai lembar kerja ({type(exc).__name__})",
        ) from None


def read_nips(path: Path) -> NipList:
    """NIPs in file order, without duplicates, plus the rows that are not NIPs."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls", ".ods"}:
        rows = _read_xlsx(path)
    elif suffix in {".csv", ".txt", ".tsv"}:
        rows = _read_csv(path)
    else:
        raise NipFileError(
            f"{path.name}: expected a .csv or .xlsx file",
            f"{path.name}: seharusnya berkas .csv atau .xlsx",
        )
    return _from_rows(rows)
