"""`/jabatan`: the jabatan catalogue and its requirements."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from tatamutasi_formasi.api.deps import Admin, CatalogueReader, Reader, json_response
from tatamutasi_formasi.api.schemas import (
    CheckOut,
    CompetencyIn,
    ConditionIn,
    EducationOptionIn,
    EvaluationOut,
    HolderFacts,
    JabatanBody,
    JabatanCreate,
    JabatanOut,
    JabatanPage,
    JabatanVersionOut,
    RequirementsOut,
)
from tatamutasi_formasi.domain import requirements as rq
from tatamutasi_formasi.service import jabatan as svc
from tatamutasi_formasi.service.common import tx_emitter
from tatamutasi_platform.errors import NotFound
from tatamutasi_platform.http import (
    RuntimeDep,
    check_if_match,
    decode_cursor,
    encode_cursor,
    etag,
    idempotent,
)
from tatamutasi_platform.responses import problem_responses
from tatamutasi_platform.runtime import Transaction

router = APIRouter(
    prefix="/jabatan", tags=["jabatan"], responses=problem_responses(400, 404, 409, 412, 428)
)
JabatanId = Annotated[str, Path(min_length=1, max_length=64)]


def spec(body: JabatanBody) -> svc.JabatanSpec:
    r = body.requirements
    return svc.JabatanSpec(
        name=body.name,
        jenis=body.jenis,
        eselon_id=body.eselon_id,
        jf_jenjang=body.jf_jenjang,
        bkn_ref_id=body.bkn_ref_id,
        kelas_jabatan=body.kelas_jabatan,
        rumpun=body.rumpun,
        min_golongan_id=body.min_golongan_id,
        max_golongan_id=body.max_golongan_id,
        unit_types=tuple(body.unit_types),
        education=tuple(rq.EducationOption(o.min_level_id, tuple(o.fields)) for o in r.education),
        managerial_level=r.managerial_level,
        technical=tuple(rq.Competency(c.code, c.level) for c in r.technical),
        training=tuple(r.training),
        conditions=tuple(
            rq.Condition(c.code, c.op, tuple(c.value) if isinstance(c.value, list) else c.value)
            for c in r.conditions
        ),
    )


def out(v: svc.JabatanView) -> JabatanOut:
    r = v.requirements
    return JabatanOut(
        jabatan_id=v.jabatan_id,
        name=v.name,
        jenis=v.jenis,
        level=v.level,
        eselon_id=v.eselon_id,
        jf_jenjang=v.jf_jenjang,
        bkn_ref_id=v.bkn_ref_id,
        kelas_jabatan=v.kelas_jabatan,
        rumpun=v.rumpun,
        unit_types=list(v.unit_types),
        requirements=RequirementsOut(
            min_golongan_id=r.min_golongan_id,
            max_golongan_id=r.max_golongan_id,
            education=[
                EducationOptionIn(min_level_id=o.min_level_id, fields=list(o.fields))
                for o in r.education
            ],
            managerial_level=r.managerial_level,
            technical=[CompetencyIn(code=c.code, level=c.level) for c in r.technical],
            training=list(r.training),
            conditions=[
                ConditionIn(
                    code=c.code,
                    op=c.op,
                    value=list(c.value) if isinstance(c.value, tuple) else c.value,
                )
                for c in r.conditions
            ],
        ),
        defaults_applied=list(v.defaults_applied),
        version=v.version,
        created_at=v.created_at,
        created_by=v.created_by,
        updated_at=v.updated_at,
        updated_by=v.updated_by,
    )


def _response(v: svc.JabatanView, code: int) -> Response:
    return json_response(
        out(v).model_dump_json(),
        code,
        {"ETag": etag(v.version), "Location": f"/jabatan/{v.jabatan_id}"},
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=JabatanOut,
    summary="Add a jabatan to the catalogue",
)
async def create_jabatan(
    body: JabatanCreate, request: Request, runtime: RuntimeDep, principal: Admin
) -> Response:
    """Rank range and managerial level default from the eselon / JF jenjang tables and
    PermenPANRB 38/2017 when not given (`defaults_applied` names them). Unknown codes
    (golongan, education level, training, condition) are refused."""

    async def work(tx: Transaction) -> Response:
        v = await svc.create(tx.conn, tx_emitter(tx), tx.actor.id, body.jabatan_id, spec(body))
        return _response(v, 201)

    return await idempotent(request, runtime, principal, work)


@router.get("", response_model=JabatanPage, summary="The catalogue (cursor pagination)")
async def list_jabatan(
    runtime: RuntimeDep,
    _p: CatalogueReader,
    jenis: Annotated[str | None, Query(max_length=12)] = None,
    rumpun: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> JabatanPage:
    after = decode_cursor(cursor, 1)
    async with runtime.engine.connect() as conn:
        items = await svc.page(
            conn, after=after[0] if after else None, limit=limit, jenis=jenis, rumpun=rumpun, q=q
        )
    nxt = encode_cursor([items[-1].jabatan_id]) if len(items) == limit else None
    return JabatanPage(items=[out(v) for v in items], next_cursor=nxt)


@router.get("/{jabatan_id}", response_model=JabatanOut, summary="One jabatan")
async def get_jabatan(
    jabatan_id: JabatanId, runtime: RuntimeDep, response: Response, _p: CatalogueReader
) -> JabatanOut:
    async with runtime.engine.connect() as conn:
        v = await svc.get(conn, jabatan_id)
    if v is None:
        raise NotFound(
            f"Jabatan {jabatan_id!r} does not exist", f"Jabatan {jabatan_id!r} tidak ditemukan"
        )
    response.headers["ETag"] = etag(v.version)
    return out(v)


@router.get(
    "/{jabatan_id}/history",
    response_model=list[JabatanVersionOut],
    summary="Every version of a catalogue entry, oldest first (who changed what, when)",
)
async def jabatan_history(
    jabatan_id: JabatanId, runtime: RuntimeDep, _p: CatalogueReader
) -> list[JabatanVersionOut]:
    async with runtime.engine.connect() as conn:
        versions = await svc.history(conn, jabatan_id)
        current = await svc.get(conn, jabatan_id) if not versions else None
    if not versions and current is None:
        raise NotFound(
            f"Jabatan {jabatan_id!r} does not exist", f"Jabatan {jabatan_id!r} tidak ditemukan"
        )
    return [
        JabatanVersionOut(
            version=v.jabatan.version,
            change=v.change,  # type: ignore[arg-type]
            changed_at=v.changed_at,
            changed_by=v.changed_by,
            jabatan=out(v.jabatan),
        )
        for v in versions
    ]


@router.put(
    "/{jabatan_id}", response_model=JabatanOut, summary="Replace a jabatan (needs If-Match)"
)
async def update_jabatan(
    jabatan_id: JabatanId,
    body: JabatanBody,
    request: Request,
    runtime: RuntimeDep,
    principal: Admin,
) -> Response:
    async with runtime.engine.connect() as conn:
        cur = await svc.get(conn, jabatan_id)
    if cur is None:
        raise NotFound(
            f"Jabatan {jabatan_id!r} does not exist", f"Jabatan {jabatan_id!r} tidak ditemukan"
        )
    check_if_match(request, cur.version)

    async def work(tx: Transaction) -> Response:
        v = await svc.update(
            tx.conn,
            tx_emitter(tx),
            tx.actor.id,
            jabatan_id,
            spec(body),
            expected_version=cur.version,
        )
        return _response(v, 200)

    return await idempotent(request, runtime, principal, work)


@router.post(
    "/{jabatan_id}/evaluate",
    response_model=EvaluationOut,
    summary="Does a person with these facts meet this jabatan? (explains every check)",
)
async def evaluate_holder(
    jabatan_id: JabatanId, body: HolderFacts, runtime: RuntimeDep, _p: Reader
) -> EvaluationOut:
    async with runtime.engine.connect() as conn:
        v = await svc.get(conn, jabatan_id)
    if v is None:
        raise NotFound(
            f"Jabatan {jabatan_id!r} does not exist", f"Jabatan {jabatan_id!r} tidak ditemukan"
        )
    ev = rq.evaluate(
        v.requirements,
        rq.Holder(
            golongan_id=body.golongan_id,
            education_level_id=body.education_level_id,
            education_field=body.education_field,
            managerial_scores=body.managerial_scores,
            technical=body.technical,
            training=frozenset(body.training) if body.training is not None else None,
            facts=body.facts,
        ),
    )
    return EvaluationOut(
        jabatan_id=jabatan_id,
        met=ev.met,
        checks=[
            CheckOut(code=c.code, outcome=c.outcome, message_en=c.en, message_id=c.id_)
            for c in ev.checks
        ],
    )
