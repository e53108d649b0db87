"""Read models built from other services' events (no synchronous calls in the hot path)."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts.audit import FlagRaised, FlagStatusChanged
from tatamutasi_contracts.formasi import FormasiUnitChanged
from tatamutasi_contracts.pegawai import (
    PegawaiFamilyUpdated,
    PegawaiRegistered,
    PegawaiWritebackAttempted,
)
from tatamutasi_matching.adapters.orm import flag_view, kinship, platform, unit_directory, workforce
from tatamutasi_matching.service import proposals
from tatamutasi_matching.service.talent import on_talent_event
from tatamutasi_platform.consumer import Event
from tatamutasi_platform.db import upsert
from tatamutasi_platform.outbox import Actor
from tatamutasi_platform.runtime import Transaction


async def on_workflow_event(conn: AsyncConnection, event: Event) -> None:
    """Facts the mutasi workflow needs: kinship between NIPs (separation of duties), the
    unit directory (SK names, unit heads), red flags on proposals, and SIASN write-back
    outcomes of executed proposals."""
    p = event.payload
    if isinstance(p, PegawaiFamilyUpdated):
        await conn.execute(sa.delete(kinship).where(kinship.c.nip == p.nip))
        rows = {
            r.other_nip: {
                "nip": p.nip,
                "other_nip": r.other_nip,
                "relation": r.relation,
                "confidence": r.confidence,
            }
            for r in p.relations
            if r.other_nip != p.nip
        }
        if rows:
            await conn.execute(kinship.insert(), list(rows.values()))
    elif isinstance(p, FormasiUnitChanged):
        await upsert(
            conn,
            unit_directory,
            [
                {
                    "unit_id": p.unit_id,
                    "name": p.name,
                    "parent_id": p.parent_id,
                    "eselon_id": p.eselon_id,
                    "closed": p.closed,
                }
            ],
            key=["unit_id"],
        )
    elif isinstance(p, FlagRaised):
        await upsert(
            conn,
            flag_view,
            [
                {
                    "flag_id": p.flag_id,
                    "rule_id": p.rule_id,
                    "severity": p.severity,
                    "status": "open",
                    "proposal_id": p.proposal_id,
                    "round_id": p.round_id,
                    "explanation_id": p.explanation_id,
                    "explanation_en": p.explanation_en,
                    "citation": p.citation,
                }
            ],
            key=["flag_id"],
        )
    elif isinstance(p, FlagStatusChanged):
        await conn.execute(
            sa.update(flag_view).where(flag_view.c.flag_id == p.flag_id).values(status=p.status)
        )
    elif isinstance(p, PegawaiWritebackAttempted):
        if p.outcome == "succeeded" and p.rw_jabatan_id:
            tx = Transaction(conn, platform, Actor(id=event.envelope.actor, role="integration"))
            await proposals.write_back(tx, p.proposal_id, p.rw_jabatan_id)
        else:
            await proposals.record_writeback_failure(conn, p.proposal_id, p.attempts, p.error)


async def on_event(conn: AsyncConnection, event: Event) -> None:
    await on_talent_event(conn, event)
    await on_workflow_event(conn, event)
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
