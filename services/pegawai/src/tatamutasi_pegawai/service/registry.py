"""Use cases of the registry's current state: register, read, list, correct. Each write runs
inside a unit of work (`Transaction`) and stages its event in the same transaction."""

import json
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts.pegawai import PPPK_GOLONGAN as PPPK_NUMERALS
from tatamutasi_contracts.pegawai import PegawaiRegistered, PegawaiStatusChanged
from tatamutasi_pegawai.adapters.orm import (
    pegawai,
    pegawai_personal,
    riwayat_golongan,
    riwayat_identitas,
    riwayat_jabatan,
    riwayat_pendidikan,
    riwayat_status,
)
from tatamutasi_pegawai.domain.nip import FieldIssue, Kind, NipInfo, cross_check, parse_nip
from tatamutasi_pegawai.domain.reference import INACTIVE_KEDUDUKAN, ReferenceTables
from tatamutasi_platform.clock import as_utc, utcnow
from tatamutasi_platform.errors import Conflict, Invalid, NotFound
from tatamutasi_platform.runtime import Transaction

PPPK_GOLONGAN = FieldIssue(
    "golongan_id",
    "golongan_pppk",
    "A PPPK golongan is a roman numeral I-XVII (golongan ruang I/a-IV/e is for PNS only)",
    "Golongan PPPK ditulis dengan angka romawi I-XVII (golongan ruang I/a-IV/e hanya untuk PNS)",
)
PPPK_GOLONGAN_CODES = frozenset(PPPK_NUMERALS)
PERSONAL_FIELDS = ("nik", "birth_place", "birth_date", "address", "phone", "email")


@dataclass(frozen=True)
class Personal:
    """Restricted data: only admin and the employee themself see it; never in events."""

    nik: str | None = None
    birth_place: str | None = None
    birth_date: date | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class RegisterPegawai:
    nip: str
    name: str
    unor_id: str
    jabatan_id: str
    siasn_id: str | None = None
    gelar_depan: str | None = None
    gelar_belakang: str | None = None
    sex: str | None = None
    agama_id: str | None = None
    kedudukan_id: str = "01"
    active: bool | None = None
    tmt_cpns: date | None = None
    tmt_pns: date | None = None
    tmt_pensiun: date | None = None
    contract_end: date | None = None
    jabatan_name: str | None = None
    jenis_jabatan: str | None = None
    eselon_id: str | None = None
    tmt_jabatan: date | None = None
    golongan_id: str | None = None
    tmt_golongan: date | None = None
    education_level_id: str | None = None
    education_field: str | None = None
    education_year: int | None = None
    personal: Personal = field(default_factory=Personal)
    source: str = "registration"
    # SIASN row ids of the current post, rank and education (a sync de-duplicates by them)
    jabatan_siasn_id: str | None = None
    golongan_siasn_id: str | None = None
    pendidikan_siasn_id: str | None = None


@dataclass(frozen=True)
class PegawaiView:
    nip: str
    kind: Kind
    name: str
    unor_id: str
    jabatan_id: str
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    siasn_id: str | None = None
    gelar_depan: str | None = None
    gelar_belakang: str | None = None
    sex: str | None = None
    agama_id: str | None = None
    kedudukan_id: str = "01"
    active: bool = True
    tmt_cpns: date | None = None
    tmt_pns: date | None = None
    tmt_pensiun: date | None = None
    contract_end: date | None = None
    jabatan_name: str | None = None
    jenis_jabatan: str | None = None
    eselon_id: str | None = None
    tmt_jabatan: date | None = None
    golongan_id: str | None = None
    tmt_golongan: date | None = None
    education_level_id: str | None = None
    education_field: str | None = None
    education_year: int | None = None

    @property
    def full_name(self) -> str:
        name = self.name
        if self.gelar_depan:
            name = f"{self.gelar_depan} {name}"
        if self.gelar_belakang:
            name = f"{name}, {self.gelar_belakang}"
        return name


_VIEW_FIELDS = [f.name for f in fields(PegawaiView)]


