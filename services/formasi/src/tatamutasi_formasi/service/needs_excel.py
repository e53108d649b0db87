"""Needs from Excel: the template, row parsing with per-row errors, and the import itself.

One sheet, `Kebutuhan`, one row per ABK task line. Rows with the same unit, jabatan and
date form one need: its tasks are the ABK basis; `kebutuhan` (if given) is the decided
number, else the ABK result is used. An import applies all needs or none."""

import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import xlsxwriter
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_formasi.domain import abk
from tatamutasi_formasi.service import needs as needs_svc
from tatamutasi_formasi.service.common import Emit
from tatamutasi_platform import spreadsheets
from tatamutasi_platform.errors import DomainError

SHEET = "Kebutuhan"
COLUMNS: tuple[tuple[str, str], ...] = (
    ("unit_id", "Kode unit (UNOR), wajib"),
    ("jabatan_id", "Kode jabatan, wajib"),
    ("valid_from", "Berlaku mulai (YYYY-MM-DD), wajib"),
    ("kebutuhan", "Jumlah kebutuhan yang ditetapkan; kosongkan untuk memakai hasil ABK"),
    ("uraian_tugas", "Uraian tugas (satu baris per tugas)"),
    ("volume", "Volume beban kerja per tahun"),
    ("waktu_jam", "Waktu penyelesaian per satuan hasil, dalam jam"),
    ("jam_efektif", "Jam kerja efektif per tahun; kosong = pengaturan (1.250)"),
    ("dokumen", "Dokumen sumber (mis. Dokumen ABK 2026)"),
    ("nomor_keputusan", "Nomor keputusan"),
    ("tanggal_keputusan", "Tanggal keputusan (YYYY-MM-DD)"),
)
NAMES = [c for c, _ in COLUMNS]


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    code: str
    en: str
    id_: str


@dataclass
class Group:
    rows: list[int] = field(default_factory=list)
    count: int | None = None
    items: list[abk.WorkloadItem] = field(default_factory=list)
    hours: float | None = None
    document: str | None = None
    decision_number: str | None = None
    decision_date: date | None = None


@dataclass
class ImportOutcome:
    rows: int
    needs: int
    changed: int
    unchanged: int
    errors: list[RowError]


class SheetError(ValueError):
    def __init__(self, en: str, id_: str, status: int = 422) -> None:
        super().__init__(en)
        self.en = en
        self.id_ = id_
        self.status = status  # 413: over a size, row or zip limit


def sheet_cell(v: Any) -> Any:
    """A cell as read; text our exports neutralised comes back as the original."""
    return spreadsheets.unneutralise(v) if isinstance(v, str) else v


