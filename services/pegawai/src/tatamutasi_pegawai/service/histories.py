"""Use cases of the histories (riwayat): each records one append-only row, updates the
current state when the row is the newest of its kind, and stages the matching event."""

import json
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts.pegawai import (
    PegawaiActingChanged,
    PegawaiAssessmentRecorded,
    PegawaiDisciplineRecorded,
    PegawaiEducationRecorded,
    PegawaiPerformanceRecorded,
    PegawaiPlacementChanged,
    PegawaiRankChanged,
    PegawaiTrainingRecorded,
    Placement,
)
from tatamutasi_pegawai.adapters.orm import (
    riwayat_asesmen,
    riwayat_diklat,
    riwayat_golongan,
    riwayat_hukdis,
    riwayat_jabatan,
    riwayat_pendidikan,
    riwayat_skp,
)
from tatamutasi_pegawai.domain import rules
from tatamutasi_pegawai.domain.nip import FieldIssue, Kind
from tatamutasi_pegawai.domain.reference import ReferenceTables
from tatamutasi_pegawai.service.registry import (
    PPPK_GOLONGAN,
    PegawaiView,
    bump,
    invalid,
    pppk_golongan,
)
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.runtime import Transaction


def _stamp(tx: Transaction, nip: str, source: str, siasn_id: str | None) -> dict[str, Any]:
    return {
        "nip": nip,
        "source": source,
        "siasn_id": siasn_id,
        "recorded_at": utcnow(),
        "recorded_by": tx.actor.id,
    }


async def _insert(tx: Transaction, table: sa.Table, values: dict[str, Any]) -> dict[str, Any]:
    result = await tx.conn.execute(table.insert().values(**values).returning(*table.c))
    return dict(result.one()._mapping)


def _codes(ref: ReferenceTables, checks: list[tuple[str, str | None, str]]) -> None:
    issues = [i for t, code, name in checks if (i := ref.check(t, code, name))]
    if issues:
        raise invalid(issues)


def _dates_in_order(start: date | None, end: date | None, end_field: str) -> None:
    if start is not None and end is not None and end < start:
        raise invalid(
            [
                FieldIssue(
                    end_field,
                    "end_before_start",
                    "The end date is before the start date",
                    "Tanggal selesai mendahului tanggal mulai",
                )
            ]
        )


@dataclass(frozen=True)
class RecordResult:
    row: dict[str, Any]
    version: int
    current_changed: bool


# -- jabatan / placement ----------------------------------------------------------------
@dataclass(frozen=True)
class JabatanEntry:
    unor_id: str
    jabatan_id: str
    jenis_penugasan: str = "D"
    unor_name: str | None = None
    jabatan_name: str | None = None
    jenis_jabatan: str | None = None
    eselon_id: str | None = None
    tmt: date | None = None
    end_date: date | None = None
    sk_number: str | None = None
    sk_date: date | None = None
    proposal_id: str | None = None
    source: str = "correction"
    siasn_id: str | None = None
    history_only: bool = False  # a row known to be older than the current post (sync)


ACTING = ("PLT", "PLH")


