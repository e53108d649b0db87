"""`mutasi.executed` in the pegawai service: the placement as a history row and its event,
then the durable write-back to SIASN (`/jabatan/unorjabatan/save`) with retries, final
failures for a person, retry through the admin API, and `not_configured` without SIASN."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pegawai_registry_helpers import MINIMAL, count_rows, events, register
from pegawai_siasn_helpers import (
    deliver,
    event_of,
    executed,
    process_writeback,
    siasn_app,
    wait_job,
)

from tatamutasi_pegawai.adapters.orm import siasn_writeback
from tatamutasi_pegawai.siasn_fake import FakeSiasn, Faults
from tatamutasi_platform.clock import utcnow


@pytest.fixture
def fake() -> FakeSiasn:
    return FakeSiasn(seed=5, employees=4)


@pytest.fixture
def client(db_url: str, dev_keys: tuple[bytes, Path], fake: FakeSiasn) -> Iterator[TestClient]:
    with siasn_app(
        db_url, dev_keys[1], fake, writeback_backoff_initial_s=0.0, writeback_max_attempts=2
    ) as c:
        yield c


@pytest.fixture
def nip(client: TestClient, fake: FakeSiasn, auth_headers: Any) -> str:
    """An employee synced from the fake (so SIASN knows them and their units)."""
    admin = auth_headers("admin")
    first = fake.data.nips[0]
    r = client.post("/siasn/sync", json={"nips": [first], "unor": False}, headers=admin)
    assert wait_job(client, admin, r.json()["id"])["done"] == 1
    return first


def _target(fake: FakeSiasn, nip: str) -> str:
    current = fake.data.employees[nip].unor.id
    return next(u.id for u in fake.data.unors if u.id != current and u.eselon_id is None)


def _tasks(client: TestClient, admin: dict[str, str], **params: str) -> list[dict[str, Any]]:
    r = client.get("/siasn/writeback", params=params, headers=admin)
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


def test_executed_mutasi_becomes_the_placement_and_is_written_back(
    client: TestClient, fake: FakeSiasn, nip: str, auth_headers: Any
) -> None:
    admin = auth_headers("admin")
    unor = _target(fake, nip)
    move = executed(nip, unor, "JF-ANALIS-KEBIJAKAN")
    assert deliver(client, event_of(move)) == []
    placed = events(client, "pegawai.placement_changed")[-1]
    assert placed["data"]["reason"] == "mutasi"
    assert placed["data"]["proposal_id"] == move.proposal_id
    assert placed["data"]["sk_number"] == move.sk_number
    assert placed["actor"] == "ppk-01"
    assert client.get(f"/pegawai/{nip}", headers=admin).json()["unor_id"] == unor
    (task,) = _tasks(client, admin)
    assert (task["status"], task["attempts"]) == ("pending", 0)
    assert process_writeback(client) == 1
    (task,) = _tasks(client, admin, status="succeeded")
    assert task["rw_jabatan_id"] and task["attempts"] == 1
    saved = fake.saves[-1]["payload"]
    assert saved["pnsId"] == fake.data.pns_id(fake.data.employees[nip])
    assert (saved["unorId"], saved["jenisMutasiId"], saved["jenisPenugasanId"]) == (unor, "MJ", "D")
    assert (saved["tmtJabatan"], saved["tanggalSk"]) == ("02-01-2026", "20-12-2025")
    assert saved["jabatanFungsionalId"] == "JF-ANALIS-KEBIJAKAN"
    assert saved["instansiId"] == fake.data.instansi_id
    (attempt,) = events(client, "pegawai.writeback_attempted")
    assert attempt["data"]["outcome"] == "succeeded"
    assert attempt["data"]["rw_jabatan_id"] == task["rw_jabatan_id"]
    assert fake.syncs, "data-utama-jabatansync is called after the save"


def test_redelivery_and_a_second_event_for_the_proposal_change_nothing(
    client: TestClient, fake: FakeSiasn, nip: str
) -> None:
    move = executed(nip, _target(fake, nip), "JF-1")
    ev = event_of(move)
    deliver(client, ev)
    rows, placed = count_rows(client, "riwayat_jabatan"), len(events(client))
    deliver(client, ev)
    deliver(client, event_of(move))  # another envelope id, same proposal
    assert count_rows(client, "riwayat_jabatan") == rows
    assert len(events(client)) == placed
    assert count_rows(client, "siasn_writeback") == 1


def test_plt_is_an_acting_assignment_not_the_definitive_post(
    client: TestClient, fake: FakeSiasn, nip: str, auth_headers: Any
) -> None:
    admin = auth_headers("admin")
    before = client.get(f"/pegawai/{nip}", headers=admin).json()
    unor = _target(fake, nip)
    deliver(
        client,
        event_of(executed(nip, unor, "KEPALA-BIDANG", jenis_penugasan="PLT", jenis_jabatan="1")),
    )
    acting = events(client, "pegawai.acting_changed")[-1]["data"]
    assert (acting["unor_id"], acting["jenis_penugasan"]) == (unor, "PLT")
    after = client.get(f"/pegawai/{nip}", headers=admin).json()
    assert (after["unor_id"], after["jabatan_id"]) == (before["unor_id"], before["jabatan_id"])
    process_writeback(client)
    assert fake.saves[-1]["payload"]["jenisPenugasanId"] == "PLT"


def test_an_outage_is_retried_then_failed_for_a_person_who_retries_it(
    client: TestClient, fake: FakeSiasn, nip: str, auth_headers: Any
) -> None:
    admin = auth_headers("admin")
    deliver(client, event_of(executed(nip, _target(fake, nip), "JF-1")))
    fake.faults = Faults(throttle_rate=1.0, retry_after_s=0)  # SIASN cannot have saved it
    process_writeback(client)
    (task,) = _tasks(client, admin)
    assert (task["status"], task["attempts"], task["error_kind"]) == ("pending", 1, "unavailable")
    assert events(client, "pegawai.writeback_attempted") == []
    process_writeback(client)
    (task,) = _tasks(client, admin, status="failed")
    assert task["attempts"] == 2
    (attempt,) = events(client, "pegawai.writeback_attempted")
    assert attempt["data"]["outcome"] == "failed" and "unavailable" in attempt["data"]["error"]
    fake.faults = Faults()
    r = client.post(f"/siasn/writeback/{task['id']}/retry", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "pending"
    assert client.post(f"/siasn/writeback/{task['id']}/retry", headers=admin).status_code == 409
    process_writeback(client)
    assert _tasks(client, admin)[0]["status"] == "succeeded"


def test_a_server_error_after_sending_is_not_retried_automatically(
    client: TestClient, fake: FakeSiasn, nip: str, auth_headers: Any
) -> None:
    admin = auth_headers("admin")
    deliver(client, event_of(executed(nip, _target(fake, nip), "JF-1")))
    fake.faults = Faults(error_rate=1.0)
    process_writeback(client)
    (task,) = _tasks(client, admin, status="failed")
    assert (task["attempts"], task["error_kind"]) == (1, "outcome_unknown")


def test_a_refused_save_fails_at_once_with_siasns_reason(
    client: TestClient, fake: FakeSiasn, nip: str, auth_headers: Any
) -> None:
    admin = auth_headers("admin")
    fake.faults = Faults(save_reject=True)
    deliver(client, event_of(executed(nip, _target(fake, nip), "JF-1")))
    process_writeback(client)
    (task,) = _tasks(client, admin, status="failed")
    assert task["error_kind"] == "rejected" and "Gagal menyimpan" in task["last_error"]


def test_a_task_interrupted_while_posting_is_failed_as_outcome_unknown(
    client: TestClient, fake: FakeSiasn, nip: str, auth_headers: Any
) -> None:
    admin = auth_headers("admin")
    deliver(client, event_of(executed(nip, _target(fake, nip), "JF-1")))
    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def crash_while_running() -> None:
        async with runtime.engine.begin() as conn:
            await conn.execute(
                sa.update(siasn_writeback).values(
                    status="running", attempts=1, lease_until=utcnow() - timedelta(seconds=1)
                )
            )

    assert client.portal is not None
    client.portal.call(crash_while_running)
    process_writeback(client)
    (task,) = _tasks(client, admin, status="failed")
    assert task["error_kind"] == "outcome_unknown"
    assert fake.saves == []


def test_an_unknown_nip_is_dead_lettered_and_an_unknown_code_left_out(
    client: TestClient, fake: FakeSiasn, nip: str, auth_headers: Any
) -> None:
    refused = deliver(client, event_of(executed("199001012015032001", "U-1", "J-1")))
    assert len(refused) == 1 and "not registered" in refused[0].reason
    assert count_rows(client, "siasn_writeback") == 0
    good = executed(nip, _target(fake, nip), "J-1", jenis_jabatan="1")
    odd = good.model_copy(
        update={"snapshot": good.snapshot.model_copy(update={"to_eselon_id": "77"})}
    )
    assert deliver(client, event_of(odd)) == []
    placed = events(client, "pegawai.placement_changed")[-1]["data"]["current"]
    assert (placed["jabatan_id"], placed["eselon_id"]) == ("J-1", None)
    (task,) = _tasks(client, auth_headers("admin"))
    assert task["payload"]["eselon_id"] is None


def test_without_siasn_the_task_is_recorded_as_not_configured(
    db_url: str, dev_keys: tuple[bytes, Path], auth_headers: Any
) -> None:
    admin = auth_headers("admin")
    with siasn_app(db_url, dev_keys[1], None) as bare:
        register(bare, admin, MINIMAL)
        assert deliver(bare, event_of(executed(MINIMAL["nip"], "U-BARU", "J-2"))) == []
        assert events(bare, "pegawai.placement_changed")[-1]["data"]["reason"] == "mutasi"
        (task,) = _tasks(bare, admin, status="not_configured")
        assert "PEGAWAI_SIASN" in task["last_error"]
        status = bare.get("/siasn/status", headers=admin).json()
        assert status["writeback"]["not_configured"] == 1
        r = bare.post(f"/siasn/writeback/{task['id']}/retry", headers=admin)
        assert r.status_code == 409
        assert bare.get("/siasn/writeback", headers=auth_headers("operator")).status_code == 403


def test_a_placement_recorded_by_hand_can_be_queued_for_write_back(
    client: TestClient, fake: FakeSiasn, nip: str, auth_headers: Any
) -> None:
    admin = auth_headers("admin")
    unor = _target(fake, nip)
    body = {"unor_id": unor, "jabatan_id": "JFU-1", "jenis_jabatan": "4", "tmt": "2025-02-01"}
    no_sk = client.post(f"/pegawai/{nip}/jabatan", json=body, headers=admin).json()
    r = client.post(
        "/siasn/writeback", json={"nip": nip, "riwayat_jabatan_id": no_sk["id"]}, headers=admin
    )
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {
        "sk_number",
        "sk_date",
    }
    row = client.post(
        f"/pegawai/{nip}/jabatan",
        json={**body, "sk_number": "821/7/2025", "sk_date": "2025-01-20"},
        headers=admin,
    ).json()
    request = {"nip": nip, "riwayat_jabatan_id": row["id"], "jenis_mutasi": "MU"}
    r = client.post("/siasn/writeback", json=request, headers=admin)
    assert r.status_code == 201, r.text
    assert client.post("/siasn/writeback", json=request, headers=admin).status_code == 409
    process_writeback(client)
    task = client.get(f"/siasn/writeback/{r.json()['id']}", headers=admin).json()
    assert task["status"] == "succeeded"
    saved = fake.saves[-1]["payload"]
    assert (saved["jenisMutasiId"], saved["jabatanFungsionalUmumId"]) == ("MU", "JFU-1")
