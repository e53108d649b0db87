"""Import employees from a table (Excel/CSV): every row is validated like a registration
(body rules, NIP cross-check, reference codes, duplicates in the file and in the registry)
and reported per row, column and reason in Indonesian.

All-or-nothing by default: one bad row and nothing is written. `partial` writes the valid
rows (each in its own savepoint, so a row is never half-written). `dry_run` reports without
writing."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tatamutasi_pegawai.adapters.tabular import BY_FIELD, COLUMNS, CellError, Sheet, convert
from tatamutasi_pegawai.domain.reference import ReferenceTables
from tatamutasi_pegawai.service import family, registry
from tatamutasi_platform.errors import DomainError
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
    out = []
    for number, cells in sheet.rows:
        body: dict[str, Any] = {}
        errors: list[RowError] = []
        for col, value in zip(sheet.columns, cells, strict=False):
            if col is None:
                continue
            converted = convert(col, value)
            if isinstance(converted, CellError):
                errors.append(RowError(number, col.header, col.field, converted.id, converted.en))
                continue
            if converted is None:
                continue
            if col.field.startswith("personal."):
                body.setdefault("personal", {})[col.field.split(".", 1)[1]] = converted
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
    """Validate and register every row inside `tx`. The caller commits only when the report
    says so (see `should_commit`)."""
    report = ImportReport(rows=len(sheet.rows), dry_run=dry_run, partial=partial)
    seen: dict[str, int] = {}
    for i, (number, body, cell_errors) in enumerate(row_bodies(sheet)):
        if progress is not None:
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
        checked = validate({k: v for k, v in body.items() if _column_known(k)})
        if isinstance(checked, list):
            taken = {e.field for e in errors}
            errors += [_error(number, item) for item in checked if item.get("field") not in taken]
        if errors:
            report.errors.extend(errors)
            continue
        assert not isinstance(checked, list)
        try:
            async with tx.conn.begin_nested():
                view = await registry.register(tx, checked, ref)
                if checked.personal != registry.Personal():
                    await family.publish_kinship(tx, view.nip, always=False)
        except DomainError as exc:
            items = exc.extra.get("errors") or [
                {
                    "field": exc.field or "nip",
                    "message_id": exc.message_id,
                    "message_en": exc.message_en,
                }
            ]
            report.errors.extend(_error(number, dict(item)) for item in items)  # type: ignore[union-attr]
            continue
        report.valid += 1
    if should_commit(report):
        report.imported = report.valid
    return report


def _column_known(field_name: str) -> bool:
    return field_name == "personal" or field_name in BY_FIELD


def should_commit(report: ImportReport) -> bool:
    if report.dry_run or report.valid == 0:
        return False
    return report.partial or not report.errors


__all__ = ["COLUMNS", "ImportReport", "RowError", "row_bodies", "run_import", "should_commit"]
