"""Auditor queries: by person (through the access-controlled pseudonym index), unit, round,
flag, proposal, event type, time range and actor; cursor pagination; every result carries
its ledger index and a proof link that verifies. SQLite and PostgreSQL."""

import base64
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tatamutasi_audit.ledger import merkle
from tatamutasi_audit.ledger.note import Verifier, open_checkpoint

Headers = Callable[..., dict[str, str]]
PERSON = "198503122010011100"
OTHER = "199001012015032001"


def proposal(
    seq: int, pid: str, round_id: str, to_unit: str, nip: str, **kw: Any
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/tatamutasi/matching",
        "type": kw.pop("type", "mutasi.proposal_created"),
        "time": kw.pop("time", "2026-11-23T10:00:00Z"),
        "subject": pid,
        "sequence": seq,
        "actor": kw.pop("actor", "operator-1"),
        "actorrole": "operator",
        "data": {
            "proposal_id": pid,
            "round_id": round_id,
            "nip": nip,
            "from_post": {"unor_id": "U-SETDA", "jabatan_id": "J2"},
            "to_post": {"unor_id": to_unit, "jabatan_id": "J1"},
            "jenis_mutasi": "MJ",
            "state": "draft",
            "version": 1,
            "origin": "manual",
            **kw,
        },
    }


def flag(seq: int, flag_id: str, nip: str, pid: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/tatamutasi/audit",
        "type": "audit.flag_raised",
        "time": "2026-11-24T10:00:00Z",
        "subject": flag_id,
        "sequence": seq,
        "actor": "audit",
        "data": {
            "flag_id": flag_id,
            "rule_id": "R3",
            "rule_version": "1",
            "severity": "high",
            "subjects": [nip],
            "proposal_id": pid,
            "round_id": "R-JAN",
            "unor_id": "U-DINKES",
            "confidence": 0.8,
            "explanation_id": "Pola untuk ditinjau",
            "explanation_en": "A pattern for review",
            "citation": "PP 11/2017",
        },
    }


@pytest.fixture
def workflow(append: Any) -> None:
    append(
        [
            proposal(1, "P-1", "R-JAN", "U-DINKES", PERSON, time="2026-01-10T08:00:00Z"),
            proposal(2, "P-2", "R-JAN", "U-DISDIK", OTHER, time="2026-01-11T08:00:00Z"),
            proposal(3, "P-3", "R-FEB", "U-DINKES", OTHER, actor=PERSON),
            flag(1, "F-1", PERSON, "P-1"),
        ]
    )
    append(
        [
            proposal(
                4,
                "P-1",
                "R-JAN",
                "U-DINKES",
                PERSON,
                type="mutasi.proposal_approved",
                acknowledged_flags=["F-1"],
                state="approved",
                version=2,
                time="2026-01-20T08:00:00Z",
            )
        ]
    )