def _view(row: sa.Row[Any]) -> PegawaiView:
    m = dict(row._mapping)
    values = {k: m[k] for k in _VIEW_FIELDS if k in m}
    values["kind"] = Kind(m["kind"])
    values["created_at"] = as_utc(m["created_at"])
    values["updated_at"] = as_utc(m["updated_at"])
    values["active"] = bool(m["active"])
    return PegawaiView(**values)


def invalid(issues: list[FieldIssue]) -> Invalid:
    """One 422 listing every broken field rule, in both languages."""
    first = issues[0]
    return Invalid(
        first.en if len(issues) == 1 else f"{len(issues)} fields are invalid: {first.en}",
        first.id if len(issues) == 1 else f"{len(issues)} kolom tidak valid: {first.id}",
        errors=[
            {
                "field": i.field,
                "location": "body",
                "code": i.code,
                "message_en": i.en,
                "message_id": i.id,
            }
            for i in issues
        ],
    )


def _check_codes(ref: ReferenceTables, checks: list[tuple[str, str | None, str]]) -> None:
    issues = [i for t, code, name in checks if (i := ref.check(t, code, name))]
    if issues:
        raise invalid(issues)


def _check_identity(
    nip: str, *, birth_date: date | None, tmt_cpns: date | None, sex: str | None
) -> None:
    issues = cross_check(parse_nip(nip), birth_date=birth_date, tmt_cpns=tmt_cpns, sex=sex)
    if issues:
        raise invalid(issues)


def _personal_row(nip: str, p: Personal) -> dict[str, Any]:
    return {"nip": nip, **asdict(p)}


def pppk_golongan(code: str | None) -> str | None:
    """A PPPK golongan as its canonical roman numeral (I-XVII), or None when it is not one."""
    if code is None:
        return None
    value = code.strip().upper()
    return value if value in PPPK_GOLONGAN_CODES else None


def check_registration(
    cmd: RegisterPegawai, ref: ReferenceTables
) -> tuple[NipInfo, list[FieldIssue]]:
    """Every rule of a registration that needs no database: the NIP and its cross-check,
    the reference codes, the golongan kind (PNS 11-45, PPPK roman I-XVII)."""
    info = parse_nip(cmd.nip)
    issues = cross_check(
        info, birth_date=cmd.personal.birth_date, tmt_cpns=cmd.tmt_cpns, sex=cmd.sex
    )
    pppk = info.kind is Kind.PPPK
    for table, code, name in (
        ("golongan", None if pppk else cmd.golongan_id, "golongan_id"),
        ("eselon", cmd.eselon_id, "eselon_id"),
        ("jenis_jabatan", cmd.jenis_jabatan, "jenis_jabatan"),
        ("tingkat_pendidikan", cmd.education_level_id, "education_level_id"),
        ("kedudukan", cmd.kedudukan_id, "kedudukan_id"),
        ("agama", cmd.agama_id, "agama_id"),
    ):
        if issue := ref.check(table, code, name):
            issues.append(issue)
    if pppk and cmd.golongan_id is not None and pppk_golongan(cmd.golongan_id) is None:
        issues.append(PPPK_GOLONGAN)
    return info, issues


