"""`/pegawai`: register, read, correct and list employees."""

from dataclasses import asdict
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status

from tatamutasi_pegawai.api.access import (
    EDITORS,
    READERS,
    NipPath,
    ReferenceDep,
    check_read,
    check_unit,
    sees_personal,
)
from tatamutasi_pegawai.api.schemas import (
    Nip,
    PegawaiCreate,
    PegawaiOut,
    PegawaiPage,
    PegawaiUpdate,
    PersonalOut,
)
from tatamutasi_pegawai.domain.reference import ReferenceTables
from tatamutasi_pegawai.service import family, registry
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.errors import Forbidden
from tatamutasi_platform.http import (
    RuntimeDep,
    check_if_match,
    decode_cursor,
    encode_cursor,
    etag,
    idempotent,
    require_roles,
)
from tatamutasi_platform.responses import problem_responses
from tatamutasi_platform.runtime import Transaction

router = APIRouter(
    prefix="/pegawai", tags=["pegawai"], responses=problem_responses(400, 404, 409, 412, 428)
)


def out(
    view: registry.PegawaiView,
    ref: ReferenceTables,
    personal: registry.Personal | None = None,
) -> PegawaiOut:
    return PegawaiOut(
        **asdict(view),
        full_name=view.full_name,
        kedudukan_name=ref.name("kedudukan", view.kedudukan_id),
        golongan=ref.name("golongan", view.golongan_id),
        personal=PersonalOut(**asdict(personal)) if personal is not None else None,
    )


def _json(body: PegawaiOut, status_code: int, version: int, **headers: str) -> Response:
    return Response(
        body.model_dump_json(),
        status_code=status_code,
        media_type="application/json",
        headers={"ETag": etag(version), **headers},
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PegawaiOut,
    summary="Register an employee",
    responses={
        409: {"description": "NIP or SIASN id already registered (problem+json)"},
        422: {"description": "Invalid field, NIP mismatch or unknown code (problem+json)"},
    },
)
async def register_pegawai(
    body: PegawaiCreate,
    request: Request,
    runtime: RuntimeDep,
    ref: ReferenceDep,
    principal: Annotated[Principal, Depends(require_roles(*EDITORS))],
) -> Response:
    """Creates the record (with its first jabatan, golongan, pendidikan and status rows) and
    stages `pegawai.registered` in the same transaction; when the new employee is a known
    relative of another, `pegawai.family_updated` too. The NIP is checked against the birth
    date, TMT CPNS and sex given. Send `Idempotency-Key` to make retries safe."""
    check_unit(principal, body.unor_id)
    if body.personal is not None and principal.acting_role != "admin":
        raise Forbidden(
            "Only admin may record personal data",
            "Hanya admin yang boleh mencatat data pribadi",
            field="personal",
        )
    data = body.model_dump(exclude={"personal"})
    personal = registry.Personal(**(body.personal.model_dump() if body.personal else {}))
    cmd = registry.RegisterPegawai(**data, personal=personal)

    async def work(tx: Transaction) -> Response:
        view = await registry.register(tx, cmd, ref)
        if body.personal is not None:
            await family.publish_kinship(tx, view.nip, always=False)
        shown = personal if sees_personal(principal, view.nip) else None
        return _json(out(view, ref, shown), 201, view.version, Location=f"/pegawai/{view.nip}")

    return await idempotent(request, runtime, principal, work)


@router.get("/{nip}", response_model=PegawaiOut, summary="One employee")
async def get_pegawai(
    nip: NipPath,
    runtime: RuntimeDep,
    ref: ReferenceDep,
    response: Response,
    principal: Annotated[Principal, Depends(require_roles(*READERS))],
) -> PegawaiOut:
    """Personal data (`personal`) is included only for admin and the employee themself."""
    async with runtime.engine.connect() as conn:
        view = await registry.require(conn, nip)
        check_read(principal, view)
        personal = await registry.get_personal(conn, nip) if sees_personal(principal, nip) else None
    response.headers["ETag"] = etag(view.version)
    return out(view, ref, personal)


@router.patch(
    "/{nip}",
    response_model=PegawaiOut,
    summary="Correct an employee's identity or status (If-Match required)",
    responses={
        412: {"description": "Stale ETag (problem+json)"},
        428: {"description": "If-Match missing (problem+json)"},
    },
)
async def update_pegawai(
    nip: NipPath,
    body: PegawaiUpdate,
    request: Request,
    runtime: RuntimeDep,
    ref: ReferenceDep,
    principal: Annotated[Principal, Depends(require_roles(*EDITORS))],
) -> Response:
    """Send only what changes, with `If-Match` set to the ETag you read. Previous values are
    kept in the identity history; a kedudukan/active change writes a status row and emits
    `pegawai.status_changed`. Personal data: admin only."""
    changes = body.model_dump(exclude_unset=True, exclude={"personal", "status_effective"})
    if body.personal is not None:
        if principal.acting_role != "admin":
            raise Forbidden(
                "Only admin may change personal data",
                "Hanya admin yang boleh mengubah data pribadi",
                field="personal",
            )
        changes.update(body.personal.model_dump(exclude_unset=True))

    traceparent = getattr(request.state, "traceparent", None)
    async with runtime.transaction(principal.actor, traceparent) as tx:
        current = await registry.require(tx.conn, nip, for_update=True)
        check_read(principal, current)
        check_unit(principal, current.unor_id)
        check_if_match(request, current.version)
        view = await registry.update(
            tx, current, changes, ref, status_effective=body.status_effective
        )
        personal = (
            await registry.get_personal(tx.conn, nip) if sees_personal(principal, nip) else None
        )
    return _json(out(view, ref, personal), 200, view.version)


@router.get("", response_model=PegawaiPage, summary="List employees (cursor pagination)")
async def list_pegawai(
    runtime: RuntimeDep,
    ref: ReferenceDep,
    principal: Annotated[
        Principal,
        Depends(require_roles("admin", "operator", "penilai", "ppk", "auditor", "integration")),
    ],
    unor_id: Annotated[str | None, Query(max_length=64)] = None,
    jabatan_id: Annotated[str | None, Query(max_length=64)] = None,
    golongan_id: Annotated[str | None, Query(max_length=4)] = None,
    kind: Annotated[Literal["PNS", "PPPK"] | None, Query()] = None,
    kedudukan_id: Annotated[str | None, Query(max_length=4)] = None,
    status: Annotated[
        Literal["active", "retired"] | None, Query(description="In service or not")
    ] = None,
    retiring_before: Annotated[
        date | None, Query(description="TMT pensiun before this date")
    ] = None,
    q: Annotated[str | None, Query(max_length=100, description="Name part or NIP prefix")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> PegawaiPage:
    """Ordered by NIP. Never includes personal data."""
    after = decode_cursor(cursor, 1)
    scope = principal.units if principal.acting_role == "operator" else None
    filters = registry.Filters(
        unor_id=unor_id,
        jabatan_id=jabatan_id,
        golongan_id=golongan_id,
        kind=kind,
        kedudukan_id=kedudukan_id,
        active=None if status is None else status == "active",
        retiring_before=retiring_before,
        query=q,
    )
    async with runtime.engine.connect() as conn:
        views = await registry.page(
            conn,
            after_nip=str(after[0]) if after else None,
            limit=limit,
            unor_ids=scope,
            filters=filters,
        )
    nxt = encode_cursor([views[-1].nip]) if len(views) == limit else None
    return PegawaiPage(items=[out(v, ref) for v in views], next_cursor=nxt)


__all__ = ["Nip", "router"]
