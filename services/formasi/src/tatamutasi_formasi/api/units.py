"""`/units`: the unit tree (UNOR) with effective-dated history."""

from dataclasses import asdict
from datetime import date
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request, Response, status

from tatamutasi_formasi.adapters.orm import units as units_t
from tatamutasi_formasi.api.deps import (
    MULTIPART_XLSX,
    Admin,
    CatalogueReader,
    json_response,
    read_upload,
    today,
)
from tatamutasi_formasi.api.schemas import (
    RowError,
    UnitClose,
    UnitCreate,
    UnitImportResult,
    UnitMerge,
    UnitOut,
    UnitPage,
    UnitPatch,
    UnitSplit,
)
from tatamutasi_formasi.service import units as svc
from tatamutasi_formasi.service import units_excel
from tatamutasi_formasi.service.common import tx_emitter, valid_at
from tatamutasi_formasi.service.needs_excel import SheetError
from tatamutasi_platform.errors import Invalid, NotFound
from tatamutasi_platform.http import (
    RuntimeDep,
    check_if_match,
    decode_cursor,
    encode_cursor,
    etag,
    idempotent,
)
from tatamutasi_platform.problems import Problem
from tatamutasi_platform.responses import problem_responses
from tatamutasi_platform.runtime import Transaction

router = APIRouter(
    prefix="/units", tags=["units"], responses=problem_responses(400, 404, 409, 412, 428)
)
UnitId = Annotated[str, Path(min_length=1, max_length=64)]


def out(v: svc.UnitVersion) -> UnitOut:
    d = asdict(v)
    d["predecessor_ids"] = list(v.predecessor_ids)
    return UnitOut(**d)


def _data(body: object) -> svc.UnitData:
    fields = (
        "name",
        "unit_type",
        "parent_id",
        "eselon_id",
        "head_jabatan_name",
        "induk_id",
        "instansi_id",
    )
    return svc.UnitData(**{f: getattr(body, f) for f in fields})


def _created(v: svc.UnitVersion, code: int = 201) -> Response:
    return json_response(
        out(v).model_dump_json(),
        code,
        {"ETag": etag(v.version), "Location": f"/units/{v.unit_id}"},
    )


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=UnitOut, summary="Create a unit"
)
async def create_unit(
    body: UnitCreate, request: Request, runtime: RuntimeDep, principal: Admin
) -> Response:
    """Stages `formasi.unit_changed` (created). Send `Idempotency-Key` to make retries safe."""

    async def work(tx: Transaction) -> Response:
        v = await svc.create(
            tx.conn,
            tx_emitter(tx),
            tx.actor.id,
            svc.CreateUnit(body.unit_id, _data(body), body.valid_from),
        )
        return _created(v)

    return await idempotent(request, runtime, principal, work)


