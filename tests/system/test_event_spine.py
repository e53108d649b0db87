"""The vertical slice end to end: HTTP -> outbox -> Kafka -> audit ledger (and read models),
and the faults the foundation must survive."""

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from system_harness import System, ledger_items, wait_until
from tatamutasi_audit.ledger.note import Verifier
from tatamutasi_cli.audit_cmd import run_verify
from tatamutasi_contracts import Topic, dlq_topic
from tatamutasi_platform.broker import TansuBroker, free_port

pytestmark = [pytest.mark.system, pytest.mark.kafka, pytest.mark.slow]

Headers = Callable[..., dict[str, str]]


def nip(i: int) -> str:
    return f"19850312201001{1 + i % 2}{100 + i:03d}"


def register(client: httpx.Client, url: str, headers: dict[str, str], i: int) -> None:
    r = client.post(
        f"{url}/pegawai",
        headers=headers,
        json={
            "nip": nip(i),
            "name": f"Pegawai Uji {i}",
            "unor_id": "U-DINKES",
            "jabatan_id": "J-ANALIS",
        },
    )
    assert r.status_code == 201, r.text


def subjects(items: list[dict[str, Any]]) -> list[str]:
    return [i["subject"] for i in items]


def pseudonym(client: httpx.Client, audit_url: str, headers: dict[str, str], n: str) -> str:
    """The ledger records NIPs as keyed pseudonyms; auditors look them up."""
    r = client.get(f"{audit_url}/ledger/pseudonyms/{n}", headers=headers)
    r.raise_for_status()
    return str(r.json()["pseudonym"])


def test_registration_reaches_ledger_and_read_models(
    system_factory: Callable[..., System], auth_headers: Headers
) -> None:
    system = system_factory()
    for name in ("audit", "formasi", "matching", "pegawai"):
        system.start(name)
    admin, auditor = auth_headers("admin", sub="bkd-1"), auth_headers("auditor")
    with httpx.Client(timeout=10) as client:
        started = time.monotonic()
        register(client, system.url("pegawai"), admin, 1)
        items = wait_until(
            lambda: ledger_items(client, system.url("audit"), auditor),
            what="the event in the ledger",
        )
        latency = time.monotonic() - started
        entry = items[0]
        psn = pseudonym(client, system.url("audit"), auditor, nip(1))
        assert entry["type"] == "pegawai.registered" and entry["subject"] == psn
        assert nip(1) not in str(entry)
        assert entry["sequence"] == 1 and entry["actor"] == "bkd-1"
        assert entry["event"]["data"]["unor_id"] == "U-DINKES"
        assert entry["event"]["actorrole"] == "admin"
        print(f"commit-to-ledger latency over HTTP: {latency:.3f}s")
        bezetting = wait_until(
            lambda: client.get(f"{system.url('formasi')}/bezetting", headers=admin).json(),
            what="bezetting",
        )
        assert [(b["unor_id"], b["jabatan_id"], b["filled"]) for b in bezetting] == [
            ("U-DINKES", "J-ANALIS", 1)
        ]
        summary = wait_until(
            lambda: client.get(
                f"{system.url('matching')}/read-models/workforce", headers=admin
            ).json()["employees"],
            what="workforce",
        )
        assert summary == 1
        verify = client.get(f"{system.url('audit')}/ledger/verify", headers=auditor).json()
        assert verify["consistent"] and verify["size"] == 1
        assert (
            client.get(f"{system.url('audit')}/checkpoint", headers=auditor).text.split("\n")[1]
            == "1"
        )
        # an auditor with only the verifier key and the URL verifies the log and the event
        vkey = Verifier.parse(
            client.get(f"{system.url('audit')}/ledger/key", headers=auditor).json()["vkey"]
        )
        with httpx.Client(base_url=system.url("audit"), headers=auditor) as tiles:
            report = run_verify(tiles, vkey, event_ids=[entry["event_id"]])
        assert report.checkpoint.size == 1 and report.included == {entry["event_id"]: 0}
        assert (
            client.get(
                f"{system.url('audit')}/ledger/entries", headers=auth_headers("pegawai")
            ).status_code
            == 403
        )
        for name in ("audit", "pegawai"):
            assert client.get(f"{system.url(name)}/readyz").status_code == 200


