"""SIASN → registry synchronisation.

`apply_snapshot` turns one NIP's SIASN snapshot into registry writes inside one transaction:
registration (or identity/status corrections) from data-utama, then every history row SIASN
holds that the registry does not (matched by SIASN row id), then family members. Re-applying
the same snapshot is skipped by its fingerprint; a changed snapshot writes (and emits) only
what is new. Anything that cannot be applied (a code the reference tables do not know, a
NIP that contradicts SIASN's own birth date) fails the whole NIP: nothing of it is written.

`SyncJobs` runs a job over a list of NIPs with bounded concurrency; each NIP's outcome is a
row of `siasn_sync_item`, so a job interrupted by a crash, a restart or SIASN refusing the
credentials resumes where it stopped. `ref-unor` is read once per job and handed to formasi
as `pegawai.unor_synced` pages (only when the tree changed)."""

import asyncio
import contextlib
import hashlib
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
import structlog
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tatamutasi_contracts.pegawai import PegawaiUnorSynced, UnorRecord
from tatamutasi_pegawai.adapters.orm import (
    keluarga,
    riwayat_asesmen,
    riwayat_diklat,
    riwayat_golongan,
    riwayat_hukdis,
    riwayat_jabatan,
    riwayat_pendidikan,
    riwayat_skp,
    siasn_sync_item,
    siasn_sync_job,
    siasn_sync_state,
)
from tatamutasi_pegawai.adapters.siasn import (
    SiasnClient,
    SiasnError,
    SiasnFailure,
    SiasnJabatan,
    SiasnRelative,
    SiasnSnapshot,
    SiasnUnor,
)
from tatamutasi_pegawai.domain import rules
from tatamutasi_pegawai.domain.reference import ReferenceTables
from tatamutasi_pegawai.service import family, histories, registry
from tatamutasi_platform.clock import as_utc, utcnow
from tatamutasi_platform.db import upsert
from tatamutasi_platform.errors import Conflict, DomainError, NotFound
from tatamutasi_platform.outbox import Actor
from tatamutasi_platform.runtime import Transaction
from tatamutasi_platform.tables import PlatformTables

log = structlog.get_logger("tatamutasi.pegawai.sync")

UNOR_PAGE = 500
_NIK = re.compile(r"^\d{16}$")


