"""Separation of duties enforced by the server, each rule with a relative planted in the test
data (MOVER's sibling is a Tim Penilai member; the PPK's delegate is the spouse of the head
of DINKES), and the PPK's recorded delegation."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from workflow_helpers import (
    ADMIN,
    PENILAI,
    PENILAI_NIP,
    PPK,
    PPK_NIP,
    SECOND,
    THIRD,
    Headers,
    create,
    outbox_types,
    pemda_client,
    step,
    to_state,
)


@pytest.fixture
def client(db_url: str, dev_keys: tuple[bytes, Path]) -> Iterator[TestClient]:
    with pemda_client(db_url, dev_keys) as c:
        yield c


def refused(problem: dict[str, object], rule: str) -> None:
    assert problem["status"] == 403
    assert problem["type"] == "urn:tatamutasi:problem:separation-of-duties"
    assert problem["rule"] == rule
    assert rule in str(problem["detail_en"]) and rule in str(problem["detail_id"])


def test_nobody_reviews_a_proposal_they_created(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers
    pid = create(client, h)["proposal_id"]
    to_state(client, h, pid, "submitted")
    both = h("admin", "penilai", sub=ADMIN["sub"])
    refused(step(client, h, both, pid, "review", {"recommendation": "agree"}, 403), "SOD_CREATOR")


def test_nobody_reviews_or_approves_about_themselves(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers
    pid = create(client, h, nip=SECOND)["proposal_id"]
    to_state(client, h, pid, "submitted")
    me = h("penilai", sub="penilai-self", nip=SECOND)
    refused(step(client, h, me, pid, "review", {"recommendation": "agree"}, 403), "SOD_SELF")
    to_state(client, h, pid, "reviewed")
    me_ppk = h("ppk", sub="ppk-self", nip=SECOND)
    refused(step(client, h, me_ppk, pid, "approve", {}, 403), "SOD_SELF")


def test_nobody_reviews_a_relative(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers
    pid = create(client, h)["proposal_id"]
    to_state(client, h, pid, "submitted")
    sibling = h("penilai", sub="penilai-2", nip=PENILAI_NIP)
    refused(
        step(client, h, sibling, pid, "review", {"recommendation": "agree"}, 403), "SOD_RELATIVE"
    )
    step(client, h, h("penilai", **PENILAI), pid, "review", {"recommendation": "agree"})


def test_delegate_decides_unless_a_relative_heads_the_unit(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers
    sekda = h("admin", sub="sekda", nip=PPK_NIP)
    into_dinkes = create(client, h)["proposal_id"]
    into_yankes = create(client, h, nip=SECOND, to_unor_id="DINKES-YANKES")["proposal_id"]
    into_disdik = create(client, h, nip=THIRD, to_unor_id="DISDIK")["proposal_id"]
    for pid in (into_dinkes, into_yankes, into_disdik):
        to_state(client, h, pid, "reviewed")
    # before a delegation: an admin cannot decide
    assert step(client, h, sekda, into_disdik, "approve", {}, 403)["rule"] == "ROLE"
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
    delegation_id = r.json()["delegation_id"]
    # the delegate's spouse heads DINKES (and, as its parent, DINKES-YANKES)
    refused(step(client, h, sekda, into_dinkes, "approve", {}, 403), "SOD_RELATIVE_HEAD")
    refused(
        step(client, h, sekda, into_yankes, "reject", {"reason": "x"}, 403), "SOD_RELATIVE_HEAD"
    )
    step(client, h, sekda, into_disdik, "approve", {"reason": "atas nama Wali Kota"})
    approved = [d for t, d in outbox_types(client) if t == "mutasi.proposal_approved"]
    assert approved[-1]["delegation_id"] == delegation_id
    assert approved[-1]["actor_nip"] == PPK_NIP
    recorded = [d for t, d in outbox_types(client) if t == "mutasi.delegation_recorded"]
    assert recorded[0]["delegator"] == "ppk-walikota" and recorded[0]["delegate"] == "sekda"
    # revoked: the delegate can no longer decide
    assert (
        client.post(f"/delegations/{delegation_id}/revoke", headers=h("ppk", **PPK)).status_code
        == 200
    )
    assert step(client, h, sekda, into_dinkes, "approve", {}, 403)["rule"] == "ROLE"
    assert client.get("/delegations", headers=h("auditor")).json()["items"][0]["active"] is False


def test_reviewer_cannot_also_approve(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers
    pid = create(client, h)["proposal_id"]
    to_state(client, h, pid, "submitted")
    dual = h("penilai", "ppk", sub="dual-hat")
    step(client, h, dual, pid, "review", {"recommendation": "agree"})
    refused(step(client, h, dual, pid, "approve", {}, 403), "SOD_REVIEWER_DECIDES")
    step(client, h, h("ppk", **PPK), pid, "approve", {})


def test_delegation_input_is_checked(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers
    bad = client.post(
        "/delegations",
        json={
            "delegate": "sekda",
            "valid_from": "2026-02-01",
            "valid_until": "2026-01-01",
            "reference": "x",
        },
        headers=h("ppk", **PPK),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "valid_until"
    own = client.post(
        "/delegations",
        json={
            "delegate": PPK["sub"],
            "valid_from": "2026-01-01",
            "valid_until": "2026-02-01",
            "reference": "x",
        },
        headers=h("ppk", **PPK),
    )
    assert own.status_code == 422
