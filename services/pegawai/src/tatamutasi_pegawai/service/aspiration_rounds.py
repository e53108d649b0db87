"""Aspirations close with the mutasi round: a small read model of the rounds the matching
service announces (`mutasi.round_changed` on `tatamutasi.mutasi.v1`) and the rule that an
aspiration can no longer be stated, changed or withdrawn once the open round's
`aspirations_close_at` has passed. Reading aspirations is never refused."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts.mutasi import MutasiRoundChanged
from tatamutasi_pegawai.adapters.orm import mutasi_round_view
from tatamutasi_platform.clock import as_utc, utcnow
from tatamutasi_platform.consumer import Event
from tatamutasi_platform.errors import Conflict


class AspirationsClosed(Conflict):
    code = "aspirations-closed"


async def on_round_changed(conn: AsyncConnection, event: Event) -> None:
    """Keep the round as announced. Redelivery is a no-op (the consumer's inbox), and an
    older event replayed after a newer one is ignored (the producer's `sequence`)."""
    p = event.payload
    assert isinstance(p, MutasiRoundChanged)
    sequence = int(event.envelope.sequence or 0)
    t = mutasi_round_view
    current = (
        await conn.execute(sa.select(t.c.sequence).where(t.c.round_id == p.round_id))
    ).scalar_one_or_none()
    values: dict[str, Any] = {
        "name": p.name,
        "status": p.status,
        "aspirations_close_at": as_utc(p.aspirations_close_at) if p.aspirations_close_at else None,
        "sequence": sequence,
        "updated_at": utcnow(),
    }
    if current is None:
        await conn.execute(t.insert(), {"round_id": p.round_id, **values})
    elif sequence == 0 or sequence > current:
        await conn.execute(sa.update(t).where(t.c.round_id == p.round_id).values(**values))


def _closed(row: Any, now: datetime) -> bool:
    if row.status != "open":
        return True
    close = row.aspirations_close_at
    return close is not None and as_utc(close) <= now


async def check_open(
    conn: AsyncConnection, round_id: str | None, now: datetime | None = None
) -> None:
    """Refuse (409) when aspirations for `round_id` are closed: the round is known and no
    longer open, or its close time has passed. Without a round, the standing preferences
    feed every open round, so any open round past its close time refuses them."""
    now = now or utcnow()
    t = mutasi_round_view
    q = sa.select(t).order_by(t.c.aspirations_close_at, t.c.round_id)
    q = q.where(t.c.round_id == round_id) if round_id is not None else q.where(t.c.status == "open")
    for row in (await conn.execute(q)).all():
        if not _closed(row, now):
            continue
        close = as_utc(row.aspirations_close_at).isoformat() if row.aspirations_close_at else None
        if row.status != "open":
            en = (
                f"round {row.name!r} ({row.round_id}) is {row.status}; its aspirations can no "
                "longer be stated, changed or withdrawn"
            )
            id_ = (
                f"putaran {row.name!r} ({row.round_id}) berstatus {row.status}; aspirasinya "
                "tidak dapat lagi disampaikan, diubah, atau ditarik"
            )
        else:
            en = (
                f"aspirations for round {row.name!r} ({row.round_id}) closed at {close}; they "
                "can no longer be stated, changed or withdrawn"
            )
            id_ = (
                f"aspirasi untuk putaran {row.name!r} ({row.round_id}) ditutup pada {close}; "
                "tidak dapat lagi disampaikan, diubah, atau ditarik"
            )
        raise AspirationsClosed(
            en,
            id_,
            field="round_id",
            round_id=row.round_id,
            round_name=row.name,
            round_status=row.status,
            aspirations_close_at=close,
        )