def template(units: list[tuple[str, str]], jabatan: list[tuple[str, str]]) -> bytes:
    """The import template, with the current unit and jabatan codes as reference sheets."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, spreadsheets.XLSX_OPTIONS)
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet(SHEET)
    ws.write_row(0, 0, NAMES, head)
    for i, (_, note) in enumerate(COLUMNS):
        ws.write_comment(0, i, note)
    ws.set_column(0, 1, 22)
    ws.set_column(2, 2, 12, datef)
    ws.set_column(4, 4, 40)
    ws.set_column(5, 10, 14)
    ws.freeze_panes(1, 0)
    guide = wb.add_worksheet("Petunjuk")
    guide.set_column(0, 0, 22)
    guide.set_column(1, 1, 90)
    guide.write_row(0, 0, ["Kolom", "Keterangan"], head)
    for i, (name, note) in enumerate(COLUMNS, start=1):
        guide.write_row(i, 0, [name, note])
    n = len(COLUMNS) + 2
    guide.write(n, 0, "Rumus ABK")
    guide.write(n, 1, "kebutuhan = Σ(volume × waktu_jam) / jam_efektif, dibulatkan (≥ 0,5 ke atas)")
    guide.write(n + 1, 0, "Impor")
    guide.write(
        n + 1,
        1,
        "Baris dengan unit, jabatan dan tanggal yang sama membentuk satu kebutuhan. "
        "Impor diterapkan seluruhnya atau tidak sama sekali; gunakan dry_run untuk memeriksa.",
    )
    for title, rows in (("Unit", units), ("Jabatan", jabatan)):
        sheet = wb.add_worksheet(title)
        sheet.write_row(0, 0, ["kode", "nama"], head)
        sheet.set_column(0, 0, 24)
        sheet.set_column(1, 1, 60)
        for i, (code, name) in enumerate(rows, start=1):
            sheet.write_row(i, 0, spreadsheets.safe_row([code, name]))
    wb.close()
    return buf.getvalue()


def read_rows(
    data: bytes, max_rows: int, limits: spreadsheets.UploadLimits = spreadsheets.DEFAULT_LIMITS
) -> list[tuple[int, dict[str, Any]]]:
    """(row number as Excel shows it, values by column name). Raises SheetError."""
    try:  # size, zip bomb and row limits: tatamutasi_platform.spreadsheets
        rows = spreadsheets.read_workbook(data, replace(limits, max_rows=max_rows), SHEET)
    except spreadsheets.UploadRejected as exc:
        raise SheetError(exc.en, exc.id, exc.status) from None
    if not rows:
        raise SheetError("The sheet is empty", "Lembar kosong")
    header = [str(h).strip().lower() for h in rows[0]]
    missing = [c for c in ("unit_id", "jabatan_id", "valid_from") if c not in header]
    if missing:
        raise SheetError(
            f"Missing columns: {', '.join(missing)}", f"Kolom tidak ada: {', '.join(missing)}"
        )
    out: list[tuple[int, dict[str, Any]]] = []
    for n, raw in enumerate(rows[1:], start=2):
        values = {
            h: sheet_cell(raw[i]) if i < len(raw) else ""
            for i, h in enumerate(header)
            if h in NAMES
        }
        if all(v in ("", None) for v in values.values()):
            continue
        out.append((n, values))
    if len(out) > max_rows:
        raise SheetError(
            f"At most {max_rows} rows per import", f"Maksimal {max_rows} baris per impor"
        )
    return out


def _text(v: Any) -> str | None:
    if v in ("", None):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip() or None


def _date(v: Any) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v).strip())


def _number(v: Any) -> float:
    if isinstance(v, bool):
        raise ValueError
    return float(str(v).replace(",", ".")) if isinstance(v, str) else float(v)


def parse(
    rows: list[tuple[int, dict[str, Any]]],
) -> tuple[dict[tuple[str, str, date], Group], list[RowError]]:
    groups: dict[tuple[str, str, date], Group] = {}
    errors: list[RowError] = []

    def err(row: int, col: str, code: str, en: str, id_: str) -> None:
        errors.append(RowError(row, col, code, en, id_))

    for n, v in rows:
        unit_id, jabatan_id = _text(v.get("unit_id")), _text(v.get("jabatan_id"))
        bad = False
        for col, val in (("unit_id", unit_id), ("jabatan_id", jabatan_id)):
            if val is None:
                err(n, col, "missing", "Required", "Wajib diisi")
                bad = True
        try:
            valid_from = _date(v.get("valid_from"))
        except (TypeError, ValueError):
            err(
                n,
                "valid_from",
                "date_parsing",
                "Must be a date (YYYY-MM-DD)",
                "Harus berupa tanggal (YYYY-MM-DD)",
            )
            bad = True
        numbers: dict[str, float | None] = {}
        for col in ("kebutuhan", "volume", "waktu_jam", "jam_efektif"):
            raw = v.get(col)
            if raw in ("", None):
                numbers[col] = None
                continue
            try:
                numbers[col] = _number(raw)
            except (TypeError, ValueError):
                err(n, col, "float_parsing", "Must be a number", "Harus berupa angka")
                bad = True
                continue
            if numbers[col] is not None and numbers[col] < 0:  # type: ignore[operator]
                err(n, col, "greater_than_equal", "Cannot be negative", "Tidak boleh negatif")
                bad = True
        count = numbers.get("kebutuhan")
        if count is not None and not float(count).is_integer():
            err(
                n,
                "kebutuhan",
                "int_from_float",
                "Must be a whole number",
                "Harus berupa bilangan bulat",
            )
            bad = True
        if numbers.get("jam_efektif") == 0:
            err(n, "jam_efektif", "greater_than", "Must be more than 0", "Harus lebih dari 0")
            bad = True
        task = _text(v.get("uraian_tugas"))
        vol, std = numbers.get("volume"), numbers.get("waktu_jam")
        if (task or vol is not None or std is not None) and (
            task is None or vol is None or std is None
        ):
            err(
                n,
                "uraian_tugas",
                "incomplete_task",
                "A task line needs uraian_tugas, volume and waktu_jam",
                "Baris tugas memerlukan uraian_tugas, volume dan waktu_jam",
            )
            bad = True
        if count is None and task is None:
            err(
                n,
                "kebutuhan",
                "missing",
                "Give kebutuhan or an ABK task line",
                "Isi kebutuhan atau baris tugas ABK",
            )
            bad = True
        decision_date = None
        if _text(v.get("tanggal_keputusan")) is not None:
            try:
                decision_date = _date(v.get("tanggal_keputusan"))
            except (TypeError, ValueError):
                err(
                    n,
                    "tanggal_keputusan",
                    "date_parsing",
                    "Must be a date (YYYY-MM-DD)",
                    "Harus berupa tanggal (YYYY-MM-DD)",
                )
                bad = True
        if bad:
            continue
        assert unit_id is not None and jabatan_id is not None
        grp = groups.setdefault((unit_id, jabatan_id, valid_from), Group())
        grp.rows.append(n)
        for attr, value, col in (
            ("count", None if count is None else int(count), "kebutuhan"),
            ("hours", numbers.get("jam_efektif"), "jam_efektif"),
            ("document", _text(v.get("dokumen")), "dokumen"),
            ("decision_number", _text(v.get("nomor_keputusan")), "nomor_keputusan"),
            ("decision_date", decision_date, "tanggal_keputusan"),
        ):
            if value is None:
                continue
            before = getattr(grp, attr)
            if before is not None and before != value:
                err(
                    n,
                    col,
                    "inconsistent",
                    f"Differs from an earlier row of the same need ({before})",
                    f"Berbeda dengan baris sebelumnya untuk kebutuhan yang sama ({before})",
                )
            setattr(grp, attr, value)
        if task is not None and vol is not None and std is not None:
            grp.items.append(abk.WorkloadItem(task, vol, std))
    return groups, errors


async def run(
    conn: AsyncConnection,
    emit: Emit,
    actor: str,
    rows: list[tuple[int, dict[str, Any]]],
    *,
    default_hours: float,
    may_write: Callable[[str], Awaitable[bool]] | None = None,
) -> ImportOutcome:
    """Apply every need (each in a savepoint, to collect all errors). The caller commits
    only when there are no errors and this is not a dry run."""
    groups, errors = parse(rows)
    changed = unchanged = 0
    for (unit_id, jabatan_id, valid_from), grp in groups.items():
        first = grp.rows[0]
        if may_write is not None and not await may_write(unit_id):
            errors.append(
                RowError(first, "unit_id", "forbidden", "Outside your units", "Di luar unit Anda")
            )
            continue
        cmd = needs_svc.SetNeed(
            unit_id=unit_id,
            jabatan_id=jabatan_id,
            valid_from=valid_from,
            count=grp.count,
            items=tuple(grp.items),
            effective_hours=grp.hours,
            source_document=grp.document,
            decision_number=grp.decision_number,
            decision_date=grp.decision_date,
        )
        try:
            async with conn.begin_nested():
                _, did = await needs_svc.set_need(
                    conn, emit, actor, cmd, default_hours=default_hours, origin="import"
                )
        except DomainError as exc:
            col = exc.field or "unit_id"
            col = {
                "count": "kebutuhan",
                "items": "uraian_tugas",
                "effective_hours": "jam_efektif",
            }.get(col.split("[")[0].split(".")[0], col)
            errors.append(RowError(first, col, exc.code, exc.message_en, exc.message_id))
            continue
        if did:
            changed += 1
        else:
            unchanged += 1
    errors.sort(key=lambda e: (e.row, e.field))
    return ImportOutcome(len(rows), len(groups), changed, unchanged, errors)
