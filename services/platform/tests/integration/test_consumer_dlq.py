"""Idempotent consumer and dead-letter topic against the real broker and real databases."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tatamutasi_audit.adapters.orm import ledger_entries
from tatamutasi_audit.adapters.orm import platform as tables
from tatamutasi_audit.service import ledger
from tatamutasi_audit.settings import AuditSettings
from tatamutasi_platform.broker import TansuBroker
from tatamutasi_platform.bus import Bus, ensure_topics
from tatamutasi_platform.consumer import HandlerRejected, IdempotentConsumer
from tatamutasi_platform.db import create_engine
from tatamutasi_platform.metrics import Metrics
from tatamutasi_platform.migrations import upgrade
from tatamutasi_platform.testing import service_settings

pytestmark = pytest.mark.kafka


@dataclass
class FakeRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def envelope(seq: int, *, nip: str = "198503122010011002", **changes: Any) -> dict[str, Any]:
    env: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/tatamutasi/pegawai",
        "type": "pegawai.registered",
        "time": "2026-11-23T10:00:00Z",
        "subject": nip,
        "datacontenttype": "application/json",
        "sequence": seq,
        "actor": "tester",
        "data": {"nip": nip, "name": "Budi", "unor_id": "U1", "jabatan_id": "J1"},
    }
    env.update(changes)
    return env


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    await asyncio.to_thread(upgrade, "tatamutasi_audit", db_url, "audit")
    eng = create_engine(db_url)
    yield eng
    await eng.dispose()


@pytest.fixture
async def topic(broker: TansuBroker) -> str:
    name = f"test.{uuid.uuid4().hex[:10]}"
    await ensure_topics(broker.bootstrap, [name, name + ".dlq"], partitions=2)
    return name


@pytest.fixture
async def bus(broker: TansuBroker, dev_keys: tuple[bytes, Path], db_url: str) -> AsyncIterator[Bus]:
    settings = service_settings(
        AuditSettings,
        db_url=db_url,
        public_key=dev_keys[1],
        bootstrap=broker.bootstrap,
        kafka_create_topics=False,
    )
    b = Bus(settings, Metrics(), [])  # type: ignore[arg-type]
    task = asyncio.create_task(b.run())
    assert await b.wait_ready(15)
    yield b
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def make_consumer(
    engine: AsyncEngine,
    bus: Bus,
    topic: str,
    broker: TansuBroker,
    dev_keys: tuple[bytes, Path],
    **kw: Any,
) -> IdempotentConsumer:
    settings = service_settings(
        AuditSettings, db_url="sqlite://", public_key=dev_keys[1], bootstrap=broker.bootstrap
    )
    kw.setdefault("handler", lambda conn, ev: ledger.append(conn, [ev]))
    kw.setdefault("batch_handler", ledger.append)
    return IdempotentConsumer(
        name=f"test-{uuid.uuid4().hex[:6]}",
        topics=[topic],
        settings=settings,
        engine=engine,  # type: ignore[arg-type]
        tables=tables,
        bus=bus,
        metrics=Metrics(),
        **kw,
    )


async def read_dlq(bootstrap: str, topic: str, expect: int, timeout: float = 15) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic + ".dlq",
        bootstrap_servers=bootstrap,
        group_id=f"dlq-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        fetch_max_wait_ms=20,
        session_timeout_ms=3000,
        heartbeat_interval_ms=500,
    )
    await consumer.start()
    out: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(out) < expect and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            for recs in batch.values():
                out.extend(recs)
    finally:
        await consumer.stop()
    return out


async def ledger_size(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(
            (
                await conn.execute(sa.select(sa.func.count()).select_from(ledger_entries))
            ).scalar_one()
        )


async def test_bad_messages_go_to_dlq_with_reason_and_good_ones_apply_once(
    engine: AsyncEngine,
    bus: Bus,
    topic: str,
    broker: TansuBroker,
    dev_keys: tuple[bytes, Path],
) -> None:
    consumer = make_consumer(engine, bus, topic, broker, dev_keys)
    good = [envelope(1), envelope(2, nip="199001012015032001")]
    records = [
        FakeRecord(topic, 0, 0, b"k", orjson.dumps(good[0])),
        FakeRecord(topic, 0, 1, b"k", orjson.dumps(good[0])),  # duplicate delivery
        FakeRecord(topic, 0, 2, b"k", b"{not json"),
        FakeRecord(topic, 0, 3, b"k", orjson.dumps(envelope(3, type="pegawai.teleported"))),
        FakeRecord(topic, 1, 0, b"k", orjson.dumps(envelope(4, sequence=0))),
        FakeRecord(topic, 1, 1, b"k", orjson.dumps(good[1])),
        FakeRecord(topic, 1, 2, None, None),
    ]
    await consumer.process(records)
    assert await ledger_size(engine) == 2

    await consumer.process(records)  # a full redelivery changes nothing
    assert await ledger_size(engine) == 2

    dlq = await read_dlq(broker.bootstrap, topic, expect=8)
    reasons = [dict(r.headers)["dlq.reason"].decode() for r in dlq]
    assert len(dlq) == 8  # 4 rejects, delivered twice: at-least-once for the DLQ too
    assert any("undecodable" in r for r in reasons)
    assert any("unknown event type 'pegawai.teleported'" in r for r in reasons)
    assert any("sequence" in r and "greater than or equal to 1" in r for r in reasons)
    first = dict(dlq[0].headers)
    assert first["dlq.topic"].decode() == topic and first["dlq.consumer"].decode() == consumer.name


async def test_a_handler_failure_dead_letters_only_that_event(
    engine: AsyncEngine,
    bus: Bus,
    topic: str,
    broker: TansuBroker,
    dev_keys: tuple[bytes, Path],
) -> None:
    poison = "199001012015032001"

    async def picky(conn: AsyncConnection, events: Any) -> None:
        if any(ev.envelope.subject == poison for ev in events):
            raise HandlerRejected("this NIP cannot be recorded")
        await ledger.append(conn, events)

    consumer = make_consumer(
        engine,
        bus,
        topic,
        broker,
        dev_keys,
        batch_handler=picky,
        handler=lambda conn, ev: picky(conn, [ev]),
    )
    batch = [envelope(1), envelope(2, nip=poison), envelope(3, nip="198001012005011003")]
    await consumer.process(
        [FakeRecord(topic, 0, i, None, orjson.dumps(e)) for i, e in enumerate(batch)]
    )
    assert await ledger_size(engine) == 2
    dlq = await read_dlq(broker.bootstrap, topic, expect=1)
    assert len(dlq) == 1
    assert orjson.loads(dlq[0].value)["id"] == batch[1]["id"]
    assert (
        "handler rejected: this NIP cannot be recorded"
        in dict(dlq[0].headers)["dlq.reason"].decode()
    )


async def test_consumer_loop_keeps_consuming_after_malformed_messages_and_resumes(
    engine: AsyncEngine,
    bus: Bus,
    topic: str,
    broker: TansuBroker,
    dev_keys: tuple[bytes, Path],
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=False)
    await producer.start()
    consumer = make_consumer(engine, bus, topic, broker, dev_keys)
    task = asyncio.create_task(consumer.run())
    try:
        events = [envelope(i) for i in range(1, 6)]
        await producer.send_and_wait(topic, b"garbage", key=b"x")
        for e in events:
            await producer.send_and_wait(topic, orjson.dumps(e), key=e["subject"].encode())
        for _ in range(300):
            if await ledger_size(engine) == 5:
                break
            await asyncio.sleep(0.05)
        assert await ledger_size(engine) == 5
        # Redelivery of already-applied events (e.g. after a crash before the offset commit).
        for e in events[:3]:
            await producer.send_and_wait(topic, orjson.dumps(e), key=e["subject"].encode())
        extra = envelope(6)
        await producer.send_and_wait(topic, orjson.dumps(extra), key=b"y")
        for _ in range(300):
            if await ledger_size(engine) == 6:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        assert await ledger_size(engine) == 6
        dlq = await read_dlq(broker.bootstrap, topic, expect=1)
        assert [r.value for r in dlq] == [b"garbage"]
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await producer.stop()
    async with engine.connect() as conn:
        v = await ledger.verify(conn)
    assert v.consistent and v.size == 6
