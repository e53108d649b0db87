"""Fault 4: duplicated and reordered messages. The pegawai service publishes to a scratch
broker nobody else reads; its events (registrations and moves, from its replay endpoint) are
then produced with aiokafka onto the real topic twice each, shuffled: copies arrive before
and after the original, a move before the registration it follows. Every consumer must end
where in-order, exactly-once delivery would have left it."""

import asyncio
import random
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaProducer
from fault_harness import FaultSystem, Figures, Load, assert_healthy, converge, figures, in_flight

from system_harness import wait_until
from tatamutasi_cli.runner import wait_healthy
from tatamutasi_contracts import Topic
from tatamutasi_platform.broker import TansuBroker, free_port

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

VARIANTS = [
    pytest.param(40, 2, id="fast", marks=pytest.mark.system),
    pytest.param(400, 3, id="long", marks=pytest.mark.chaos),
]


def replay(url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after = 0
    with httpx.Client(timeout=10) as client:
        while True:
            r = client.get(f"{url}/events", params={"after": after, "limit": 1000}, headers=headers)
            r.raise_for_status()
            page = r.json()
            items += page["items"]
            if page["next_after"] is None:
                return items
            after = page["next_after"]


async def produce(bootstrap: str, messages: list[dict[str, Any]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for env in messages:
            await producer.send_and_wait(
                Topic.PEGAWAI.value, orjson.dumps(env), key=str(env["subject"]).encode()
            )
    finally:
        await producer.stop()


@pytest.mark.parametrize(("count", "copies"), VARIANTS)
def test_fault_duplicated_and_reordered_messages_change_nothing(
    fault_system: FaultSystem,
    auth_headers: Callable[..., dict[str, str]],
    record_figures: Callable[[Figures], None],
    tmp_path: Any,
    count: int,
    copies: int,
) -> None:
    system = fault_system
    scratch = TansuBroker(free_port(), log_file=tmp_path / "scratch-tansu.log").start()
    try:
        for name in ("audit", "formasi", "matching"):
            system.spawn(name)
        system.spawn("pegawai", KAFKA_BOOTSTRAP=scratch.bootstrap)
        for name in ("audit", "formasi", "matching", "pegawai"):
            wait_healthy(system.url(name), system.procs[name], timeout=180)
        admin, auditor = auth_headers("admin", sub="bkd-fault"), auth_headers("auditor")
        load = Load(system.url("pegawai"), admin, run=4, count=count, move_every=2).start()
        load.join()
        expected = count + load.moves_accepted
        events = wait_until(  # the relay numbers the last events a moment after their commit
            lambda: (e := replay(system.url("pegawai"), auditor)) and len(e) == expected and e,
            timeout=60,
            what="every event sequenced",
        )
        messages = events * copies
        random.Random(12).shuffle(messages)
        flight = in_flight(system)  # all of them: nothing reached the real broker yet
        asyncio.run(produce(system.bootstrap, messages))
        st, seconds = converge(system, load.accepted, auditor, timeout=90)
    finally:
        scratch.stop()
    fig = figures(f"duplicated x{copies} and shuffled", load, flight, st, seconds)
    fig.notes += f"; {len(messages)} messages for {len(events)} events"
    record_figures(fig)
    assert_healthy(fig, st, limit_s=90)
    assert st.dead_lettered == 0