async def record_jabatan(
    tx: Transaction, current: PegawaiView, e: JabatanEntry, ref: ReferenceTables
) -> RecordResult:
    """D (definitive): becomes the current post unless it predates it, then
    `pegawai.placement_changed`. PLT/PLH: `pegawai.acting_changed`, the definitive post stays.
    PJ/TT rows are history only."""
    _codes(
        ref,
        [
            ("jenis_penugasan", e.jenis_penugasan, "jenis_penugasan"),
            ("jenis_jabatan", e.jenis_jabatan, "jenis_jabatan"),
            ("eselon", e.eselon_id, "eselon_id"),
        ],
    )
    _dates_in_order(e.tmt, e.end_date, "end_date")
    if e.jenis_penugasan in ACTING and e.tmt is None:
        raise invalid(
            [
                FieldIssue(
                    "tmt",
                    "missing",
                    "An acting assignment needs its start (TMT)",
                    "Penugasan PLT/PLH wajib memiliki TMT mulai",
                )
            ]
        )
    values = {
        k: getattr(e, k)
        for k in (
            "unor_id",
            "unor_name",
            "jabatan_id",
            "jabatan_name",
            "jenis_jabatan",
            "eselon_id",
            "jenis_penugasan",
            "tmt",
            "end_date",
            "sk_number",
            "sk_date",
            "proposal_id",
        )
    }
    row = await _insert(
        tx, riwayat_jabatan, {**_stamp(tx, current.nip, e.source, e.siasn_id), **values}
    )
    version, changed = current.version, False
    if (
        e.jenis_penugasan == "D"
        and not e.history_only
        and (current.tmt_jabatan is None or e.tmt is None or e.tmt >= current.tmt_jabatan)
    ):
        version = await bump(
            tx,
            current.nip,
            {
                "unor_id": e.unor_id,
                "jabatan_id": e.jabatan_id,
                "jabatan_name": e.jabatan_name,
                "jenis_jabatan": e.jenis_jabatan,
                "eselon_id": e.eselon_id,
                "tmt_jabatan": e.tmt,
            },
        )
        changed = True
        await tx.emit(
            PegawaiPlacementChanged(
                nip=current.nip,
                previous=Placement(
                    unor_id=current.unor_id,
                    jabatan_id=current.jabatan_id,
                    jabatan_name=current.jabatan_name,
                    jenis_jabatan=current.jenis_jabatan,  # type: ignore[arg-type]
                    eselon_id=current.eselon_id,
                    tmt=current.tmt_jabatan,
                ),
                current=Placement(
                    unor_id=e.unor_id,
                    jabatan_id=e.jabatan_id,
                    jabatan_name=e.jabatan_name,
                    jenis_jabatan=e.jenis_jabatan,  # type: ignore[arg-type]
                    eselon_id=e.eselon_id,
                    tmt=e.tmt,
                ),
                sk_number=e.sk_number,
                sk_date=e.sk_date,
                reason=e.source,  # type: ignore[arg-type]
                proposal_id=e.proposal_id,
            ),
            subject=current.nip,
        )
    elif e.jenis_penugasan in ACTING:
        assert e.tmt is not None
        today = utcnow().date()
        await tx.emit(
            PegawaiActingChanged(
                nip=current.nip,
                unor_id=e.unor_id,
                jabatan_id=e.jabatan_id,
                jenis_penugasan=e.jenis_penugasan,  # type: ignore[arg-type]
                start=e.tmt,
                end=e.end_date,
                active=e.tmt <= today and (e.end_date is None or e.end_date >= today),
                sk_number=e.sk_number,
            ),
            subject=current.nip,
        )
    return RecordResult(row, version, changed)


# -- golongan -----------------------------------------------------------------------------
@dataclass(frozen=True)
class GolonganEntry:
    golongan_id: str
    tmt: date | None = None
    sk_number: str | None = None
    sk_date: date | None = None
    mk_tahun: int | None = None
    mk_bulan: int | None = None
    source: str = "correction"
    siasn_id: str | None = None
    history_only: bool = False


async def record_golongan(
    tx: Transaction, current: PegawaiView, e: GolonganEntry, ref: ReferenceTables
) -> RecordResult:
    if current.kind is Kind.PPPK:
        roman = pppk_golongan(e.golongan_id)
        if roman is None:
            raise invalid([PPPK_GOLONGAN])
        e = replace(e, golongan_id=roman)
    else:
        _codes(ref, [("golongan", e.golongan_id, "golongan_id")])
    row = await _insert(
        tx,
        riwayat_golongan,
        {
            **_stamp(tx, current.nip, e.source, e.siasn_id),
            "golongan_id": e.golongan_id,
            "tmt": e.tmt,
            "sk_number": e.sk_number,
            "sk_date": e.sk_date,
            "mk_tahun": e.mk_tahun,
            "mk_bulan": e.mk_bulan,
        },
    )
    version, changed = current.version, False
    if not e.history_only and (
        current.tmt_golongan is None or e.tmt is None or e.tmt >= current.tmt_golongan
    ):
        version = await bump(tx, current.nip, {"golongan_id": e.golongan_id, "tmt_golongan": e.tmt})
        changed = True
        await tx.emit(
            PegawaiRankChanged(
                nip=current.nip,
                golongan_id=e.golongan_id,
                previous_golongan_id=current.golongan_id,
                tmt=e.tmt,
                sk_number=e.sk_number,
            ),
            subject=current.nip,
        )
    return RecordResult(row, version, changed)


