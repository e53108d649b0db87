"""Spreadsheets in and out, safely: the one place for cell neutralisation (exports) and
upload limits (imports), used by every service, the CLI and the web console.

Exports: a text cell a spreadsheet would evaluate (first character `=`, `+`, `-`, `@`, tab
or CR; OWASP "CSV injection") gets a leading apostrophe, so Excel and LibreOffice show it as
text even after a round trip through CSV. Real numbers, dates and booleans stay what they
are. `unneutralise` reverses it
exactly (for importers reading our own exports and for verifiers).

Imports: `check_upload` refuses, before any parser sees the bytes, a file larger than the
limit (413), an .xlsx (a zip) whose members declare more uncompressed bytes than allowed or
compress suspiciously well (a zip bomb), and a sheet with more rows than allowed (counted
while streaming the XML, never by loading it). `csv_encoding` accepts UTF-8 (with or without a
BOM), UTF-16 with a BOM, or Windows-1252 (Excel's "CSV" on Windows), and says clearly when a
file is none of these. `read_csv_rows` counts rows in a first streaming pass and refuses a
file over the row limit before building any row. Pure: no FastAPI, no database."""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import xlsxwriter
from python_calamine import CalamineError, CalamineWorkbook
from xlsxwriter.worksheet import Worksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ZIP_MAGIC = b"PK\x03\x04"

MiB = 1024 * 1024


# -- export: neutralisation ------------------------------------------------------------------
def _dangerous(text: str) -> bool:
    if text.startswith(FORMULA_TRIGGERS):
        return True
    return text.startswith("'") and _dangerous(text[1:])


def neutralise(text: str) -> str:
    """Text a spreadsheet would evaluate gets a leading apostrophe (reversible, see
    `unneutralise`). Text is text: `+62812...` written as text is neutralised too (a real
    number is written as a number and never reaches this)."""
    return "'" + text if _dangerous(text) else text


def unneutralise(text: str) -> str:
    """The original of a neutralised value (identity on anything `neutralise` leaves)."""
    return text[1:] if text.startswith("'") and _dangerous(text[1:]) else text


