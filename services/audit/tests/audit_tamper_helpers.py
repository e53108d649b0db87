"""Helpers shared by the tamper-evidence tests (`integration/test_ledger_tampering*.py`):
read the log as an auditor's verifier does, run the self-check, expect a failure.

A plain module next to `conftest.py` (pytest puts this folder on `sys.path` when it loads
that conftest), imported by name; the fixtures (`auditor`, `log`, `sql`) are in conftest."""

import base64
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_audit.ledger.merkle import ProofError, verify_inclusion
from tatamutasi_audit.ledger.note import Verifier, open_checkpoint
from tatamutasi_audit.ledger.verifier import VerificationFailed, verify_log

Headers = Callable[..., dict[str, str]]
SQL = Callable[[Callable[[AsyncConnection], Any]], Any]


def fetcher(client: TestClient, headers: dict[str, str]) -> Callable[[str], bytes]:
    """What `verify_log` fetches the tlog-tiles paths with, through the API."""

    def fetch(path: str) -> bytes:
        r = client.get("/" + path, headers=headers)
        if r.status_code != 200:
            raise VerificationFailed(f"GET /{path}: {r.status_code}")
        return r.content

    return fetch


def vkey(client: TestClient, headers: dict[str, str]) -> Verifier:
    return Verifier.parse(client.get("/ledger/key", headers=headers).json()["vkey"])


def self_check(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/ledger/verify", headers=headers).json()
    return body


def verifier_fails(
    client: TestClient, headers: dict[str, str], previous: str | None = None
) -> VerificationFailed:
    with pytest.raises(VerificationFailed) as info:
        verify_log(fetcher(client, headers), vkey(client, headers), previous_note=previous)
    return info.value


def verifier_error(client: TestClient, headers: dict[str, str]) -> str:
    return str(verifier_fails(client, headers))


def proof_fails(client: TestClient, headers: dict[str, str], index: int) -> None:
    """An auditor's inclusion proof of `index` no longer checks out against the signed
    checkpoint (or the service refuses it as damaged)."""
    r = client.get("/ledger/proofs/inclusion", params={"index": index}, headers=headers)
    if r.status_code == 500:
        assert r.json()["type"].endswith("ledger-corrupt")
        return
    p = r.json()
    with pytest.raises(ProofError):
        verify_inclusion(
            index,
            p["tree_size"],
            base64.b64decode(p["leaf_hash"]),
            [base64.b64decode(h) for h in p["proof"]],
            open_checkpoint(p["checkpoint"], vkey(client, headers)).root,
        )