async def register(tx: Transaction, cmd: RegisterPegawai, ref: ReferenceTables) -> PegawaiView:
    info, issues = check_registration(cmd, ref)
    if issues:
        raise invalid(issues)
    if info.kind is Kind.PPPK and cmd.golongan_id is not None:
        cmd = replace(cmd, golongan_id=pppk_golongan(cmd.golongan_id))
    now = utcnow()
    active = cmd.active if cmd.active is not None else cmd.kedudukan_id not in INACTIVE_KEDUDUKAN
    view = PegawaiView(
        nip=cmd.nip,
        kind=info.kind,
        name=cmd.name,
        unor_id=cmd.unor_id,
        jabatan_id=cmd.jabatan_id,
        version=1,
        created_at=now,
        created_by=tx.actor.id,
        updated_at=now,
        siasn_id=cmd.siasn_id,
        gelar_depan=cmd.gelar_depan,
        gelar_belakang=cmd.gelar_belakang,
        sex=cmd.sex,
        agama_id=cmd.agama_id,
        kedudukan_id=cmd.kedudukan_id,
        active=active,
        tmt_cpns=cmd.tmt_cpns,
        tmt_pns=cmd.tmt_pns,
        tmt_pensiun=cmd.tmt_pensiun,
        contract_end=cmd.contract_end,
        jabatan_name=cmd.jabatan_name,
        jenis_jabatan=cmd.jenis_jabatan,
        eselon_id=cmd.eselon_id,
        tmt_jabatan=cmd.tmt_jabatan,
        golongan_id=cmd.golongan_id,
        tmt_golongan=cmd.tmt_golongan,
        education_level_id=cmd.education_level_id,
        education_field=cmd.education_field,
        education_year=cmd.education_year,
    )
    row = {k: v for k, v in asdict(view).items() if k != "kind"}
    row.update(kind=info.kind.value, updated_by=tx.actor.id)
    try:
        async with tx.conn.begin_nested():
            await tx.conn.execute(pegawai.insert().values(**row))
    except IntegrityError:
        taken = await tx.conn.execute(sa.select(pegawai.c.nip).where(pegawai.c.nip == cmd.nip))
        if taken.first() is not None:
            raise Conflict(
                f"NIP {cmd.nip} is already registered",
                f"NIP {cmd.nip} sudah terdaftar",
                field="nip",
            ) from None
        raise Conflict(
            f"SIASN id {cmd.siasn_id} belongs to another employee",
            f"ID SIASN {cmd.siasn_id} sudah dipakai pegawai lain",
            field="siasn_id",
        ) from None
    await tx.conn.execute(pegawai_personal.insert().values(**_personal_row(cmd.nip, cmd.personal)))
    stamp = {"nip": cmd.nip, "source": cmd.source, "recorded_at": now, "recorded_by": tx.actor.id}
    await tx.conn.execute(
        riwayat_jabatan.insert().values(
            **stamp,
            unor_id=cmd.unor_id,
            jabatan_id=cmd.jabatan_id,
            jabatan_name=cmd.jabatan_name,
            jenis_jabatan=cmd.jenis_jabatan,
            eselon_id=cmd.eselon_id,
            jenis_penugasan="D",
            tmt=cmd.tmt_jabatan,
            siasn_id=cmd.jabatan_siasn_id,
        )
    )
    if cmd.golongan_id is not None:
        await tx.conn.execute(
            riwayat_golongan.insert().values(
                **stamp,
                golongan_id=cmd.golongan_id,
                tmt=cmd.tmt_golongan,
                siasn_id=cmd.golongan_siasn_id,
            )
        )
    if cmd.education_level_id is not None:
        await tx.conn.execute(
            riwayat_pendidikan.insert().values(
                **stamp,
                level_id=cmd.education_level_id,
                field_name=cmd.education_field,
                year=cmd.education_year,
                highest=True,
                siasn_id=cmd.pendidikan_siasn_id,
            )
        )
    await tx.conn.execute(
        riwayat_status.insert().values(**stamp, kedudukan_id=cmd.kedudukan_id, active=active)
    )
    await tx.emit(registered_event(cmd, info.kind.value, view.full_name), subject=cmd.nip)
    return view


def registered_event(
    cmd: RegisterPegawai, kind: str, full_name: str, *, validate: bool = True
) -> PegawaiRegistered:
    """The `pegawai.registered` payload of a registration. `validate=False` skips pydantic's
    checks for values that passed the registration rules already (the bulk import path)."""
    build = PegawaiRegistered if validate else PegawaiRegistered.model_construct
    return build(
        nip=cmd.nip,
        name=full_name[:200],
        unor_id=cmd.unor_id,
        jabatan_id=cmd.jabatan_id,
        kind=kind,  # type: ignore[arg-type]
        siasn_id=cmd.siasn_id,
        sex=cmd.sex,  # type: ignore[arg-type]
        jabatan_name=cmd.jabatan_name,
        jenis_jabatan=cmd.jenis_jabatan,  # type: ignore[arg-type]
        eselon_id=cmd.eselon_id,
        tmt_jabatan=cmd.tmt_jabatan,
        golongan_id=cmd.golongan_id,
        tmt_golongan=cmd.tmt_golongan,
        education_level_id=cmd.education_level_id,
        education_field=cmd.education_field,
        kedudukan_id=cmd.kedudukan_id,
        tmt_pensiun=cmd.tmt_pensiun,
        tmt_cpns=cmd.tmt_cpns,
        contract_end=cmd.contract_end,
    )


