"""Bulk registration for imports: the rows and events of many checked registrations written
in one go (PostgreSQL `COPY`, SQLite `executemany`) inside the caller's transaction.

Exactly what `registry.register` writes for one employee (the `pegawai` row, personal data,
the first jabatan/golongan/pendidikan/status history rows, `pegawai.registered` in the outbox),
without a round trip per row. The rules are checked before (`registry.check_registration`
and the duplicate checks of the importer); a race with another writer still fails the whole
transaction on the primary key, so nothing is half-written."""

import operator
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tatamutasi_contracts import EVENT_TYPES
from tatamutasi_contracts.envelope import format_time
from tatamutasi_contracts.pegawai import PegawaiRegistered
from tatamutasi_pegawai.adapters.orm import (
    keluarga,
    pegawai,
    pegawai_personal,
    riwayat_golongan,
    riwayat_jabatan,
    riwayat_pendidikan,
    riwayat_status,
)
from tatamutasi_pegawai.domain.nip import Kind
from tatamutasi_pegawai.domain.reference import INACTIVE_KEDUDUKAN
from tatamutasi_pegawai.service import family
from tatamutasi_pegawai.service.registry import RegisterPegawai, pppk_golongan, registered_event
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.errors import Conflict
from tatamutasi_platform.runtime import Transaction

CHUNK = 5000
_REGISTERED = next(s for s in EVENT_TYPES.values() if s.model is PegawaiRegistered)


