"""Gates and batches through the API: election blackout, objections (gate, answer visible to
the employee, counts per round), racing reviewers, rounds, batch decisions with per-item
results, proposals from a plan and superseding by a newer plan."""

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from workflow_helpers import (
    ADMIN,
    MOVER,
    PENILAI,
    PPK,
    SECOND,
    THIRD,
    Headers,
    create,
    outbox_types,
    pemda_client,
    step,
    to_state,
)

from tatamutasi_matching.adapters.orm import plan
from tatamutasi_platform.clock import utcnow


@pytest.fixture
def client(db_url: str, dev_keys: tuple[bytes, Path]) -> Iterator[TestClient]:
    with pemda_client(db_url, dev_keys) as c:
        yield c


def test_blackout_needs_mendagri_approval(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers
    today = utcnow().date()
    r = client.post(
        "/blackouts",
        json={
            "basis": "Pilkada 2027",
            "kind": "pre_election",
            "start": str(today - timedelta(days=1)),
            "end": str(today + timedelta(days=60)),
        },
        headers=h("admin", **ADMIN),
    )
    assert r.status_code == 201
    blackout_id = r.json()["blackout_id"]
    a = create(client, h)["proposal_id"]
    b = create(client, h, nip=SECOND)["proposal_id"]
    to_state(client, h, a, "reviewed")
    to_state(client, h, b, "reviewed")
    problem = step(client, h, h("ppk", **PPK), a, "approve", {}, 409)
    assert problem["type"].endswith("election-blackout")
    assert problem["citation"] == "UU 10/2016 Ps. 71(2)"
    assert "71(2)" in problem["detail_id"]
    letter = {
        "number": "100.2.2.6/4512/SJ",
        "letter_date": str(today - timedelta(days=2)),
        "document_ref": "arsip/mendagri/4512.pdf",
    }
    step(client, h, h("ppk", **PPK), a, "approve", {"mendagri_approval": letter})
    approved = [d for t, d in outbox_types(client) if t == "mutasi.proposal_approved"]
    assert approved[-1]["in_blackout"] is True
    assert approved[-1]["mendagri_approval"]["number"] == "100.2.2.6/4512/SJ"
    assert (
        client.post(f"/blackouts/{blackout_id}/end", headers=h("admin", **ADMIN)).status_code == 200
    )
    step(client, h, h("ppk", **PPK), b, "approve", {})
    bad = client.post(
        "/blackouts",
        json={"basis": "x", "kind": "pre_election", "start": "2027-02-01", "end": "2027-01-01"},
        headers=h("admin", **ADMIN),
    )
    assert bad.status_code == 422


def test_open_objection_blocks_approval_until_answered(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers
    rid = client.post(
        "/rounds", json={"name": "Mutasi Januari 2027"}, headers=h("admin", **ADMIN)
    ).json()["round_id"]
    pid = create(client, h, round_id=rid)["proposal_id"]
    to_state(client, h, pid, "reviewed")
    me = h("pegawai", sub=MOVER)
    filed = client.post(
        f"/proposals/{pid}/objections", json={"reason": "orang tua sakit"}, headers=me
    )
    assert filed.status_code == 201
    oid = filed.json()["objection_id"]
    problem = step(client, h, h("ppk", **PPK), pid, "approve", {}, 409)
    assert problem["type"].endswith("objection-open")
    assert client.get(f"/rounds/{rid}", headers=h("auditor")).json()["objections"] == {
        "filed": 1,
        "open": 1,
        "upheld": 0,
        "dismissed": 0,
    }
    answer = {"outcome": "dismissed", "answer": "lokasi baru dekat dengan rumah orang tua"}
    r = client.post(
        f"/proposals/{pid}/objections/{oid}/answer", json=answer, headers=h("penilai", **PENILAI)
    )
    assert r.status_code == 200
    again = client.post(
        f"/proposals/{pid}/objections/{oid}/answer", json=answer, headers=h("penilai", **PENILAI)
    )
    assert again.status_code == 409
    seen = client.get(f"/proposals/{pid}", headers=me).json()["objections"]
    assert seen[0]["answer"] == answer["answer"] and seen[0]["status"] == "dismissed"
    step(client, h, h("ppk", **PPK), pid, "approve", {})
    assert client.get(f"/rounds/{rid}", headers=h("auditor")).json()["objections"] == {
        "filed": 1,
        "open": 0,
        "upheld": 0,
        "dismissed": 1,
    }
    late = client.post(f"/proposals/{pid}/objections", json={"reason": "x"}, headers=me)
    assert late.status_code == 409


def test_racing_reviewers_one_wins_the_other_gets_412(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers
    pid = create(client, h)["proposal_id"]
    to_state(client, h, pid, "submitted")
    etag = client.get(f"/proposals/{pid}", headers=h("auditor")).headers["etag"]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def review(sub: str) -> None:
        headers = {**h("penilai", sub=sub), "If-Match": etag}
        barrier.wait()
        r = client.post(
            f"/proposals/{pid}/review", json={"recommendation": "agree"}, headers=headers
        )
        statuses.append(r.status_code)

    threads = [threading.Thread(target=review, args=(s,)) for s in ("penilai-a", "penilai-b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 412]
    reviewed = [d for t, d in outbox_types(client) if t == "mutasi.proposal_reviewed"]
    assert len(reviewed) == 1


def test_rounds_open_change_and_close(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers
    r = client.post(
        "/rounds",
        json={
            "name": "Mutasi Januari 2027",
            "planned_tmt": "2027-01-02",
            "aspirations_close_at": "2026-12-15T00:00:00+07:00",
        },
        headers=h("admin", **ADMIN),
    )
    assert r.status_code == 201 and r.headers["etag"] == '"v1"'
    rid = r.json()["round_id"]
    dup = client.post("/rounds", json={"name": "Mutasi Januari 2027"}, headers=h("admin", **ADMIN))
    assert dup.status_code == 409
    patch = client.patch(f"/rounds/{rid}", json={"status": "closed"}, headers=h("admin", **ADMIN))
    assert patch.status_code == 428
    closed = client.patch(
        f"/rounds/{rid}",
        json={"status": "closed"},
        headers={**h("admin", **ADMIN), "If-Match": '"v1"'},
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    r = client.post(
        "/proposals",
        json={"nip": MOVER, "round_id": rid, "to_unor_id": "DINKES", "to_jabatan_id": "ANALIS"},
        headers=h("admin", **ADMIN),
    )
    assert r.status_code == 409 and r.json()["type"].endswith("round-closed")
    changes = [d for t, d in outbox_types(client) if t == "mutasi.round_changed"]
    assert [c["status"] for c in changes] == ["open", "closed"]
    # pegawai closes aspirations with the round: every announcement carries the close time
    close = datetime.fromisoformat("2026-12-15T00:00:00+07:00")
    assert [datetime.fromisoformat(c["aspirations_close_at"]) for c in changes] == [close] * 2


def test_batch_decisions_report_each_item(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers
    rid = client.post("/rounds", json={"name": "Batch"}, headers=h("admin", **ADMIN)).json()[
        "round_id"
    ]
    ids = [create(client, h, nip=n, round_id=rid)["proposal_id"] for n in (MOVER, SECOND, THIRD)]
    for pid in ids:
        to_state(client, h, pid, "reviewed")
    items: list[dict[str, Any]] = [
        {"proposal_id": ids[0], "decision": "approve", "if_match": '"v3"'},
        {"proposal_id": ids[1], "decision": "reject", "if_match": '"v3"'},
        {"proposal_id": ids[2], "decision": "approve", "if_match": '"v2"'},
        {"proposal_id": "missing", "decision": "approve", "if_match": '"v1"'},
    ]
    r = client.post(f"/rounds/{rid}/decisions", json={"items": items}, headers=h("ppk", **PPK))
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["decided"], out["refused"]) == (1, 3)
    assert [x["status"] for x in out["results"]] == [200, 422, 412, 404]
    assert out["results"][0]["state"] == "approved"
    states = [client.get(f"/proposals/{p}", headers=h("auditor")).json()["state"] for p in ids]
    assert states == ["approved", "reviewed", "reviewed"]
    r = client.post(f"/rounds/{rid}/decisions", json={"items": items[:1]}, headers=h("penilai"))
    assert r.status_code == 403
    executed = client.post(
        f"/rounds/{rid}/execute",
        json={"sk_number": "821/77/2026", "sk_date": "2026-11-20", "tmt": "2026-12-01"},
        headers=h("admin", **ADMIN),
    )
    assert executed.status_code == 200 and executed.json()["executed"] == 1
    assert (
        client.get(f"/rounds/{rid}", headers=h("auditor")).json()["batch_sk_number"]
        == "821/77/2026"
    )


def _plan(client: TestClient, plan_id: str, moves: dict[str, str]) -> None:
    """A finished plan whose moves are given (employee → target post), as the planner keeps it."""
    result = {
        "moves": [
            {
                "employee": nip,
                "from": "BPKAD/PELAKSANA",
                "to": to,
                "score": 700,
                "stay_score": 500,
                "gain": 200,
            }
            for nip, to in moves.items()
        ],
        "explanations": {
            "moves": [
                {
                    "employee": nip,
                    "from": "BPKAD/PELAKSANA",
                    "to": to,
                    "score": 700,
                    "alternatives": [{"employee": "x", "score": 650}],
                }
                for nip, to in moves.items()
            ],
            "employees": [
                {
                    "employee": nip,
                    "decision": "move",
                    "reason_code": "moved",
                    "reason": {"en": f"moves to {to}", "id": f"dimutasi ke {to}"},
                }
                for nip, to in moves.items()
            ],
        },
    }
    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def insert() -> None:
        async with runtime.engine.begin() as conn:
            await conn.execute(
                plan.insert().values(
                    plan_id=plan_id,
                    status="done",
                    progress=100,
                    mode="optimal",
                    request="{}",
                    created_by="bkd-admin",
                    created_at="2026-11-01T00:00:00+00:00",
                    result_sha256=plan_id.ljust(64, "0"),
                    result=json.dumps(result),
                )
            )

    assert client.portal is not None
    client.portal.call(insert)


def test_proposals_from_a_plan_and_superseded_by_a_newer_plan(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers
    _plan(client, "plan-a", {MOVER: "DINKES/ANALIS", SECOND: "DINKES/ANALIS"})
    _plan(
        client, "plan-b", {MOVER: "DISDIK/ANALIS", SECOND: "DISDIK/ANALIS", THIRD: "DINKES/ANALIS"}
    )
    rid = client.post(
        "/rounds",
        json={"name": "Mutasi Januari 2027", "planned_tmt": "2027-01-02"},
        headers=h("admin", **ADMIN),
    ).json()["round_id"]
    r = client.post(
        f"/rounds/{rid}/proposals/from-plan",
        json={"plan_id": "plan-a"},
        headers=h("admin", **ADMIN),
    )
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 2
    by_nip = {x["nip"]: x["proposal_id"] for x in r.json()["results"]}
    view = client.get(f"/proposals/{by_nip[MOVER]}", headers=h("pegawai", sub=MOVER)).json()
    assert view["origin"] == "plan" and view["plan_id"] == "plan-a"
    assert view["score"] == 700 and view["plan_rank"] == 1
    assert view["explanation"]["employee"]["reason"]["id"] == "dimutasi ke DINKES/ANALIS"
    assert view["planned_tmt"] == "2027-01-02"
    to_state(client, h, by_nip[SECOND], "approved")

    r = client.post(
        f"/rounds/{rid}/proposals/from-plan",
        json={"plan_id": "plan-b"},
        headers=h("admin", **ADMIN),
    )
    out = r.json()
    assert out["superseded"] == [by_nip[MOVER]]
    results = {x["nip"]: x for x in out["results"]}
    assert results[MOVER]["status"] == 201 and results[THIRD]["status"] == 201
    assert results[SECOND]["status"] == 409  # the approved proposal stands
    old = client.get(f"/proposals/{by_nip[MOVER]}", headers=h("auditor")).json()
    assert old["state"] == "superseded" and old["superseded_by_plan_id"] == "plan-b"
    superseded = [d for t, d in outbox_types(client) if t == "mutasi.proposal_superseded"]
    assert superseded[0]["superseded_by_plan_id"] == "plan-b"
    assert client.get(f"/rounds/{rid}", headers=h("auditor")).json()["plan_id"] == "plan-b"
    bad = client.post(
        f"/rounds/{rid}/proposals/from-plan", json={"plan_id": "nope"}, headers=h("admin", **ADMIN)
    )
    assert bad.status_code == 422
    manual = client.post(
        "/proposals", json={"nip": THIRD, "plan_id": "plan-a"}, headers=h("admin", **ADMIN)
    )
    assert manual.status_code == 422  # plan-a does not move THIRD


def test_a_refused_item_of_a_plan_batch_leaves_nothing_behind(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers
    _plan(client, "plan-c", {MOVER: "NOWHERE/NOPE", SECOND: "DINKES/ANALIS"})
    rid = client.post("/rounds", json={"name": "Parsial"}, headers=h("admin", **ADMIN)).json()[
        "round_id"
    ]
    r = client.post(
        f"/rounds/{rid}/proposals/from-plan",
        json={"plan_id": "plan-c"},
        headers=h("admin", **ADMIN),
    )
    results = {x["nip"]: x for x in r.json()["results"]}
    assert results[MOVER]["status"] == 409 and results[MOVER]["code"] == "post-unknown"
    assert results[SECOND]["status"] == 201
    assert client.get(f"/proposals?nip={MOVER}", headers=h("auditor")).json()["items"] == []
    created = [d["nip"] for t, d in outbox_types(client) if t == "mutasi.proposal_created"]
    assert created == [SECOND]
    assert create(client, h)["state"] == "draft"  # MOVER holds no active proposal
