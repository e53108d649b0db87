"""History endpoints (`/pegawai/{nip}/<riwayat>`): POST appends a row (Idempotency-Key
honoured) and emits the matching event; GET lists rows in recording order (cursor)."""

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from tatamutasi_pegawai.adapters.orm import (
    keluarga,
    riwayat_asesmen,
    riwayat_diklat,
    riwayat_golongan,
    riwayat_hukdis,
    riwayat_jabatan,
    riwayat_pendidikan,
    riwayat_skp,
)
from tatamutasi_pegawai.api import schemas as s
from tatamutasi_pegawai.api.access import (
    EDITORS,
    READERS,
    NipPath,
    ReferenceDep,
    check_personal,
    check_read,
    check_unit,
    is_self,
)
from tatamutasi_pegawai.domain import rules
from tatamutasi_pegawai.domain.reference import ReferenceTables
from tatamutasi_pegawai.service import aspiration_rounds, family, histories, registry
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.errors import Forbidden
from tatamutasi_platform.http import (
    RuntimeDep,
    decode_cursor,
    encode_cursor,
    etag,
    idempotent,
    require_roles,
)
from tatamutasi_platform.responses import problem_responses
from tatamutasi_platform.runtime import Runtime, Transaction

router = APIRouter(prefix="/pegawai/{nip}", tags=["riwayat"], responses=problem_responses(400, 404))

Editor = Annotated[Principal, Depends(require_roles(*EDITORS))]
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=500)]
Recorder = Callable[[Transaction, registry.PegawaiView], Awaitable[tuple[BaseModel, int]]]


def _created(body: BaseModel, nip: str, what: str, version: int) -> Response:
    return Response(
        body.model_dump_json(),
        status_code=201,
        media_type="application/json",
        headers={"ETag": etag(version), "Location": f"/pegawai/{nip}/{what}"},
    )


async def _append(
    request: Request,
    runtime: Runtime,
    principal: Principal,
    nip: str,
    what: str,
    record: Recorder,
    *,
    self_allowed: bool = False,
) -> Response:
    async def work(tx: Transaction) -> Response:
        current = await registry.require(tx.conn, nip, for_update=True)
        if not (self_allowed and is_self(principal, nip)):
            check_read(principal, current)
            check_unit(principal, current.unor_id)
        body, version = await record(tx, current)
        return _created(body, nip, what, version)

    return await idempotent(request, runtime, principal, work)


async def _list(
    runtime: Runtime,
    principal: Principal,
    nip: str,
    table: sa.Table,
    cursor: str | None,
    limit: int,
    convert: Callable[[dict[str, Any]], BaseModel],
    *,
    personal: bool = False,
) -> tuple[list[BaseModel], str | None]:
    after = decode_cursor(cursor, 1)
    if personal:
        check_personal(principal, nip)
    async with runtime.engine.connect() as conn:
        current = await registry.require(conn, nip)
        check_read(principal, current)
        rows = await histories.rows(
            conn, table, nip, after_id=int(after[0]) if after else None, limit=limit
        )
    nxt = encode_cursor([rows[-1]["id"]]) if len(rows) == limit else None
    return [convert(r) for r in rows], nxt


# -- jabatan -------------------------------------------------------------------------------
@router.post("/jabatan", status_code=201, response_model=s.JabatanOut, summary="Record a post")
async def post_jabatan(
    nip: NipPath,
    body: s.JabatanIn,
    request: Request,
    runtime: RuntimeDep,
    ref: ReferenceDep,
    principal: Editor,
) -> Response:
    """`D` (definitive) becomes the current post unless it predates it, and emits
    `pegawai.placement_changed`; `PLT`/`PLH` emit `pegawai.acting_changed` and leave the
    definitive post alone; `PJ`/`TT` are history only. Operators need both units."""
    check_unit(principal, body.unor_id)
    entry = histories.JabatanEntry(**body.model_dump())

    async def record(tx: Transaction, cur: registry.PegawaiView) -> tuple[BaseModel, int]:
        r = await histories.record_jabatan(tx, cur, entry, ref)
        return s.JabatanOut(**r.row), r.version

    return await _append(request, runtime, principal, nip, "jabatan", record)


