"""`/siasn`: SIASN → registry sync jobs (background, resumable, with progress) and the
write-back queue of executed mutasi (list, retry). Admin only."""

import tempfile
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, UploadFile, status
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from tatamutasi_pegawai.adapters.siasn import SiasnClient, SiasnSettings
from tatamutasi_pegawai.adapters.siasn.nip_list import NipFileError, read_nips
from tatamutasi_pegawai.api.access import reference
from tatamutasi_pegawai.service import siasn_sync, writeback
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.errors import Conflict, Invalid
from tatamutasi_platform.http import (
    SQL_INT_MAX,
    RuntimeDep,
    decode_cursor,
    encode_cursor,
    require_roles,
)
from tatamutasi_platform.problems import Problem
from tatamutasi_platform.responses import problem_responses
from tatamutasi_platform.runtime import Runtime

router = APIRouter(prefix="/siasn", tags=["siasn"], responses=problem_responses(400, 404))

Admin = Annotated[Principal, Depends(require_roles("admin"))]
MAX_NIPS = 200_000


class WritebackCounts(BaseModel):
    pending: int
    running: int
    succeeded: int
    failed: int
    not_configured: int


class SiasnStatusOut(BaseModel):
    configured: bool = Field(description="Credentials and instansi id are set")
    api_base_url: str
    instansi_id: str
    writeback: WritebackCounts


class SyncRequest(BaseModel):
    nips: list[Annotated[str, Field(pattern=r"^[0-9]{18}$")]] = Field(
        min_length=1, max_length=MAX_NIPS
    )
    unor: bool = Field(default=True, description="Also read ref-unor and hand it to formasi")


class RejectedRow(BaseModel):
    row: int
    value: str
    reason: str
    alasan: str


class SyncJobOut(BaseModel):
    id: str
    status: Literal["queued", "running", "completed", "stopped", "interrupted"]
    total: int
    done: int
    failed: int
    pending: int
    changed: int = Field(description="NIPs registered or updated")
    unchanged: int
    with_unor: bool
    unor_status: str | None
    message: str | None
    created_at: datetime
    created_by: str
    started_at: datetime | None
    updated_at: datetime
    finished_at: datetime | None
    eta_s: float | None = Field(description="Estimated seconds left (while running)")
    rate_per_s: float | None
    rejected_rows: list[RejectedRow] = Field(
        default_factory=list, description="Rows of an uploaded file that are not NIPs"
    )


class SyncJobList(BaseModel):
    items: list[SyncJobOut]


class SyncFailureOut(BaseModel):
    nip: str
    position: int
    kind: str | None
    resource: str | None
    reason: str | None
    alasan: str | None


class SyncFailurePage(BaseModel):
    items: list[SyncFailureOut]
    next_cursor: str | None


class WritebackTaskOut(BaseModel):
    id: int
    proposal_id: str
    nip: str
    status: Literal["pending", "running", "succeeded", "failed", "not_configured"]
    attempts: int
    next_attempt_at: datetime
    error_kind: str | None
    last_error: str | None
    rw_jabatan_id: str | None
    payload: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class WritebackPage(BaseModel):
    items: list[WritebackTaskOut]
    next_cursor: str | None


def _siasn(runtime: Runtime) -> SiasnSettings:
    settings = runtime.extras.get("siasn_settings")
    if not runtime.extras.get("siasn_configured") or not isinstance(settings, SiasnSettings):
        raise Conflict(
            "SIASN is not configured for the pegawai service: set PEGAWAI_SIASN_CONSUMER_KEY, "
            "_CONSUMER_SECRET, an SSO token (or login) and _INSTANSI_ID",
            "SIASN belum dikonfigurasi untuk layanan pegawai: isi PEGAWAI_SIASN_CONSUMER_KEY, "
            "_CONSUMER_SECRET, token SSO (atau login) dan _INSTANSI_ID",
        )
    return settings


def _job_out(view: siasn_sync.JobView, rejected: list[RejectedRow] | None = None) -> SyncJobOut:
    return SyncJobOut(**asdict(view), rejected_rows=rejected or [])  # type: ignore[arg-type]


def _start(runtime: Runtime, principal: Principal, job_id: str) -> None:
    settings = _siasn(runtime)
    chunk = int(getattr(runtime.settings, "sync_chunk", 1000))

    async def run() -> None:
        async with SiasnClient(settings, transport=runtime.extras.get("siasn_transport")) as c:
            runner = siasn_sync.SyncRunner(
                runtime.engine,
                runtime.tables,
                c,
                lambda: reference(runtime),
                instansi_id=settings.instansi_id,
                actor=principal.actor,
                chunk=chunk,
                on_commit=runtime.relay.wake,
            )
            await runner.run(job_id)

    runtime.extras["background"].spawn(run())


