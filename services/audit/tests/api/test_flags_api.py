"""`/flags`: listing and filters, detail with inclusion proofs that verify against the
signed root, the auditor-only status flow with reasons (each change an event), the rule
catalogue and its admin configuration, and on-demand round evaluation. SQLite and
PostgreSQL."""

import base64
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tatamutasi_audit.api.deps import ledger_keys
from tatamutasi_audit.ledger import merkle
from tatamutasi_audit.service.consumer import LedgerConsumer
from tatamutasi_contracts import validate_event
from tatamutasi_platform.consumer import Event

Headers = Callable[..., dict[str, str]]
CAND, HEAD, REVIEWER = "198001012005011011", "198001012005011012", "198001012005011013"


class Feed:
    def __init__(self) -> None:
        self.seq: dict[str, int] = defaultdict(int)

    def __call__(self, type_: str, data: dict[str, Any], when: str = "2026-02-10") -> Event:
        source = "/tatamutasi/" + type_.split(".")[0].replace("mutasi", "matching")
        self.seq[source] += 1
        env = {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": source,
            "type": type_,
            "time": f"{when}T09:00:00.000000Z",
            "subject": data.get("nip") or data.get("proposal_id"),
            "sequence": self.seq[source],
            "actor": "ppk-1" if "approved" in type_ else "bkd",
            "actorrole": "ppk" if "approved" in type_ else "admin",
            "data": data,
        }
        raw = orjson.dumps(env)
        envelope, payload = validate_event(raw)
        return Event(envelope, payload, raw, "t", 0, self.seq[source])


def _proposal(feed: Feed, pid: str, nip: str, rank: int, reviewer: str | None) -> list[Event]:
    base = {
        "proposal_id": pid,
        "round_id": "RND-API",
        "nip": nip,
        "to_post": {"unor_id": "U-B", "jabatan_id": "J-1"},
        "jenis_mutasi": "MU",
    }
    out = [
        feed(
            "mutasi.proposal_created",
            {**base, "state": "draft", "version": 1, "origin": "plan", "plan_rank": rank},
        )
    ]
    review = {**base, "state": "reviewed", "version": 2, "recommendation": "agree"}
    if reviewer:
        review["actor_nip"] = reviewer
    out.append(feed("mutasi.proposal_reviewed", review))
    out.append(feed("mutasi.proposal_approved", {**base, "state": "approved", "version": 3}))
    return out


@pytest.fixture
def flagged(audit_client: TestClient) -> TestClient:
    """A proposal whose reviewer is the candidate's spouse (R1), approved at plan rank 9
    without a reason (R4); another proposal that is clean."""
    runtime = audit_client.app.state.runtime  # type: ignore[attr-defined]
    consumer = LedgerConsumer(runtime, ledger_keys(runtime))
    feed = Feed()
    facts = [{"other_nip": REVIEWER, "relation": "spouse", "basis": "nik", "confidence": 1.0}]
    back = [{"other_nip": CAND, "relation": "spouse", "basis": "nik", "confidence": 1.0}]
    events = [
        feed("pegawai.registered", {"nip": n, "name": "X", "unor_id": "U-A", "jabatan_id": "J-1"})
        for n in (CAND, HEAD, REVIEWER)
    ]
    events += [
        feed("pegawai.family_updated", {"nip": CAND, "relations": facts}),
        feed("pegawai.family_updated", {"nip": REVIEWER, "relations": back}),
    ]
    events += _proposal(feed, "PRP-A", CAND, 9, REVIEWER)
    events += _proposal(feed, "PRP-B", HEAD, 1, None)
    assert audit_client.portal is not None
    assert audit_client.portal.call(consumer.apply, events) == []
    return audit_client