@router.get("/jabatan", response_model=s.JabatanPage, summary="Posts held (riwayat jabatan)")
async def get_jabatan(
    nip: NipPath, runtime: RuntimeDep, principal: Reader, cursor: Cursor = None, limit: Limit = 100
) -> dict[str, Any]:
    items, nxt = await _list(
        runtime, principal, nip, riwayat_jabatan, cursor, limit, lambda r: s.JabatanOut(**r)
    )
    return {"items": items, "next_cursor": nxt}


# -- golongan ------------------------------------------------------------------------------
def _golongan_out(ref: ReferenceTables) -> Callable[[dict[str, Any]], BaseModel]:
    return lambda r: s.GolonganOut(**r, golongan=ref.name("golongan", r["golongan_id"]))


@router.post("/golongan", status_code=201, response_model=s.GolonganOut, summary="Record a rank")
async def post_golongan(
    nip: NipPath,
    body: s.GolonganIn,
    request: Request,
    runtime: RuntimeDep,
    ref: ReferenceDep,
    principal: Editor,
) -> Response:
    """The newest TMT becomes the current golongan and emits `pegawai.rank_changed`."""
    entry = histories.GolonganEntry(**body.model_dump())

    async def record(tx: Transaction, cur: registry.PegawaiView) -> tuple[BaseModel, int]:
        r = await histories.record_golongan(tx, cur, entry, ref)
        return _golongan_out(ref)(r.row), r.version

    return await _append(request, runtime, principal, nip, "golongan", record)


