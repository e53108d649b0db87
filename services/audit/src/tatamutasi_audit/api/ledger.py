"""`/ledger`: read the ledger and check it (auditor role; read-only)."""

import base64
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from tatamutasi_audit.service import ledger
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.http import RuntimeDep, require_roles

router = APIRouter(prefix="/ledger", tags=["ledger"])
READERS = ("auditor", "admin", "integration")


class EntryOut(BaseModel):
    index: int = Field(description="Position in the ledger, from 0")
    event_id: str
    source: str
    sequence: int
    type: str
    subject: str | None
    time: str
    actor: str
    event: dict[str, Any] = Field(description="The event as recorded (canonical JSON)")
    entry_b64: str = Field(description="The exact entry bytes (RFC 8785 JSON), base64")
    chain_hash: str = Field(description="SHA-256(previous chain hash || SHA-256(entry)), hex")
    appended_at: str


class EntryPage(BaseModel):
    items: list[EntryOut]
    next_after: int | None = Field(description="Pass as `after` for the next page")


class VerificationOut(BaseModel):
    size: int
    head: str
    consistent: bool
    first_bad_index: int | None


@router.get("/entries", response_model=EntryPage, summary="Ledger entries in index order")
async def list_entries(
    runtime: RuntimeDep,
    _p: Annotated[Principal, Depends(require_roles(*READERS))],
    after: Annotated[int, Query(ge=-1, description="Last index already seen (-1: start)")] = -1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    type: Annotated[str | None, Query(max_length=100, description="Event type")] = None,
    source: Annotated[str | None, Query(max_length=200, description="Producer")] = None,
) -> EntryPage:
    async with runtime.engine.connect() as conn:
        rows = await ledger.entries(conn, after=after, limit=limit, event_type=type, source=source)
    items = [
        EntryOut(
            index=e.index,
            event_id=e.event_id,
            source=e.source,
            sequence=e.sequence,
            type=e.type,
            subject=e.subject,
            time=e.time,
            actor=e.actor,
            event=orjson.loads(e.entry),
            entry_b64=base64.b64encode(e.entry).decode(),
            chain_hash=e.chain_hash.hex(),
            appended_at=e.appended_at.isoformat(),
        )
        for e in rows
    ]
    return EntryPage(items=items, next_after=items[-1].index if len(items) == limit else None)


@router.get(
    "/verify",
    response_model=VerificationOut,
    summary="Recompute the hash chain over every stored entry",
)
async def verify_ledger(
    runtime: RuntimeDep,
    _p: Annotated[Principal, Depends(require_roles(*READERS))],
) -> VerificationOut:
    async with runtime.engine.connect() as conn:
        v = await ledger.verify(conn)
    return VerificationOut(
        size=v.size, head=v.head, consistent=v.consistent, first_bad_index=v.first_bad_index
    )
