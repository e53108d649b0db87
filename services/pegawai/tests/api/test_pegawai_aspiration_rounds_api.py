"""Aspirations close with the mutasi round: pegawai keeps the rounds announced by
`mutasi.round_changed` and refuses stating, changing or withdrawing aspirations once the
open round's close time has passed (409, bilingual, naming the round and the time); reading
them still works. Round events are replay-idempotent."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from pegawai_registry_helpers import NIP, Headers, count_rows, full_body, register
from pegawai_siasn_helpers import deliver

from tatamutasi_contracts import Envelope
from tatamutasi_contracts.mutasi import MutasiRoundChanged
from tatamutasi_platform.consumer import Event

PREFS = {"preferences": [{"rank": 1, "unor_id": "U-KOMINFO"}]}


def round_event(
    round_id: str, close: datetime | None, *, status: str = "open", sequence: int = 1
) -> Event:
    payload = MutasiRoundChanged(
        round_id=round_id,
        name="Mutasi Januari 2027",
        status=status,  # type: ignore[arg-type]
        aspirations_close_at=close,
    )
    envelope = Envelope.model_validate(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "/tatamutasi/matching",
            "type": "mutasi.round_changed",
            "time": "2026-11-01T08:00:00Z",
            "subject": round_id,
            "datacontenttype": "application/json",
            "sequence": sequence,
            "actor": "bkd-admin",
            "actorrole": "admin",
            "data": payload.model_dump(mode="json"),
        }
    )
    return Event(envelope, payload, b"", "tatamutasi.mutasi.v1", 0, 0)


def _state(client: TestClient, h: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post(f"/pegawai/{NIP}/aspirasi", json=body, headers=h)


def test_aspirations_refused_after_the_open_round_closes(
    client: TestClient, auth_headers: Headers
) -> None:
    register(client, auth_headers("admin", sub="bkd-1"), full_body())
    me = auth_headers("pegawai", sub=NIP)
    past = datetime.now(UTC) - timedelta(hours=1)
    future = datetime.now(UTC) + timedelta(days=7)
    assert deliver(client, round_event("R-JAN", future)) == []
    assert _state(client, me, PREFS).status_code == 201  # before the close time
    assert deliver(client, round_event("R-JAN", past, sequence=2)) == []
    for body in (PREFS, {"preferences": []}, {**PREFS, "round_id": "R-JAN"}):
        r = _state(client, me, body)  # create, withdraw (empty list), per-round edit
        assert r.status_code == 409, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        problem = r.json()
        assert problem["type"].endswith("aspirations-closed")
        assert problem["round_id"] == "R-JAN" and problem["round_name"] == "Mutasi Januari 2027"
        assert problem["aspirations_close_at"] == past.isoformat()
        assert "R-JAN" in problem["detail_en"] and "closed at" in problem["detail_en"]
        assert "ditutup pada" in problem["detail_id"]
        assert problem["errors"][0]["field"] == "round_id"
    admin = auth_headers("admin", sub="bkd-1")
    assert _state(client, admin, PREFS).status_code == 409  # admins too: the round decides
    assert count_rows(client, "aspirasi") == 1  # nothing half-done
    got = client.get(f"/pegawai/{NIP}/aspirasi", headers=me)
    assert got.status_code == 200 and got.json()["preferences"][0]["unor_id"] == "U-KOMINFO"
    # a round still open elsewhere takes its own aspirations; a closed round takes none
    assert deliver(client, round_event("R-FEB", future)) == []
    assert _state(client, me, {**PREFS, "round_id": "R-FEB"}).status_code == 201
    assert deliver(client, round_event("R-FEB", future, status="closed", sequence=3)) == []
    r = _state(client, me, {**PREFS, "round_id": "R-FEB"})
    assert r.status_code == 409 and r.json()["round_status"] == "closed"


def test_round_events_are_replay_idempotent(client: TestClient, auth_headers: Headers) -> None:
    register(client, auth_headers("admin", sub="bkd-1"), full_body())
    me = auth_headers("pegawai", sub=NIP)
    past = datetime.now(UTC) - timedelta(minutes=5)
    future = datetime.now(UTC) + timedelta(days=7)
    opened = round_event("R-MAR", future, sequence=10)
    closed = round_event("R-MAR", past, sequence=11)
    assert deliver(client, opened, closed) == []
    assert _state(client, me, PREFS).status_code == 409
    # the same events again, and the older one replayed alone: nothing changes
    assert deliver(client, opened, closed) == []
    assert deliver(client, round_event("R-MAR", future, sequence=10)) == []
    assert count_rows(client, "mutasi_round_view") == 1
    assert _state(client, me, PREFS).status_code == 409
    # a newer announcement (the close time moved) reopens aspirations
    assert deliver(client, round_event("R-MAR", future, sequence=12)) == []
    assert _state(client, me, PREFS).status_code == 201


def test_aspirations_without_rounds_are_accepted(client: TestClient, auth_headers: Headers) -> None:
    register(client, auth_headers("admin", sub="bkd-1"), full_body())
    me = auth_headers("pegawai", sub=NIP)
    assert _state(client, me, {**PREFS, "round_id": "R-UNKNOWN"}).status_code == 201
    assert deliver(client, round_event("R-OPEN", None)) == []  # open, no close time set
    assert _state(client, me, PREFS).status_code == 201
