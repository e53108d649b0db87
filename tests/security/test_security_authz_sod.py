"""Separation of duties through every path a decision can take (issue #12 item 5), with the
planted relatives of the matching workflow tests (`workflow_helpers`: MOVER's sibling sits in
the Tim Penilai; the PPK's delegate is the spouse of the head of DINKES):

- the single-proposal API transitions (a relative, oneself, the reviewer deciding);
- the round's batch decision endpoint (the same rules, item by item, nothing decided);
- webhook replay and redelivery, and a decision event delivered again to the service:
  re-sending never acts as a decision."""

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
import security_apps  # noqa: F401  (puts the workflow helpers on the path)
from fastapi.testclient import TestClient
from workflow_helpers import (
    ADMIN,
    HEAD_DINKES,
    MOVER,
    PENILAI,
    PENILAI_NIP,
    PPK,
    PPK_NIP,
    SECOND,
    THIRD,
    Headers,
    create,
    feed,
    outbox_types,
    pemda_client,
    step,
    to_state,
)

SOD = "urn:tatamutasi:problem:separation-of-duties"


@pytest.fixture
def client(
    tmp_path: Path, dev_keys: tuple[bytes, Path], monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("MATCHING_WEBHOOK_POLL_INTERVAL_S", "0.05")
    monkeypatch.setenv("MATCHING_WEBHOOK_BACKOFF_BASE_S", "0.05")
    with pemda_client(f"sqlite:///{tmp_path}/sod.db", dev_keys) as c:
        yield c


def state_of(client: TestClient, h: Headers, pid: str) -> tuple[str, int, int]:
    """(state, version, transitions recorded)."""
    p = client.get(f"/proposals/{pid}", headers=h("auditor")).json()
    history = client.get(f"/proposals/{pid}/history", headers=h("auditor")).json()["items"]
    return p["state"], p["version"], len(history)


def decisions(client: TestClient) -> list[tuple[str, dict[str, Any]]]:
    return [
        (t, d)
        for t, d in outbox_types(client)
        if t in ("mutasi.proposal_approved", "mutasi.proposal_rejected")
    ]


def test_api_transitions_refuse_relatives_self_and_the_reviewer(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers
    pid = create(client, h)["proposal_id"]
    to_state(client, h, pid, "submitted")
    sibling = h("penilai", sub="penilai-sibling", nip=PENILAI_NIP)
    r = step(client, h, sibling, pid, "review", {"recommendation": "agree"}, 403)
    assert (r["type"], r["rule"]) == (SOD, "SOD_RELATIVE")
    dual = h("penilai", "ppk", **PENILAI)
    step(client, h, dual, pid, "review", {"recommendation": "agree"})
    r = step(client, h, dual, pid, "approve", {}, 403)
    assert (r["type"], r["rule"]) == (SOD, "SOD_REVIEWER_DECIDES")
    me = h("ppk", sub="ppk-mover", nip=MOVER)
    assert step(client, h, me, pid, "approve", {}, 403)["rule"] == "SOD_SELF"
    assert state_of(client, h, pid)[0] == "reviewed" and decisions(client) == []


def test_batch_decisions_apply_every_rule_item_by_item(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers
    rid = client.post("/rounds", json={"name": "SoD"}, headers=h("admin", **ADMIN)).json()[
        "round_id"
    ]
    into_dinkes = create(client, h, nip=MOVER, round_id=rid)["proposal_id"]
    about_second = create(client, h, nip=SECOND, round_id=rid, to_unor_id="DISDIK")["proposal_id"]
    into_disdik = create(client, h, nip=THIRD, round_id=rid, to_unor_id="DISDIK")["proposal_id"]
    for pid in (into_dinkes, about_second, into_disdik):
        to_state(client, h, pid, "reviewed")
    r = client.post(
        "/delegations",
        json={
            "delegate": "sekda",
            "delegate_nip": PPK_NIP,
            "valid_from": "2026-01-01",
            "valid_until": "2030-12-31",
            "reference": "SK Wali Kota 800/12/2026",
        },
        headers=h("ppk", **PPK),
    )
    assert r.status_code == 201, r.text

    def batch(headers: dict[str, str], *pids: str) -> list[dict[str, Any]]:
        items = [
            {
                "proposal_id": p,
                "decision": "approve",
                "if_match": client.get(f"/proposals/{p}", headers=h("auditor")).headers["etag"],
            }
            for p in pids
        ]
        r = client.post(f"/rounds/{rid}/decisions", json={"items": items}, headers=headers)
        assert r.status_code == 200, r.text
        return r.json()["results"]  # type: ignore[no-any-return]

    before = {p: state_of(client, h, p) for p in (into_dinkes, about_second, into_disdik)}
    # the delegate's spouse heads DINKES: refused for the move into DINKES
    sekda = h("admin", sub="sekda", nip=PPK_NIP)
    # a PPK who is the subject of the proposal
    second_as_ppk = h("ppk", sub="ppk-second", nip=SECOND)
    # the reviewer also holding the PPK role
    reviewer = h("penilai", "ppk", **PENILAI)
    refused = [
        (batch(sekda, into_dinkes)[0], "SOD_RELATIVE_HEAD"),
        (batch(second_as_ppk, about_second)[0], "SOD_SELF"),
        (batch(reviewer, into_dinkes, about_second)[0], "SOD_REVIEWER_DECIDES"),
    ]
    for result, rule in refused:
        assert (result["status"], result["rule"]) == (403, rule), result
    assert {p: state_of(client, h, p) for p in before} == before
    assert decisions(client) == []
    # the same delegate decides a move where no relative is involved (the control)
    assert batch(sekda, into_disdik)[0]["status"] == 200
    assert state_of(client, h, into_disdik)[0] == "approved"
    # a role outside the table is refused before any item is looked at
    r = client.post(
        f"/rounds/{rid}/decisions",
        json={"items": [{"proposal_id": into_dinkes, "decision": "approve", "if_match": "*"}]},
        headers=h("penilai", sub="penilai-x"),
    )
    assert r.status_code == 403 and r.json()["rule"] == "ROLE"


class Receiver:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (stdlib name)
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                outer.bodies.append(orjson.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def wait(predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
    return value


def test_webhook_replay_and_redelivery_never_act_as_a_decision(
    client: TestClient, auth_headers: Headers, receiver: Receiver
) -> None:
    h = auth_headers
    admin = h("admin", **ADMIN)
    r = client.post(
        "/webhooks", json={"url": receiver.url, "event_types": ["mutasi.*"]}, headers=admin
    )
    assert r.status_code == 201, r.text
    sid = r.json()["subscription_id"]
    approved = create(client, h)["proposal_id"]
    waiting = create(client, h, nip=SECOND)["proposal_id"]
    for pid in (approved, waiting):
        to_state(client, h, pid, "reviewed")
    step(client, h, h("ppk", **PPK), approved, "approve", {"reason": "disetujui"})
    sent = wait(lambda: [b for b in receiver.bodies if b["type"] == "mutasi.proposal_approved"])[0]
    before = {p: state_of(client, h, p) for p in (approved, waiting)}
    decided = decisions(client)
    assert len(decided) == 1

    # only an admin re-sends; the PPK who decided cannot, nor can the penilai
    for role, kw in (("ppk", PPK), ("penilai", PENILAI)):
        r = client.post(
            f"/webhooks/{sid}/replay", json={"after_sequence": 0}, headers=h(role, **kw)
        )
        assert r.status_code == 403
    deliveries = wait(
        lambda: [
            d
            for d in client.get(f"/webhooks/{sid}/deliveries", headers=admin).json()["items"]
            if d["status"] == "succeeded" and d["event_type"] == "mutasi.proposal_approved"
        ]
    )
    target = deliveries[0]
    count = len(receiver.bodies)
    r = client.post(f"/webhooks/{sid}/deliveries/{target['delivery_id']}/redeliver", headers=admin)
    assert r.status_code == 202, r.text
    r = client.post(f"/webhooks/{sid}/replay", json={"after_sequence": 0}, headers=admin)
    assert r.status_code == 202, r.text
    resent = wait(
        lambda: [b for b in receiver.bodies[count:] if b["type"] == "mutasi.proposal_approved"]
    )
    assert all(b["id"] == sent["id"] for b in resent)  # the same event, not a new one

    # the approval event delivered to the service again (a replayed topic) changes nothing
    feed(client, "mutasi.proposal_approved", {**sent["data"], "proposal_id": waiting})
    feed(client, "mutasi.proposal_approved", sent["data"])

    assert {p: state_of(client, h, p) for p in before} == before
    assert decisions(client) == decided
    assert HEAD_DINKES  # the planted relatives stay as workflow_helpers defines them
