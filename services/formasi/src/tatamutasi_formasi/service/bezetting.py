"""Bezetting (who holds what) as a read model fed by pegawai events."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts.pegawai import PegawaiRegistered
from tatamutasi_formasi.adapters.orm import placements
from tatamutasi_platform.consumer import Event
from tatamutasi_platform.db import upsert


async def on_pegawai_event(conn: AsyncConnection, event: Event) -> None:
    payload = event.payload
    if isinstance(payload, PegawaiRegistered):
        await upsert(
            conn,
            placements,
            [
                {
                    "nip": payload.nip,
                    "unor_id": payload.unor_id,
                    "jabatan_id": payload.jabatan_id,
                    "event_id": event.envelope.id,
                    "updated_at": event.envelope.model_dump(mode="json")["time"],
                }
            ],
            key=["nip"],
        )


@dataclass(frozen=True)
class Filled:
    unor_id: str
    jabatan_id: str
    filled: int


async def filled(conn: AsyncConnection, unor_id: str | None = None) -> list[Filled]:
    t = placements
    stmt = (
        sa.select(t.c.unor_id, t.c.jabatan_id, sa.func.count().label("n"))
        .group_by(t.c.unor_id, t.c.jabatan_id)
        .order_by(t.c.unor_id, t.c.jabatan_id)
    )
    if unor_id is not None:
        stmt = stmt.where(t.c.unor_id == unor_id)
    return [Filled(r.unor_id, r.jabatan_id, int(r.n)) for r in (await conn.execute(stmt)).all()]
