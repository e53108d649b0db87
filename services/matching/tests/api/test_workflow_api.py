"""The proposal workflow through the API: the full path with events and history, ETag and
Idempotency-Key, one active proposal per employee, bad input, employees' view, SK snapshot,
write-back outcomes, red flags, lists and the SK draft."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from workflow_helpers import (
    ADMIN,
    MOVER,
    PENILAI,
    PPK,
    RECENT,
    SECOND,
    THIRD,
    Headers,
    create,
    feed,
    outbox_types,
    pemda_client,
    register,
    step,
    to_state,
)


@pytest.fixture
def client(db_url: str, dev_keys: tuple[bytes, Path]) -> Iterator[TestClient]:
    with pemda_client(db_url, dev_keys) as c:
        yield c


def test_full_path_records_every_transition_with_eligibility(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers
    created = create(client, h, planned_tmt="2026-12-01")
    pid = created["proposal_id"]
    assert created == {"proposal_id": pid, "version": 1, "state": "draft"}
    step(client, h, h("admin", **ADMIN), pid, "submit", {})
    step(
        client,
        h,
        h("penilai", **PENILAI),
        pid,
        "review",
        {"recommendation": "agree", "notes": "kompetensi sesuai"},
    )
    step(client, h, h("ppk", **PPK), pid, "approve", {"reason": "disetujui"})
    out = step(
        client,
        h,
        h("admin", **ADMIN),
        pid,
        "execute",
        {"sk_number": "821/045/2026", "sk_date": "2026-11-20", "tmt": "2026-12-01"},
    )
    assert out == {"proposal_id": pid, "state": "executed", "version": 5}

    view = client.get(f"/proposals/{pid}", headers=h("auditor")).json()
    assert view["review"] == {
        "by": "penilai-1",
        "recommendation": "agree",
        "notes": "kompetensi sesuai",
    }
    assert view["decision"]["by"] == "ppk-walikota"
    snap = view["execution"]["snapshot"]
    assert snap["name"] == "Pegawai 001"
    assert snap["from_unor_name"] == "Badan Keuangan"
    assert snap["to_jabatan_name"] == "Analis Kebijakan Ahli Muda"
    assert snap["golongan_id"] == "33"
    assert view["writeback"]["status"] == "pending"

    history = client.get(f"/proposals/{pid}/history", headers=h("auditor")).json()["items"]
    assert [x["action"] for x in history] == ["create", "submit", "review", "approve", "execute"]
    assert [x["actor"] for x in history] == [
        "bkd-admin",
        "bkd-admin",
        "penilai-1",
        "ppk-walikota",
        "bkd-admin",
    ]
    for x in history:
        if x["action"] in ("review", "approve", "execute"):
            assert x["eligibility"]["ruleset_version"].startswith("eligibility/")
            assert x["eligibility"]["blocked"] is False

    events = [(t, d) for t, d in outbox_types(client) if d.get("proposal_id") == pid]
    assert [t for t, _ in events] == [
        "mutasi.proposal_created",
        "mutasi.proposal_submitted",
        "mutasi.proposal_reviewed",
        "mutasi.proposal_approved",
        "mutasi.executed",
    ]
    executed = events[-1][1]
    assert executed["sk_number"] == "821/045/2026"
    assert executed["snapshot"]["to_unor_name"] == "Dinas Kesehatan"
    assert executed["jenis_mutasi"] == "MU"
    assert executed["previous_state"] == "approved"
    assert executed["eligibility"]["outcomes"]
    assert events[2][1]["recommendation"] == "agree"


def test_snapshot_never_changes_when_the_registry_changes(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers
    pid = create(client, h)["proposal_id"]
    to_state(client, h, pid, "executed")
    before = client.get(f"/proposals/{pid}", headers=h("auditor")).json()["execution"]
    register(client, MOVER, "DINKES", "ANALIS", "2026-12-01", name="Nama Baru", golongan_id="34")
    after = client.get(f"/proposals/{pid}", headers=h("auditor")).json()["execution"]
    assert after == before
    assert after["snapshot"]["name"] == "Pegawai 001"


def test_if_match_is_required_and_stale_etag_is_refused(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers
    pid = create(client, h)["proposal_id"]
    r = client.post(f"/proposals/{pid}/submit", json={}, headers=h("admin", **ADMIN))
    assert r.status_code == 428
    assert r.json()["type"].endswith("precondition-required")
    r = client.post(
        f"/proposals/{pid}/submit", json={}, headers={**h("admin", **ADMIN), "If-Match": '"v7"'}
    )
    assert r.status_code == 412
    assert r.json()["current_etag"] == '"v1"'


def test_idempotent_transition_does_not_apply_twice(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers
    pid = create(client, h)["proposal_id"]
    headers = {**h("admin", **ADMIN), "If-Match": '"v1"', "Idempotency-Key": "submit-1"}
    first = client.post(f"/proposals/{pid}/submit", json={}, headers=headers)
    again = client.post(f"/proposals/{pid}/submit", json={}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json() == {"proposal_id": pid, "state": "submitted", "version": 2}
    submitted = [t for t, d in outbox_types(client) if t == "mutasi.proposal_submitted"]
    assert len(submitted) == 1


def test_idempotent_create_and_one_active_proposal_per_employee(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers
    body = {"nip": SECOND, "to_unor_id": "DINKES", "to_jabatan_id": "ANALIS"}
    headers = {**h("admin", **ADMIN), "Idempotency-Key": "create-1"}
    a = client.post("/proposals", json=body, headers=headers)
    b = client.post("/proposals", json=body, headers=headers)
    assert a.status_code == b.status_code == 201
    assert a.json() == b.json()
    other = client.post(
        "/proposals", json={**body, "to_unor_id": "DISDIK"}, headers=h("admin", **ADMIN)
    )
    assert other.status_code == 409
    assert other.json()["type"].endswith("active-proposal-exists")
    assert other.json()["active_proposal_id"] == a.json()["proposal_id"]
    # once withdrawn, a new proposal may be made
    step(client, h, h("admin", **ADMIN), a.json()["proposal_id"], "withdraw", {"reason": "batal"})
    again = client.post(
        "/proposals", json={**body, "to_unor_id": "DISDIK"}, headers=h("admin", **ADMIN)
    )
    assert again.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"nip": "199912312020121999", "to_unor_id": "DINKES", "to_jabatan_id": "ANALIS"}, "nip"),
        ({"nip": MOVER, "to_unor_id": "NOWHERE", "to_jabatan_id": "NOPE"}, "to_jabatan_id"),
        ({"nip": MOVER, "to_unor_id": "DINKES"}, "to_jabatan_id"),
        (
            {
                "nip": MOVER,
                "to_unor_id": "DINKES",
                "to_jabatan_id": "ANALIS",
                "planned_tmt": "2026-01-01",
            },
            "planned_tmt",
        ),
        (
            {
                "nip": MOVER,
                "round_id": "no-such-round",
                "to_unor_id": "DINKES",
                "to_jabatan_id": "ANALIS",
            },
            "round_id",
        ),
        ({"nip": "12", "to_unor_id": "DINKES", "to_jabatan_id": "ANALIS"}, "nip"),
    ],
)
def test_bad_input_is_a_clear_4xx_and_nothing_half_done(
    client: TestClient, auth_headers: Headers, body: dict[str, Any], field: str
) -> None:
    r = client.post("/proposals", json=body, headers=auth_headers("admin", **ADMIN))
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["errors"][0]["field"].endswith(field)
    assert problem["detail_id"] and problem["detail_en"]
    assert outbox_types(client) == [] or all(
        t != "mutasi.proposal_created" for t, _ in outbox_types(client)
    )
    listed = client.get("/proposals", headers=auth_headers("auditor")).json()["items"]
    assert listed == []


def test_backdated_tmt_is_accepted_with_a_reason(client: TestClient, auth_headers: Headers) -> None:
    created = create(
        client,
        auth_headers,
        planned_tmt="2026-01-01",
        backdate_reason="SK tertunda, pejabat definitif sejak Januari",
    )
    assert created["state"] == "draft"


def test_blocked_eligibility_stops_review_unless_waived(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers
    pid = create(client, h, nip=RECENT)["proposal_id"]
    step(client, h, h("admin", **ADMIN), pid, "submit", {})
    problem = step(
        client, h, h("penilai", **PENILAI), pid, "review", {"recommendation": "agree"}, expect=409
    )
    assert problem["type"].endswith("eligibility-blocked")
    assert problem["rules"][0]["code"] == "MIN_TENURE_2Y"
    waiver = client.post(
        "/waivers",
        json={"nip": RECENT, "rule_code": "MIN_TENURE_2Y", "reason": "kebutuhan organisasi"},
        headers=h("ppk", sub="ppk-walikota"),
    )
    assert waiver.status_code == 201
    step(client, h, h("penilai", **PENILAI), pid, "review", {"recommendation": "agree"})
    history = client.get(f"/proposals/{pid}/history", headers=h("auditor")).json()["items"]
    outcome = next(
        o for o in history[-1]["eligibility"]["outcomes"] if o["code"] == "MIN_TENURE_2Y"
    )
    assert outcome["waived"] is True
    assert outcome["waiver_id"] == waiver.json()["waiver_id"]


def test_reject_needs_a_reason_and_frees_the_employee(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers
    pid = create(client, h)["proposal_id"]
    to_state(client, h, pid, "reviewed")
    problem = step(client, h, h("ppk", **PPK), pid, "reject", {}, expect=422)
    assert problem["errors"][0]["field"] == "reason"
    step(client, h, h("ppk", **PPK), pid, "reject", {"reason": "formasi belum tersedia"})
    assert create(client, h)["state"] == "draft"


def test_employee_sees_own_proposals_with_explanation_only(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers
    mine = create(client, h)["proposal_id"]
    create(client, h, nip=SECOND)
    me = h("pegawai", sub=MOVER)
    listed = client.get("/proposals", headers=me).json()["items"]
    assert [x["proposal_id"] for x in listed] == [mine]
    assert listed[0]["explanation"] == {"manual": True, "reason": "penyegaran"}
    assert client.get(f"/proposals/{mine}", headers=me).status_code == 200
    assert client.get(f"/proposals?nip={SECOND}", headers=me).status_code == 403
    others = client.get("/proposals", headers=h("auditor")).json()["items"]
    other = next(x["proposal_id"] for x in others if x["nip"] == SECOND)
    r = client.get(f"/proposals/{other}", headers=me)
    assert r.status_code == 403
    assert r.json()["rule"] == "PEGAWAI_SELF_ONLY"


def test_list_filters_and_cursor_pagination(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers
    ids = [create(client, h, nip=n)["proposal_id"] for n in (MOVER, SECOND, THIRD)]
    step(client, h, h("admin", **ADMIN), ids[1], "submit", {})
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/proposals", params=params, headers=h("auditor")).json()
        seen += [x["proposal_id"] for x in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == 3
    submitted = client.get("/proposals?state=submitted", headers=h("auditor")).json()["items"]
    assert [x["proposal_id"] for x in submitted] == [ids[1]]
    by_nip = client.get(f"/proposals?nip={THIRD}", headers=h("auditor")).json()["items"]
    assert [x["proposal_id"] for x in by_nip] == [ids[2]]
    by_unit = client.get("/proposals?unit=DINKES", headers=h("auditor")).json()["items"]
    assert len(by_unit) == 3
    assert client.get("/proposals?unit=DISDIK", headers=h("auditor")).json()["items"] == []
    operator = h("operator", sub="op-disdik", units=("DISDIK",))
    assert client.get("/proposals", headers=operator).json()["items"] == []
    assert client.get("/proposals?cursor=garbage", headers=h("auditor")).status_code == 400
    assert client.get("/proposals?state=nonsense", headers=h("auditor")).status_code == 422


def test_writeback_outcomes_move_executed_proposals_or_record_the_failure(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers
    ok = create(client, h)["proposal_id"]
    failed = create(client, h, nip=SECOND)["proposal_id"]
    for pid in (ok, failed):
        to_state(client, h, pid, "executed")
    feed(
        client,
        "pegawai.writeback_attempted",
        {
            "nip": SECOND,
            "proposal_id": failed,
            "outcome": "failed",
            "attempts": 5,
            "error": "SIASN 503",
        },
    )
    feed(
        client,
        "pegawai.writeback_attempted",
        {
            "nip": MOVER,
            "proposal_id": ok,
            "outcome": "succeeded",
            "attempts": 1,
            "rw_jabatan_id": "rw-123",
        },
    )
    done = client.get(f"/proposals/{ok}", headers=h("auditor")).json()
    assert done["state"] == "written_back"
    assert done["writeback"]["rw_jabatan_id"] == "rw-123"
    stuck = client.get(f"/proposals/{failed}", headers=h("auditor")).json()
    assert stuck["state"] == "executed"
    assert stuck["writeback"] == {
        "status": "failed",
        "attempts": 5,
        "error": "SIASN 503",
        "rw_jabatan_id": None,
    }
    listed = client.get("/proposals?writeback=failed", headers=h("auditor")).json()["items"]
    assert [x["proposal_id"] for x in listed] == [failed]
    written = [d for t, d in outbox_types(client) if t == "mutasi.proposal_written_back"]
    assert [(d["proposal_id"], d["rw_jabatan_id"]) for d in written] == [(ok, "rw-123")]


def test_open_red_flag_requires_written_justification(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers
    pid = create(client, h)["proposal_id"]
    to_state(client, h, pid, "reviewed")
    feed(
        client,
        "audit.flag_raised",
        {
            "flag_id": "flag-1",
            "rule_id": "R3",
            "rule_version": "1",
            "severity": "high",
            "subjects": [MOVER],
            "proposal_id": pid,
            "confidence": 0.9,
            "explanation_id": "pola mutasi berulang",
            "explanation_en": "repeated move pattern",
            "citation": "PP 11/2017 Ps. 190(5)",
        },
    )
    view = client.get(f"/proposals/{pid}", headers=h("auditor")).json()
    assert [f["flag_id"] for f in view["open_flags"]] == ["flag-1"]
    problem = step(client, h, h("ppk", **PPK), pid, "approve", {}, expect=422)
    assert problem["type"].endswith("justification-required")
    step(
        client,
        h,
        h("ppk", **PPK),
        pid,
        "approve",
        {"justification": "sudah diklarifikasi dengan Inspektorat"},
    )
    approved = [d for t, d in outbox_types(client) if t == "mutasi.proposal_approved"]
    assert approved[-1]["acknowledged_flags"] == ["flag-1"]
    feed(
        client,
        "audit.flag_status_changed",
        {
            "flag_id": "flag-1",
            "rule_id": "R3",
            "proposal_id": pid,
            "status": "dismissed",
            "previous_status": "open",
            "reason": "klarifikasi diterima",
        },
    )
    assert client.get(f"/proposals/{pid}", headers=h("auditor")).json()["open_flags"] == []


def test_sk_draft_exports(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers
    rnd = client.post(
        "/rounds",
        json={"name": "Mutasi Januari 2027", "planned_tmt": "2027-01-02"},
        headers=h("admin", **ADMIN),
    )
    assert rnd.status_code == 201
    rid = rnd.json()["round_id"]
    a = create(client, h, round_id=rid)["proposal_id"]
    b = create(client, h, nip=SECOND, round_id=rid)["proposal_id"]
    to_state(client, h, a, "executed")
    to_state(client, h, b, "approved")
    xlsx = client.get(f"/rounds/{rid}/sk-draft.xlsx", headers=h("auditor"))
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"
    pdf = client.get(f"/rounds/{rid}/sk-draft.pdf", headers=h("auditor"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/rounds/none/sk-draft.pdf", headers=h("auditor")).status_code == 404
    assert (
        client.get(f"/rounds/{rid}/sk-draft.pdf", headers=h("pegawai", sub=MOVER)).status_code
        == 403
    )
