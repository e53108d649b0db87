"""The pegawai side of an executed mutasi: apply the placement, then write it back to SIASN.

`apply_executed` runs inside the consumer's transaction for `mutasi.executed`: it records the
new post as a history row (reason `mutasi`, with SK number/date and proposal id; PLT/PLH
become an acting assignment, never the definitive post), which emits
`pegawai.placement_changed` or `pegawai.acting_changed`, and, in the same transaction, queues
a write-back task in `siasn_writeback`. Nothing is lost: the task is durable before the
event's offset is committed.

`WritebackWorker` drains the queue: it leases due tasks, posts
`POST /jabatan/unorjabatan/save` (DOMAIN.md §1.5) and records SIASN's `rwJabatanId` or the
failure, emitting `pegawai.writeback_attempted` on every final outcome. Transient failures
(SIASN down, throttled, refused tokens) are retried with exponential backoff up to
`writeback_max_attempts`; a refusal or an outcome SIASN may have applied (a timeout after
sending, a crash while posting) is final and waits for a person (the admin API lists failures
and retries one). Without SIASN settings a task is recorded as `not_configured`, visibly; it
is queued again when the service starts with SIASN configured."""

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts.mutasi import MutasiExecuted
from tatamutasi_contracts.pegawai import PegawaiWritebackAttempted
from tatamutasi_pegawai.adapters.orm import pegawai, riwayat_jabatan, siasn_writeback
from tatamutasi_pegawai.adapters.siasn import (
    SiasnAuthError,
    SiasnClient,
    SiasnError,
    SiasnSaveOutcomeUnknown,
    SiasnSaveRejected,
    SiasnSettings,
    SiasnUnavailable,
    SiasnUnorJabatanSave,
)
from tatamutasi_pegawai.domain.nip import FieldIssue
from tatamutasi_pegawai.domain.reference import ReferenceTables
from tatamutasi_pegawai.service import histories, registry
from tatamutasi_pegawai.service.registry import invalid
from tatamutasi_platform.clock import as_utc, utcnow
from tatamutasi_platform.consumer import Event, HandlerRejected
from tatamutasi_platform.db import insert_missing
from tatamutasi_platform.errors import Conflict, DomainError, NotFound
from tatamutasi_platform.outbox import Actor
from tatamutasi_platform.runtime import Runtime, Transaction
from tatamutasi_platform.tables import PlatformTables

log = structlog.get_logger("tatamutasi.pegawai.writeback")

PENDING, RUNNING, SUCCEEDED, FAILED, NOT_CONFIGURED = (
    "pending",
    "running",
    "succeeded",
    "failed",
    "not_configured",
)
STATUSES = (PENDING, RUNNING, SUCCEEDED, FAILED, NOT_CONFIGURED)


def siasn_configured(s: SiasnSettings | None) -> bool:
    """Credentials for both tokens are present (an SSO token, a token file or a login)."""
    if s is None:
        return False
    apim = bool(s.consumer_key.get_secret_value() and s.consumer_secret.get_secret_value())
    sso = (
        (s.sso_access_token is not None and bool(s.sso_access_token.get_secret_value()))
        or s.sso_token_file is not None
        or (s.sso_username is not None and s.sso_password is not None)
    )
    return apim and sso and bool(s.instansi_id)