@router.get("/golongan", response_model=s.GolonganPage, summary="Ranks held (riwayat golongan)")
async def get_golongan(
    nip: NipPath,
    runtime: RuntimeDep,
    ref: ReferenceDep,
    principal: Reader,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    items, nxt = await _list(
        runtime, principal, nip, riwayat_golongan, cursor, limit, _golongan_out(ref)
    )
    return {"items": items, "next_cursor": nxt}


# -- pendidikan ----------------------------------------------------------------------------
@router.post(
    "/pendidikan", status_code=201, response_model=s.PendidikanOut, summary="Record education"
)
async def post_pendidikan(
    nip: NipPath,
    body: s.PendidikanIn,
    request: Request,
    runtime: RuntimeDep,
    ref: ReferenceDep,
    principal: Editor,
) -> Response:
    """Emits `pegawai.education_recorded`; the highest level becomes the current one."""
    entry = histories.PendidikanEntry(**body.model_dump())

    async def record(tx: Transaction, cur: registry.PegawaiView) -> tuple[BaseModel, int]:
        r = await histories.record_pendidikan(tx, cur, entry, ref)
        return s.PendidikanOut(**r.row), r.version

    return await _append(request, runtime, principal, nip, "pendidikan", record)


@router.get("/pendidikan", response_model=s.PendidikanPage, summary="Education history")
async def get_pendidikan(
    nip: NipPath, runtime: RuntimeDep, principal: Reader, cursor: Cursor = None, limit: Limit = 100
) -> dict[str, Any]:
    items, nxt = await _list(
        runtime, principal, nip, riwayat_pendidikan, cursor, limit, lambda r: s.PendidikanOut(**r)
    )
    return {"items": items, "next_cursor": nxt}


# -- diklat --------------------------------------------------------------------------------
@router.post("/diklat", status_code=201, response_model=s.DiklatOut, summary="Record a training")
async def post_diklat(
    nip: NipPath, body: s.DiklatIn, request: Request, runtime: RuntimeDep, principal: Editor
) -> Response:
    """Emits `pegawai.training_recorded`."""
    entry = histories.DiklatEntry(**body.model_dump())

    async def record(tx: Transaction, cur: registry.PegawaiView) -> tuple[BaseModel, int]:
        r = await histories.record_diklat(tx, cur, entry)
        return s.DiklatOut(**r.row), r.version

    return await _append(request, runtime, principal, nip, "diklat", record)


@router.get("/diklat", response_model=s.DiklatPage, summary="Training history")
async def get_diklat(
    nip: NipPath, runtime: RuntimeDep, principal: Reader, cursor: Cursor = None, limit: Limit = 100
) -> dict[str, Any]:
    items, nxt = await _list(
        runtime, principal, nip, riwayat_diklat, cursor, limit, lambda r: s.DiklatOut(**r)
    )
    return {"items": items, "next_cursor": nxt}


# -- SKP -------------------------------------------------------------------------------------
def _skp_out(r: dict[str, Any]) -> BaseModel:
    return s.SKPOut(**r, predikat_name=rules.PREDIKAT_NAMES.get(r["predikat"]))


@router.post("/skp", status_code=201, response_model=s.SKPOut, summary="Record an SKP year")
async def post_skp(
    nip: NipPath, body: s.SKPIn, request: Request, runtime: RuntimeDep, principal: Editor
) -> Response:
    """SKP 2022+: the predikat follows from hasil kerja x perilaku kerja (PermenPANRB
    6/2022). A second row for a year is a correction; both stay. Emits
    `pegawai.performance_recorded`."""
    entry = histories.SKPEntry(**body.model_dump())

    async def record(tx: Transaction, cur: registry.PegawaiView) -> tuple[BaseModel, int]:
        r = await histories.record_skp(tx, cur, entry)
        return _skp_out(r.row), r.version

    return await _append(request, runtime, principal, nip, "skp", record)


@router.get("/skp", response_model=s.SKPPage, summary="SKP history")
async def get_skp(
    nip: NipPath, runtime: RuntimeDep, principal: Reader, cursor: Cursor = None, limit: Limit = 100
) -> dict[str, Any]:
    items, nxt = await _list(runtime, principal, nip, riwayat_skp, cursor, limit, _skp_out)
    return {"items": items, "next_cursor": nxt}


# -- asesmen ---------------------------------------------------------------------------------
def _asesmen_out(r: dict[str, Any]) -> BaseModel:
    jpm = r["jpm"]
    return s.AsesmenOut(
        **{**r, "scores": json.loads(r["scores"])},
        jpm_category=rules.jpm_category(jpm) if jpm is not None else None,
    )


@router.post(
    "/asesmen", status_code=201, response_model=s.AsesmenOut, summary="Record an assessment"
)
async def post_asesmen(
    nip: NipPath, body: s.AsesmenIn, request: Request, runtime: RuntimeDep, principal: Editor
) -> Response:
    """Potensi (five aspects, total 0-100) or kompetensi (eight managerial competencies +
    perekat bangsa, levels 1-5; JPM against the standard level). Emits
    `pegawai.assessment_recorded`."""
    entry = histories.AsesmenEntry(**body.model_dump())

    async def record(tx: Transaction, cur: registry.PegawaiView) -> tuple[BaseModel, int]:
        r = await histories.record_asesmen(tx, cur, entry)
        return _asesmen_out(r.row), r.version

    return await _append(request, runtime, principal, nip, "asesmen", record)


@router.get("/asesmen", response_model=s.AsesmenPage, summary="Assessment history")
async def get_asesmen(
    nip: NipPath, runtime: RuntimeDep, principal: Reader, cursor: Cursor = None, limit: Limit = 100
) -> dict[str, Any]:
    items, nxt = await _list(runtime, principal, nip, riwayat_asesmen, cursor, limit, _asesmen_out)
    return {"items": items, "next_cursor": nxt}


# -- hukdis ----------------------------------------------------------------------------------
@router.post("/hukdis", status_code=201, response_model=s.HukdisOut, summary="Record a sanction")
async def post_hukdis(
    nip: NipPath,
    body: s.HukdisIn,
    request: Request,
    runtime: RuntimeDep,
    ref: ReferenceDep,
    principal: Editor,
) -> Response:
    """Hukuman disiplin with its period. Emits `pegawai.discipline_recorded`."""
    entry = histories.HukdisEntry(**body.model_dump())

    async def record(tx: Transaction, cur: registry.PegawaiView) -> tuple[BaseModel, int]:
        r = await histories.record_hukdis(tx, cur, entry, ref)
        return s.HukdisOut(**r.row), r.version

    return await _append(request, runtime, principal, nip, "hukdis", record)


@router.get("/hukdis", response_model=s.HukdisPage, summary="Discipline history")
async def get_hukdis(
    nip: NipPath, runtime: RuntimeDep, principal: Reader, cursor: Cursor = None, limit: Limit = 100
) -> dict[str, Any]:
    items, nxt = await _list(
        runtime, principal, nip, riwayat_hukdis, cursor, limit, lambda r: s.HukdisOut(**r)
    )
    return {"items": items, "next_cursor": nxt}


# -- keluarga (restricted) -------------------------------------------------------------------
@router.post(
    "/keluarga", status_code=201, response_model=s.KeluargaOut, summary="Record a family member"
)
async def post_keluarga(
    nip: NipPath,
    body: s.KeluargaIn,
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles("admin", "pegawai"))],
) -> Response:
    """Admin or the employee themself. The record stays here; `pegawai.family_updated`
    carries only the derived relations to other employees (matched by NIP, NIK, or
    normalised name + birth date + birth place; never by name alone)."""
    check_personal(principal, nip)
    entry = family.KeluargaEntry(**body.model_dump())

    async def record(tx: Transaction, cur: registry.PegawaiView) -> tuple[BaseModel, int]:
        row = await family.record_keluarga(tx, cur, entry)
        return s.KeluargaOut(**row), cur.version

    return await _append(request, runtime, principal, nip, "keluarga", record, self_allowed=True)