# -- pendidikan ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PendidikanEntry:
    level_id: str
    field_id: str | None = None
    field_name: str | None = None
    school: str | None = None
    year: int | None = None
    certificate_number: str | None = None
    source: str = "correction"
    siasn_id: str | None = None


def _level_rank(level_id: str | None) -> int:
    return int(level_id) if level_id and level_id.isdigit() else -1


async def record_pendidikan(
    tx: Transaction, current: PegawaiView, e: PendidikanEntry, ref: ReferenceTables
) -> RecordResult:
    """The highest level (ties: the latest year) becomes the current education."""
    _codes(ref, [("tingkat_pendidikan", e.level_id, "level_id")])
    highest = _level_rank(e.level_id) > _level_rank(current.education_level_id) or (
        e.level_id == current.education_level_id and (current.education_year or 0) <= (e.year or 0)
    )
    row = await _insert(
        tx,
        riwayat_pendidikan,
        {
            **_stamp(tx, current.nip, e.source, e.siasn_id),
            "level_id": e.level_id,
            "field_id": e.field_id,
            "field_name": e.field_name,
            "school": e.school,
            "year": e.year,
            "certificate_number": e.certificate_number,
            "highest": highest,
        },
    )
    version = current.version
    if highest:
        version = await bump(
            tx,
            current.nip,
            {
                "education_level_id": e.level_id,
                "education_field": e.field_name,
                "education_year": e.year,
            },
        )
    await tx.emit(
        PegawaiEducationRecorded(
            nip=current.nip,
            level_id=e.level_id,
            field_id=e.field_id,
            field_name=e.field_name,
            year=e.year,
            highest=highest,
        ),
        subject=current.nip,
    )
    return RecordResult(row, version, highest)


# -- diklat -------------------------------------------------------------------------------
@dataclass(frozen=True)
class DiklatEntry:
    name: str
    jenis_diklat_id: str | None = None
    organiser: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    year: int | None = None
    hours: int | None = None
    source: str = "correction"
    siasn_id: str | None = None


async def record_diklat(tx: Transaction, current: PegawaiView, e: DiklatEntry) -> RecordResult:
    _dates_in_order(e.start_date, e.end_date, "end_date")
    year = e.year or (e.end_date or e.start_date or date(1, 1, 1)).year
    year_or_none = year if year > 1 else None
    row = await _insert(
        tx,
        riwayat_diklat,
        {
            **_stamp(tx, current.nip, e.source, e.siasn_id),
            "jenis_diklat_id": e.jenis_diklat_id,
            "name": e.name,
            "organiser": e.organiser,
            "start_date": e.start_date,
            "end_date": e.end_date,
            "year": year_or_none,
            "hours": e.hours,
        },
    )
    await tx.emit(
        PegawaiTrainingRecorded(
            nip=current.nip,
            jenis_diklat_id=e.jenis_diklat_id,
            name=e.name,
            year=year_or_none,
            hours=e.hours,
        ),
        subject=current.nip,
    )
    return RecordResult(row, current.version, False)


# -- SKP 2022+ ----------------------------------------------------------------------------
@dataclass(frozen=True)
class SKPEntry:
    year: int
    hasil_kinerja: int | None = None
    perilaku_kerja: int | None = None
    predikat: int | None = None
    penilai_nip: str | None = None
    penilai_name: str | None = None
    source: str = "correction"
    siasn_id: str | None = None
    # SIASN's own predikat (kuadran) is the official value: a sync records it as given
    check_matrix: bool = True