# -- applying mutasi.executed ----------------------------------------------------------------
async def apply_executed(
    tx: Transaction,
    executed: MutasiExecuted,
    event_id: str,
    ref: ReferenceTables,
    *,
    configured: bool,
) -> None:
    """Record the placement and queue its write-back (both in `tx`)."""
    nip = executed.nip
    try:
        current = await registry.require(tx.conn, nip, for_update=True)
    except NotFound:
        raise HandlerRejected(
            f"mutasi {executed.proposal_id}: NIP {nip} is not registered"
        ) from None
    seen = (
        await tx.conn.execute(
            sa.select(riwayat_jabatan.c.id).where(
                riwayat_jabatan.c.nip == nip,
                riwayat_jabatan.c.proposal_id == executed.proposal_id,
                riwayat_jabatan.c.source == "mutasi",
            )
        )
    ).first()
    snap = executed.snapshot
    # the SK is a fact: a code our reference tables do not know is left out, not a refusal
    eselon = snap.to_eselon_id if ref.check("eselon", snap.to_eselon_id, "e") is None else None
    jenis = (
        snap.to_jenis_jabatan
        if ref.check("jenis_jabatan", snap.to_jenis_jabatan, "j") is None
        else None
    )
    if seen is None:
        entry = histories.JabatanEntry(
            unor_id=executed.to_post.unor_id,
            jabatan_id=executed.to_post.jabatan_id,
            jenis_penugasan=executed.jenis_penugasan,
            unor_name=snap.to_unor_name,
            jabatan_name=snap.to_jabatan_name,
            jenis_jabatan=jenis,
            eselon_id=eselon,
            tmt=executed.tmt,
            sk_number=executed.sk_number,
            sk_date=executed.sk_date,
            proposal_id=executed.proposal_id,
            source="mutasi",
        )
        try:
            await histories.record_jabatan(tx, current, entry, ref)
        except DomainError as exc:
            raise HandlerRejected(
                f"mutasi {executed.proposal_id}: {exc.message_en}"
                + "".join(f"; {e.get('field')}: {e.get('message_en')}" for e in _errors(exc))
            ) from None
    payload = {
        "unor_id": executed.to_post.unor_id,
        "jabatan_id": executed.to_post.jabatan_id,
        "jenis_jabatan": jenis or current.jenis_jabatan,
        "eselon_id": eselon,
        "jenis_mutasi": executed.jenis_mutasi,
        "jenis_penugasan": executed.jenis_penugasan,
        "sk_number": executed.sk_number,
        "sk_date": executed.sk_date.isoformat(),
        "tmt": executed.tmt.isoformat(),
    }
    now = utcnow()
    await insert_missing(
        tx.conn,
        siasn_writeback,
        [
            {
                "proposal_id": executed.proposal_id,
                "nip": nip,
                "event_id": event_id,
                "payload": json.dumps(payload, sort_keys=True),
                "status": PENDING if configured else NOT_CONFIGURED,
                "attempts": 0,
                "next_attempt_at": now,
                "lease_until": None,
                "error_kind": None if configured else NOT_CONFIGURED,
                "last_error": None
                if configured
                else "SIASN is not configured for the pegawai service (PEGAWAI_SIASN_*); "
                "the task is queued again when it is",
                "rw_jabatan_id": None,
                "created_at": now,
                "updated_at": now,
                "updated_by": tx.actor.id,
            }
        ],
        key=["proposal_id"],
    )


async def queue_recorded(
    tx: Transaction, nip: str, riwayat_id: int, *, jenis_mutasi: str, configured: bool
) -> int:
    """Queue the write-back of a placement already recorded in `riwayat_jabatan` (e.g. from
    an SK issued outside the workflow). Returns the task id."""
    row = (
        await tx.conn.execute(
            sa.select(riwayat_jabatan).where(
                riwayat_jabatan.c.id == riwayat_id, riwayat_jabatan.c.nip == nip
            )
        )
    ).first()
    if row is None:
        raise NotFound(
            f"Pegawai {nip} has no jabatan history row {riwayat_id}",
            f"Pegawai {nip} tidak memiliki riwayat jabatan {riwayat_id}",
        )
    missing = [k for k in ("sk_number", "sk_date", "tmt") if row._mapping[k] is None]
    if missing:
        raise invalid(
            [
                FieldIssue(
                    k,
                    "missing",
                    "SIASN needs the SK number, SK date and TMT of the post",
                    "SIASN memerlukan nomor SK, tanggal SK, dan TMT jabatan",
                )
                for k in missing
            ]
        )
    proposal_id = row.proposal_id or f"riwayat-{row.id}"
    exists = (
        await tx.conn.execute(
            sa.select(siasn_writeback.c.id).where(siasn_writeback.c.proposal_id == proposal_id)
        )
    ).first()
    if exists is not None:
        raise Conflict(
            f"This placement is already queued (task {exists[0]})",
            f"Penempatan ini sudah diantrekan (tugas {exists[0]})",
        )
    now = utcnow()
    result = await tx.conn.execute(
        siasn_writeback.insert()
        .values(
            proposal_id=proposal_id,
            nip=nip,
            event_id=f"riwayat-{row.id}",
            payload=json.dumps(
                {
                    "unor_id": row.unor_id,
                    "jabatan_id": row.jabatan_id,
                    "jenis_jabatan": row.jenis_jabatan,
                    "eselon_id": row.eselon_id,
                    "jenis_mutasi": jenis_mutasi,
                    "jenis_penugasan": row.jenis_penugasan,
                    "sk_number": row.sk_number,
                    "sk_date": row.sk_date.isoformat(),
                    "tmt": row.tmt.isoformat(),
                },
                sort_keys=True,
            ),
            status=PENDING if configured else NOT_CONFIGURED,
            attempts=0,
            next_attempt_at=now,
            lease_until=None,
            error_kind=None if configured else NOT_CONFIGURED,
            last_error=None if configured else "SIASN is not configured (PEGAWAI_SIASN_*)",
            rw_jabatan_id=None,
            created_at=now,
            updated_at=now,
            updated_by=tx.actor.id,
        )
        .returning(siasn_writeback.c.id)
    )
    return int(result.scalar_one())