@router.get("", response_model=UnitPage, summary="The unit tree as of a date (cursor pagination)")
async def list_units(
    runtime: RuntimeDep,
    _p: CatalogueReader,
    as_of: Annotated[date | None, Query(description="Default: today")] = None,
    parent_id: Annotated[str | None, Query(max_length=64)] = None,
    unit_type: Annotated[str | None, Query(max_length=40)] = None,
    include_closed: bool = False,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> UnitPage:
    after = decode_cursor(cursor, 1)
    on = as_of or today()
    stmt = sa.select(units_t).where(valid_at(units_t, on)).order_by(units_t.c.unit_id).limit(limit)
    if not include_closed:
        stmt = stmt.where(units_t.c.closed.is_(False))
    if parent_id is not None:
        stmt = stmt.where(units_t.c.parent_id == parent_id)
    if unit_type is not None:
        stmt = stmt.where(units_t.c.unit_type == unit_type)
    if after:
        stmt = stmt.where(units_t.c.unit_id > after[0])
    async with runtime.engine.connect() as conn:
        items = [svc._version(r) for r in await conn.execute(stmt)]
    nxt = encode_cursor([items[-1].unit_id]) if len(items) == limit else None
    return UnitPage(items=[out(v) for v in items], next_cursor=nxt)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/template.xlsx",
    summary="Excel template for importing the unit tree",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
async def units_template(_p: CatalogueReader) -> Response:
    return Response(
        units_excel.template(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="template-unit.xlsx"'},
    )


def _import_errors(outcome: units_excel.UnitImportOutcome) -> list[dict[str, object]]:
    return [
        {
            "field": f"row {e.row}.{e.field}",
            "location": "file",
            "code": e.code,
            "message_en": e.en,
            "message_id": e.id_,
            "row": e.row,
        }
        for e in outcome.errors
    ]


@router.post(
    "/import",
    response_model=UnitImportResult,
    summary="Import the unit tree from Excel (all or nothing; `dry_run=true` only checks)",
    openapi_extra=MULTIPART_XLSX,
)
async def import_units(
    request: Request,
    runtime: RuntimeDep,
    principal: Admin,
    dry_run: Annotated[bool, Query()] = False,
) -> Response:
    """New unit ids are created; known ones get a new version from `valid_from` when a
    field differs. Parents are applied before children. Every row error is listed; with
    errors nothing is applied (422), a dry run answers 200 and applies nothing."""
    data = await read_upload(request)
    try:
        rows = units_excel.read_rows(data, 20000)
    except SheetError as exc:
        if exc.status == 413:  # over a size, row or zip limit
            raise Problem(413, "file-too-large", "Content Too Large", exc.en, exc.id_) from None
        raise Invalid(exc.en, exc.id_, field="file") from None

    def result(o: units_excel.UnitImportOutcome, applied: bool) -> Response:
        body = UnitImportResult(
            dry_run=dry_run,
            rows=o.rows,
            created=o.created,
            changed=o.changed,
            unchanged=o.unchanged,
            applied=applied,
            errors=[
                RowError(row=e.row, field=e.field, code=e.code, message_en=e.en, message_id=e.id_)
                for e in o.errors
            ],
        )
        return json_response(body.model_dump_json(), 200)

    if dry_run:
        async with runtime.engine.connect() as conn:
            trans = await conn.begin()
            try:
                outcome = await units_excel.run(conn, _noop, principal.sub, rows)
            finally:
                await trans.rollback()
        return result(outcome, False)

    async def work(tx: Transaction) -> Response:
        outcome = await units_excel.run(tx.conn, tx_emitter(tx), tx.actor.id, rows)
        if outcome.errors:
            first = outcome.errors[0]
            raise Invalid(
                f"{len(outcome.errors)} row error(s); nothing was imported (first: row "
                f"{first.row}, {first.field}: {first.en})",
                f"{len(outcome.errors)} kesalahan baris; tidak ada yang diimpor (pertama: baris "
                f"{first.row}, {first.field}: {first.id_})",
                errors=_import_errors(outcome),
            )
        return result(outcome, True)

    return await idempotent(request, runtime, principal, work)


async def _noop(*_args: object) -> None:
    return None


@router.get("/{unit_id}", response_model=UnitOut, summary="One unit, as it is or as it was")
async def get_unit(
    unit_id: UnitId,
    runtime: RuntimeDep,
    response: Response,
    _p: CatalogueReader,
    as_of: Annotated[date | None, Query(description="Omit for the latest version")] = None,
) -> UnitOut:
    async with runtime.engine.connect() as conn:
        v = await (svc.as_of(conn, unit_id, as_of) if as_of else svc.current(conn, unit_id))
    if v is None:
        raise NotFound(
            f"Unit {unit_id!r} does not exist" + (f" on {as_of}" if as_of else ""),
            f"Unit {unit_id!r} tidak ditemukan" + (f" pada {as_of}" if as_of else ""),
        )
    response.headers["ETag"] = etag(v.version)
    return out(v)


@router.get("/{unit_id}/history", response_model=list[UnitOut], summary="Every version of a unit")
async def unit_history(unit_id: UnitId, runtime: RuntimeDep, _p: CatalogueReader) -> list[UnitOut]:
    async with runtime.engine.connect() as conn:
        versions = await svc.history(conn, unit_id)
    if not versions:
        raise NotFound(f"Unit {unit_id!r} does not exist", f"Unit {unit_id!r} tidak ditemukan")
    return [out(v) for v in versions]


async def _version_for(runtime: RuntimeDep, request: Request, unit_id: str) -> int:
    async with runtime.engine.connect() as conn:
        cur = await svc.current(conn, unit_id)
    if cur is None:
        raise NotFound(f"Unit {unit_id!r} does not exist", f"Unit {unit_id!r} tidak ditemukan")
    check_if_match(request, cur.version)
    return cur.version


@router.patch(
    "/{unit_id}",
    response_model=UnitOut,
    summary="Rename, move or re-type a unit from a date (needs If-Match)",
)
async def change_unit(
    unit_id: UnitId, body: UnitPatch, request: Request, runtime: RuntimeDep, principal: Admin
) -> Response:
    """A new version from `valid_from`; the old one stays readable with `as_of`."""
    version = await _version_for(runtime, request, unit_id)
    changes = body.model_dump(exclude_unset=True, exclude={"valid_from"})

    async def work(tx: Transaction) -> Response:
        v = await svc.change(
            tx.conn,
            tx_emitter(tx),
            tx.actor.id,
            unit_id,
            svc.ChangeUnit(body.valid_from, changes),
            expected_version=version,
        )
        return _created(v, 200)

    return await idempotent(request, runtime, principal, work)


@router.post(
    "/{unit_id}/close",
    response_model=UnitOut,
    summary="Close a unit from a date (needs If-Match); refused if it would orphan holders",
)
async def close_unit(
    unit_id: UnitId, body: UnitClose, request: Request, runtime: RuntimeDep, principal: Admin
) -> Response:
    version = await _version_for(runtime, request, unit_id)

    async def work(tx: Transaction) -> Response:
        v = await svc.close(
            tx.conn,
            tx_emitter(tx),
            tx.actor.id,
            unit_id,
            body.valid_from,
            successor_id=body.successor_id,
            expected_version=version,
        )
        return _created(v, 200)

    return await idempotent(request, runtime, principal, work)


@router.post(
    "/merge",
    response_model=UnitOut,
    summary="Merge units into one (existing or new); sub-units and holders follow",
)
async def merge_units(
    body: UnitMerge, request: Request, runtime: RuntimeDep, principal: Admin
) -> Response:
    async def work(tx: Transaction) -> Response:
        v = await svc.merge(
            tx.conn,
            tx_emitter(tx),
            tx.actor.id,
            body.sources,
            body.valid_from,
            target_id=body.target_id,
            new_target=_data(body.new_target) if body.new_target else None,
        )
        return _created(v, 200)

    return await idempotent(request, runtime, principal, work)


@router.post(
    "/{unit_id}/split",
    response_model=list[UnitOut],
    summary="Split a unit into new units; holders and sub-units go to the named successor",
)
async def split_unit(
    unit_id: UnitId, body: UnitSplit, request: Request, runtime: RuntimeDep, principal: Admin
) -> Response:
    async def work(tx: Transaction) -> Response:
        created = await svc.split(
            tx.conn,
            tx_emitter(tx),
            tx.actor.id,
            unit_id,
            body.valid_from,
            [svc.SplitPart(p.unit_id, _data(p)) for p in body.parts],
            successor_id=body.successor_id,
        )
        payload = "[" + ",".join(out(v).model_dump_json() for v in created) + "]"
        return json_response(payload, 200)

    return await idempotent(request, runtime, principal, work)