async def _create(
    runtime: Runtime, principal: Principal, nips: list[str], unor: bool
) -> siasn_sync.JobView:
    _siasn(runtime)
    async with runtime.transaction(principal.actor) as tx:
        job_id = await siasn_sync.create_job(tx, nips, with_unor=unor)
        view = await siasn_sync.job_view(tx.conn, job_id)
    _start(runtime, principal, job_id)
    return view


@router.get("/status", response_model=SiasnStatusOut, summary="SIASN connection and queue")
async def siasn_status(runtime: RuntimeDep, _p: Admin) -> SiasnStatusOut:
    settings = runtime.extras.get("siasn_settings")
    async with runtime.engine.connect() as conn:
        counts = await writeback.counts(conn)
    return SiasnStatusOut(
        configured=bool(runtime.extras.get("siasn_configured")),
        api_base_url=settings.api_base_url if isinstance(settings, SiasnSettings) else "",
        instansi_id=settings.instansi_id if isinstance(settings, SiasnSettings) else "",
        writeback=WritebackCounts(**counts),
    )


@router.post(
    "/sync",
    response_model=SyncJobOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start a SIASN → registry sync of a list of NIPs (background job)",
    responses={409: {"description": "SIASN is not configured (problem+json)"}},
)
async def start_sync(body: SyncRequest, runtime: RuntimeDep, principal: Admin) -> SyncJobOut:
    """For each NIP: data-utama, rw-jabatan, rw-golongan, rw-pendidikan, rw-skp22,
    rw-potensi, rw-kompetensi, rw-hukdis, rw-diklat, data-pasangan/anak/ortu; `ref-unor` once
    (handed to formasi as `pegawai.unor_synced`). Follow progress with
    `GET /siasn/sync/{id}`; NIPs that failed are listed at `/siasn/sync/{id}/failures`."""
    nips = list(dict.fromkeys(body.nips))
    return _job_out(await _create(runtime, principal, nips, body.unor))