async def get(conn: AsyncConnection, nip: str) -> PegawaiView | None:
    row = (await conn.execute(sa.select(pegawai).where(pegawai.c.nip == nip))).first()
    return _view(row) if row else None


async def require(conn: AsyncConnection, nip: str, *, for_update: bool = False) -> PegawaiView:
    stmt = sa.select(pegawai).where(pegawai.c.nip == nip)
    if for_update and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).first()
    if row is None:
        raise NotFound(f"Pegawai {nip} does not exist", f"Pegawai {nip} tidak ditemukan")
    return _view(row)


async def get_personal(conn: AsyncConnection, nip: str) -> Personal:
    row = (
        await conn.execute(sa.select(pegawai_personal).where(pegawai_personal.c.nip == nip))
    ).first()
    if row is None:
        return Personal()
    return Personal(**{k: row._mapping[k] for k in PERSONAL_FIELDS})


async def get_personals(conn: AsyncConnection, nips: list[str]) -> dict[str, Personal]:
    stmt = sa.select(pegawai_personal).where(pegawai_personal.c.nip.in_(nips))
    return {
        r.nip: Personal(**{k: r._mapping[k] for k in PERSONAL_FIELDS})
        for r in (await conn.execute(stmt)).all()
    }


@dataclass(frozen=True)
class Filters:
    unor_id: str | None = None
    jabatan_id: str | None = None
    golongan_id: str | None = None
    kind: str | None = None
    kedudukan_id: str | None = None
    active: bool | None = None
    retiring_before: date | None = None
    query: str | None = None