async def write_rows(tx: Transaction, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows: `COPY` on PostgreSQL (asyncpg), `executemany` elsewhere. Columns
    are the keys of the first row; every row has the same keys."""
    if not rows:
        return
    conn = tx.conn
    if conn.dialect.name == "postgresql":
        columns = list(rows[0])
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        pick = operator.itemgetter(*columns)
        records = [pick(r) for r in rows]
        await driver.copy_records_to_table(table.name, records=records, columns=columns)
        return
    for start in range(0, len(rows), CHUNK):
        await conn.execute(table.insert(), list(rows[start : start + CHUNK]))


async def taken(tx: Transaction, column: sa.Column[Any], values: Sequence[str]) -> set[str]:
    """Which of `values` already exist in `column` (chunked IN queries)."""
    found: set[str] = set()
    unique = sorted(set(values))
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start : start + CHUNK]
        found.update((await tx.conn.execute(sa.select(column).where(column.in_(chunk)))).scalars())
    return found


def _registered(cmd: RegisterPegawai, kind: Kind, full_name: str) -> dict[str, Any]:
    return registered_event(cmd, kind.value, full_name, validate=False).model_dump(mode="json")


async def register_many(tx: Transaction, commands: Sequence[tuple[RegisterPegawai, Kind]]) -> int:
    """Register every (checked) command; returns how many. Emits `pegawai.registered` for
    each and `pegawai.family_updated` where an existing family record names a newcomer."""
    if not commands:
        return 0
    now = utcnow()
    stamp_time = format_time(now)
    actor = tx.actor
    people: list[dict[str, Any]] = []
    personals: list[dict[str, Any]] = []
    jabatan: list[dict[str, Any]] = []
    golongan: list[dict[str, Any]] = []
    pendidikan: list[dict[str, Any]] = []
    status: list[dict[str, Any]] = []
    outbox: list[dict[str, Any]] = []
    for cmd, kind in commands:
        if kind is Kind.PPPK and cmd.golongan_id is not None:
            cmd = replace(cmd, golongan_id=pppk_golongan(cmd.golongan_id))
        gol = cmd.golongan_id
        active = (
            cmd.active if cmd.active is not None else cmd.kedudukan_id not in INACTIVE_KEDUDUKAN
        )
        people.append(
            {
                "nip": cmd.nip,
                "kind": kind.value,
                "name": cmd.name,
                "unor_id": cmd.unor_id,
                "jabatan_id": cmd.jabatan_id,
                "version": 1,
                "created_at": now,
                "created_by": actor.id,
                "updated_at": now,
                "updated_by": actor.id,
                "siasn_id": cmd.siasn_id,
                "gelar_depan": cmd.gelar_depan,
                "gelar_belakang": cmd.gelar_belakang,
                "sex": cmd.sex,
                "agama_id": cmd.agama_id,
                "kedudukan_id": cmd.kedudukan_id,
                "active": active,
                "tmt_cpns": cmd.tmt_cpns,
                "tmt_pns": cmd.tmt_pns,
                "tmt_pensiun": cmd.tmt_pensiun,
                "contract_end": cmd.contract_end,
                "jabatan_name": cmd.jabatan_name,
                "jenis_jabatan": cmd.jenis_jabatan,
                "eselon_id": cmd.eselon_id,
                "tmt_jabatan": cmd.tmt_jabatan,
                "golongan_id": gol,
                "tmt_golongan": cmd.tmt_golongan,
                "education_level_id": cmd.education_level_id,
                "education_field": cmd.education_field,
                "education_year": cmd.education_year,
            }
        )
        p = cmd.personal
        personals.append(
            {
                "nip": cmd.nip,
                "nik": p.nik,
                "birth_place": p.birth_place,
                "birth_date": p.birth_date,
                "address": p.address,
                "phone": p.phone,
                "email": p.email,
            }
        )
        stamp = {
            "nip": cmd.nip,
            "source": cmd.source,
            "siasn_id": None,
            "recorded_at": now,
            "recorded_by": actor.id,
        }
        jabatan.append(
            {
                **stamp,
                "unor_id": cmd.unor_id,
                "unor_name": None,
                "jabatan_id": cmd.jabatan_id,
                "jabatan_name": cmd.jabatan_name,
                "jenis_jabatan": cmd.jenis_jabatan,
                "eselon_id": cmd.eselon_id,
                "jenis_penugasan": "D",
                "tmt": cmd.tmt_jabatan,
                "end_date": None,
                "sk_number": None,
                "sk_date": None,
                "proposal_id": None,
            }
        )
        if gol is not None:
            golongan.append(
                {
                    **stamp,
                    "golongan_id": gol,
                    "tmt": cmd.tmt_golongan,
                    "sk_number": None,
                    "sk_date": None,
                    "mk_tahun": None,
                    "mk_bulan": None,
                }
            )
        if cmd.education_level_id is not None:
            pendidikan.append(
                {
                    **stamp,
                    "level_id": cmd.education_level_id,
                    "field_id": None,
                    "field_name": cmd.education_field,
                    "school": None,
                    "year": cmd.education_year,
                    "certificate_number": None,
                    "highest": True,
                }
            )
        status.append(
            {**stamp, "kedudukan_id": cmd.kedudukan_id, "active": active, "effective": None}
        )
        name = cmd.name
        if cmd.gelar_depan:
            name = f"{cmd.gelar_depan} {name}"
        if cmd.gelar_belakang:
            name = f"{name}, {cmd.gelar_belakang}"
        event_id = str(uuid.uuid4())
        outbox.append(
            {
                "event_id": event_id,
                "topic": _REGISTERED.topic.value,
                "key": cmd.nip,
                "type": _REGISTERED.type,
                "subject": cmd.nip,
                "time": stamp_time,
                "actor": actor.id,
                "actorrole": actor.role,
                "traceparent": tx.traceparent,
                "data": orjson.dumps(_registered(cmd, kind, name)).decode(),
            }
        )
        tx.emitted.append(event_id)
    try:
        async with tx.conn.begin_nested():
            await write_rows(tx, pegawai, people)
            await write_rows(tx, pegawai_personal, personals)
            for table, rows in (
                (riwayat_jabatan, jabatan),
                (riwayat_golongan, golongan),
                (riwayat_pendidikan, pendidikan),
                (riwayat_status, status),
                (tx.tables.outbox, outbox),
            ):
                await write_rows(tx, table, rows)
    except IntegrityError:
        raise Conflict(
            "Another change registered some of these employees during the import; run it again",
            "Perubahan lain mendaftarkan sebagian pegawai ini selama impor; jalankan ulang",
        ) from None
    except Exception as exc:  # asyncpg raises its own UniqueViolationError from COPY
        if type(exc).__name__ == "UniqueViolationError":
            raise Conflict(
                "Another change registered some of these employees during the import; run it again",
                "Perubahan lain mendaftarkan sebagian pegawai ini selama impor; jalankan ulang",
            ) from None
        raise
    await _kinship(tx, commands)
    return len(commands)


async def _kinship(tx: Transaction, commands: Sequence[tuple[RegisterPegawai, Kind]]) -> None:
    """A newcomer may be named in a family record already held (by NIK, or name + birth date
    + place): publish the derived relations for those newcomers only."""
    if (await tx.conn.execute(sa.select(keluarga.c.id).limit(1))).first() is None:
        return
    niks = set(
        (
            await tx.conn.execute(
                sa.select(keluarga.c.nik).where(keluarga.c.nik.is_not(None)).distinct()
            )
        ).scalars()
    )
    births = set(
        (
            await tx.conn.execute(
                sa.select(keluarga.c.birth_date)
                .where(keluarga.c.birth_date.is_not(None))
                .distinct()
            )
        ).scalars()
    )
    named = set(
        (
            await tx.conn.execute(
                sa.select(keluarga.c.relative_nip)
                .where(keluarga.c.relative_nip.is_not(None))
                .distinct()
            )
        ).scalars()
    )
    for cmd, _ in commands:
        p = cmd.personal
        if (p.nik and p.nik in niks) or (p.birth_date in births) or cmd.nip in named:
            await family.publish_kinship(tx, cmd.nip, always=False)