@router.post(
    "/sync/file",
    response_model=SyncJobOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start a sync from a CSV/XLSX with a `nip` column (as BKD staff export it)",
    responses={
        409: {"description": "SIASN is not configured (problem+json)"},
        415: {"description": "Not a .csv/.xlsx file (problem+json)"},
        422: {"description": "No usable NIP in the file (problem+json)"},
    },
)
async def start_sync_file(
    runtime: RuntimeDep,
    principal: Admin,
    file: Annotated[UploadFile, File(description="CSV or XLSX with a `nip` column")],
    unor: Annotated[bool, Query(description="Also read ref-unor")] = True,
) -> SyncJobOut:
    """Rows that are not NIPs (wrong length, rounded by Excel) are listed in
    `rejected_rows` with the reason; the job runs over the others."""
    _siasn(runtime)
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods"}:
        raise Problem(
            415,
            "unsupported-file",
            "Unsupported Media Type",
            f"Unsupported file type {file.filename!r}: send .xlsx or .csv",
            f"Jenis berkas {file.filename!r} tidak didukung: kirim .xlsx atau .csv",
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"nips{suffix}"
        path.write_bytes(await file.read())
        try:
            found = read_nips(path)
        except NipFileError as exc:
            raise Invalid(exc.reason, exc.alasan, field="file") from None
    rejected = [RejectedRow(**asdict(p)) for p in found.problems]
    if not found.nips:
        raise Invalid(
            "The file holds no valid NIP", "Berkas tidak berisi NIP yang sah", field="file"
        )
    view = await _create(runtime, principal, list(found.nips), unor)
    return _job_out(view, rejected)


@router.get("/sync", response_model=SyncJobList, summary="Recent sync jobs")
async def list_syncs(runtime: RuntimeDep, _p: Admin) -> SyncJobList:
    async with runtime.engine.connect() as conn:
        ids = await siasn_sync.list_jobs(conn)
        return SyncJobList(items=[_job_out(await siasn_sync.job_view(conn, i)) for i in ids])


@router.get("/sync/{job_id}", response_model=SyncJobOut, summary="Progress of a sync job")
async def get_sync(job_id: str, runtime: RuntimeDep, _p: Admin) -> SyncJobOut:
    async with runtime.engine.connect() as conn:
        return _job_out(await siasn_sync.job_view(conn, job_id))


@router.get(
    "/sync/{job_id}/failures",
    response_model=SyncFailurePage,
    summary="NIPs of a job that failed, with the reason (Indonesian and English)",
)
async def sync_failures(
    job_id: str,
    runtime: RuntimeDep,
    _p: Admin,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> SyncFailurePage:
    after = decode_cursor(cursor, 1)
    async with runtime.engine.connect() as conn:
        await siasn_sync.job_view(conn, job_id)
        rows = await siasn_sync.failures(
            conn, job_id, after=int(after[0]) if after else None, limit=limit
        )
    items = [SyncFailureOut(**{k: r[k] for k in SyncFailureOut.model_fields}) for r in rows]
    nxt = encode_cursor([rows[-1]["position"]]) if len(rows) == limit else None
    return SyncFailurePage(items=items, next_cursor=nxt)


@router.post(
    "/sync/{job_id}/resume",
    response_model=SyncJobOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Resume an interrupted or stopped job (failed NIPs are tried again)",
    responses={409: {"description": "Still running, or SIASN not configured"}},
)
async def resume_sync(job_id: str, runtime: RuntimeDep, principal: Admin) -> SyncJobOut:
    _siasn(runtime)
    async with runtime.transaction(principal.actor) as tx:
        await siasn_sync.prepare_resume(tx, job_id)
        view = await siasn_sync.job_view(tx.conn, job_id)
    _start(runtime, principal, job_id)
    return _job_out(view)


def _task_out(t: writeback.Task) -> WritebackTaskOut:
    return WritebackTaskOut(**asdict(t))


@router.get(
    "/writeback",
    response_model=WritebackPage,
    summary="Write-back tasks of executed mutasi (filter `status=failed` for what needs a person)",
)
async def list_writeback(
    runtime: RuntimeDep,
    _p: Admin,
    status_: Annotated[
        Literal["pending", "running", "succeeded", "failed", "not_configured"] | None,
        Query(alias="status"),
    ] = None,
    nip: Annotated[str | None, Query(pattern=r"^[0-9]{18}$")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> WritebackPage:
    after = decode_cursor(cursor, 1)
    async with runtime.engine.connect() as conn:
        tasks = await writeback.list_tasks(
            conn,
            status=status_,
            nip=nip,
            after_id=int(after[0]) if after else None,
            limit=limit,
        )
    nxt = encode_cursor([tasks[-1].id]) if len(tasks) == limit else None
    return WritebackPage(items=[_task_out(t) for t in tasks], next_cursor=nxt)


TaskId = Annotated[int, PathParam(ge=1, le=SQL_INT_MAX, description="Write-back task id")]


class WritebackRequest(BaseModel):
    nip: Annotated[str, Field(pattern=r"^[0-9]{18}$")]
    riwayat_jabatan_id: int = Field(
        ge=1, le=SQL_INT_MAX, description="A row of `/pegawai/{nip}/jabatan`"
    )
    jenis_mutasi: Literal["MJ", "MU"] = Field(
        default="MJ", description="MJ mutasi jabatan, MU mutasi unor"
    )


@router.post(
    "/writeback",
    response_model=WritebackTaskOut,
    status_code=status.HTTP_201_CREATED,
    summary="Queue the write-back of a placement recorded by hand (an SK outside the workflow)",
    responses={409: {"description": "Already queued (problem+json)"}},
)
async def queue_writeback(
    body: WritebackRequest, runtime: RuntimeDep, principal: Admin
) -> WritebackTaskOut:
    """Executed mutasi are queued automatically (`mutasi.executed`); this is for a post
    recorded through `POST /pegawai/{nip}/jabatan` with its SK number, SK date and TMT."""
    async with runtime.transaction(principal.actor) as tx:
        task_id = await writeback.queue_recorded(
            tx,
            body.nip,
            body.riwayat_jabatan_id,
            jenis_mutasi=body.jenis_mutasi,
            configured=bool(runtime.extras.get("siasn_configured")),
        )
        task = await writeback.get_task(tx.conn, task_id)
    worker = runtime.extras.get("writeback")
    if isinstance(worker, writeback.WritebackWorker):
        worker.wake()
    return _task_out(task)


@router.get("/writeback/{task_id}", response_model=WritebackTaskOut, summary="One task")
async def get_writeback(task_id: TaskId, runtime: RuntimeDep, _p: Admin) -> WritebackTaskOut:
    async with runtime.engine.connect() as conn:
        return _task_out(await writeback.get_task(conn, task_id))


@router.post(
    "/writeback/{task_id}/retry",
    response_model=WritebackTaskOut,
    summary="Queue a failed (or not_configured) write-back again",
    responses={409: {"description": "Not failed, or SIASN not configured (problem+json)"}},
)
async def retry_writeback(
    task_id: TaskId, runtime: RuntimeDep, principal: Admin
) -> WritebackTaskOut:
    """Check SIASN first when the failure was `outcome_unknown`: SIASN may have saved it."""
    async with runtime.transaction(principal.actor) as tx:
        task = await writeback.retry(
            tx, task_id, configured=bool(runtime.extras.get("siasn_configured"))
        )
    worker = runtime.extras.get("writeback")
    if isinstance(worker, writeback.WritebackWorker):
        worker.wake()
    return _task_out(task)
