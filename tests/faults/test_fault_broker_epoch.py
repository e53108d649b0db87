"""The defence behind fault 1, alone: a broker that lost its data (tansu restarted: a new,
empty broker) is noticed by the bus through its missing marker topic, the relay then
re-publishes the whole outbox, and consumers start over from the new broker."""

import asyncio
from collections.abc import AsyncIterator, Sequence

import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tatamutasi_contracts.pegawai import PegawaiRegistered
from tatamutasi_pegawai.adapters.orm import platform as tables
from tatamutasi_platform.broker import TansuBroker
from tatamutasi_platform.bus import Bus, epoch_topic
from tatamutasi_platform.db import create_engine
from tatamutasi_platform.metrics import Metrics
from tatamutasi_platform.migrations import upgrade
from tatamutasi_platform.outbox import Actor, OutboxRelay, Publisher, add_event
from tatamutasi_platform.settings import ServiceSettings

SOURCE = "/tatamutasi/pegawai"


class EpochPublisher(Publisher):
    def __init__(self) -> None:
        self.sent: list[int] = []
        self.current_epoch = 0

    @property
    def ready(self) -> bool:
        return True

    @property
    def epoch(self) -> int:
        return self.current_epoch

    async def publish(self, messages: Sequence[tuple[str, bytes | None, bytes]]) -> None:
        self.sent += [orjson.loads(v)["sequence"] for _, _, v in messages]


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    await asyncio.to_thread(upgrade, "tatamutasi_pegawai", db_url, "pegawai")
    eng = create_engine(db_url)
    yield eng
    await eng.dispose()


async def stage(engine: AsyncEngine, start: int, count: int) -> None:
    async with engine.begin() as conn:
        for i in range(start, start + count):
            nip = f"19850312201001{1 + i % 2}{1 + i:03d}"
            await add_event(
                conn,
                tables,
                PegawaiRegistered(nip=nip, name=f"P {i}", unor_id="U1", jabatan_id="J1"),
                subject=nip,
                actor=Actor("tester", "admin"),
            )


async def test_relay_republishes_the_outbox_once_per_new_broker_epoch(engine: AsyncEngine) -> None:
    pub = EpochPublisher()
    relay = OutboxRelay(engine, tables, SOURCE, pub, Metrics())
    await stage(engine, 0, 3)
    await relay.relay_once()
    assert pub.sent == [1, 2, 3] and await relay.pending() == 0
    await relay.relay_once()
    assert pub.sent == [1, 2, 3]  # same epoch: nothing again

    pub.current_epoch = 1  # the broker lost everything it held
    await stage(engine, 3, 1)
    await relay.relay_once()
    assert pub.sent == [1, 2, 3, 1, 2, 3, 4]  # all of it again, in sequence order
    await relay.relay_once()
    assert pub.sent == [1, 2, 3, 1, 2, 3, 4] and await relay.pending() == 0


@pytest.mark.kafka
def test_bus_counts_a_new_epoch_when_the_broker_comes_back_empty(tmp_path: object) -> None:
    broker = TansuBroker().start()
    settings = ServiceSettings(
        service_name="pegawai", kafka_bootstrap=broker.bootstrap, kafka_reconnect_backoff_s=0.1
    )

    async def scenario() -> list[int]:
        bus = Bus(settings, Metrics(), ["tatamutasi.pegawai.v1"])
        task = asyncio.create_task(bus.run())
        seen: list[int] = []
        try:
            assert await bus.wait_ready(20)
            seen.append(bus.epoch)  # a broker that never saw this service: epoch 1
            await asyncio.sleep(0.5)
            seen.append(bus.epoch)  # the marker is there now: no new epoch
            nonlocal broker
            port = broker.port
            await asyncio.to_thread(broker.kill)
            broker = await asyncio.to_thread(TansuBroker(port).start)
            for _ in range(200):
                if bus.epoch > 1:
                    break
                await asyncio.sleep(0.1)
            seen.append(bus.epoch)
            await asyncio.sleep(0.5)
            seen.append(bus.epoch)
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        return seen

    try:
        assert asyncio.run(scenario()) == [1, 1, 2, 2]
        assert epoch_topic("pegawai") == "tatamutasi.pegawai.broker-epoch"
    finally:
        broker.stop()
