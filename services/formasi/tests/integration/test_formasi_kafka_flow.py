"""Events flow for real: pegawai events on the broker become bezetting, and the formasi
events they cause (vacancies) leave through the outbox relay onto `tatamutasi.formasi.v1`."""

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi.testclient import TestClient

from tatamutasi_contracts import Topic
from tatamutasi_formasi.app import create_app
from tatamutasi_formasi.settings import FormasiSettings
from tatamutasi_platform.broker import TansuBroker
from tatamutasi_platform.bus import ensure_topics
from tatamutasi_platform.testing import service_settings

pytestmark = pytest.mark.kafka
Headers = Callable[..., dict[str, str]]
NIP = "198503122010011002"


def envelope(seq: int, type_: str, data: dict[str, object]) -> bytes:
    return orjson.dumps(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": f"/tatamutasi/pegawai-test-{uuid.uuid4().hex[:6]}",
            "type": type_,
            "time": "2026-11-20T08:00:00Z",
            "subject": NIP,
            "datacontenttype": "application/json",
            "sequence": seq,
            "actor": "bkd-1",
            "data": data,
        }
    )


async def publish(bootstrap: str, messages: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for m in messages:
            await producer.send_and_wait(Topic.PEGAWAI.value, m, key=NIP.encode())
    finally:
        await producer.stop()


async def formasi_types(bootstrap: str, unit: str, want: set[str], timeout: float = 20) -> set[str]:
    consumer = AIOKafkaConsumer(
        Topic.FORMASI.value,
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
                    if env["data"].get("unit_id") == unit:
                        seen.add(env["type"])
    finally:
        await consumer.stop()
    return seen


def test_placement_events_from_the_broker_drive_bezetting_and_vacancies(
    db_url: str, dev_keys: tuple[bytes, Path], broker: TansuBroker, auth_headers: Headers
) -> None:
    asyncio.run(ensure_topics(broker.bootstrap, [Topic.PEGAWAI.value, Topic.FORMASI.value], 3))
    settings = service_settings(
        FormasiSettings, db_url=db_url, public_key=dev_keys[1], bootstrap=broker.bootstrap
    )
    unit = f"U-K-{uuid.uuid4().hex[:8]}"
    h = auth_headers("admin")
    with TestClient(create_app(settings)) as c:  # type: ignore[arg-type]
        body = {
            "unit_id": unit,
            "name": "Bidang Uji",
            "unit_type": "bidang",
            "valid_from": "2020-01-01",
        }
        assert c.post("/units", json=body, headers=h).status_code == 201
        jab = {
            "jabatan_id": "J-KABID",
            "name": "Kepala Bidang",
            "jenis": "struktural",
            "eselon_id": "32",
        }
        assert c.post("/jabatan", json=jab, headers=h).status_code == 201
        need = {"unit_id": unit, "jabatan_id": "J-KABID", "valid_from": "2026-01-01", "count": 1}
        assert c.post("/needs", json=need, headers=h).status_code == 200
        registered = {"nip": NIP, "name": "Budi", "unor_id": unit, "jabatan_id": "J-KABID"}
        asyncio.run(publish(broker.bootstrap, [envelope(1, "pegawai.registered", registered)]))
        deadline = time.monotonic() + 30
        rows: list[dict[str, object]] = []
        while time.monotonic() < deadline:
            rows = c.get("/bezetting", params={"unor_id": unit}, headers=h).json()
            if rows:
                break
            time.sleep(0.2)
        assert rows == [{"unor_id": unit, "jabatan_id": "J-KABID", "filled": 1, "acting": 0}]
        want = {
            "formasi.unit_changed",
            "formasi.need_set",
            "formasi.vacancy_opened",
            "formasi.vacancy_filled",
        }
        assert asyncio.run(formasi_types(broker.bootstrap, unit, want)) == want