async def record_skp(tx: Transaction, current: PegawaiView, e: SKPEntry) -> RecordResult:
    """The predikat follows the PermenPANRB 6/2022 matrix when both axes are given; a
    stated predikat that contradicts them is refused. A later row for the same year is a
    correction (rows are never overwritten; readers take the newest per year)."""
    predikat = e.predikat
    if e.hasil_kinerja is not None and e.perilaku_kerja is not None:
        derived = rules.skp_predikat(e.hasil_kinerja, e.perilaku_kerja)
        if predikat is not None and predikat != derived and e.check_matrix:
            raise invalid(
                [
                    FieldIssue(
                        "predikat",
                        "predikat_mismatch",
                        f"Predikat {predikat} contradicts hasil kerja {e.hasil_kinerja} and "
                        f"perilaku kerja {e.perilaku_kerja}, which give {derived} "
                        f"({rules.PREDIKAT_NAMES[derived]}) under PermenPANRB 6/2022",
                        f"Predikat {predikat} bertentangan dengan hasil kerja "
                        f"{e.hasil_kinerja} dan perilaku kerja {e.perilaku_kerja}, yang "
                        f"menghasilkan {derived} ({rules.PREDIKAT_NAMES[derived]}) menurut "
                        "PermenPANRB 6/2022",
                    )
                ]
            )
        predikat = predikat if predikat is not None else derived
    if predikat is None:
        raise invalid(
            [
                FieldIssue(
                    "predikat",
                    "missing",
                    "Give predikat, or both hasil_kinerja and perilaku_kerja",
                    "Isi predikat, atau hasil_kinerja dan perilaku_kerja",
                )
            ]
        )
    row = await _insert(
        tx,
        riwayat_skp,
        {
            **_stamp(tx, current.nip, e.source, e.siasn_id),
            "year": e.year,
            "hasil_kinerja": e.hasil_kinerja,
            "perilaku_kerja": e.perilaku_kerja,
            "predikat": predikat,
            "penilai_nip": e.penilai_nip,
            "penilai_name": e.penilai_name,
        },
    )
    await tx.emit(
        PegawaiPerformanceRecorded(
            nip=current.nip,
            year=e.year,
            hasil_kinerja=e.hasil_kinerja,
            perilaku_kerja=e.perilaku_kerja,
            predikat=predikat,
        ),
        subject=current.nip,
    )
    return RecordResult(row, current.version, False)


# -- asesmen (potensi / kompetensi) ------------------------------------------------------
@dataclass(frozen=True)
class AsesmenEntry:
    kind: str  # potensi | kompetensi
    year: int
    scores: dict[str, float]
    assessed_on: date | None = None
    total: float | None = None
    standard_level: int | None = None
    assessor: str | None = None
    source: str = "correction"
    siasn_id: str | None = None