class SnapshotRejected(Exception):
    """A snapshot that cannot be applied; `reason` English, `alasan` Indonesian."""

    def __init__(self, reason: str, alasan: str, resource: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.alasan = alasan
        self.resource = resource


def fingerprint(snapshot: SiasnSnapshot) -> str:
    data = snapshot.to_dict()
    data.pop("fetched_at", None)
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _key(*parts: object) -> str:
    """A stable row id for SIASN rows that come without one (assessments, relatives)."""
    text = "|".join("" if p is None else str(p) for p in parts)
    return "h:" + hashlib.sha256(text.encode()).hexdigest()[:38]


def jabatan_id_of(
    jenis: str | None,
    jf: str | None,
    jfu: str | None,
    struktural: str | None,
    unor_id: str | None,
) -> str:
    """Our jabatan id for a SIASN post: the JF id (jenis 2), the JFU id (jenis 4), the
    structural jabatan id, or, for a structural post without one, the head post of its unit."""
    if jenis in ("2", "3") and jf:
        return jf[:64]
    if jenis == "4" and jfu:
        return jfu[:64]
    for candidate in (struktural, jf, jfu):
        if candidate:
            return candidate[:64]
    return f"STRUKTURAL-{unor_id}"[:64] if unor_id else "TIDAK-DIKETAHUI"


def _reject(resource: str, reason: str, alasan: str) -> SnapshotRejected:
    return SnapshotRejected(f"{resource}: {reason}", f"{resource}: {alasan}", resource)


def _register_command(snap: SiasnSnapshot) -> registry.RegisterPegawai:
    p = snap.profile
    if not p.unor_id:
        raise _reject("data-utama", "unorId is empty", "unorId kosong")
    current = snap.current_jabatan
    golongan_row = next(
        (g for g in reversed(snap.golongan) if g.golongan_id == p.golongan_id), None
    )
    pendidikan_row = next(
        (e for e in reversed(snap.pendidikan) if e.tk_pendidikan_id == p.tk_pendidikan_id), None
    )
    kind_pppk = p.is_pppk
    return registry.RegisterPegawai(
        nip=p.nip,
        name=p.nama[:200],
        unor_id=p.unor_id[:64],
        jabatan_id=jabatan_id_of(
            p.jenis_jabatan_id,
            p.jabatan_fungsional_id,
            p.jabatan_fungsional_umum_id,
            p.jabatan_struktural_id,
            p.unor_id,
        ),
        siasn_id=p.pns_id[:42],
        gelar_depan=(p.gelar_depan or None) and p.gelar_depan[:100],  # type: ignore[arg-type]
        gelar_belakang=(p.gelar_belakang or None) and p.gelar_belakang[:100],  # type: ignore[arg-type]
        sex=p.sex,
        agama_id=p.agama_id,
        kedudukan_id=p.kedudukan_id or "01",
        tmt_cpns=p.tmt_cpns,
        tmt_pns=p.tmt_pns,
        tmt_pensiun=p.tmt_pensiun,
        jabatan_name=(p.jabatan_nama or None) and p.jabatan_nama[:300],  # type: ignore[arg-type]
        jenis_jabatan=p.jenis_jabatan_id,
        eselon_id=p.eselon_id if p.eselon_id not in (None, "", "00", "99") else None,
        tmt_jabatan=p.tmt_jabatan,
        golongan_id=p.golongan if kind_pppk else p.golongan_id,  # PPPK: roman numeral
        tmt_golongan=p.tmt_golongan,
        education_level_id=p.tk_pendidikan_id,
        education_field=(p.pendidikan_nama or None) and p.pendidikan_nama[:300],  # type: ignore[arg-type]
        education_year=p.tahun_lulus,
        personal=registry.Personal(
            nik=p.nik if p.nik and _NIK.match(p.nik) else None,
            birth_place=(p.tempat_lahir or None) and p.tempat_lahir[:100],  # type: ignore[arg-type]
            birth_date=p.tanggal_lahir,
            address=(p.alamat or None) and p.alamat[:500],  # type: ignore[arg-type]
            phone=(p.no_hp or None) and p.no_hp[:30],  # type: ignore[arg-type]
            email=(p.email or p.email_gov or None) and (p.email or p.email_gov)[:200],  # type: ignore[index]
        ),
        source="sync",
        jabatan_siasn_id=current.id if current is not None else None,
        golongan_siasn_id=golongan_row.id if golongan_row is not None and not kind_pppk else None,
        pendidikan_siasn_id=pendidikan_row.id if pendidikan_row is not None else None,
    )


_CORRECTABLE = (
    "name",
    "gelar_depan",
    "gelar_belakang",
    "siasn_id",
    "sex",
    "agama_id",
    "kedudukan_id",
    "tmt_cpns",
    "tmt_pns",
    "tmt_pensiun",
)


async def _existing(conn: AsyncConnection, table: sa.Table, nip: str) -> set[str]:
    stmt = sa.select(table.c.siasn_id).where(table.c.nip == nip, table.c.siasn_id.is_not(None))
    return set((await conn.execute(stmt)).scalars())


def _jabatan_entry(row: SiasnJabatan, *, history_only: bool) -> histories.JabatanEntry:
    if not row.unor_id:
        raise _reject("rw-jabatan", f"row {row.id} has no unorId", f"baris {row.id} tanpa unorId")
    return histories.JabatanEntry(
        unor_id=row.unor_id[:64],
        jabatan_id=jabatan_id_of(
            row.jenis_jabatan,
            row.jabatan_fungsional_id,
            row.jabatan_fungsional_umum_id,
            None,
            row.unor_id,
        ),
        jenis_penugasan=row.jenis_penugasan or "D",
        unor_name=(row.unor_nama or None) and row.unor_nama[:300],  # type: ignore[arg-type]
        jabatan_name=(row.nama_jabatan or None) and row.nama_jabatan[:300],  # type: ignore[arg-type]
        jenis_jabatan=row.jenis_jabatan,
        eselon_id=row.eselon_id if row.eselon_id not in (None, "", "00", "99") else None,
        tmt=row.tmt_jabatan,
        sk_number=(row.nomor_sk or None) and row.nomor_sk[:200],  # type: ignore[arg-type]
        sk_date=row.tanggal_sk,
        source="sync",
        siasn_id=row.id[:42],
        history_only=history_only,
    )


_TINGKAT = {"R": "ringan", "S": "sedang", "B": "berat", "1": "ringan", "2": "sedang", "3": "berat"}
_RELATION = {"pasangan": "spouse", "anak": "child", "ayah": "father", "ibu": "mother"}


def _small_int(value: str | None, low: int, high: int) -> int | None:
    if value is None or not value.isdigit():
        return None
    number = int(value)
    return number if low <= number <= high else None


async def apply_snapshot(tx: Transaction, snap: SiasnSnapshot, ref: ReferenceTables) -> str:
    """Apply one snapshot; returns `registered`, `updated` or `unchanged`. Raises
    SnapshotRejected (or a DomainError) when it cannot be applied; the caller rolls back."""
    conn = tx.conn
    digest = fingerprint(snap)
    state_key = f"nip:{snap.nip}"
    stored = (
        await conn.execute(
            sa.select(siasn_sync_state.c.sha256).where(siasn_sync_state.c.key == state_key)
        )
    ).scalar_one_or_none()
    current = await registry.get(conn, snap.nip)
    if stored == digest and current is not None:
        return "unchanged"
    events_before = len(tx.emitted)
    command = _register_command(snap)
    if current is None:
        try:
            current = await registry.register(tx, command, ref)
        except Conflict as exc:
            raise SnapshotRejected(exc.message_en, exc.message_id, "data-utama") from None
        outcome = "registered"
    else:
        changes: dict[str, Any] = {k: getattr(command, k) for k in _CORRECTABLE}
        changes = {k: v for k, v in changes.items() if v is not None}
        changes.update(
            {k: v for k, v in asdict(command.personal).items() if v is not None},
        )
        current = await registry.update(tx, current, changes, ref, source="sync")
        outcome = "updated"
    nip = snap.nip

    # jabatan: the newest definitive row may change the current post; the rest is history
    seen = await _existing(conn, riwayat_jabatan, nip)
    newest = snap.current_jabatan
    for row in snap.jabatan:
        if row.id[:42] in seen:
            continue
        entry = _jabatan_entry(row, history_only=row is not newest)
        result = await histories.record_jabatan(tx, current, entry, ref)
        if result.current_changed:
            current = await registry.require(conn, nip)
    # golongan (PNS only; PPPK answer 404-empty)
    if current.kind.value != "PPPK":
        seen = await _existing(conn, riwayat_golongan, nip)
        latest = snap.golongan[-1] if snap.golongan else None
        for g in snap.golongan:
            if g.id[:42] in seen:
                continue
            if not g.golongan_id:
                raise _reject(
                    "rw-golongan", f"row {g.id} has no golonganId", f"baris {g.id} tanpa golonganId"
                )
            result = await histories.record_golongan(
                tx,
                current,
                histories.GolonganEntry(
                    golongan_id=g.golongan_id,
                    tmt=g.tmt_golongan,
                    sk_number=(g.sk_nomor or None) and g.sk_nomor[:200],  # type: ignore[arg-type]
                    sk_date=g.sk_tanggal,
                    mk_tahun=g.mk_tahun,
                    mk_bulan=g.mk_bulan,
                    source="sync",
                    siasn_id=g.id[:42],
                    history_only=g is not latest,
                ),
                ref,
            )
            if result.current_changed:
                current = await registry.require(conn, nip)
    # pendidikan
    seen = await _existing(conn, riwayat_pendidikan, nip)
    for e in snap.pendidikan:
        if e.id[:42] in seen:
            continue
        if not e.tk_pendidikan_id:
            raise _reject(
                "rw-pendidikan",
                f"row {e.id} has no tkPendidikanId",
                f"baris {e.id} tanpa tkPendidikanId",
            )
        result = await histories.record_pendidikan(
            tx,
            current,
            histories.PendidikanEntry(
                level_id=e.tk_pendidikan_id,
                field_id=(e.pendidikan_id or None) and e.pendidikan_id[:42],  # type: ignore[arg-type]
                field_name=(e.pendidikan_nama or None) and e.pendidikan_nama[:300],  # type: ignore[arg-type]
                school=(e.nama_sekolah or None) and e.nama_sekolah[:300],  # type: ignore[arg-type]
                year=e.tahun_lulus,
                certificate_number=(e.nomor_ijasah or None) and e.nomor_ijasah[:100],  # type: ignore[arg-type]
                source="sync",
                siasn_id=e.id[:42],
            ),
            ref,
        )
        if result.current_changed:
            current = await registry.require(conn, nip)
    # SKP 2022+
    seen = await _existing(conn, riwayat_skp, nip)
    for s in snap.skp22:
        if s.id[:42] in seen:
            continue
        await histories.record_skp(
            tx,
            current,
            histories.SKPEntry(
                year=s.tahun,
                hasil_kinerja=_small_int(s.hasil_kinerja_nilai, 1, 3),
                perilaku_kerja=_small_int(s.perilaku_kerja_nilai, 1, 3),
                predikat=_small_int(s.kuadran_kinerja_nilai, 1, 5),
                penilai_nip=s.penilai_nip if s.penilai_nip and len(s.penilai_nip) == 18 else None,
                penilai_name=(s.penilai_nama or None) and s.penilai_nama[:200],  # type: ignore[arg-type]
                source="sync",
                siasn_id=s.id[:42],
                check_matrix=False,
            ),
        )
    # potensi and kompetensi
    seen = await _existing(conn, riwayat_asesmen, nip)
    for pot in snap.potensi:
        sid = (pot.id or _key("potensi", pot.tahun, pot.tanggal_penilaian, pot.total))[:42]
        if sid in seen:
            continue
        year = pot.tahun or (pot.tanggal_penilaian.year if pot.tanggal_penilaian else None)
        if year is None:
            raise _reject("rw-potensi", "an assessment without a year", "asesmen tanpa tahun")
        scores = {
            k: v
            for k, v in zip(
                rules.POTENSI_KEYS,
                (
                    pot.berfikir_kritis,
                    pot.intelektual,
                    pot.interpersonal,
                    pot.kesadaran_diri,
                    pot.motivasi_komitmen,
                ),
                strict=True,
            )
            if v is not None
        }
        await histories.record_asesmen(
            tx,
            current,
            histories.AsesmenEntry(
                kind="potensi",
                year=year,
                scores=scores,
                assessed_on=pot.tanggal_penilaian,
                total=pot.total,
                source="sync",
                siasn_id=sid,
            ),
        )
    for kom in snap.kompetensi:
        sid = (kom.id or _key("kompetensi", kom.tahun, kom.tanggal_penilaian))[:42]
        if sid in seen:
            continue
        year = kom.tahun or (kom.tanggal_penilaian.year if kom.tanggal_penilaian else None)
        if year is None:
            raise _reject("rw-kompetensi", "an assessment without a year", "asesmen tanpa tahun")
        values = (
            kom.integritas,
            kom.kerjasama,
            kom.komunikasi,
            kom.orientasi_pada_hasil,
            kom.pelayanan_publik,
            kom.pengembangan_diri_dan_orla,
            kom.mengelola_perubahan,
            kom.pengambilan_keputusan,
            kom.perekat_bangsa,
        )
        scores = {k: v for k, v in zip(rules.KOMPETENSI_KEYS, values, strict=True) if v is not None}
        await histories.record_asesmen(
            tx,
            current,
            histories.AsesmenEntry(
                kind="kompetensi",
                year=year,
                scores=scores,
                assessed_on=kom.tanggal_penilaian,
                standard_level=int(kom.standar_level) if kom.standar_level else None,
                source="sync",
                siasn_id=sid,
            ),
        )
    # hukdis
    seen = await _existing(conn, riwayat_hukdis, nip)
    for h in snap.hukdis:
        if h.id[:42] in seen:
            continue
        level = _TINGKAT.get((h.tingkat_hukuman or "").upper())
        if level is None and h.jenis_hukuman_id and h.jenis_hukuman_id in ref.jenis_hukuman:
            level = _TINGKAT.get(ref.jenis_hukuman[h.jenis_hukuman_id][1])
        if level is None or h.mulai is None:
            raise _reject(
                "rw-hukdis",
                f"row {h.id} has no level or start date",
                f"baris {h.id} tanpa tingkat atau tanggal mulai",
            )
        await histories.record_hukdis(
            tx,
            current,
            histories.HukdisEntry(
                level=level,
                start_date=h.mulai,
                end_date=h.akhir,
                jenis_hukuman_id=h.jenis_hukuman_id,
                description=(h.alasan_nama or h.jenis_hukuman_nama or None),
                sk_number=(h.sk_nomor or None) and h.sk_nomor[:200],  # type: ignore[arg-type]
                sk_date=h.sk_tanggal,
                source="sync",
                siasn_id=h.id[:42],
            ),
            ref,
        )
    # diklat
    seen = await _existing(conn, riwayat_diklat, nip)
    for d in snap.diklat:
        if d.id[:42] in seen:
            continue
        await histories.record_diklat(
            tx,
            current,
            histories.DiklatEntry(
                name=(d.nama or "Diklat")[:300],
                jenis_diklat_id=(d.jenis_diklat_id or None) and d.jenis_diklat_id[:42],  # type: ignore[arg-type]
                organiser=(d.penyelenggara or None) and d.penyelenggara[:300],  # type: ignore[arg-type]
                start_date=d.tanggal,
                end_date=d.tanggal_selesai
                if d.tanggal is None or d.tanggal_selesai is None or d.tanggal_selesai >= d.tanggal
                else None,
                year=d.tahun,
                hours=d.jumlah_jam,
                source="sync",
                siasn_id=d.id[:42],
            ),
        )
    # family (restricted; published only as kinship facts)
    seen = await _existing(conn, keluarga, nip)
    relatives: list[SiasnRelative] = [
        *snap.family.pasangan,
        *snap.family.anak,
        *(r for r in (snap.family.ayah, snap.family.ibu) if r is not None),
    ]
    added = 0
    now = utcnow()
    for rel in relatives:
        sid = _key(rel.relation, rel.nama.upper(), rel.tanggal_lahir)
        if sid in seen:
            continue
        seen.add(sid)
        await conn.execute(
            keluarga.insert().values(
                nip=nip,
                relation=_RELATION[rel.relation],
                name=rel.nama[:200],
                nik=None,
                relative_nip=None,
                birth_date=rel.tanggal_lahir,
                birth_place=None,
                sex=rel.sex,
                source="sync",
                siasn_id=sid,
                recorded_at=now,
                recorded_by=tx.actor.id,
            )
        )
        added += 1
    if added:
        await family.publish_kinship(tx, nip, always=False)
    await upsert(
        conn,
        siasn_sync_state,
        [{"key": state_key, "sha256": digest, "synced_at": now}],
        key=["key"],
    )
    if outcome == "updated" and len(tx.emitted) == events_before:
        # only our fingerprint changed (e.g. a field we do not keep): nothing to tell anyone
        return "unchanged"
    return outcome


# -- ref-unor → formasi ----------------------------------------------------------------------
def unor_records(units: Sequence[SiasnUnor]) -> list[UnorRecord]:
    ids = {u.id for u in units}
    return [
        UnorRecord(
            id=u.id[:42],
            parent_id=u.diatasan_id if u.diatasan_id in ids and u.diatasan_id != u.id else None,
            name=u.nama_unor[:300],
            head_jabatan_name=(u.nama_jabatan or None) and u.nama_jabatan[:300],  # type: ignore[arg-type]
            eselon_id=(u.eselon_id or None) and u.eselon_id[:4],  # type: ignore[arg-type]
            jenis_unor_id=(u.jenis_unor_id or None) and u.jenis_unor_id[:42],  # type: ignore[arg-type]
            head_siasn_id=(u.pemimpin_pns_id or None) and u.pemimpin_pns_id[:42],  # type: ignore[arg-type]
            induk_id=(u.induk_unor_id or None) and u.induk_unor_id[:42],  # type: ignore[arg-type]
        )
        for u in units
    ]


async def publish_unor(
    tx: Transaction, units: Sequence[SiasnUnor], instansi_id: str, *, force: bool = False
) -> int:
    """Emit the tree as `pegawai.unor_synced` pages when it changed since the last sync;
    returns the number of pages emitted (0 = unchanged)."""
    records = sorted(unor_records(units), key=lambda r: r.id)
    digest = hashlib.sha256(
        orjson.dumps([r.model_dump(mode="json") for r in records], option=orjson.OPT_SORT_KEYS)
    ).hexdigest()
    key = f"ref-unor:{instansi_id}"[:80]
    stored = (
        await tx.conn.execute(
            sa.select(siasn_sync_state.c.sha256).where(siasn_sync_state.c.key == key)
        )
    ).scalar_one_or_none()
    if (stored == digest and not force) or not records:
        return 0
    sync_id = str(uuid.uuid4())
    pages = [records[i : i + UNOR_PAGE] for i in range(0, len(records), UNOR_PAGE)]
    for number, chunk in enumerate(pages, start=1):
        await tx.emit(
            PegawaiUnorSynced(
                sync_id=sync_id,
                instansi_id=instansi_id[:42],
                page=number,
                pages=len(pages),
                units=chunk,
            ),
            subject=None,
            key=sync_id,
        )
    await upsert(
        tx.conn, siasn_sync_state, [{"key": key, "sha256": digest, "synced_at": utcnow()}], ["key"]
    )
    return len(pages)


# -- jobs -------------------------------------------------------------------------------------
QUEUED, RUNNING, COMPLETED, STOPPED, INTERRUPTED = (
    "queued",
    "running",
    "completed",
    "stopped",
    "interrupted",
)
HEARTBEAT_STALE = timedelta(minutes=2)


@dataclass(frozen=True)
class JobView:
    id: str
    status: str
    total: int
    done: int
    failed: int
    pending: int
    changed: int
    unchanged: int
    with_unor: bool
    unor_status: str | None
    message: str | None
    created_at: datetime
    created_by: str
    started_at: datetime | None
    updated_at: datetime
    finished_at: datetime | None
    eta_s: float | None
    rate_per_s: float | None


async def create_job(tx: Transaction, nips: Sequence[str], *, with_unor: bool = True) -> str:
    job_id = str(uuid.uuid4())
    now = utcnow()
    await tx.conn.execute(
        siasn_sync_job.insert().values(
            id=job_id,
            status=QUEUED,
            total=len(nips),
            done=0,
            failed=0,
            changed=0,
            with_unor=with_unor,
            unor_status=None,
            message=None,
            created_at=now,
            created_by=tx.actor.id,
            started_at=None,
            updated_at=now,
            finished_at=None,
        )
    )
    rows = [
        {"job_id": job_id, "nip": nip, "position": i, "status": "pending"}
        for i, nip in enumerate(nips)
    ]
    for start in range(0, len(rows), 5000):
        await tx.conn.execute(siasn_sync_item.insert(), rows[start : start + 5000])
    return job_id


async def job_view(conn: AsyncConnection, job_id: str) -> JobView:
    row = (
        await conn.execute(sa.select(siasn_sync_job).where(siasn_sync_job.c.id == job_id))
    ).first()
    if row is None:
        raise NotFound(
            f"Sync job {job_id} does not exist", f"Pekerjaan sinkronisasi {job_id} tidak ada"
        )
    m = row._mapping
    by_status: dict[str, int] = {}
    by_outcome: dict[str, int] = {}
    stmt = (
        sa.select(siasn_sync_item.c.status, siasn_sync_item.c.outcome, sa.func.count())
        .where(siasn_sync_item.c.job_id == job_id)
        .group_by(siasn_sync_item.c.status, siasn_sync_item.c.outcome)
    )
    for status, outcome, n in (await conn.execute(stmt)).all():
        by_status[status] = by_status.get(status, 0) + int(n)
        if outcome:
            by_outcome[outcome] = by_outcome.get(outcome, 0) + int(n)
    started = as_utc(m["started_at"]) if m["started_at"] else None
    eta = rate = None
    pending = by_status.get("pending", 0)
    if started is not None and m["status"] == RUNNING:
        since = (
            await conn.execute(
                sa.select(sa.func.count()).where(
                    siasn_sync_item.c.job_id == job_id,
                    siasn_sync_item.c.status != "pending",
                    siasn_sync_item.c.updated_at >= started,
                )
            )
        ).scalar_one()
        elapsed = (utcnow() - started).total_seconds()
        if since and elapsed > 0:
            rate = since / elapsed
            eta = round(pending / rate, 1)
    return JobView(
        id=job_id,
        status=m["status"],
        total=int(m["total"]),
        done=by_status.get("done", 0),
        failed=by_status.get("failed", 0),
        pending=pending,
        changed=by_outcome.get("registered", 0) + by_outcome.get("updated", 0),
        unchanged=by_outcome.get("unchanged", 0),
        with_unor=bool(m["with_unor"]),
        unor_status=m["unor_status"],
        message=m["message"],
        created_at=as_utc(m["created_at"]),
        created_by=m["created_by"],
        started_at=started,
        updated_at=as_utc(m["updated_at"]),
        finished_at=as_utc(m["finished_at"]) if m["finished_at"] else None,
        eta_s=eta,
        rate_per_s=round(rate, 2) if rate else None,
    )


async def list_jobs(conn: AsyncConnection, limit: int = 20) -> list[str]:
    stmt = sa.select(siasn_sync_job.c.id).order_by(siasn_sync_job.c.created_at.desc())
    return list((await conn.execute(stmt.limit(limit))).scalars())


async def failures(
    conn: AsyncConnection, job_id: str, *, after: int | None, limit: int
) -> list[dict[str, Any]]:
    stmt = (
        sa.select(siasn_sync_item)
        .where(siasn_sync_item.c.job_id == job_id, siasn_sync_item.c.status == "failed")
        .order_by(siasn_sync_item.c.position)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(siasn_sync_item.c.position > after)
    return [dict(r._mapping) for r in (await conn.execute(stmt)).all()]


async def mark_interrupted(engine: AsyncEngine) -> int:
    """Jobs left `running` by a process that is gone (no progress for a while)."""
    cutoff = utcnow() - HEARTBEAT_STALE
    async with engine.begin() as conn:
        result = await conn.execute(
            siasn_sync_job.update()
            .where(
                siasn_sync_job.c.status.in_((RUNNING, QUEUED)),
                siasn_sync_job.c.updated_at < cutoff,
            )
            .values(
                status=INTERRUPTED,
                message="interrupted (the service stopped); resume the job",
                updated_at=utcnow(),
            )
        )
    return int(result.rowcount or 0)


async def prepare_resume(tx: Transaction, job_id: str) -> None:
    """Failed NIPs are tried again; a job that is still running is not touched."""
    view = await job_view(tx.conn, job_id)
    fresh = utcnow() - view.updated_at < HEARTBEAT_STALE
    if view.status in (RUNNING, QUEUED) and fresh:
        raise Conflict("The job is still running", "Pekerjaan ini masih berjalan", field="status")
    now = utcnow()
    await tx.conn.execute(
        siasn_sync_item.update()
        .where(siasn_sync_item.c.job_id == job_id, siasn_sync_item.c.status == "failed")
        .values(status="pending", updated_at=now)
    )
    await tx.conn.execute(
        siasn_sync_job.update()
        .where(siasn_sync_job.c.id == job_id)
        .values(status=QUEUED, message=None, updated_at=now, finished_at=None)
    )


Reference = Callable[[], ReferenceTables]


class SyncRunner:
    """Runs sync jobs against one SIASN: `run(job_id)` processes the job's pending NIPs in
    chunks, each NIP in its own transaction. Bounded concurrency comes from the client
    (`max_concurrency` NIPs in flight)."""

    def __init__(
        self,
        engine: AsyncEngine,
        tables: PlatformTables,
        siasn: SiasnClient,
        reference: Reference,
        *,
        instansi_id: str,
        actor: Actor,
        chunk: int = 1000,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.engine = engine
        self.tables = tables
        self.siasn = siasn
        self.reference = reference
        self.instansi_id = instansi_id
        self.actor = actor
        self.chunk = chunk
        self.on_commit = on_commit

    async def _set(self, job_id: str, **values: Any) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                siasn_sync_job.update()
                .where(siasn_sync_job.c.id == job_id)
                .values(**values, updated_at=utcnow())
            )

    async def run(self, job_id: str) -> JobView:
        try:
            return await self._run(job_id)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(
                    self._set(job_id, status=INTERRUPTED, message="interrupted; resume the job")
                )
            raise
        except Exception as exc:
            with contextlib.suppress(Exception):
                await self._set(job_id, status=INTERRUPTED, message=f"interrupted: {exc!r}"[:1000])
            raise

    async def _run(self, job_id: str) -> JobView:
        await self._set(job_id, status=RUNNING, started_at=utcnow(), message=None)
        async with self.engine.connect() as conn:
            with_unor, unor_status = (
                await conn.execute(
                    sa.select(siasn_sync_job.c.with_unor, siasn_sync_job.c.unor_status).where(
                        siasn_sync_job.c.id == job_id
                    )
                )
            ).one()
        if with_unor and not (unor_status or "").startswith("ok"):
            await self._set(job_id, unor_status=await self.sync_unor())
        stopped = False
        while not stopped:
            async with self.engine.connect() as conn:
                nips = list(
                    (
                        await conn.execute(
                            sa.select(siasn_sync_item.c.nip)
                            .where(
                                siasn_sync_item.c.job_id == job_id,
                                siasn_sync_item.c.status == "pending",
                            )
                            .order_by(siasn_sync_item.c.position)
                            .limit(self.chunk)
                        )
                    ).scalars()
                )
            if not nips:
                break

            async def apply(result: SiasnSnapshot | SiasnFailure, job: str = job_id) -> None:
                await self._apply(job, result)

            not_attempted = await self.siasn.snapshots(nips, on_result=apply)
            stopped = bool(not_attempted)
            await self._set(job_id)  # heartbeat
        async with self.engine.connect() as conn:
            view = await job_view(conn, job_id)
        status = STOPPED if stopped else COMPLETED
        message = (
            "stopped: SIASN refused the credentials; fix them and resume the job"
            if stopped
            else None
        )
        await self._set(
            job_id,
            status=status,
            message=message,
            done=view.done,
            failed=view.failed,
            changed=view.changed,
            finished_at=None if stopped else utcnow(),
        )
        async with self.engine.connect() as conn:
            return await job_view(conn, job_id)

    async def sync_unor(self) -> str:
        try:
            units = await self.siasn.ref_unor()
        except SiasnError as exc:
            return f"failed: {exc.reason}"[:200]
        async with self._transaction() as tx:
            pages = await publish_unor(tx, units, self.instansi_id)
        return (
            f"ok: {len(units)} units, {pages} pages emitted"
            if pages
            else (f"ok: {len(units)} units, unchanged")
        )

    @contextlib.asynccontextmanager
    async def _transaction(self) -> Any:
        async with self.engine.begin() as conn:
            tx = Transaction(conn, self.tables, self.actor)
            yield tx
        if tx.emitted:
            self.on_commit()

    async def _apply(self, job_id: str, result: SiasnSnapshot | SiasnFailure) -> None:
        item = siasn_sync_item.update().where(
            siasn_sync_item.c.job_id == job_id, siasn_sync_item.c.nip == result.nip
        )
        now = utcnow()
        if isinstance(result, SiasnFailure):
            await self._fail(item, result.kind, result.resource, result.reason, result.alasan)
            return
        try:
            async with self._transaction() as tx:
                outcome = await apply_snapshot(tx, result, self.reference())
                await tx.conn.execute(
                    item.values(
                        status="done",
                        outcome=outcome,
                        kind=None,
                        resource=None,
                        reason=None,
                        alasan=None,
                        updated_at=now,
                    )
                )
        except SnapshotRejected as exc:
            await self._fail(item, "malformed", exc.resource, exc.reason, exc.alasan)
        except DomainError as exc:
            details = "; ".join(
                f"{e.get('field')}: {e.get('message_en')}"
                for e in exc.extra.get("errors", []) or []  # type: ignore[union-attr]
            )
            details_id = "; ".join(
                f"{e.get('field')}: {e.get('message_id')}"
                for e in exc.extra.get("errors", []) or []  # type: ignore[union-attr]
            )
            await self._fail(
                item,
                "rejected",
                None,
                (details or exc.message_en)[:1000],
                (details_id or exc.message_id)[:1000],
            )
        except (IntegrityError, DataError) as exc:
            # a value the database refuses (too long, a duplicate SIASN id): this NIP only
            reason = f"the database refused the record: {type(exc.orig).__name__}"
            alasan = f"basis data menolak data ini: {type(exc.orig).__name__}"
            await self._fail(item, "rejected", None, reason, alasan)

    async def _fail(
        self, item: Any, kind: str, resource: str | None, reason: str, alasan: str
    ) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                item.values(
                    status="failed",
                    outcome=None,
                    kind=kind[:32],
                    resource=(resource or None) and resource[:64],  # type: ignore[index]
                    reason=reason[:1000],
                    alasan=alasan[:1000],
                    updated_at=utcnow(),
                )
            )
