"""`/pegawai`: register, read and list employees."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from tatamutasi_pegawai.api.schemas import Nip, PegawaiCreate, PegawaiOut, PegawaiPage
from tatamutasi_pegawai.service import registry
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.errors import Forbidden, NotFound
from tatamutasi_platform.http import (
    RuntimeDep,
    decode_cursor,
    encode_cursor,
    etag,
    idempotent,
    require_roles,
)
from tatamutasi_platform.runtime import Transaction

router = APIRouter(prefix="/pegawai", tags=["pegawai"])

READERS = ("admin", "operator", "penilai", "ppk", "auditor", "integration", "pegawai")


def _out(view: registry.PegawaiView) -> PegawaiOut:
    return PegawaiOut(**asdict(view))


def _check_unit(principal: Principal, unor_id: str) -> None:
    if not principal.may_act_for_unit(unor_id):
        raise Forbidden(
            f"Operators may act only for their own units; {unor_id!r} is not one",
            f"Operator hanya boleh bertindak untuk unitnya; {unor_id!r} bukan unit Anda",
            field="unor_id",
        )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PegawaiOut,
    summary="Register an employee",
    responses={409: {"description": "NIP already registered (problem+json)"}},
)
async def register_pegawai(
    body: PegawaiCreate,
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles("admin", "operator"))],
) -> Response:
    """Creates the record and stages `pegawai.registered` in the same transaction.
    Send `Idempotency-Key` to make retries safe."""
    _check_unit(principal, body.unor_id)

    async def work(tx: Transaction) -> Response:
        view = await registry.register(tx, registry.RegisterPegawai(**body.model_dump()))
        return Response(
            _out(view).model_dump_json(),
            status_code=201,
            media_type="application/json",
            headers={"ETag": etag(view.version), "Location": f"/pegawai/{view.nip}"},
        )

    return await idempotent(request, runtime, principal, work)


@router.get("/{nip}", response_model=PegawaiOut, summary="One employee")
async def get_pegawai(
    nip: Annotated[str, Path(pattern=r"^[0-9]{18}$")],
    runtime: RuntimeDep,
    response: Response,
    principal: Annotated[Principal, Depends(require_roles(*READERS))],
) -> PegawaiOut:
    if principal.roles == {"pegawai"} and principal.sub != nip:
        raise Forbidden(
            "Employees may read only their own record",
            "Pegawai hanya boleh melihat datanya sendiri",
        )
    async with runtime.engine.connect() as conn:
        view = await registry.get(conn, nip)
    if view is None:
        raise NotFound(f"Pegawai {nip} does not exist", f"Pegawai {nip} tidak ditemukan")
    if principal.acting_role == "operator" and not principal.may_act_for_unit(view.unor_id):
        raise Forbidden(
            "This employee is outside your units", "Pegawai ini berada di luar unit Anda"
        )
    response.headers["ETag"] = etag(view.version)
    return _out(view)


@router.get("", response_model=PegawaiPage, summary="List employees (cursor pagination)")
async def list_pegawai(
    runtime: RuntimeDep,
    principal: Annotated[
        Principal,
        Depends(require_roles("admin", "operator", "penilai", "ppk", "auditor", "integration")),
    ],
    unor_id: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=100, description="Name or NIP prefix")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> PegawaiPage:
    after = decode_cursor(cursor, 1)
    scope = principal.units if principal.acting_role == "operator" else None
    async with runtime.engine.connect() as conn:
        views = await registry.page(
            conn,
            after_nip=after[0] if after else None,
            limit=limit,
            unor_ids=scope,
            unor_id=unor_id,
            query=q,
        )
    nxt = encode_cursor([views[-1].nip]) if len(views) == limit else None
    return PegawaiPage(items=[_out(v) for v in views], next_cursor=nxt)


__all__ = ["Nip", "router"]
