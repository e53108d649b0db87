"""Read models built from other services' events (no synchronous calls in the hot path)."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts.pegawai import PegawaiRegistered
from tatamutasi_matching.adapters.orm import workforce
from tatamutasi_matching.service.talent import on_talent_event
from tatamutasi_platform.consumer import Event
from tatamutasi_platform.db import upsert


async def on_event(conn: AsyncConnection, event: Event) -> None:
    await on_talent_event(conn, event)
    p = event.payload
    if isinstance(p, PegawaiRegistered):
        await upsert(
            conn,
            workforce,
            [
                {
                    "nip": p.nip,
                    "name": p.name,
                    "unor_id": p.unor_id,
                    "jabatan_id": p.jabatan_id,
                    "last_event_time": event.envelope.model_dump(mode="json")["time"],
                }
            ],
            key=["nip"],
        )


@dataclass(frozen=True)
class Summary:
    employees: int
    units: int
    last_event_time: str | None


async def summary(conn: AsyncConnection) -> Summary:
    t = workforce
    row = (
        await conn.execute(
            sa.select(
                sa.func.count(),
                sa.func.count(sa.distinct(t.c.unor_id)),
                sa.func.max(t.c.last_event_time),
            )
        )
    ).one()
    return Summary(int(row[0]), int(row[1]), row[2])
