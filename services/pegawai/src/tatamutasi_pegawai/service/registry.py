"""Use cases of the registry. Each runs inside a unit of work (`Transaction`)."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts.pegawai import PegawaiRegistered
from tatamutasi_pegawai.adapters.orm import pegawai
from tatamutasi_pegawai.domain.nip import Kind, parse_nip
from tatamutasi_platform.clock import as_utc, utcnow
from tatamutasi_platform.errors import Conflict
from tatamutasi_platform.runtime import Transaction


@dataclass(frozen=True)
class RegisterPegawai:
    nip: str
    name: str
    unor_id: str
    jabatan_id: str


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


def _view(row: sa.Row[tuple[object, ...]]) -> PegawaiView:
    m = row._mapping
    return PegawaiView(
        m["nip"],
        Kind(m["kind"]),
        m["name"],
        m["unor_id"],
        m["jabatan_id"],
        m["version"],
        as_utc(m["created_at"]),
        m["created_by"],
        as_utc(m["updated_at"]),
    )


async def register(tx: Transaction, cmd: RegisterPegawai) -> PegawaiView:
    info = parse_nip(cmd.nip)
    now = utcnow()
    try:
        async with tx.conn.begin_nested():
            await tx.conn.execute(
                pegawai.insert().values(
                    nip=cmd.nip,
                    kind=info.kind.value,
                    name=cmd.name,
                    unor_id=cmd.unor_id,
                    jabatan_id=cmd.jabatan_id,
                    version=1,
                    created_at=now,
                    created_by=tx.actor.id,
                    updated_at=now,
                    updated_by=tx.actor.id,
                )
            )
    except IntegrityError:
        raise Conflict(
            f"NIP {cmd.nip} is already registered", f"NIP {cmd.nip} sudah terdaftar", field="nip"
        ) from None
    await tx.emit(
        PegawaiRegistered(
            nip=cmd.nip, name=cmd.name, unor_id=cmd.unor_id, jabatan_id=cmd.jabatan_id
        ),
        subject=cmd.nip,
    )
    return PegawaiView(
        cmd.nip, info.kind, cmd.name, cmd.unor_id, cmd.jabatan_id, 1, now, tx.actor.id, now
    )


async def get(conn: AsyncConnection, nip: str) -> PegawaiView | None:
    row = (await conn.execute(sa.select(pegawai).where(pegawai.c.nip == nip))).first()
    return _view(row) if row else None


async def page(
    conn: AsyncConnection,
    *,
    after_nip: str | None,
    limit: int,
    unor_ids: frozenset[str] | None = None,
    unor_id: str | None = None,
    query: str | None = None,
) -> list[PegawaiView]:
    stmt = sa.select(pegawai).order_by(pegawai.c.nip).limit(limit)
    if after_nip is not None:
        stmt = stmt.where(pegawai.c.nip > after_nip)
    if unor_ids is not None:
        stmt = stmt.where(pegawai.c.unor_id.in_(unor_ids))
    if unor_id is not None:
        stmt = stmt.where(pegawai.c.unor_id == unor_id)
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            sa.or_(sa.func.lower(pegawai.c.name).like(like), pegawai.c.nip.like(f"{query}%"))
        )
    return [_view(r) for r in (await conn.execute(stmt)).all()]
