"""Family records (restricted) and the kinship facts derived from them, and the employee's
own aspirations. Family rows never leave this service: events carry only relations between
NIPs, with the basis and confidence of each match."""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts.pegawai import (
    Aspiration,
    KinshipFact,
    PegawaiAspirationStated,
    PegawaiFamilyUpdated,
)
from tatamutasi_pegawai.adapters.orm import aspirasi, keluarga, pegawai, pegawai_personal
from tatamutasi_pegawai.domain.nip import FieldIssue
from tatamutasi_pegawai.domain.rules import FamilyMember, Kin, Person, derive_kinship
from tatamutasi_pegawai.service.registry import PegawaiView, invalid
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.runtime import Transaction


@dataclass(frozen=True)
class KeluargaEntry:
    relation: str  # spouse | child | father | mother
    name: str
    nik: str | None = None
    relative_nip: str | None = None
    birth_date: date | None = None
    birth_place: str | None = None
    sex: str | None = None
    source: str = "correction"
    siasn_id: str | None = None


def _member(row: dict[str, Any]) -> FamilyMember:
    return FamilyMember(
        row["relation"],
        Person(
            name=row["name"],
            nik=row["nik"],
            birth_date=row["birth_date"],
            birth_place=row["birth_place"],
            nip=row["relative_nip"],
        ),
    )


async def _family(conn: AsyncConnection, nips: list[str]) -> dict[str, list[FamilyMember]]:
    out: dict[str, list[FamilyMember]] = defaultdict(list)
    if nips:
        stmt = sa.select(keluarga).where(keluarga.c.nip.in_(nips)).order_by(keluarga.c.id)
        for r in (await conn.execute(stmt)).all():
            out[r.nip].append(_member(dict(r._mapping)))
    return out


def _person_select() -> sa.Select[Any]:
    return sa.select(
        pegawai.c.nip,
        pegawai.c.name,
        pegawai_personal.c.nik,
        pegawai_personal.c.birth_date,
        pegawai_personal.c.birth_place,
    ).join(pegawai_personal, pegawai_personal.c.nip == pegawai.c.nip)


def _person(r: sa.Row[Any]) -> Person:
    return Person(r.name, r.nik, r.birth_date, r.birth_place, r.nip)


def _identity_filter(
    nik_col: sa.ColumnElement[Any],
    date_col: sa.ColumnElement[Any],
    people: list[Person],
) -> sa.ColumnElement[bool] | None:
    niks = {p.nik for p in people if p.nik}
    dates = {p.birth_date for p in people if p.birth_date}
    parts = []
    if niks:
        parts.append(nik_col.in_(niks))
    if dates:
        parts.append(date_col.in_(dates))
    return sa.or_(*parts) if parts else None


async def kinship_of(conn: AsyncConnection, nip: str) -> list[Kin]:
    """Every derivable relation of `nip` to other employees (candidates are narrowed in SQL
    by NIP, NIK or birth date; the matching rules are in `domain.rules`)."""
    own = (await _family(conn, [nip]))[nip]
    me_row = (await conn.execute(_person_select().where(pegawai.c.nip == nip))).first()
    me = _person(me_row) if me_row else None
    employees: dict[str, Person] = {}
    if me is not None:
        employees[nip] = me
    members = [m.person for m in own]
    conds: list[sa.ColumnElement[bool]] = []
    relative_nips = {p.nip for p in members if p.nip}
    if relative_nips:
        conds.append(pegawai.c.nip.in_(relative_nips))
    ident = _identity_filter(pegawai_personal.c.nik, pegawai_personal.c.birth_date, members)
    if ident is not None:
        conds.append(ident)
    if conds:
        for r in (await conn.execute(_person_select().where(sa.or_(*conds)))).all():
            employees[r.nip] = _person(r)
    # families that name me, or that share a parent with me
    fam_conds: list[sa.ColumnElement[bool]] = []
    if me is not None:
        fam_conds.append(keluarga.c.relative_nip == nip)
        ident = _identity_filter(keluarga.c.nik, keluarga.c.birth_date, [me])
        if ident is not None:
            fam_conds.append(ident)
    parents = [m.person for m in own if m.relation in ("father", "mother")]
    ident = _identity_filter(keluarga.c.nik, keluarga.c.birth_date, parents)
    if ident is not None:
        fam_conds.append(sa.and_(keluarga.c.relation.in_(("father", "mother")), ident))
    families: dict[str, list[FamilyMember]] = defaultdict(list)
    if fam_conds:
        stmt = sa.select(keluarga).where(sa.or_(*fam_conds), keluarga.c.nip != nip)
        for r in (await conn.execute(stmt.order_by(keluarga.c.id))).all():
            families[r.nip].append(_member(dict(r._mapping)))
    return derive_kinship(nip, own, employees, families)


