"""`mutasi.executed` arrives for real: published on `tatamutasi.mutasi.v1`, the pegawai
consumer records the placement and queues the write-back; the write-back worker posts it to
the fake SIASN; the resulting `pegawai.*` events leave through the outbox onto the broker."""

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi.testclient import TestClient

from tatamutasi_contracts import Topic
from tatamutasi_contracts.mutasi import ExecutionSnapshot, MutasiExecuted, PostRef
from tatamutasi_pegawai.app import create_app
from tatamutasi_pegawai.settings import PegawaiSettings
from tatamutasi_pegawai.siasn_fake import FakeSiasn, fake_client_settings
from tatamutasi_pegawai.siasn_fake import create_app as create_fake
from tatamutasi_platform.broker import TansuBroker
from tatamutasi_platform.bus import ensure_topics
from tatamutasi_platform.testing import service_settings

pytestmark = pytest.mark.kafka


async def publish(bootstrap: str, key: str, message: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(Topic.MUTASI.value, message, key=key.encode())
    finally:
        await producer.stop()


async def pegawai_types(bootstrap: str, nip: str, want: set[str], timeout: float = 30) -> set[str]:
    consumer = AIOKafkaConsumer(
        Topic.PEGAWAI.value,
        bootstrap_servers=bootstrap,
        group_id=f"check-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        fetch_max_wait_ms=20,
        session_timeout_ms=3000,
        heartbeat_interval_ms=500,
    )
    await consumer.start()
    seen: set[str] = set()
    try:
        deadline = time.monotonic() + timeout
        while not want <= seen and time.monotonic() < deadline:
            for recs in (await consumer.getmany(timeout_ms=300)).values():
                for r in recs:
                    env = orjson.loads(r.value)
                    if env["subject"] == nip:
                        seen.add(env["type"])
    finally:
        await consumer.stop()
    return seen


def test_executed_mutasi_from_the_broker_is_placed_and_written_back(
    db_url: str, dev_keys: tuple[bytes, Path], broker: TansuBroker, auth_headers: Any
) -> None:
    asyncio.run(ensure_topics(broker.bootstrap, [Topic.MUTASI.value, Topic.PEGAWAI.value], 3))
    fake = FakeSiasn(seed=9, employees=3)
    settings = service_settings(
        PegawaiSettings,
        db_url=db_url,
        public_key=dev_keys[1],
        bootstrap=broker.bootstrap,
        reference_path=None,
        writeback_poll_s=0.2,
    )
    siasn = fake_client_settings(
        "http://fake.test",
        instansi_id=fake.data.instansi_id,
        satuan_kerja_id=fake.data.satuan_kerja_id,
    )
    admin = auth_headers("admin")
    nip = fake.data.nips[0]
    transport = httpx.ASGITransport(app=create_fake(fake))
    with TestClient(create_app(settings, siasn=siasn, siasn_transport=transport)) as c:  # type: ignore[arg-type]
        r = c.post("/siasn/sync", json={"nips": [nip], "unor": False}, headers=admin)
        assert r.status_code == 202
        consumer = c.app.state.runtime.extras["consumer"]  # type: ignore[attr-defined]
        deadline = time.monotonic() + 60
        while not consumer.assigned.is_set() and time.monotonic() < deadline:
            time.sleep(0.1)
        target = next(u.id for u in fake.data.unors if u.id != fake.data.employees[nip].unor.id)
        move = MutasiExecuted(
            proposal_id=f"P-{uuid.uuid4().hex[:10]}",
            nip=nip,
            to_post=PostRef(unor_id=target, jabatan_id="JF-UJI"),
            jenis_mutasi="MU",
            state="executed",
            previous_state="approved",
            version=4,
            sk_number="821/UJI/2026",
            sk_date="2025-12-20",  # type: ignore[arg-type]
            tmt="2026-01-02",  # type: ignore[arg-type]
            snapshot=ExecutionSnapshot(name="Uji", to_jenis_jabatan="2"),
        )
        envelope = {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": f"/tatamutasi/matching-test-{uuid.uuid4().hex[:6]}",
            "type": "mutasi.executed",
            "time": "2026-01-02T08:00:00Z",
            "subject": move.proposal_id,
            "datacontenttype": "application/json",
            "sequence": 1,
            "actor": "ppk-uji",
            "actorrole": "ppk",
            "data": move.model_dump(mode="json"),
        }
        asyncio.run(publish(broker.bootstrap, move.proposal_id, orjson.dumps(envelope)))
        task: dict[str, Any] = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            items = c.get("/siasn/writeback", headers=admin).json()["items"]
            if items and items[0]["status"] == "succeeded":
                task = items[0]
                break
            time.sleep(0.2)
        assert task.get("rw_jabatan_id"), task
        assert c.get(f"/pegawai/{nip}", headers=admin).json()["unor_id"] == target
        want = {"pegawai.placement_changed", "pegawai.writeback_attempted"}
        assert want <= asyncio.run(pegawai_types(broker.bootstrap, nip, want))
