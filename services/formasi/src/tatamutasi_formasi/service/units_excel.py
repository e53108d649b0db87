"""The unit tree from Excel: template, per-row errors, all or nothing.

Sheet `Unit`, one row per unit. A new `unit_id` creates the unit; a known one gets a new
version from `valid_from` when anything differs (history is kept). Rows are applied parents
first, whatever their order in the sheet; a cycle or an unknown parent is a row error."""

import io
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import xlsxwriter
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_formasi.domain import tree
from tatamutasi_formasi.domain.codes import UNIT_TYPES
from tatamutasi_formasi.service import units as units_svc
from tatamutasi_formasi.service.common import Emit
from tatamutasi_formasi.service.needs_excel import RowError, SheetError, sheet_cell
from tatamutasi_platform import spreadsheets
from tatamutasi_platform.errors import DomainError

SHEET = "Unit"
COLUMNS: tuple[tuple[str, str], ...] = (
    ("unit_id", "Kode unit, wajib"),
    ("name", "Nama unit, wajib"),
    ("unit_type", "Jenis unit, wajib (lihat lembar Jenis)"),
    ("parent_id", "Kode unit induk (kosong untuk akar)"),
    ("eselon_id", "Eselon jabatan kepala unit (mis. 22, 32, 41)"),
    ("head_jabatan_name", "Nama jabatan kepala unit"),
    ("valid_from", "Berlaku mulai (YYYY-MM-DD), wajib"),
)
NAMES = [c for c, _ in COLUMNS]
REQUIRED = ("unit_id", "name", "unit_type", "valid_from")


@dataclass
class UnitImportOutcome:
    rows: int
    created: int
    changed: int
    unchanged: int
    errors: list[RowError]


def template() -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, spreadsheets.XLSX_OPTIONS)
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    ws = wb.add_worksheet(SHEET)
    ws.write_row(0, 0, NAMES, head)
    for i, (_, note) in enumerate(COLUMNS):
        ws.write_comment(0, i, note)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 50)
    ws.set_column(2, 6, 18)
    ws.freeze_panes(1, 0)
    kinds = wb.add_worksheet("Jenis")
    kinds.write_row(0, 0, ["unit_type", "keterangan"], head)
    for i, (code, name) in enumerate(UNIT_TYPES.items(), start=1):
        kinds.write_row(i, 0, [code, name])
    wb.close()
    return buf.getvalue()


def _text(v: Any) -> str | None:
    if v in ("", None):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip() or None


def read_rows(
    data: bytes, max_rows: int, limits: spreadsheets.UploadLimits = spreadsheets.DEFAULT_LIMITS
) -> list[tuple[int, dict[str, Any]]]:
    try:  # size, zip bomb and row limits: tatamutasi_platform.spreadsheets
        rows = spreadsheets.read_workbook(data, replace(limits, max_rows=max_rows), SHEET)
    except spreadsheets.UploadRejected as exc:
        raise SheetError(exc.en, exc.id, exc.status) from None
    if not rows:
        raise SheetError("The sheet is empty", "Lembar kosong")
    header = [str(h).strip().lower() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise SheetError(
            f"Missing columns: {', '.join(missing)}", f"Kolom tidak ada: {', '.join(missing)}"
        )
    out = []
    for n, raw in enumerate(rows[1:], start=2):
        values = {
            h: sheet_cell(raw[i]) if i < len(raw) else ""
            for i, h in enumerate(header)
            if h in NAMES
        }
        if any(v not in ("", None) for v in values.values()):
            out.append((n, values))
    if len(out) > max_rows:
        raise SheetError(
            f"At most {max_rows} rows per import", f"Maksimal {max_rows} baris per impor"
        )
    return out


def _date(v: Any) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v).strip())


async def run(
    conn: AsyncConnection, emit: Emit, actor: str, rows: list[tuple[int, dict[str, Any]]]
) -> UnitImportOutcome:
    """Apply every row (each in a savepoint, to collect all errors); the caller commits only
    when there are none and this is not a dry run."""
    errors: list[RowError] = []
    parsed: dict[str, tuple[int, units_svc.UnitData, date]] = {}
    for n, v in rows:
        values = {c: _text(v.get(c)) for c in NAMES if c != "valid_from"}
        bad = False
        for c in REQUIRED:
            if c != "valid_from" and values.get(c) is None:
                errors.append(RowError(n, c, "missing", "Required", "Wajib diisi"))
                bad = True
        try:
            valid_from = _date(v.get("valid_from"))
        except (TypeError, ValueError):
            errors.append(
                RowError(
                    n,
                    "valid_from",
                    "date_parsing",
                    "Must be a date (YYYY-MM-DD)",
                    "Harus berupa tanggal (YYYY-MM-DD)",
                )
            )
            bad = True
        uid = values["unit_id"]
        if uid is not None and uid in parsed:
            errors.append(RowError(n, "unit_id", "duplicate", "Listed twice", "Tercantum dua kali"))
            bad = True
        if bad or uid is None:
            continue
        data = units_svc.UnitData(
            name=values["name"] or "",
            unit_type=values["unit_type"] or "",
            parent_id=values["parent_id"],
            eselon_id=values["eselon_id"],
            head_jabatan_name=values["head_jabatan_name"],
        )
        parsed[uid] = (n, data, valid_from)
    try:
        order = tree.topological((uid, d.parent_id) for uid, (_, d, _) in parsed.items())
    except tree.TreeError as exc:
        errors.append(
            RowError(min(n for n, _, _ in parsed.values()), "parent_id", exc.code, exc.en, exc.id_)
        )
        order = []
    created = changed = unchanged = 0
    for uid in order:
        n, data, valid_from = parsed[uid]
        try:
            async with conn.begin_nested():
                cur = await units_svc.current(conn, uid)
                if cur is None:
                    await units_svc.create(
                        conn,
                        emit,
                        actor,
                        units_svc.CreateUnit(uid, data, valid_from),
                        origin="import",
                    )
                    created += 1
                    continue
                diff = {
                    k: getattr(data, k)
                    for k in ("name", "unit_type", "parent_id", "eselon_id", "head_jabatan_name")
                    if getattr(cur, k) != getattr(data, k)
                }
                if not diff:
                    unchanged += 1
                    continue
                await units_svc.change(
                    conn, emit, actor, uid, units_svc.ChangeUnit(valid_from, diff), origin="import"
                )
                changed += 1
        except DomainError as exc:
            col = (exc.field or "unit_id").split("[")[0]
            errors.append(RowError(n, col, exc.code, exc.message_en, exc.message_id))
    errors.sort(key=lambda e: (e.row, e.field))
    return UnitImportOutcome(len(rows), created, changed, unchanged, errors)
