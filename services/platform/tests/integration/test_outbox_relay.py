"""Outbox and relay against real databases (SQLite and PostgreSQL)."""

import asyncio
from collections.abc import AsyncIterator, Sequence

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from tatamutasi_contracts import validate_event
from tatamutasi_contracts.pegawai import PegawaiRegistered
from tatamutasi_pegawai.adapters.orm import platform as tables
from tatamutasi_platform.db import create_engine
from tatamutasi_platform.metrics import Metrics
from tatamutasi_platform.migrations import upgrade
from tatamutasi_platform.outbox import Actor, OutboxRelay, Publisher, add_event, read_events

SOURCE = "/tatamutasi/pegawai"
ACTOR = Actor("tester", "admin")


class RecordingPublisher(Publisher):
    def __init__(self) -> None:
        self.messages: list[tuple[str, bytes | None, bytes]] = []
        self.fail = False

    @property
    def ready(self) -> bool:
        return True

    async def publish(self, messages: Sequence[tuple[str, bytes | None, bytes]]) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.messages.extend(messages)

    def sequences(self) -> list[int]:
        return [orjson.loads(v)["sequence"] for _, _, v in self.messages]


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    await asyncio.to_thread(upgrade, "tatamutasi_pegawai", db_url, "pegawai")
    eng = create_engine(db_url)
    yield eng
    await eng.dispose()


def nip(i: int) -> str:
    return f"19850312201001{1 + i % 2}{1 + i % 999:03d}"


def payload(i: int) -> PegawaiRegistered:
    return PegawaiRegistered(nip=nip(i), name=f"Pegawai {i}", unor_id="U1", jabatan_id="J1")


async def stage(engine: AsyncEngine, start: int, count: int) -> None:
    async with engine.begin() as conn:
        for i in range(start, start + count):
            await add_event(conn, tables, payload(i), subject=nip(i), actor=ACTOR)


def relay_for(engine: AsyncEngine, pub: Publisher, batch: int = 1000) -> OutboxRelay:
    return OutboxRelay(engine, tables, SOURCE, pub, Metrics(), batch_size=batch)


async def test_relay_assigns_gap_free_sequences_and_keeps_rows(engine: AsyncEngine) -> None:
    await stage(engine, 0, 5)
    pub = RecordingPublisher()
    relay = relay_for(engine, pub, batch=2)
    while await relay.relay_once():
        pass
    assert pub.sequences() == [1, 2, 3, 4, 5]
    for _topic, key, value in pub.messages:
        envelope, model = validate_event(value)
        assert envelope.source == SOURCE and envelope.actor == "tester"
        assert envelope.actorrole == "admin" and key == envelope.subject.encode()
        assert isinstance(model, PegawaiRegistered)
    async with engine.connect() as conn:
        kept = (
            await conn.execute(
                sa.select(sa.func.count())
                .select_from(tables.outbox)
                .where(tables.outbox.c.published_at.is_not(None))
            )
        ).scalar()
        replay = await read_events(conn, tables, SOURCE, after=3, limit=10)
    assert kept == 5
    assert [e["sequence"] for e in replay] == [4, 5]
    assert await relay.pending() == 0


async def test_rolled_back_write_leaves_no_event_and_no_hole(engine: AsyncEngine) -> None:
    with pytest.raises(RuntimeError):
        async with engine.begin() as conn:
            await add_event(conn, tables, payload(1), subject=nip(1), actor=ACTOR)
            raise RuntimeError("business rule failed")
    await stage(engine, 2, 1)
    pub = RecordingPublisher()
    await relay_for(engine, pub).relay_once()
    assert pub.sequences() == [1]
    assert orjson.loads(pub.messages[0][2])["subject"] == nip(2)


async def test_publish_failure_keeps_rows_and_sequences_for_retry(engine: AsyncEngine) -> None:
    await stage(engine, 0, 3)
    pub = RecordingPublisher()
    pub.fail = True
    relay = relay_for(engine, pub)
    with pytest.raises(ConnectionError):
        await relay.relay_once()
    assert await relay.pending() == 3
    pub.fail = False
    await stage(engine, 3, 1)
    await relay.relay_once()
    await relay.relay_once()
    assert pub.sequences() == [1, 2, 3, 4]
    assert await relay.pending() == 0


async def test_concurrent_writers_get_unique_gap_free_sequences(engine: AsyncEngine) -> None:
    await asyncio.gather(*(stage(engine, w * 20, 20) for w in range(8)))
    pub = RecordingPublisher()
    relay = relay_for(engine, pub, batch=37)
    while await relay.relay_once():
        pass
    assert sorted(pub.sequences()) == list(range(1, 161))
    assert pub.sequences() == sorted(pub.sequences())


async def test_two_relays_never_reuse_a_sequence(engine: AsyncEngine) -> None:
    pubs = [RecordingPublisher(), RecordingPublisher()]
    relays = [relay_for(engine, p, batch=10) for p in pubs]

    async def writer() -> None:
        for b in range(10):
            await stage(engine, b * 10, 10)

    async def drain(relay: OutboxRelay) -> None:
        for _ in range(40):
            await relay.relay_once()

    await asyncio.gather(writer(), drain(relays[0]), drain(relays[1]))
    for relay in relays:
        while await relay.relay_once():
            pass
    async with engine.connect() as conn:
        seqs = (
            (
                await conn.execute(
                    sa.select(tables.outbox.c.sequence).order_by(tables.outbox.c.sequence)
                )
            )
            .scalars()
            .all()
        )
    assert seqs == list(range(1, 101))


async def test_relay_wakes_up_on_commit(engine: AsyncEngine) -> None:
    pub = RecordingPublisher()
    relay = OutboxRelay(engine, tables, SOURCE, pub, Metrics(), poll_interval_s=30)
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.2)
        await stage(engine, 0, 1)
        relay.wake()
        for _ in range(100):
            if pub.messages:
                break
            await asyncio.sleep(0.02)
        assert pub.sequences() == [1]
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_unregistered_payload_type_is_refused(engine: AsyncEngine) -> None:
    from pydantic import BaseModel

    class NotAnEvent(BaseModel):
        x: int = 1

    async with engine.begin() as conn:
        with pytest.raises(TypeError):
            await add_event(conn, tables, NotAnEvent(), subject=None, actor=ACTOR)
