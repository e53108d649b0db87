"""What the use cases share: how they emit events, and small row helpers."""

import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts import EVENT_TYPES
from tatamutasi_contracts.envelope import format_time
from tatamutasi_formasi.adapters.orm import platform
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.outbox import Actor, add_event
from tatamutasi_platform.runtime import Transaction

Emit = Callable[[BaseModel, str], Awaitable[object]]
EmitMany = Callable[[list[tuple[BaseModel, str]]], Awaitable[None]]
T = TypeVar("T")
_SPEC_OF_MODEL = {spec.model: spec for spec in EVENT_TYPES.values()}


def tx_emitter(tx: Transaction) -> Emit:
    async def emit(payload: BaseModel, subject: str) -> object:
        return await tx.emit(payload, subject=subject)

    return emit


def conn_emitter(conn: AsyncConnection, actor: Actor) -> Emit:
    """For consumers: stage events in the consumer's own transaction (same outbox)."""

    async def emit(payload: BaseModel, subject: str) -> object:
        return await add_event(conn, platform, payload, subject=subject, actor=actor)

    return emit


def tx_emitter_many(tx: Transaction) -> EmitMany:
    async def emit(items: list[tuple[BaseModel, str]]) -> None:
        for payload, subject in items:
            await tx.emit(payload, subject=subject)

    return emit


def conn_emitter_many(conn: AsyncConnection, actor: Actor) -> EmitMany:
    """Stage many events with one multi-row INSERT into the outbox (consumers apply batches
    of a thousand events; one statement per event would dominate). The rows are exactly
    what `tatamutasi_platform.outbox.add_event` writes; the relay sequences them."""

    async def emit(items: list[tuple[BaseModel, str]]) -> None:
        if not items:
            return
        now = format_time(utcnow())
        rows = []
        for payload, subject in items:
            spec = _SPEC_OF_MODEL[type(payload)]
            rows.append(
                {
                    "event_id": str(uuid.uuid4()),
                    "topic": spec.topic.value,
                    "key": subject,
                    "type": spec.type,
                    "subject": subject,
                    "time": now,
                    "actor": actor.id,
                    "actorrole": actor.role,
                    "traceparent": None,
                    "data": orjson.dumps(payload.model_dump(mode="json")).decode(),
                }
            )
        for chunk in chunks(rows, 1000):
            await conn.execute(platform.outbox.insert(), list(chunk))

    return emit


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def loads(text: str | None) -> Any:
    return orjson.loads(text) if text else None


def chunks(items: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def valid_at(table: Any, on: date) -> Any:
    """Versions valid on `on`: valid_from <= on < valid_to (open-ended when NULL)."""
    return (table.c.valid_from <= on) & ((table.c.valid_to.is_(None)) | (table.c.valid_to > on))


def unique(items: Iterable[T]) -> list[T]:
    return list(dict.fromkeys(items))