@router.get("/keluarga", response_model=s.KeluargaPage, summary="Family (restricted)")
async def get_keluarga(
    nip: NipPath,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles("admin", "pegawai"))],
    cursor: Cursor = None,
    limit: Limit = 100,
) -> s.KeluargaPage:
    items, nxt = await _list(
        runtime,
        principal,
        nip,
        keluarga,
        cursor,
        limit,
        lambda r: s.KeluargaOut(**r),
        personal=True,
    )
    async with runtime.engine.connect() as conn:
        kins = await family.kinship_of(conn, nip)
    return s.KeluargaPage(
        items=items,  # type: ignore[arg-type]
        relations=[s.KinshipOut(**asdict(k)) for k in kins],
        next_cursor=nxt,
    )


# -- aspirasi --------------------------------------------------------------------------------
@router.post(
    "/aspirasi",
    status_code=201,
    response_model=s.AspirasiOut,
    summary="State ranked preferences (the employee themself, or admin)",
)
async def post_aspirasi(
    nip: NipPath,
    body: s.AspirasiIn,
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles("admin", "pegawai"))],
) -> Response:
    """A new statement replaces the previous one (which is kept); an empty list withdraws
    them. Emits `pegawai.aspiration_stated`. Refused (409 `aspirations-closed`) once the
    round's `aspirations_close_at` has passed (rounds as announced by `mutasi.round_changed`)."""
    if principal.acting_role == "pegawai" and principal.nip != nip:
        raise Forbidden(
            "Employees state only their own aspirations",
            "Pegawai hanya boleh menyampaikan aspirasinya sendiri",
        )
    prefs = [family.Preference(**p.model_dump()) for p in body.preferences]

    async def record(tx: Transaction, cur: registry.PegawaiView) -> tuple[BaseModel, int]:
        await aspiration_rounds.check_open(tx.conn, body.round_id)
        statement, rows = await family.state_aspirations(tx, cur, prefs, body.round_id)
        return _aspirasi_out(nip, statement, rows, body.round_id), cur.version

    return await _append(request, runtime, principal, nip, "aspirasi", record, self_allowed=True)


def _aspirasi_out(
    nip: str, statement: str | None, rows: list[dict[str, Any]], round_id: str | None
) -> s.AspirasiOut:
    first = rows[0] if rows else {}
    return s.AspirasiOut(
        nip=nip,
        statement_id=statement,
        round_id=round_id,
        stated_at=first.get("recorded_at"),
        stated_by=first.get("recorded_by"),
        preferences=[
            s.PreferenceOut(
                rank=r["rank"], unor_id=r["unor_id"], jabatan_id=r["jabatan_id"], reason=r["reason"]
            )
            for r in rows
        ],
    )


@router.get("/aspirasi", response_model=s.AspirasiOut, summary="Current aspirations")
async def get_aspirasi(
    nip: NipPath,
    runtime: RuntimeDep,
    principal: Reader,
    round_id: Annotated[str | None, Query(max_length=64)] = None,
) -> s.AspirasiOut:
    async with runtime.engine.connect() as conn:
        current = await registry.require(conn, nip)
        check_read(principal, current)
        statement, rows = await family.current_aspirations(conn, nip, round_id)
    return _aspirasi_out(nip, statement, rows, rows[0]["round_id"] if rows else round_id)
