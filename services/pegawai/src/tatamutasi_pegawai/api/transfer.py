"""Excel/CSV: the import template, the import upload and the registry export."""

from dataclasses import asdict, replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from pydantic import BaseModel, ValidationError

from tatamutasi_pegawai.adapters import tabular
from tatamutasi_pegawai.api.access import ReferenceDep
from tatamutasi_pegawai.api.schemas import PegawaiCreate
from tatamutasi_pegawai.service import importer, registry
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.http import RuntimeDep, idempotent, require_roles
from tatamutasi_platform.problems import Problem, describe_errors
from tatamutasi_platform.runtime import Transaction

router = APIRouter(tags=["impor dan ekspor"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLES = {
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
}


class RowErrorOut(BaseModel):
    row: int
    column: str
    field: str
    reason: str
    reason_en: str


class ImportReportOut(BaseModel):
    rows: int
    valid: int
    imported: int
    dry_run: bool
    partial: bool
    errors: list[RowErrorOut]


def _validate(body: dict[str, Any]) -> registry.RegisterPegawai | list[dict[str, Any]]:
    try:
        parsed = PegawaiCreate.model_validate(body)
    except ValidationError as exc:
        return describe_errors([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()])
    data = parsed.model_dump(exclude={"personal"})
    personal = registry.Personal(**(parsed.personal.model_dump() if parsed.personal else {}))
    return registry.RegisterPegawai(**data, personal=personal, source="import")


class _Rollback(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _report_response(report: importer.ImportReport, status: int) -> Response:
    out = ImportReportOut(
        rows=report.rows,
        valid=report.valid,
        imported=report.imported,
        dry_run=report.dry_run,
        partial=report.partial,
        errors=[RowErrorOut(**asdict(e)) for e in report.errors],
    )
    return Response(out.model_dump_json(), status_code=status, media_type="application/json")


@router.get(
    "/import/pegawai/template",
    summary="Download the .xlsx import template (with a sheet explaining columns and codes)",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
async def import_template(
    ref: ReferenceDep,
    _principal: Annotated[Principal, Depends(require_roles("admin", "operator"))],
) -> Response:
    return Response(
        tabular.template(ref),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="templat-impor-pegawai.xlsx"'},
    )


@router.post(
    "/import/pegawai",
    response_model=ImportReportOut,
    summary="Import employees from .xlsx or .csv (admin)",
    responses={
        413: {"description": "Over a size, row or zip limit (problem+json)"},
        415: {"description": "Not an .xlsx/.csv file (problem+json)"},
        422: {"description": "Row errors; nothing was written (all-or-nothing)"},
    },
)
async def import_pegawai(
    request: Request,
    runtime: RuntimeDep,
    ref: ReferenceDep,
    principal: Annotated[Principal, Depends(require_roles("admin"))],
    file: Annotated[UploadFile, File(description="The filled-in template (.xlsx) or a CSV")],
    dry_run: Annotated[bool, Query(description="Validate and report; write nothing")] = False,
    partial: Annotated[bool, Query(description="Import the valid rows, report the rest")] = False,
) -> Response:
    """Every row is checked like a registration. Without `partial`, one bad row means
    nothing is written (422 with every row error). Each imported employee emits
    `pegawai.registered`. Errors name the spreadsheet row, the column and the reason in
    Indonesian (`reason`) and English (`reason_en`)."""
    data = await file.read()
    limits = replace(tabular.LIMITS, max_bytes=runtime.settings.max_request_bytes)
    try:
        sheet = tabular.read_table(data, file.filename or "", limits)
    except tabular.TableError as exc:
        raise Problem(exc.status, exc.code, TITLES[exc.status], exc.en, exc.id) from None

    async def work(tx: Transaction) -> Response:
        report = await importer.run_import(
            tx, sheet, ref, _validate, partial=partial, dry_run=dry_run
        )
        status = 422 if report.errors and not (partial or dry_run) else 200
        response = _report_response(report, status)
        if not importer.should_commit(report):
            raise _Rollback(response)
        return response

    try:
        return await idempotent(request, runtime, principal, work)
    except _Rollback as rollback:
        return rollback.response


@router.get(
    "/export/pegawai",
    summary="Export the registry as .xlsx or CSV (the template's columns)",
    response_class=Response,
    responses={200: {"content": {XLSX: {}, "text/csv": {}}}},
)
async def export_pegawai(
    runtime: RuntimeDep,
    principal: Annotated[
        Principal, Depends(require_roles("admin", "operator", "auditor", "ppk", "penilai"))
    ],
    format: Annotated[Literal["xlsx", "csv"], Query()] = "xlsx",
    unor_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Personal columns (birth place and date, NIK) only for admin; operators export their
    own units."""
    scope = principal.units if principal.acting_role == "operator" else None
    personal = principal.acting_role == "admin"
    rows: list[dict[str, Any]] = []
    async with runtime.engine.connect() as conn:
        after: str | None = None
        while True:
            views = await registry.page(
                conn,
                after_nip=after,
                limit=1000,
                unor_ids=scope,
                filters=registry.Filters(unor_id=unor_id),
            )
            personals = (
                await registry.get_personals(conn, [v.nip for v in views]) if personal else {}
            )
            for v in views:
                row = asdict(v)
                p = personals.get(v.nip, registry.Personal())
                row.update({f"personal.{k}": val for k, val in asdict(p).items()})
                rows.append(row)
            if len(views) < 1000:
                break
            after = views[-1].nip
    headers, table = tabular.export_rows(rows, personal=personal)
    if format == "csv":
        return Response(
            tabular.to_csv(headers, table),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="pegawai.csv"'},
        )
    return Response(
        tabular.to_xlsx(headers, table),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="pegawai.xlsx"'},
    )