def _facts(kins: list[Kin]) -> list[KinshipFact]:
    return [
        KinshipFact(
            other_nip=k.other_nip,
            relation=k.relation,  # type: ignore[arg-type]
            basis=k.basis[:200],
            confidence=k.confidence,
        )
        for k in kins
    ]


async def publish_kinship(tx: Transaction, nip: str, *, always: bool) -> list[Kin]:
    """Emit `pegawai.family_updated` for `nip` (when `always` or it has relations), and for
    every related employee, whose own relation set now includes `nip`."""
    kins = await kinship_of(tx.conn, nip)
    if always or kins:
        await tx.emit(PegawaiFamilyUpdated(nip=nip, relations=_facts(kins)), subject=nip)
    for other in sorted({k.other_nip for k in kins}):
        await tx.emit(
            PegawaiFamilyUpdated(nip=other, relations=_facts(await kinship_of(tx.conn, other))),
            subject=other,
        )
    return kins


async def record_keluarga(
    tx: Transaction, current: PegawaiView, e: KeluargaEntry
) -> dict[str, Any]:
    if e.relative_nip == current.nip:
        raise invalid(
            [
                FieldIssue(
                    "relative_nip",
                    "self_relation",
                    "An employee cannot be their own relative",
                    "Pegawai tidak dapat menjadi keluarga dirinya sendiri",
                )
            ]
        )
    result = await tx.conn.execute(
        keluarga.insert()
        .values(
            nip=current.nip,
            relation=e.relation,
            name=e.name,
            nik=e.nik,
            relative_nip=e.relative_nip,
            birth_date=e.birth_date,
            birth_place=e.birth_place,
            sex=e.sex,
            source=e.source,
            siasn_id=e.siasn_id,
            recorded_at=utcnow(),
            recorded_by=tx.actor.id,
        )
        .returning(*keluarga.c)
    )
    row = dict(result.one()._mapping)
    await publish_kinship(tx, current.nip, always=True)
    return row


# -- aspirations ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Preference:
    rank: int
    unor_id: str | None = None
    jabatan_id: str | None = None
    reason: str | None = None


async def state_aspirations(
    tx: Transaction, current: PegawaiView, prefs: list[Preference], round_id: str | None
) -> tuple[str, list[dict[str, Any]]]:
    """A new statement replaces the previous one for readers; earlier statements are kept."""
    issues: list[FieldIssue] = []
    ranks = [p.rank for p in prefs]
    if sorted(ranks) != list(range(1, len(prefs) + 1)):
        issues.append(
            FieldIssue(
                "preferences",
                "rank_sequence",
                "Ranks must be 1, 2, 3, ... without gaps or repeats",
                "Peringkat harus 1, 2, 3, ... tanpa loncatan atau pengulangan",
            )
        )
    for i, p in enumerate(prefs):
        if p.unor_id is None and p.jabatan_id is None:
            issues.append(
                FieldIssue(
                    f"preferences.{i}",
                    "empty_preference",
                    "Each preference names a unit, a jabatan or both",
                    "Setiap pilihan wajib menyebut unit, jabatan, atau keduanya",
                )
            )
    if issues:
        raise invalid(issues)
    statement = str(uuid.uuid4())
    now = utcnow()
    ordered = sorted(prefs, key=lambda p: p.rank)
    values = [
        {
            "nip": current.nip,
            "statement_id": statement,
            "round_id": round_id,
            "rank": p.rank,
            "unor_id": p.unor_id,
            "jabatan_id": p.jabatan_id,
            "reason": p.reason,
            "source": "self" if tx.actor.id == current.nip else "admin",
            "siasn_id": None,
            "recorded_at": now,
            "recorded_by": tx.actor.id,
        }
        for p in ordered
    ]
    if values:
        await tx.conn.execute(aspirasi.insert(), values)
    await tx.emit(
        PegawaiAspirationStated(
            nip=current.nip,
            preferences=[
                Aspiration(rank=p.rank, unor_id=p.unor_id, jabatan_id=p.jabatan_id, reason=p.reason)
                for p in ordered
            ],
            round_id=round_id,
        ),
        subject=current.nip,
    )
    return statement, values


async def current_aspirations(
    conn: AsyncConnection, nip: str, round_id: str | None = None
) -> tuple[str | None, list[dict[str, Any]]]:
    """The newest statement (optionally within one round)."""
    last = sa.select(aspirasi.c.statement_id).where(aspirasi.c.nip == nip)
    if round_id is not None:
        last = last.where(aspirasi.c.round_id == round_id)
    row = (await conn.execute(last.order_by(aspirasi.c.id.desc()).limit(1))).first()
    if row is None:
        return None, []
    stmt = sa.select(aspirasi).where(aspirasi.c.statement_id == row[0]).order_by(aspirasi.c.rank)
    return row[0], [dict(r._mapping) for r in (await conn.execute(stmt)).all()]