async def page(
    conn: AsyncConnection,
    *,
    after_nip: str | None,
    limit: int,
    unor_ids: frozenset[str] | None = None,
    unor_id: str | None = None,
    query: str | None = None,
    filters: Filters | None = None,
) -> list[PegawaiView]:
    f = filters or Filters(unor_id=unor_id, query=query)
    stmt = sa.select(pegawai).order_by(pegawai.c.nip).limit(limit)
    if after_nip is not None:
        stmt = stmt.where(pegawai.c.nip > after_nip)
    if unor_ids is not None:
        stmt = stmt.where(pegawai.c.unor_id.in_(unor_ids))
    for column, value in (
        (pegawai.c.unor_id, f.unor_id),
        (pegawai.c.jabatan_id, f.jabatan_id),
        (pegawai.c.golongan_id, f.golongan_id),
        (pegawai.c.kind, f.kind),
        (pegawai.c.kedudukan_id, f.kedudukan_id),
        (pegawai.c.active, f.active),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if f.retiring_before is not None:
        stmt = stmt.where(pegawai.c.tmt_pensiun < f.retiring_before)
    if f.query:
        like = f"%{f.query.lower()}%"
        stmt = stmt.where(
            sa.or_(sa.func.lower(pegawai.c.name).like(like), pegawai.c.nip.like(f"{f.query}%"))
        )
    return [_view(r) for r in (await conn.execute(stmt)).all()]


# -- corrections (PATCH) -----------------------------------------------------------------
UPDATABLE = frozenset(
    {
        "name",
        "gelar_depan",
        "gelar_belakang",
        "siasn_id",
        "sex",
        "agama_id",
        "kedudukan_id",
        "active",
        "tmt_cpns",
        "tmt_pns",
        "tmt_pensiun",
        "contract_end",
    }
)
NOT_NULL = frozenset({"name", "kedudukan_id", "active"})


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


async def update(
    tx: Transaction,
    current: PegawaiView,
    changes: dict[str, Any],
    ref: ReferenceTables,
    *,
    status_effective: date | None = None,
    source: str = "correction",
) -> PegawaiView:
    """Apply a partial correction to `current` (already checked against If-Match). Writes
    the previous values to `riwayat_identitas`, a `riwayat_status` row and
    `pegawai.status_changed` when kedudukan or active changed. No change, no write."""
    personal_changes = {k: v for k, v in changes.items() if k in PERSONAL_FIELDS}
    own = {k: v for k, v in changes.items() if k in UPDATABLE}
    nulls = [k for k in NOT_NULL if k in own and own[k] is None]
    if nulls:
        raise invalid(
            [
                FieldIssue(k, "missing", "This field cannot be emptied", "Kolom ini wajib diisi")
                for k in sorted(nulls)
            ]
        )
    if "kedudukan_id" in own and "active" not in own:
        own["active"] = own["kedudukan_id"] not in INACTIVE_KEDUDUKAN
    _check_codes(
        ref,
        [
            ("kedudukan", own.get("kedudukan_id"), "kedudukan_id"),
            ("agama", own.get("agama_id"), "agama_id"),
        ],
    )
    personal = await get_personal(tx.conn, current.nip)
    new_personal = replace(personal, **personal_changes)
    new_view = replace(current, **own)
    _check_identity(
        current.nip,
        birth_date=new_personal.birth_date,
        tmt_cpns=new_view.tmt_cpns,
        sex=new_view.sex,
    )
    previous: dict[str, Any] = {}
    for k, v in own.items():
        if getattr(current, k) != v:
            previous[k] = _json_value(getattr(current, k))
    for k, v in personal_changes.items():
        if getattr(personal, k) != v:
            previous[k] = _json_value(getattr(personal, k))
    if not previous:
        return current
    now = utcnow()
    version = current.version + 1
    pegawai_values = {k: v for k, v in own.items() if k in previous}
    try:
        async with tx.conn.begin_nested():
            await tx.conn.execute(
                pegawai.update()
                .where(pegawai.c.nip == current.nip)
                .values(**pegawai_values, version=version, updated_at=now, updated_by=tx.actor.id)
            )
    except IntegrityError:
        raise Conflict(
            f"SIASN id {own.get('siasn_id')} belongs to another employee",
            f"ID SIASN {own.get('siasn_id')} sudah dipakai pegawai lain",
            field="siasn_id",
        ) from None
    if any(k in previous for k in PERSONAL_FIELDS):
        await tx.conn.execute(
            pegawai_personal.update()
            .where(pegawai_personal.c.nip == current.nip)
            .values(**{k: v for k, v in personal_changes.items() if k in previous})
        )
    stamp = {"nip": current.nip, "source": source, "recorded_at": now, "recorded_by": tx.actor.id}
    await tx.conn.execute(
        riwayat_identitas.insert().values(
            **stamp,
            version=version,
            fields=",".join(sorted(previous)),
            previous=json.dumps(previous, sort_keys=True),
        )
    )
    updated = replace(new_view, version=version, updated_at=now)
    if "kedudukan_id" in previous or "active" in previous:
        await tx.conn.execute(
            riwayat_status.insert().values(
                **stamp,
                kedudukan_id=updated.kedudukan_id,
                active=updated.active,
                effective=status_effective,
            )
        )
        await tx.emit(
            PegawaiStatusChanged(
                nip=current.nip,
                kedudukan_id=updated.kedudukan_id,
                active=updated.active,
                effective=status_effective,
            ),
            subject=current.nip,
        )
    return updated


async def bump(tx: Transaction, nip: str, values: dict[str, Any]) -> int:
    """Set current-state columns after a history row changed them; returns the new version."""
    row = (
        await tx.conn.execute(
            pegawai.update()
            .where(pegawai.c.nip == nip)
            .values(
                **values,
                version=pegawai.c.version + 1,
                updated_at=utcnow(),
                updated_by=tx.actor.id,
            )
            .returning(pegawai.c.version)
        )
    ).first()
    assert row is not None
    return int(row[0])