def safe_cell(value: Any) -> Any:
    """A cell value ready for an export: text neutralised; None, numbers, booleans, dates
    unchanged (so numbers stay numbers)."""
    if isinstance(value, str):
        return neutralise(value)
    if value is None or isinstance(value, bool | int | float | date | datetime):
        return value
    return neutralise(str(value))


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A CSV row: None empty, dates ISO, text neutralised."""
    out: list[Any] = []
    for v in values:
        if v is None:
            out.append("")
        elif isinstance(v, date | datetime):
            out.append(v.isoformat())
        else:
            out.append(safe_cell(v))
    return out


XLSX_OPTIONS: dict[str, Any] = {"in_memory": True, "strings_to_formulas": False}
"""xlsxwriter.Workbook options for exports: `write()` never turns text into a formula."""


class SafeWorksheet(Worksheet):
    """A worksheet whose every text cell (`write`, `write_row`, `write_string`, ...) is
    neutralised; formulas only through an explicit `write_formula`."""

    def _write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> Any:
        return super()._write_string(row, col, neutralise(string), cell_format)


class SafeWorkbook(xlsxwriter.Workbook):
    """An xlsxwriter workbook for exports whose writers do not neutralise themselves:
    `strings_to_formulas` off and every worksheet a `SafeWorksheet`. (Code that already
    calls `neutralise` keeps a plain workbook with `XLSX_OPTIONS`: never both.)"""

    def __init__(self, filename: Any, options: dict[str, Any] | None = None) -> None:
        super().__init__(filename, {**XLSX_OPTIONS, **(options or {})})

    def add_worksheet(self, name: str | None = None, worksheet_class: Any = None) -> Worksheet:
        return super().add_worksheet(name, worksheet_class or SafeWorksheet)


# -- import: limits --------------------------------------------------------------------------
@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = 64 * MiB  # the file as sent
    max_rows: int = 200_000  # data rows (the header row not counted)
    max_uncompressed_bytes: int = 512 * MiB  # all zip members together, as declared
    max_ratio: int = 200  # uncompressed / compressed, per zip member (xlsx XML: ~5-30)
    max_members: int = 10_000


DEFAULT_LIMITS = UploadLimits()


class UploadRejected(ValueError):
    """The file as a whole is refused; `status` is the HTTP status to answer (413 too large,
    422 unreadable), with the reason in English and Indonesian."""

    def __init__(self, status: int, code: str, en: str, id_: str) -> None:
        super().__init__(en)
        self.status = status
        self.code = code
        self.en = en
        self.id = id_


def too_large(limits: UploadLimits, size: int) -> UploadRejected:
    return UploadRejected(
        413,
        "file-too-large",
        f"The file is {size} bytes; the limit is {limits.max_bytes} bytes",
        f"Berkas berukuran {size} byte; batasnya {limits.max_bytes} byte",
    )


def too_many_rows(limits: UploadLimits) -> UploadRejected:
    return UploadRejected(
        413,
        "too-many-rows",
        f"More than {limits.max_rows} rows; split the file",
        f"Lebih dari {limits.max_rows} baris; pecah berkasnya",
    )


def check_upload(data: bytes, limits: UploadLimits = DEFAULT_LIMITS) -> None:
    """Refuse a file over the byte limit; for a zip (.xlsx/.ods) also a zip bomb and a
    worksheet over the row limit. Cheap: reads the zip directory and streams the sheets."""
    if len(data) > limits.max_bytes:
        raise too_large(limits, len(data))
    if data.startswith(ZIP_MAGIC):
        check_zip(data, limits)


def _bomb(en: str, id_: str) -> UploadRejected:
    return UploadRejected(
        413,
        "zip-bomb",
        f"The workbook unpacks too large ({en}); it is refused",
        f"Buku kerja terlalu besar setelah dibuka ({id_}); berkas ditolak",
    )


def check_zip(data: bytes, limits: UploadLimits = DEFAULT_LIMITS) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UploadRejected(
            422,
            "unreadable-file",
            "The workbook is not a readable zip (.xlsx) file",
            "Berkas Excel tidak dapat dibaca (rusak atau bukan .xlsx)",
        ) from None
    if len(members) > limits.max_members:
        raise _bomb(f"{len(members)} parts", f"{len(members)} bagian")
    total = 0
    for m in members:
        total += m.file_size
        if m.file_size > 1 * MiB and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            raise _bomb(
                f"{m.filename!r} compresses {m.file_size // max(m.compress_size, 1)}:1",
                f"{m.filename!r} terkompresi {m.file_size // max(m.compress_size, 1)}:1",
            )
    if total > limits.max_uncompressed_bytes:
        raise _bomb(
            f"{total} bytes, limit {limits.max_uncompressed_bytes}",
            f"{total} byte, batas {limits.max_uncompressed_bytes}",
        )
    for m in members:
        if _is_sheet(m.filename) and _count_rows(archive, m, limits) > limits.max_rows + 1:
            raise too_many_rows(limits)


def _is_sheet(name: str) -> bool:
    return (name.startswith("xl/worksheets/") and name.endswith(".xml")) or name == "content.xml"


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:row|table-row)[\s/>]")
_OVERLAP = 64


def _count_rows(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: UploadLimits) -> int:
    """Rows in a worksheet (xlsx `<row`, any namespace prefix; ods `<table:table-row`),
    counted on the stream and given up as soon as the limit is passed. The bytes actually
    unpacked are capped too, so a zip directory that lies about sizes cannot make this
    unpack more than the limit."""
    count = 0
    tail = b""
    read = 0
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(1 * MiB):
                read += len(chunk)
                if read > limits.max_uncompressed_bytes:
                    raise _bomb("declared sizes lie", "ukuran yang dinyatakan tidak benar")
                buf = tail + chunk
                # a tag ending inside the old tail was counted with the previous chunk
                count += sum(1 for m in _ROW_TAG.finditer(buf) if m.end() > len(tail))
                tail = buf[-_OVERLAP:]
                if count > limits.max_rows + 1:
                    break
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        raise UploadRejected(
            422,
            "unreadable-file",
            "The workbook cannot be unpacked (corrupt or encrypted)",
            "Berkas Excel tidak dapat dibuka (rusak atau terenkripsi)",
        ) from None
    return count


# -- import: CSV text ------------------------------------------------------------------------
def csv_encoding(data: bytes) -> str:
    """The encoding of a CSV upload: UTF-8 (BOM or not), UTF-16 with a BOM, else
    Windows-1252 (Excel's "CSV" on Windows); anything else (binary, NUL bytes, UTF-16
    without a BOM) is a clear per-file error (422). Checked incrementally, nothing kept."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates: tuple[str, ...] = ("utf-16",)
    else:
        candidates = ("utf-8-sig", "cp1252")
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), 1 * MiB):
                if "\x00" in decoder.decode(data[start : start + MiB]):
                    raise UnicodeDecodeError(encoding, b"", 0, 1, "NUL")
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise UploadRejected(
        422,
        "unknown-encoding",
        "The CSV is not text in UTF-8, UTF-16 (with BOM) or Windows-1252; "
        "save it again as 'CSV UTF-8'",
        "Berkas CSV bukan teks UTF-8, UTF-16 (dengan BOM) atau Windows-1252; "
        "simpan ulang sebagai 'CSV UTF-8'",
    )