async def record_asesmen(tx: Transaction, current: PegawaiView, e: AsesmenEntry) -> RecordResult:
    """Scores are levels 1-5 under the keys of DOMAIN.md §1.9. For kompetensi, JPM is the
    scores against the standard level (given, or derived from the current eselon)."""
    keys = rules.POTENSI_KEYS if e.kind == "potensi" else rules.KOMPETENSI_KEYS
    issues = [
        FieldIssue(
            f"scores.{k}",
            "unknown_key",
            f"Unknown {e.kind} key {k!r}; expected one of {', '.join(keys)}",
            f"Kunci {e.kind} {k!r} tidak dikenal; gunakan salah satu dari {', '.join(keys)}",
        )
        for k in e.scores
        if k not in keys
    ]
    issues += [
        FieldIssue(
            f"scores.{k}",
            "level_range",
            f"Level {v} is outside 1-5",
            f"Level {v} di luar rentang 1-5",
        )
        for k, v in e.scores.items()
        if k in keys and not 1 <= v <= 5
    ]
    if not e.scores:
        issues.append(
            FieldIssue(
                "scores",
                "missing",
                "At least one score is needed",
                "Minimal satu nilai wajib diisi",
            )
        )
    if e.kind == "kompetensi" and e.total is not None:
        issues.append(
            FieldIssue(
                "total",
                "not_applicable",
                "A kompetensi assessment has no total (JPM is computed)",
                "Asesmen kompetensi tidak memiliki total (JPM dihitung otomatis)",
            )
        )
    if issues:
        raise invalid(issues)
    standard: int | None = None
    jpm: float | None = None
    if e.kind == "kompetensi":
        standard = e.standard_level or rules.standard_level(
            current.eselon_id, current.jenis_jabatan
        )
        if standard is not None:
            jpm = rules.jpm(e.scores, standard)
    row = await _insert(
        tx,
        riwayat_asesmen,
        {
            **_stamp(tx, current.nip, e.source, e.siasn_id),
            "kind": e.kind,
            "year": e.year,
            "assessed_on": e.assessed_on,
            "scores": json.dumps(e.scores, sort_keys=True),
            "total": e.total,
            "standard_level": standard,
            "jpm": jpm,
            "assessor": e.assessor,
        },
    )
    await tx.emit(
        PegawaiAssessmentRecorded(
            nip=current.nip,
            kind=e.kind,  # type: ignore[arg-type]
            year=e.year,
            assessed_on=e.assessed_on,
            scores=e.scores,
            total=e.total,
            jpm=jpm,
        ),
        subject=current.nip,
    )
    return RecordResult(row, current.version, False)


# -- hukdis --------------------------------------------------------------------------------
@dataclass(frozen=True)
class HukdisEntry:
    level: str  # ringan | sedang | berat
    start_date: date
    end_date: date | None = None
    jenis_hukuman_id: str | None = None
    description: str | None = None
    sk_number: str | None = None
    sk_date: date | None = None
    source: str = "correction"
    siasn_id: str | None = None


_TINGKAT = {"R": "ringan", "S": "sedang", "B": "berat"}


async def record_hukdis(
    tx: Transaction, current: PegawaiView, e: HukdisEntry, ref: ReferenceTables
) -> RecordResult:
    _codes(ref, [("jenis_hukuman", e.jenis_hukuman_id, "jenis_hukuman_id")])
    _dates_in_order(e.start_date, e.end_date, "end_date")
    if e.jenis_hukuman_id is not None and e.jenis_hukuman_id in ref.jenis_hukuman:
        name, tingkat = ref.jenis_hukuman[e.jenis_hukuman_id]
        expected = _TINGKAT.get(tingkat)
        if expected is not None and expected != e.level:
            raise invalid(
                [
                    FieldIssue(
                        "level",
                        "level_mismatch",
                        f"Sanction {name!r} is {expected}, not {e.level}",
                        f"Hukuman {name!r} termasuk tingkat {expected}, bukan {e.level}",
                    )
                ]
            )
    row = await _insert(
        tx,
        riwayat_hukdis,
        {
            **_stamp(tx, current.nip, e.source, e.siasn_id),
            "level": e.level,
            "jenis_hukuman_id": e.jenis_hukuman_id,
            "description": e.description,
            "start_date": e.start_date,
            "end_date": e.end_date,
            "sk_number": e.sk_number,
            "sk_date": e.sk_date,
        },
    )
    await tx.emit(
        PegawaiDisciplineRecorded(
            nip=current.nip,
            level=e.level,  # type: ignore[arg-type]
            jenis_hukuman_id=e.jenis_hukuman_id,
            start=e.start_date,
            end=e.end_date,
        ),
        subject=current.nip,
    )
    return RecordResult(row, current.version, False)


# -- reading --------------------------------------------------------------------------------
async def rows(
    conn: AsyncConnection, table: sa.Table, nip: str, *, after_id: int | None, limit: int
) -> list[dict[str, Any]]:
    """History rows of one employee in recording order (cursor: the last row id)."""
    stmt = sa.select(table).where(table.c.nip == nip).order_by(table.c.id).limit(limit)
    if after_id is not None:
        stmt = stmt.where(table.c.id > after_id)
    return [dict(r._mapping) for r in (await conn.execute(stmt)).all()]