def _errors(exc: DomainError) -> list[dict[str, Any]]:
    items = exc.extra.get("errors")
    return list(items) if isinstance(items, list) else []


def mutasi_handler(
    tables: PlatformTables,
    reference: Callable[[], ReferenceTables],
    configured: Callable[[], bool],
    on_queued: Callable[[], None] = lambda: None,
) -> Callable[[AsyncConnection, Event], Any]:
    """The consumer's handler for `tatamutasi.mutasi.v1`: acts on `mutasi.executed` only."""

    async def handle(conn: AsyncConnection, ev: Event) -> None:
        if ev.envelope.type != "mutasi.executed":
            return
        assert isinstance(ev.payload, MutasiExecuted)
        actor = Actor(ev.envelope.actor or "system:mutasi", ev.envelope.actorrole)
        tx = Transaction(conn, tables, actor, ev.envelope.traceparent)
        await apply_executed(tx, ev.payload, ev.envelope.id, reference(), configured=configured())
        on_queued()

    return handle


# -- the queue -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    id: int
    proposal_id: str
    nip: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    error_kind: str | None
    last_error: str | None
    rw_jabatan_id: str | None
    created_at: datetime
    updated_at: datetime


def _task(row: sa.Row[Any]) -> Task:
    m = row._mapping
    return Task(
        id=int(m["id"]),
        proposal_id=m["proposal_id"],
        nip=m["nip"],
        payload=json.loads(m["payload"]),
        status=m["status"],
        attempts=int(m["attempts"]),
        next_attempt_at=as_utc(m["next_attempt_at"]),
        error_kind=m["error_kind"],
        last_error=m["last_error"],
        rw_jabatan_id=m["rw_jabatan_id"],
        created_at=as_utc(m["created_at"]),
        updated_at=as_utc(m["updated_at"]),
    )


