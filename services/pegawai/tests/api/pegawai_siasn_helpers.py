"""Shared helpers of the SIASN sync and write-back tests: the pegawai app wired to an
in-process fake SIASN (httpx ASGI transport), job polling, driving the consumer handler."""

import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tatamutasi_contracts import Envelope
from tatamutasi_contracts.mutasi import ExecutionSnapshot, MutasiExecuted, PostRef
from tatamutasi_pegawai.app import CONSUMER_NAME, create_app
from tatamutasi_pegawai.settings import PegawaiSettings
from tatamutasi_pegawai.siasn_fake import FakeSiasn, fake_client_settings
from tatamutasi_pegawai.siasn_fake import create_app as create_fake
from tatamutasi_platform.consumer import Event
from tatamutasi_platform.testing import service_settings


def siasn_app(db_url: str, public_key: Path, fake: FakeSiasn | None, **over: Any) -> TestClient:
    """The pegawai app; with `fake`, SIASN is configured and reached in-process. The
    write-back worker loop is off unless asked: tests drive it with `process_due`."""
    values: dict[str, Any] = {"reference_path": None, "writeback_enabled": False, **over}
    settings = service_settings(PegawaiSettings, db_url=db_url, public_key=public_key, **values)
    if fake is None:
        return TestClient(create_app(settings))  # type: ignore[arg-type]
    siasn = fake_client_settings(
        "http://fake.test",
        instansi_id=fake.data.instansi_id,
        satuan_kerja_id=fake.data.satuan_kerja_id,
        backoff_initial_s=0.0,
        backoff_max_s=0.0,
        max_attempts=2,
        max_concurrency=4,
    )
    transport = httpx.ASGITransport(app=create_fake(fake))
    return TestClient(create_app(settings, siasn=siasn, siasn_transport=transport))  # type: ignore[arg-type]


def wait_job(client: TestClient, headers: dict[str, str], job_id: str) -> dict[str, Any]:
    """Poll a sync job until it is no longer queued or running."""
    deadline = time.monotonic() + 120
    while True:
        body = client.get(f"/siasn/sync/{job_id}", headers=headers).json()
        if body["status"] not in ("queued", "running"):
            return body  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, body
        time.sleep(0.05)


def executed(
    nip: str,
    unor_id: str,
    jabatan_id: str,
    *,
    proposal_id: str | None = None,
    jenis_penugasan: str = "D",
    jenis_jabatan: str | None = "2",
    tmt: date = date(2026, 1, 2),
) -> MutasiExecuted:
    return MutasiExecuted(
        proposal_id=proposal_id or f"P-{uuid.uuid4().hex[:12]}",
        nip=nip,
        to_post=PostRef(unor_id=unor_id, jabatan_id=jabatan_id),
        jenis_mutasi="MJ",
        jenis_penugasan=jenis_penugasan,  # type: ignore[arg-type]
        state="executed",
        previous_state="approved",
        version=5,
        sk_number="821.2/001/BKPSDM/2026",
        sk_date=date(2025, 12, 20),
        tmt=tmt,
        snapshot=ExecutionSnapshot(
            name="Pegawai",
            to_unor_name="Unit Tujuan",
            to_jabatan_name="Jabatan Tujuan",
            to_jenis_jabatan=jenis_jabatan,  # type: ignore[arg-type]
        ),
    )


def event_of(payload: MutasiExecuted, *, actor: str = "ppk-01") -> Event:
    envelope = Envelope.model_validate(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "/tatamutasi/matching",
            "type": "mutasi.executed",
            "time": "2026-01-02T08:00:00Z",
            "subject": payload.proposal_id,
            "datacontenttype": "application/json",
            "sequence": 1,
            "actor": actor,
            "actorrole": "ppk",
            "data": payload.model_dump(mode="json"),
        }
    )
    return Event(envelope, payload, b"", "tatamutasi.mutasi.v1", 0, 0)


def deliver(client: TestClient, *events: Event) -> list[Any]:
    """Hand events to the pegawai consumer exactly as Kafka delivery would (claim, handle in
    one transaction); returns the refused ones."""
    consumer = client.app.state.runtime.extras["consumer"]  # type: ignore[attr-defined]
    assert consumer.name == CONSUMER_NAME
    assert client.portal is not None
    return client.portal.call(consumer.apply, list(events))  # type: ignore[no-any-return]


def process_writeback(client: TestClient) -> int:
    worker = client.app.state.runtime.extras["writeback"]  # type: ignore[attr-defined]
    assert client.portal is not None
    return client.portal.call(worker.process_due)  # type: ignore[no-any-return]