def _items(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    r = client.get("/ledger/entries", params=params, headers=headers)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def _ids(client: TestClient, headers: dict[str, str], **params: Any) -> list[str]:
    return [
        i["event"]["data"].get("proposal_id", "") + "/" + i["type"]
        for i in _items(client, headers, **params)
    ]


def test_filters_by_unit_round_flag_proposal_and_type(
    audit_client: TestClient, auditor: dict[str, str], workflow: None
) -> None:
    created, approved, raised = (
        "mutasi.proposal_created",
        "mutasi.proposal_approved",
        "audit.flag_raised",
    )
    # a batch is appended in (source, sequence) order: /tatamutasi/audit comes first
    assert _ids(audit_client, auditor, unit="U-DINKES") == [
        f"P-1/{raised}",
        f"P-1/{created}",
        f"P-3/{created}",
        f"P-1/{approved}",
    ]
    assert _ids(audit_client, auditor, unit="U-SETDA") == [  # the unit they leave
        f"P-1/{created}",
        f"P-2/{created}",
        f"P-3/{created}",
        f"P-1/{approved}",
    ]
    assert _ids(audit_client, auditor, round="R-FEB") == [f"P-3/{created}"]
    assert _ids(audit_client, auditor, flag="F-1") == [f"P-1/{raised}", f"P-1/{approved}"]
    assert _ids(audit_client, auditor, proposal="P-1") == [
        f"P-1/{raised}",
        f"P-1/{created}",
        f"P-1/{approved}",
    ]
    assert _ids(audit_client, auditor, round="R-JAN", unit="U-DISDIK") == [f"P-2/{created}"]
    assert _ids(audit_client, auditor, type=approved) == [f"P-1/{approved}"]
    assert _ids(audit_client, auditor, unit="U-NONE") == []


def test_person_by_nip_through_the_pseudonym_index(
    audit_client: TestClient, auditor: dict[str, str], workflow: None, auth_headers: Headers
) -> None:
    about = _items(audit_client, auditor, nip=PERSON)
    assert [i["event"]["data"].get("proposal_id") for i in about] == ["P-1", "P-1", "P-3", "P-1"]
    # the ledger never holds the NIP itself
    assert all(PERSON not in base64.b64decode(i["entry_b64"]).decode() for i in about)
    # an actor that is a NIP is looked up too
    assert [i["sequence"] for i in _items(audit_client, auditor, actor=PERSON)] == [3]
    psn = audit_client.get(f"/ledger/pseudonyms/{PERSON}", headers=auditor).json()["pseudonym"]
    assert _items(audit_client, auditor, pseudonym=psn) == about
    # the NIP -> pseudonym index is for auditors: integrations get 403, not the answer
    integration = auth_headers("integration")
    for params in ({"nip": PERSON}, {"actor": PERSON}, {"subject": PERSON}):
        r = audit_client.get("/ledger/entries", params=params, headers=integration)
        assert r.status_code == 403, params
        assert r.headers["content-type"] == "application/problem+json"
    assert (
        audit_client.get(
            "/ledger/entries", params={"pseudonym": psn}, headers=integration
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"nip": "12345"}, 422, "nip"),
        ({"nip": PERSON, "pseudonym": "psn:nip:" + "0" * 32}, 422, "pseudonym"),
        ({"cursor": "not-a-cursor"}, 400, "cursor"),
        ({"cursor": "WyJ4Il0"}, 400, "cursor"),  # ["x"]
        ({"time_from": "yesterday"}, 422, "time_from"),
        ({"limit": 0}, 422, "limit"),
    ],
)
def test_bad_queries_are_problems(
    audit_client: TestClient,
    auditor: dict[str, str],
    params: dict[str, Any],
    status: int,
    field: str,
) -> None:
    r = audit_client.get("/ledger/entries", params=params, headers=auditor)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["detail_en"] and body["detail_id"]
    assert field in str(body.get("errors") or body)


def test_cursor_pagination_walks_every_match_once(
    audit_client: TestClient, auditor: dict[str, str], append: Any, make_envelope: Any
) -> None:
    append([make_envelope(i) for i in range(1, 24)])
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 5, "unit": "U-DINKES"}
        if cursor:
            params["cursor"] = cursor
        body = audit_client.get("/ledger/entries", params=params, headers=auditor).json()
        seen += [i["index"] for i in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(range(23)) and pages == 5


def test_every_result_links_to_a_proof_that_verifies(
    audit_client: TestClient, auditor: dict[str, str], workflow: None
) -> None:
    vkey = Verifier.parse(audit_client.get("/ledger/key", headers=auditor).json()["vkey"])
    for item in _items(audit_client, auditor, nip=PERSON):
        assert item["proof_url"] == f"/ledger/proofs/inclusion?index={item['index']}"
        p = audit_client.get(item["proof_url"], headers=auditor).json()
        cp = open_checkpoint(p["checkpoint"], vkey)
        leaf = merkle.leaf_hash(base64.b64decode(item["entry_b64"]))
        merkle.verify_inclusion(
            item["index"], cp.size, leaf, [base64.b64decode(h) for h in p["proof"]], cp.root
        )
