"""Recording waivers of failed `block` rules (reason + approver) and loading them for plans
and candidate lists. Each waiver is stored and published as `mutasi.waiver_recorded`."""

import uuid

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts.mutasi import MutasiWaiverRecorded
from tatamutasi_contracts.pegawai import NIP_PATTERN
from tatamutasi_matching.adapters.orm import waiver
from tatamutasi_matching.domain.eligibility import EligibilityError, Waiver, make_waiver
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.errors import Invalid
from tatamutasi_platform.runtime import Transaction


class WaiverIn(BaseModel):
    nip: str = Field(pattern=NIP_PATTERN)
    rule_code: str = Field(min_length=1, max_length=64)
    post_id: str | None = Field(default=None, max_length=200, description="None = any post")
    reason: str = Field(min_length=1, max_length=2000)
    reference: str | None = Field(default=None, max_length=200, description="Letter / SK no.")


async def record(tx: Transaction, body: WaiverIn) -> dict[str, object]:
    """The approver is the acting principal (admin or PPK); the waiver is validated by the
    domain (only waivable `block` rules, non-empty reason)."""
    try:
        w = make_waiver(
            nip=body.nip,
            rule_code=body.rule_code,
            reason=body.reason,
            approver=tx.actor.id,
            post_id=body.post_id,
            reference=body.reference,
        )
    except EligibilityError as exc:
        raise Invalid(exc.message_en, exc.message_id, field=exc.field) from exc
    row = {
        "waiver_id": str(uuid.uuid4()),
        "nip": w.nip,
        "rule_code": w.rule_code,
        "post_id": w.post_id,
        "reason": w.reason,
        "approver": w.approver,
        "reference": w.reference,
        "created_at": utcnow().isoformat(),
    }
    await tx.conn.execute(waiver.insert().values(**row))
    await tx.emit(
        MutasiWaiverRecorded(
            waiver_id=row["waiver_id"],
            nip=w.nip,
            rule_code=w.rule_code,
            post_id=w.post_id,
            reason=w.reason,
            approver=w.approver,
            reference=w.reference,
        ),
        subject=w.nip,
        key=w.nip,
    )
    return row


async def list_rows(conn: AsyncConnection, nip: str | None = None) -> list[dict[str, object]]:
    q = sa.select(waiver).order_by(waiver.c.created_at, waiver.c.waiver_id)
    if nip is not None:
        q = q.where(waiver.c.nip == nip)
    return [dict(r._mapping) for r in await conn.execute(q)]


async def load(conn: AsyncConnection) -> tuple[Waiver, ...]:
    return tuple(
        Waiver(
            nip=str(r["nip"]),
            rule_code=str(r["rule_code"]),
            reason=str(r["reason"]),
            approver=str(r["approver"]),
            post_id=r["post_id"],  # type: ignore[arg-type]
            reference=r["reference"],  # type: ignore[arg-type]
        )
        for r in await list_rows(conn)
    )
