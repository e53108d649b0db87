"""Findings of the authorization matrix and API fuzzing (tests/security), pinned here:

- an operator was refused a proposal outside their units but could read its history (who,
  when, why, eligibility); the history is held to the same unit scope now;
- a plan explanation compared the token's `sub` with the NIP, so an identity provider's token
  (subject id plus a `nip` claim) was refused the employee's own explanation;
- the workflow's 404/409/412/428 answers were not documented."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from workflow_helpers import MOVER, OUTSIDER, Headers, create, pemda_client


@pytest.fixture
def client(db_url: str, dev_keys: tuple[bytes, Path]) -> Iterator[TestClient]:
    with pemda_client(db_url, dev_keys) as c:
        yield c


def test_operator_reads_history_only_of_their_units(
    client: TestClient, auth_headers: Headers
) -> None:
    pid = create(client, auth_headers)["proposal_id"]  # MOVER: BPKAD → DINKES
    outside = auth_headers("operator", sub="op-disdik", units=("DISDIK",))
    r = client.get(f"/proposals/{pid}/history", headers=outside)
    assert r.status_code == 403 and r.json()["rule"] == "OPERATOR_OWN_UNITS"
    inside = auth_headers("operator", sub="op-bpkad", units=("BPKAD",))
    assert client.get(f"/proposals/{pid}/history", headers=inside).status_code == 200


def test_plan_explanation_follows_the_nip_claim(client: TestClient, auth_headers: Headers) -> None:
    sso = auth_headers("pegawai", sub="keycloak-7f3a", nip=MOVER)
    r = client.get(f"/plans/plan-none/explanations/{MOVER}", headers=sso)
    assert r.status_code == 404  # allowed through; the plan does not exist
    r = client.get(f"/plans/plan-none/explanations/{OUTSIDER}", headers=sso)
    assert r.status_code == 403


def test_workflow_answers_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    approve = set(paths["/proposals/{proposal_id}/approve"]["post"]["responses"])
    assert {"404", "409", "412", "428"} <= approve
    assert "404" in paths["/rounds/{round_id}"]["get"]["responses"]
    assert "404" in paths["/webhooks/{subscription_id}"]["get"]["responses"]