def test_sigkill_between_commit_and_publish_loses_nothing_and_duplicates_change_nothing(
    system_factory: Callable[..., System], auth_headers: Headers
) -> None:
    system = system_factory()
    system.start("audit")
    system.start("pegawai", RELAY_ENABLED="false")
    admin, auditor = auth_headers("admin"), auth_headers("auditor")
    with httpx.Client(timeout=10) as client:
        for i in range(5):
            register(client, system.url("pegawai"), admin, i)
        assert "outbox_pending_events 5.0" in client.get(f"{system.url('pegawai')}/metrics").text
        system.kill("pegawai")  # committed, never published
        time.sleep(0.5)
        assert ledger_items(client, system.url("audit"), auditor) == []

        system.start("pegawai")  # the relay publishes what the killed process left behind
        items = wait_until(
            lambda: (
                len(ledger_items(client, system.url("audit"), auditor)) == 5
                and ledger_items(client, system.url("audit"), auditor)
            ),
            what="5 ledger entries",
        )
        audit = system.url("audit")
        assert sorted(subjects(items)) == sorted(
            pseudonym(client, audit, auditor, nip(i)) for i in range(5)
        )
        # Per-key order is kept; across partitions the ledger keeps arrival order.
        assert sorted(i["sequence"] for i in items) == [1, 2, 3, 4, 5]

        # Deliver every event a second time, as a relay crash before marking would.
        replay = client.get(f"{system.url('pegawai')}/events", headers=auditor).json()["items"]
        assert len(replay) == 5

        async def redeliver() -> None:
            producer = AIOKafkaProducer(
                bootstrap_servers=system.bootstrap, enable_idempotence=False
            )
            await producer.start()
            try:
                for env in replay:
                    await producer.send_and_wait(
                        Topic.PEGAWAI.value, orjson.dumps(env), key=env["subject"].encode()
                    )
            finally:
                await producer.stop()

        asyncio.run(redeliver())
        register(client, system.url("pegawai"), admin, 99)  # a marker behind the duplicates
        wait_until(
            lambda: (
                pseudonym(client, audit, auditor, nip(99))
                in subjects(ledger_items(client, audit, auditor))
            ),
            what="marker",
        )
        final = ledger_items(client, system.url("audit"), auditor)
        assert len(final) == 6
        verify = client.get(f"{system.url('audit')}/ledger/verify", headers=auditor).json()
        assert verify == {**verify, "consistent": True, "size": 6}


def test_malformed_message_is_dead_lettered_and_consumption_continues(
    system_factory: Callable[..., System], auth_headers: Headers
) -> None:
    system = system_factory()
    system.start("audit")
    system.start("pegawai")

    async def poison_and_read_dlq() -> list[Any]:
        producer = AIOKafkaProducer(bootstrap_servers=system.bootstrap)
        await producer.start()
        await producer.send_and_wait(Topic.PEGAWAI.value, b'{"specversion": "1.0"}', key=b"x")
        await producer.stop()
        consumer = AIOKafkaConsumer(
            dlq_topic(Topic.PEGAWAI.value),
            bootstrap_servers=system.bootstrap,
            group_id="dlq-reader",
            auto_offset_reset="earliest",
            fetch_max_wait_ms=20,
        )
        await consumer.start()
        try:
            got: list[Any] = []
            for _ in range(100):
                for recs in (await consumer.getmany(timeout_ms=200)).values():
                    got += recs
                if got:
                    return got
            return got
        finally:
            await consumer.stop()

    dead = asyncio.run(poison_and_read_dlq())
    assert len(dead) == 1
    headers = dict(dead[0].headers)
    assert headers["dlq.consumer"] == b"audit-ledger"
    assert b"contract validation failed" in headers["dlq.reason"]
    assert b"sequence" in headers["dlq.reason"]
    admin, auditor = auth_headers("admin"), auth_headers("auditor")
    with httpx.Client(timeout=10) as client:
        register(client, system.url("pegawai"), admin, 7)
        wait_until(lambda: ledger_items(client, system.url("audit"), auditor), what="ledger")
        # the rejection itself is in the ledger (as an audit.event_rejected entry)
        rejected = wait_until(
            lambda: ledger_items(client, system.url("audit"), auditor, type="audit.event_rejected"),
            what="the rejection in the ledger",
        )
        data = rejected[0]["event"]["data"]
        assert data["topic"] == Topic.PEGAWAI.value and "sequence" in data["reason"]


def test_broker_down_at_start_then_everything_flows_when_it_comes_back(
    system_factory: Callable[..., System], auth_headers: Headers, tmp_path: Any
) -> None:
    port = free_port()
    system = system_factory(bootstrap=f"127.0.0.1:{port}")
    system.start("audit")
    system.start("pegawai")
    admin, auditor = auth_headers("admin"), auth_headers("auditor")
    with httpx.Client(timeout=10) as client:
        ready = client.get(f"{system.url('pegawai')}/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["broker"] == "unreachable"
        register(client, system.url("pegawai"), admin, 3)  # writes still commit
        broker = TansuBroker(port, log_file=tmp_path / "late-tansu.log").start()
        try:
            items = wait_until(
                lambda: ledger_items(client, system.url("audit"), auditor),
                timeout=40,
                what="the event after the broker came back",
            )
            assert subjects(items) == [pseudonym(client, system.url("audit"), auditor, nip(3))]
            wait_until(
                lambda: client.get(f"{system.url('pegawai')}/readyz").status_code == 200,
                what="readiness",
            )
        finally:
            system.stop_all()
            broker.stop()
