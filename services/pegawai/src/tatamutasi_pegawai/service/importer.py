"""Import employees from a table (Excel/CSV): every row is validated like a registration
(body rules, NIP cross-check, reference codes, duplicates in the file and in the registry)
and reported per row, column and reason in Indonesian.

All-or-nothing by default: one bad row and nothing is written. `partial` writes the valid
rows. `dry_run` reports without writing. Rows are checked first, then written in bulk
(`service.bulk`: PostgreSQL COPY), so 100,000 rows take seconds, not minutes."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tatamutasi_pegawai.adapters.orm import pegawai
from tatamutasi_pegawai.adapters.tabular import BY_FIELD, COLUMNS, CellError, Sheet, convert
from tatamutasi_pegawai.domain.nip import FieldIssue, Kind, NipError
from tatamutasi_pegawai.domain.reference import ReferenceTables
from tatamutasi_pegawai.service import bulk, registry
from tatamutasi_platform.runtime import Transaction


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    field: str
    reason: str  # Indonesian
    reason_en: str


@dataclass
class ImportReport:
    rows: int = 0
    valid: int = 0
    imported: int = 0
    dry_run: bool = False
    partial: bool = False
    errors: list[RowError] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return self.imported > 0


Validate = Callable[[dict[str, Any]], "registry.RegisterPegawai | list[dict[str, Any]]"]


def _column_of(field_name: str) -> str:
    if field_name in registry.PERSONAL_FIELDS:
        field_name = f"personal.{field_name}"
    col = BY_FIELD.get(field_name)
    if col is None and "." in field_name:
        col = BY_FIELD.get(field_name.split(".")[0])
    return col.header if col else field_name


def _error(row: int, item: dict[str, Any]) -> RowError:
    f = str(item.get("field", ""))
    if f in registry.PERSONAL_FIELDS:
        f = f"personal.{f}"
    return RowError(row, _column_of(f), f, str(item["message_id"]), str(item["message_en"]))


def row_bodies(sheet: Sheet) -> list[tuple[int, dict[str, Any], list[RowError]]]:
    """(row number, registration body, cell errors) per data row."""
    plan = [
        (i, col, col.field.split(".", 1)[1] if col.field.startswith("personal.") else None)
        for i, col in enumerate(sheet.columns)
        if col is not None
    ]
    plain_text = {i for i, col, _ in plan if col.kind == "text"}
    out = []
    for number, cells in sheet.rows:
        body: dict[str, Any] = {}
        errors: list[RowError] = []
        width = len(cells)
        for i, col, personal_key in plan:
            if i >= width:
                break
            value = cells[i]
            if value is None or value == "":
                continue
            if i in plain_text and type(value) is str:
                converted: Any = value  # text cells need no conversion (already stripped)
            else:
                converted = convert(col, value)
                if isinstance(converted, CellError):
                    errors.append(
                        RowError(number, col.header, col.field, converted.id, converted.en)
                    )
                    continue
                if converted is None:
                    continue
            if personal_key is not None:
                body.setdefault("personal", {})[personal_key] = converted
            else:
                body[col.field] = converted
        out.append((number, body, errors))
    return out


async def run_import(
    tx: Transaction,
    sheet: Sheet,
    ref: ReferenceTables,
    validate: Validate,
    *,
    partial: bool,
    dry_run: bool,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Validate every row (body rules, NIP cross-check, reference codes, duplicates in the
    file and in the registry), then write the valid rows in bulk inside `tx`. The caller
    commits only when the report says so (see `should_commit`)."""
    report = ImportReport(rows=len(sheet.rows), dry_run=dry_run, partial=partial)
    seen: dict[str, int] = {}
    seen_siasn: dict[str, int] = {}
    checked_rows: list[tuple[int, registry.RegisterPegawai, Kind]] = []
    for i, (number, body, cell_errors) in enumerate(row_bodies(sheet)):
        if progress is not None and (i % 1000 == 0 or i + 1 == report.rows):
            progress(i + 1, report.rows)
        errors = list(cell_errors)
        nip = body.get("nip")
        if isinstance(nip, str) and nip in seen:
            errors.append(
                RowError(
                    number,
                    "NIP",
                    "nip",
                    f"NIP {nip} sudah ada di baris {seen[nip]} berkas ini",
                    f"NIP {nip} already appears in row {seen[nip]} of this file",
                )
            )
        elif isinstance(nip, str):
            seen[nip] = number
        siasn_id = body.get("siasn_id")
        if isinstance(siasn_id, str) and siasn_id in seen_siasn:
            errors.append(
                RowError(
                    number,
                    _column_of("siasn_id"),
                    "siasn_id",
                    f"ID SIASN {siasn_id} sudah ada di baris {seen_siasn[siasn_id]} berkas ini",
                    f"SIASN id {siasn_id} already appears in row {seen_siasn[siasn_id]}",
                )
            )
        elif isinstance(siasn_id, str):
            seen_siasn[siasn_id] = number
        checked = validate({k: v for k, v in body.items() if _column_known(k)})
        taken_fields = {e.field for e in errors}
        if isinstance(checked, list):
            errors += [
                _error(number, item) for item in checked if item.get("field") not in taken_fields
            ]
        else:
            try:
                info, issues = registry.check_registration(checked, ref)
            except NipError as exc:
                issue = exc.issue
                issues = [FieldIssue("nip", issue.code, issue.en, issue.id)]
                info = None
            errors += [
                RowError(number, _column_of(fi.field), _field_name(fi.field), fi.id, fi.en)
                for fi in issues
                if _field_name(fi.field) not in taken_fields
            ]
            if not errors and info is not None:
                checked_rows.append((number, checked, info.kind))
        report.errors.extend(errors)
    # duplicates against the registry, in bulk
    existing = await bulk.taken(tx, pegawai.c.nip, [c.nip for _, c, _ in checked_rows])
    existing_siasn = await bulk.taken(
        tx, pegawai.c.siasn_id, [c.siasn_id for _, c, _ in checked_rows if c.siasn_id]
    )
    valid: list[tuple[registry.RegisterPegawai, Kind]] = []
    for number, cmd, kind in checked_rows:
        if cmd.nip in existing:
            report.errors.append(
                RowError(
                    number,
                    "NIP",
                    "nip",
                    f"NIP {cmd.nip} sudah terdaftar",
                    f"NIP {cmd.nip} is already registered",
                )
            )
        elif cmd.siasn_id and cmd.siasn_id in existing_siasn:
            report.errors.append(
                RowError(
                    number,
                    _column_of("siasn_id"),
                    "siasn_id",
                    f"ID SIASN {cmd.siasn_id} sudah dipakai pegawai lain",
                    f"SIASN id {cmd.siasn_id} belongs to another employee",
                )
            )
        else:
            valid.append((cmd, kind))
    report.errors.sort(key=lambda e: e.row)
    report.valid = len(valid)
    if should_commit(report):
        report.imported = await bulk.register_many(tx, valid)
    return report


def _field_name(field_name: str) -> str:
    return f"personal.{field_name}" if field_name in registry.PERSONAL_FIELDS else field_name


def _column_known(field_name: str) -> bool:
    return field_name == "personal" or field_name in BY_FIELD


def should_commit(report: ImportReport) -> bool:
    if report.dry_run or report.valid == 0:
        return False
    return report.partial or not report.errors


__all__ = ["COLUMNS", "ImportReport", "RowError", "row_bodies", "run_import", "should_commit"]
