"""`/needs`: the need (kebutuhan from ABK) per unit x jabatan, versioned by date; Excel
template and import with per-row errors and a dry run."""

from dataclasses import asdict
from datetime import date
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request, Response

from tatamutasi_formasi.adapters.orm import jabatan as jabatan_t
from tatamutasi_formasi.adapters.orm import units as units_t
from tatamutasi_formasi.api.deps import (
    MULTIPART_XLSX,
    NeedWriter,
    Reader,
    json_response,
    may_act_for,
    read_upload,
    today,
)
from tatamutasi_formasi.api.schemas import ImportResult, NeedOut, NeedPage, NeedSet, RowError
from tatamutasi_formasi.domain import abk
from tatamutasi_formasi.service import bezetting, needs_excel
from tatamutasi_formasi.service import needs as svc
from tatamutasi_formasi.service.common import tx_emitter, tx_emitter_many, valid_at
from tatamutasi_formasi.settings import FormasiSettings
from tatamutasi_platform.errors import Forbidden, Invalid
from tatamutasi_platform.http import RuntimeDep, decode_cursor, encode_cursor, idempotent
from tatamutasi_platform.problems import Problem
from tatamutasi_platform.responses import problem_responses
from tatamutasi_platform.runtime import Runtime, Transaction

router = APIRouter(prefix="/needs", tags=["needs"], responses=problem_responses(400, 404))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def out(v: svc.NeedView, changed: bool = True) -> NeedOut:
    return NeedOut(**asdict(v), changed=changed)


def _hours(runtime: Runtime) -> float:
    s = runtime.settings
    return (
        s.effective_hours_per_year
        if isinstance(s, FormasiSettings)
        else abk.DEFAULT_EFFECTIVE_HOURS
    )


def _forbidden(unit_id: str) -> Forbidden:
    return Forbidden(
        f"Operators may set needs only for their own units; {unit_id!r} is not one",
        f"Operator hanya boleh menetapkan kebutuhan untuk unitnya; {unit_id!r} bukan unit Anda",
        field="unit_id",
    )


@router.post("", response_model=NeedOut, summary="Set the need for a jabatan in a unit from a date")
async def set_need(
    body: NeedSet, request: Request, runtime: RuntimeDep, principal: NeedWriter
) -> Response:
    """Give `count`, or the ABK workload `items` (the need is then Σ volume × standard hours /
    effective hours, rounded), or both (the decision wins; the ABK result is kept). Stages
    `formasi.need_set` with who set it. The same need on the same date again changes
    nothing (`changed: false`)."""

    async def work(tx: Transaction) -> Response:
        if not await may_act_for(tx.conn, principal, body.unit_id):
            raise _forbidden(body.unit_id)
        cmd = svc.SetNeed(
            unit_id=body.unit_id,
            jabatan_id=body.jabatan_id,
            valid_from=body.valid_from,
            count=body.count,
            items=tuple(abk.WorkloadItem(i.task, i.volume, i.standard_hours) for i in body.items),
            effective_hours=body.effective_hours,
            rounding=body.rounding,
            source_document=body.source_document,
            decision_number=body.decision_number,
            decision_date=body.decision_date,
        )
        view, changed = await svc.set_need(
            tx.conn, tx_emitter(tx), tx.actor.id, cmd, default_hours=_hours(runtime)
        )
        if changed:
            await bezetting.refresh_vacancies(
                tx.conn,
                tx_emitter_many(tx),
                {(body.unit_id, body.jabatan_id)},
                max(today(), body.valid_from),
            )
        return json_response(out(view, changed).model_dump_json(), 200)

    return await idempotent(request, runtime, principal, work)