def test_flags_list_filters_and_hides_subjects_from_non_auditors(
    flagged: TestClient, auth_headers: Headers
) -> None:
    r = flagged.get("/flags", headers=auth_headers("auditor"))
    assert r.status_code == 200
    items = r.json()["items"]
    assert sorted(i["rule_id"] for i in items) == ["R1", "R4"]
    r1 = next(i for i in items if i["rule_id"] == "R1")
    assert r1["subjects"] == [CAND, REVIEWER] and r1["severity"] == "high"
    assert r1["status"] == "open" and r1["confidence"] == 1.0
    one = flagged.get("/flags", params={"rule_id": "R4"}, headers=auth_headers("auditor"))
    assert [i["proposal_id"] for i in one.json()["items"]] == ["PRP-A"]
    by_subject = flagged.get(
        "/flags", params={"subject": REVIEWER}, headers=auth_headers("auditor")
    )
    assert [i["rule_id"] for i in by_subject.json()["items"]] == ["R1"]
    none = flagged.get("/flags", params={"proposal_id": "PRP-B"}, headers=auth_headers("auditor"))
    assert none.json()["items"] == []
    ppk = flagged.get("/flags", params={"proposal_id": "PRP-A"}, headers=auth_headers("ppk"))
    assert ppk.status_code == 200
    assert all(s.startswith("psn:nip:") for i in ppk.json()["items"] for s in i["subjects"])
    forbidden = flagged.get("/flags", params={"subject": CAND}, headers=auth_headers("ppk"))
    assert forbidden.status_code == 403
    assert flagged.get("/flags", headers=auth_headers("pegawai")).status_code == 403
    bad = flagged.get("/flags", params={"rule_id": "R42"}, headers=auth_headers("auditor"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "rule_id"


def test_flag_detail_evidence_proofs_verify_against_the_root(
    flagged: TestClient, auth_headers: Headers
) -> None:
    items = flagged.get("/flags", params={"rule_id": "R1"}, headers=auth_headers("auditor"))
    fid = items.json()["items"][0]["flag_id"]
    d = flagged.get(f"/flags/{fid}", headers=auth_headers("auditor")).json()
    assert d["proofs"] and {p["type"] for p in d["proofs"]} >= {"mutasi.proposal_reviewed"}
    root = base64.b64decode(d["root"])
    for p in d["proofs"]:
        entry = base64.b64decode(p["entry_b64"])
        leaf = merkle.leaf_hash(entry)
        assert base64.b64encode(leaf).decode() == p["leaf_hash"]
        merkle.verify_inclusion(
            p["ledger_index"], d["tree_size"], leaf, [base64.b64decode(h) for h in p["proof"]], root
        )
        assert CAND not in entry.decode()  # the ledger holds pseudonyms
    assert d["checkpoint"].startswith("tatamutasi.example/")
    missing = flagged.get("/flags/FLG-nope", headers=auth_headers("auditor"))
    assert missing.status_code == 404 and missing.json()["detail_id"]


def test_status_flow_is_auditor_only_with_reasons_and_emits_events(
    flagged: TestClient, auth_headers: Headers
) -> None:
    fid = flagged.get("/flags", params={"rule_id": "R4"}, headers=auth_headers("auditor")).json()[
        "items"
    ][0]["flag_id"]
    url = f"/flags/{fid}/status"
    body = {"status": "acknowledged", "reason": "Sedang ditinjau Inspektorat"}
    for role in ("admin", "ppk", "integration"):
        assert flagged.post(url, json=body, headers=auth_headers(role)).status_code == 403
    no_reason = flagged.post(url, json={"status": "acknowledged"}, headers=auth_headers("auditor"))
    assert no_reason.status_code == 422
    blank = flagged.post(
        url, json={"status": "acknowledged", "reason": "   "}, headers=auth_headers("auditor")
    )
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "reason"
    skip = flagged.post(
        url, json={"status": "dismissed", "reason": "x"}, headers=auth_headers("auditor")
    )
    assert skip.status_code == 409
    ok = flagged.post(url, json=body, headers=auth_headers("auditor"))
    assert ok.status_code == 200 and ok.json()["status"] == "acknowledged"
    done = flagged.post(
        url,
        json={"status": "dismissed", "reason": "Alasan tertulis ada di berkas SK"},
        headers=auth_headers("auditor"),
    )
    assert done.json()["status"] == "dismissed"
    again = flagged.post(url, json=body, headers=auth_headers("auditor"))
    assert again.status_code == 409
    detail = flagged.get(f"/flags/{fid}", headers=auth_headers("auditor")).json()
    assert [(h["previous_status"], h["status"]) for h in detail["history"]] == [
        ("open", "acknowledged"),
        ("acknowledged", "dismissed"),
    ]
    runtime = flagged.app.state.runtime  # type: ignore[attr-defined]

    async def outbox() -> list[Any]:
        async with runtime.engine.connect() as conn:
            o = runtime.tables.outbox
            return list((await conn.execute(sa.select(o).order_by(o.c.id))).all())

    assert flagged.portal is not None
    rows = [r for r in flagged.portal.call(outbox) if r.type == "audit.flag_status_changed"]
    assert [orjson.loads(r.data)["status"] for r in rows] == ["acknowledged", "dismissed"]
    assert all(r.actor == "test-auditor" for r in rows)


def test_rule_catalogue_and_admin_configuration(flagged: TestClient, auth_headers: Headers) -> None:
    rules = flagged.get("/flags/rules", headers=auth_headers("auditor")).json()
    assert [r["rule_id"] for r in rules] == [f"R{i}" for i in range(1, 11)]
    assert all(r["citation"] and r["explanation_id"] for r in rules)
    url = "/flags/rules/R4"
    good = {"thresholds": {"max_rank": 10}}
    assert flagged.put(url, json=good, headers=auth_headers("auditor")).status_code == 403
    r = flagged.put(url, json=good, headers=auth_headers("admin"))
    assert r.status_code == 200
    assert next(t for t in r.json()["thresholds"] if t["name"] == "max_rank")["value"] == 10
    assert flagged.get(url, headers=auth_headers("auditor")).json()["thresholds"][0]["value"] == 10
    unknown = flagged.put("/flags/rules/R11", json=good, headers=auth_headers("admin"))
    assert unknown.status_code == 404
    assert (
        flagged.put("/flags/rules/X1", json=good, headers=auth_headers("admin")).status_code == 422
    )
    out = flagged.put(url, json={"thresholds": {"max_rank": 1000}}, headers=auth_headers("admin"))
    assert out.status_code == 422
    err = out.json()["errors"][0]
    assert err["field"] == "thresholds.max_rank" and err["code"] == "out_of_range"
    assert err["message_id"] and err["message_en"]
    nope = flagged.put(url, json={"thresholds": {"nope": 1}}, headers=auth_headers("admin"))
    assert nope.status_code == 422 and nope.json()["errors"][0]["code"] == "unknown_threshold"


def test_round_evaluation_on_demand_raises_nothing_twice(
    flagged: TestClient, auth_headers: Headers
) -> None:
    url = "/flags/evaluate"
    r = flagged.post(
        url, params={"round_id": "RND-API", "as_of": "2026-11-23"}, headers=auth_headers("auditor")
    )
    assert r.status_code == 200
    body = r.json()
    assert body["proposals"] == 2 and body["by_rule"] == {"R1": 1, "R4": 1}
    assert body["raised"] == []  # already raised when the events arrived
    # disabling R4 and lowering nothing: the evaluation follows the configuration
    flagged.put("/flags/rules/R4", json={"enabled": False}, headers=auth_headers("admin"))
    r = flagged.post(url, params={"round_id": "RND-API"}, headers=auth_headers("admin"))
    assert r.json()["by_rule"] == {"R1": 1}
    assert (
        flagged.post(url, params={"round_id": "NOPE"}, headers=auth_headers("auditor")).status_code
        == 404
    )
    assert (
        flagged.post(url, params={"round_id": "RND-API"}, headers=auth_headers("ppk")).status_code
        == 403
    )