async def list_tasks(
    conn: AsyncConnection,
    *,
    status: str | None = None,
    nip: str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[Task]:
    stmt = sa.select(siasn_writeback).order_by(siasn_writeback.c.id).limit(limit)
    if status is not None:
        stmt = stmt.where(siasn_writeback.c.status == status)
    if nip is not None:
        stmt = stmt.where(siasn_writeback.c.nip == nip)
    if after_id is not None:
        stmt = stmt.where(siasn_writeback.c.id > after_id)
    return [_task(r) for r in (await conn.execute(stmt)).all()]


async def get_task(conn: AsyncConnection, task_id: int) -> Task:
    row = (
        await conn.execute(sa.select(siasn_writeback).where(siasn_writeback.c.id == task_id))
    ).first()
    if row is None:
        raise NotFound(
            f"Write-back task {task_id} does not exist",
            f"Tugas tulis-balik {task_id} tidak ditemukan",
        )
    return _task(row)


async def counts(conn: AsyncConnection) -> dict[str, int]:
    stmt = sa.select(siasn_writeback.c.status, sa.func.count()).group_by(siasn_writeback.c.status)
    found = {s: int(n) for s, n in (await conn.execute(stmt)).all()}
    return {s: found.get(s, 0) for s in STATUSES}


async def retry(tx: Transaction, task_id: int, *, configured: bool) -> Task:
    """Queue a failed (or not_configured) task again, due now."""
    task = await get_task(tx.conn, task_id)
    if task.status not in (FAILED, NOT_CONFIGURED):
        raise Conflict(
            f"Only failed or not_configured tasks can be retried; this one is {task.status}",
            f"Hanya tugas berstatus failed atau not_configured yang dapat diulang; "
            f"tugas ini {task.status}",
            field="status",
        )
    if not configured:
        raise Conflict(
            "SIASN is not configured for the pegawai service (PEGAWAI_SIASN_*)",
            "SIASN belum dikonfigurasi untuk layanan pegawai (PEGAWAI_SIASN_*)",
        )
    now = utcnow()
    await tx.conn.execute(
        siasn_writeback.update()
        .where(siasn_writeback.c.id == task_id)
        .values(
            status=PENDING,
            next_attempt_at=now,
            lease_until=None,
            updated_at=now,
            updated_by=tx.actor.id,
        )
    )
    return await get_task(tx.conn, task_id)


async def requeue_not_configured(runtime: Runtime) -> int:
    """SIASN became configured: queue every `not_configured` task."""
    now = utcnow()
    async with runtime.engine.begin() as conn:
        result = await conn.execute(
            siasn_writeback.update()
            .where(siasn_writeback.c.status == NOT_CONFIGURED)
            .values(status=PENDING, next_attempt_at=now, updated_at=now)
        )
    return int(result.rowcount or 0)


# -- the worker ------------------------------------------------------------------------------
def backoff_s(attempts: int, initial: float, ceiling: float) -> float:
    """Delay before attempt `attempts + 1`: initial, 2x, 4x, ... capped."""
    return float(min(ceiling, initial * (2 ** max(0, attempts - 1))))


def save_request(task: Task, pns_id: str) -> SiasnUnorJabatanSave:
    """The queued placement as SIASN's save payload (DOMAIN.md §1.5). Our jabatan id is the
    SIASN JF id for jenis 2, the JFU (pelaksana) id for jenis 4; a structural post (jenis 1)
    is identified by its unit and eselon."""
    p = task.payload
    jenis = p.get("jenis_jabatan")
    if jenis not in ("1", "2", "3", "4"):
        raise SiasnSaveRejected(
            "the jenis jabatan of the new post is unknown (SIASN needs 1, 2, 3 or 4)",
            "jenis jabatan posisi baru tidak diketahui (SIASN memerlukan 1, 2, 3, atau 4)",
        )
    tmt = date.fromisoformat(p["tmt"])
    return SiasnUnorJabatanSave(
        pns_id=pns_id,
        unor_id=p["unor_id"],
        jenis_jabatan=jenis,
        nomor_sk=p["sk_number"],
        tanggal_sk=date.fromisoformat(p["sk_date"]),
        tmt_jabatan=tmt,
        tmt_mutasi=tmt,
        jenis_mutasi=p["jenis_mutasi"],
        jenis_penugasan=p["jenis_penugasan"],
        eselon_id=p.get("eselon_id") if jenis in ("1", "3") else None,
        jabatan_fungsional_id=p["jabatan_id"] if jenis in ("2", "3") else None,
        jabatan_fungsional_umum_id=p["jabatan_id"] if jenis == "4" else None,
    )


class WritebackWorker:
    """Drains `siasn_writeback`. One per service process; several processes are safe (a task
    is leased with a conditional UPDATE before it is posted)."""

    def __init__(
        self,
        runtime: Runtime,
        siasn: SiasnSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        poll_s: float = 5.0,
        max_attempts: int = 8,
        backoff_initial_s: float = 30.0,
        backoff_max_s: float = 3600.0,
        lease_s: float = 300.0,
    ) -> None:
        self.runtime = runtime
        self.siasn = siasn
        self.transport = transport
        self.poll_s = poll_s
        self.max_attempts = max_attempts
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.lease_s = lease_s
        self._wake = asyncio.Event()
        self._client: SiasnClient | None = None

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        await requeue_not_configured(self.runtime)
        try:
            while True:
                try:
                    while await self.process_due():
                        pass
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the database may be away: try again later
                    log.warning("write-back round failed", error=repr(exc)[:300])
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_s)
                self._wake.clear()
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def client(self) -> SiasnClient:
        if self._client is None:
            self._client = SiasnClient(self.siasn, transport=self.transport)
        return self._client

    async def expire_leases(self) -> int:
        """Tasks leased by a process that died while posting: SIASN may have saved them, so
        they become `failed` (outcome unknown) for a person to check and retry."""
        now = utcnow()
        async with self.runtime.engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(siasn_writeback).where(
                        siasn_writeback.c.status == RUNNING, siasn_writeback.c.lease_until < now
                    )
                )
            ).all()
        for row in rows:
            task = _task(row)
            await self._finish(
                task,
                FAILED,
                attempts=task.attempts,
                kind="outcome_unknown",
                error="interrupted while posting to SIASN; check rw-jabatan in SIASN before "
                "retrying",
                expect=RUNNING,
            )
        return len(rows)

    async def claim(self, limit: int = 16) -> list[Task]:
        now = utcnow()
        async with self.runtime.engine.connect() as conn:
            ids = (
                (
                    await conn.execute(
                        sa.select(siasn_writeback.c.id)
                        .where(
                            siasn_writeback.c.status == PENDING,
                            siasn_writeback.c.next_attempt_at <= now,
                        )
                        .order_by(siasn_writeback.c.next_attempt_at, siasn_writeback.c.id)
                        .limit(limit)
                    )
                )
                .scalars()
                .all()
            )
        claimed: list[Task] = []
        for task_id in ids:
            async with self.runtime.engine.begin() as conn:
                result = await conn.execute(
                    siasn_writeback.update()
                    .where(siasn_writeback.c.id == task_id, siasn_writeback.c.status == PENDING)
                    .values(
                        status=RUNNING,
                        lease_until=now + timedelta(seconds=self.lease_s),
                        attempts=siasn_writeback.c.attempts + 1,
                        updated_at=now,
                    )
                    .returning(*siasn_writeback.c)
                )
                row = result.first()
            if row is not None:
                claimed.append(_task(row))
        return claimed

    async def process_due(self) -> int:
        """Post every due task once; returns how many were attempted."""
        await self.expire_leases()
        tasks = await self.claim()
        for task in tasks:
            await self.attempt(task)
        return len(tasks)

    async def attempt(self, task: Task) -> None:
        siasn = self.client()
        try:
            pns_id = await self._pns_id(siasn, task.nip)
            rw_id = await siasn.save_unor_jabatan(save_request(task, pns_id))
        except SiasnSaveOutcomeUnknown as exc:
            await self._finish(
                task, FAILED, attempts=task.attempts, kind=exc.kind, error=exc.reason
            )
            return
        except (SiasnUnavailable, SiasnAuthError) as exc:
            if task.attempts >= self.max_attempts:
                await self._finish(
                    task, FAILED, attempts=task.attempts, kind=exc.kind, error=exc.reason
                )
            else:
                await self._later(task, exc)
            return
        except SiasnError as exc:
            await self._finish(
                task, FAILED, attempts=task.attempts, kind=exc.kind, error=exc.reason
            )
            return
        with contextlib.suppress(SiasnError, ValueError):
            await siasn.jabatan_sync(pns_id)  # data-utama shows the post only after this
        await self._finish(task, SUCCEEDED, attempts=task.attempts, rw_jabatan_id=rw_id)

    async def _pns_id(self, siasn: SiasnClient, nip: str) -> str:
        async with self.runtime.engine.connect() as conn:
            known = (
                await conn.execute(sa.select(pegawai.c.siasn_id).where(pegawai.c.nip == nip))
            ).scalar_one_or_none()
        if known:
            return str(known)
        profile = await siasn.data_utama(nip)
        if profile is None:
            raise SiasnSaveRejected(
                f"SIASN has no employee with NIP {nip}", f"NIP {nip} tidak ditemukan di SIASN"
            )
        return profile.pns_id

    async def _later(self, task: Task, exc: SiasnError) -> None:
        now = utcnow()
        delay = backoff_s(task.attempts, self.backoff_initial_s, self.backoff_max_s)
        async with self.runtime.engine.begin() as conn:
            await conn.execute(
                siasn_writeback.update()
                .where(siasn_writeback.c.id == task.id, siasn_writeback.c.status == RUNNING)
                .values(
                    status=PENDING,
                    lease_until=None,
                    next_attempt_at=now + timedelta(seconds=delay),
                    error_kind=exc.kind,
                    last_error=exc.reason[:1000],
                    updated_at=now,
                )
            )
        log.info("write-back postponed", task=task.id, attempts=task.attempts, kind=exc.kind)

    async def _finish(
        self,
        task: Task,
        status: str,
        *,
        attempts: int,
        kind: str | None = None,
        error: str | None = None,
        rw_jabatan_id: str | None = None,
        expect: str = RUNNING,
    ) -> None:
        now = utcnow()
        actor = Actor.system(self.runtime.settings.service_name)
        async with self.runtime.transaction(actor) as tx:
            result = await tx.conn.execute(
                siasn_writeback.update()
                .where(siasn_writeback.c.id == task.id, siasn_writeback.c.status == expect)
                .values(
                    status=status,
                    lease_until=None,
                    error_kind=kind,
                    last_error=error[:1000] if error else None,
                    rw_jabatan_id=rw_jabatan_id,
                    updated_at=now,
                    updated_by=actor.id,
                )
            )
            if not result.rowcount:
                return
            await tx.emit(
                PegawaiWritebackAttempted(
                    nip=task.nip,
                    proposal_id=task.proposal_id,
                    outcome="succeeded" if status == SUCCEEDED else "failed",
                    attempts=max(1, attempts),
                    rw_jabatan_id=rw_jabatan_id,
                    error=f"{kind}: {error}"[:1000] if error else None,
                ),
                subject=task.nip,
            )
        log.info("write-back finished", task=task.id, status=status, kind=kind)