@router.get("", response_model=NeedPage, summary="Needs in force on a date (cursor pagination)")
async def list_needs(
    runtime: RuntimeDep,
    _p: Reader,
    as_of: Annotated[date | None, Query(description="Default: today")] = None,
    unit_id: Annotated[str | None, Query(max_length=64)] = None,
    jabatan_id: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> NeedPage:
    after = decode_cursor(cursor, 2)
    async with runtime.engine.connect() as conn:
        items = await svc.page(
            conn,
            on=as_of or today(),
            after=(str(after[0]), str(after[1])) if after else None,
            limit=limit,
            unit_id=unit_id,
            jabatan_id=jabatan_id,
        )
    nxt = encode_cursor([items[-1].unit_id, items[-1].jabatan_id]) if len(items) == limit else None
    return NeedPage(items=[out(v) for v in items], next_cursor=nxt)


@router.get(
    "/history/{unit_id}/{jabatan_id}",
    response_model=list[NeedOut],
    summary="Every version of one post's need, with who set it",
)
async def need_history(
    unit_id: Annotated[str, Path(max_length=64)],
    jabatan_id: Annotated[str, Path(max_length=64)],
    runtime: RuntimeDep,
    _p: Reader,
) -> list[NeedOut]:
    async with runtime.engine.connect() as conn:
        return [out(v) for v in await svc.history(conn, unit_id, jabatan_id)]


@router.get(
    "/template.xlsx",
    summary="Excel template for importing needs (with current unit and jabatan codes)",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
async def needs_template(runtime: RuntimeDep, _p: Reader) -> Response:
    on = today()
    async with runtime.engine.connect() as conn:
        unit_rows = (
            await conn.execute(
                sa.select(units_t.c.unit_id, units_t.c.name)
                .where(valid_at(units_t, on), units_t.c.closed.is_(False))
                .order_by(units_t.c.unit_id)
            )
        ).all()
        jab_rows = (
            await conn.execute(
                sa.select(jabatan_t.c.jabatan_id, jabatan_t.c.name).order_by(jabatan_t.c.jabatan_id)
            )
        ).all()
    data = needs_excel.template([(r[0], r[1]) for r in unit_rows], [(r[0], r[1]) for r in jab_rows])
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="template-kebutuhan.xlsx"'},
    )


async def _noop(*_args: object) -> None:
    return None


def _errors(outcome: needs_excel.ImportOutcome) -> list[RowError]:
    return [
        RowError(row=e.row, field=e.field, code=e.code, message_en=e.en, message_id=e.id_)
        for e in outcome.errors
    ]


@router.post(
    "/import",
    response_model=ImportResult,
    summary="Import needs from Excel (all or nothing; `dry_run=true` only checks)",
    openapi_extra=MULTIPART_XLSX,
)
async def import_needs(
    request: Request,
    runtime: RuntimeDep,
    principal: NeedWriter,
    dry_run: Annotated[bool, Query()] = False,
) -> Response:
    """Every row is checked (unit exists, jabatan exists and fits the unit type, numbers,
    dates) and every error is listed with its row number. With errors, nothing is applied
    (422 listing them); a dry run answers 200 with the same list and applies nothing."""
    data = await read_upload(request)
    settings = runtime.settings
    max_rows = settings.import_max_rows if isinstance(settings, FormasiSettings) else 20000
    try:
        rows = needs_excel.read_rows(data, max_rows)
    except needs_excel.SheetError as exc:
        if exc.status == 413:  # over a size, row or zip limit
            raise Problem(413, "file-too-large", "Content Too Large", exc.en, exc.id_) from None
        raise Invalid(exc.en, exc.id_, field="file") from None

    def may(conn: object) -> object:
        async def check(unit_id: str) -> bool:
            return await may_act_for(conn, principal, unit_id)  # type: ignore[arg-type]

        return check

    if dry_run:
        async with runtime.engine.connect() as conn:
            trans = await conn.begin()
            try:
                outcome = await needs_excel.run(
                    conn,
                    _noop,
                    principal.sub,
                    rows,
                    default_hours=_hours(runtime),
                    may_write=may(conn),  # type: ignore[arg-type]
                )
            finally:
                await trans.rollback()
        result = ImportResult(
            dry_run=True,
            rows=outcome.rows,
            needs=outcome.needs,
            changed=outcome.changed,
            unchanged=outcome.unchanged,
            applied=False,
            errors=_errors(outcome),
        )
        return json_response(result.model_dump_json(), 200)

    async def work(tx: Transaction) -> Response:
        outcome = await needs_excel.run(
            tx.conn,
            tx_emitter(tx),
            tx.actor.id,
            rows,
            default_hours=_hours(runtime),
            may_write=may(tx.conn),  # type: ignore[arg-type]
        )
        if outcome.errors:
            first = outcome.errors[0]
            raise Invalid(
                f"{len(outcome.errors)} row error(s); nothing was imported (first: row "
                f"{first.row}, {first.field}: {first.en})",
                f"{len(outcome.errors)} kesalahan baris; tidak ada yang diimpor (pertama: baris "
                f"{first.row}, {first.field}: {first.id_})",
                errors=[
                    {
                        "field": f"row {e.row}.{e.field}",
                        "location": "file",
                        "code": e.code,
                        "message_en": e.en,
                        "message_id": e.id_,
                        "row": e.row,
                    }
                    for e in outcome.errors
                ],
            )
        result = ImportResult(
            dry_run=False,
            rows=outcome.rows,
            needs=outcome.needs,
            changed=outcome.changed,
            unchanged=outcome.unchanged,
            applied=True,
            errors=[],
        )
        return json_response(result.model_dump_json(), 200)

    return await idempotent(request, runtime, principal, work)