def _reader(data: bytes, encoding: str, delimiter: str) -> Iterator[list[str]]:
    # newline="": the csv module itself takes \r\n, \n and \r, even mixed in one file
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    return csv.reader(stream, delimiter=delimiter)


def _delimiter(data: bytes, encoding: str) -> str:
    """The separator of the header row (`,`, `;` from an Indonesian-locale Excel, or tab):
    the one it holds most of. The header, not the data: a sniffer guessing from values
    full of commas and semicolons guesses wrong."""
    sample = data[:65536].decode(encoding, errors="ignore").lstrip("\ufeff")
    header = sample.replace("\r", "\n").split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv_rows(data: bytes, limits: UploadLimits = DEFAULT_LIMITS) -> list[list[str]]:
    """Every non-empty row of a CSV upload, after the checks: bytes, encoding, row count
    (a first streaming pass that keeps nothing, so a million-row file is refused without
    building a row), NUL bytes and over-long fields (a per-file 422, never a crash)."""
    check_upload(data, limits)
    encoding = csv_encoding(data)
    delimiter = _delimiter(data, encoding)
    try:
        rows = 0
        for row in _reader(data, encoding, delimiter):
            if row:
                rows += 1
                if rows > limits.max_rows + 1:
                    raise too_many_rows(limits)
        return [row for row in _reader(data, encoding, delimiter) if row]
    except csv.Error as exc:
        raise UploadRejected(
            422,
            "unreadable-file",
            f"The CSV cannot be read ({exc})",
            f"Berkas CSV tidak dapat dibaca ({exc})",
        ) from None


# -- import: workbooks -----------------------------------------------------------------------
def _unreadable(exc: BaseException) -> UploadRejected:
    return UploadRejected(
        422,
        "unreadable-file",
        f"The workbook cannot be read ({type(exc).__name__})",
        "Berkas Excel tidak dapat dibaca (rusak atau bukan .xlsx)",
    )


def read_workbook(
    data: bytes, limits: UploadLimits = DEFAULT_LIMITS, sheet: str | None = None
) -> list[list[Any]]:
    """The rows of one sheet (the first, or the one named) of an .xlsx/.xlsm/.xls/.ods
    upload, after `check_upload`. Any parser failure is a per-file 422, never a crash."""
    check_upload(data, limits)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if sheet is not None and sheet not in wb.sheet_names:
            raise UploadRejected(
                422,
                "missing-sheet",
                f"The workbook has no sheet {sheet!r}; use the template",
                f"Buku kerja tidak memiliki lembar {sheet!r}; gunakan templat",
            )
        ws = wb.get_sheet_by_index(0) if sheet is None else wb.get_sheet_by_name(sheet)
        if ws.height > limits.max_rows + 1:
            raise too_many_rows(limits)
        return [list(r) for r in ws.to_python(skip_empty_area=False)]
    except UploadRejected:
        raise
    except (CalamineError, ValueError, OSError, IndexError) as exc:
        raise _unreadable(exc) from None
    except Exception as exc:  # calamine raises its own exception types per format
        if type(exc).__module__.startswith("python_calamine"):
            raise _unreadable(exc) from None
        raise


__all__ = [
    "DEFAULT_LIMITS",
    "FORMULA_TRIGGERS",
    "SafeWorkbook",
    "SafeWorksheet",
    "XLSX_OPTIONS",
    "UploadLimits",
    "UploadRejected",
    "check_upload",
    "check_zip",
    "csv_row",
    "csv_encoding",
    "neutralise",
    "read_workbook",
    "read_csv_rows",
    "safe_cell",
    "safe_row",
    "too_large",
    "too_many_rows",
    "unneutralise",
]
