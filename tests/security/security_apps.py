"""The four services in-process for the security tests: one app per service on a throw-away
database (no broker: the relay and consumers idle), seeded with just enough data that an
authorization check which loads the resource first (a proposal, an employee) can answer 403
rather than 404, and the path parameters that point at that data."""

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tatamutasi_platform.paths import repo_root
from tatamutasi_platform.testing import service_settings

# the matching workflow tests' small Pemda with planted relatives
sys.path.insert(0, str(repo_root() / "services" / "matching" / "tests" / "api"))
import workflow_helpers as wh  # noqa: E402

SERVICES = ("pegawai", "formasi", "matching", "audit")
Headers = Callable[..., dict[str, str]]

SUBJECT_NIP = wh.MOVER
"""The employee the seeded data is about (the pegawai token's own NIP)."""
OTHER_NIP = wh.OUTSIDER
"""Another employee: an employee's token for this NIP must be refused the subject's data."""


def openapi(service: str) -> dict[str, Any]:
    path = repo_root() / "contracts" / "openapi" / f"{service}.json"
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def operations(service: str) -> list[tuple[str, str]]:
    """(METHOD, path template) of every operation in the checked-in OpenAPI document."""
    return [
        (method.upper(), path)
        for path, item in openapi(service)["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


def build_app(service: str, db_url: str, public_key: Path, data_dir: Path) -> FastAPI:
    common: dict[str, Any] = {"db_url": db_url, "public_key": public_key}
    if service == "pegawai":
        from tatamutasi_pegawai.app import create_app as pegawai_app
        from tatamutasi_pegawai.settings import PegawaiSettings

        return pegawai_app(service_settings(PegawaiSettings, reference_path=None, **common))  # type: ignore[arg-type]
    if service == "formasi":
        from tatamutasi_formasi.app import create_app as formasi_app
        from tatamutasi_formasi.settings import FormasiSettings

        return formasi_app(service_settings(FormasiSettings, **common))  # type: ignore[arg-type]
    if service == "matching":
        from tatamutasi_matching.app import create_app as matching_app
        from tatamutasi_matching.settings import MatchingSettings

        return matching_app(service_settings(MatchingSettings, **common))  # type: ignore[arg-type]
    from tatamutasi_audit.app import create_app as audit_app
    from tatamutasi_audit.settings import AuditSettings

    return audit_app(
        service_settings(  # type: ignore[arg-type]
            AuditSettings, data_dir=data_dir, log_origin="tatamutasi.example/uji", **common
        )
    )


@dataclass
class Seeded:
    """A running service with its seeded data."""

    service: str
    client: TestClient
    in_units: tuple[str, ...]
    """An operator's units that cover the seeded subject."""
    out_units: tuple[str, ...]
    """An operator's units that do not."""
    params: dict[str, str] = field(default_factory=dict)
    """Path parameter values (real ids where the service has them)."""
    query: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    bodies: dict[tuple[str, str], Any] = field(default_factory=dict)
    """Valid bodies for operations that check the role inside the handler (after the body
    is validated); other operations refuse a role before reading the body."""

    def url(self, path: str, **override: str) -> str:
        values = {**self.params, **override}
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        assert "{" not in path, f"no value for a parameter of {path}"
        return path


UPSTREAM: dict[tuple[str, str, str], int] = {
    **{(s, "GET", "/readyz"): 503 for s in SERVICES},  # no broker in these tests
    ("formasi", "GET", "/bezetting/reconciliation"): 502,  # the pegawai service is not running
}
"""Documented answers for a dependency that these in-process tests do not start."""


def role_token_kwargs(role: str, seeded: Seeded, *, in_scope: bool = True) -> dict[str, Any]:
    """Token claims for `role`; scoped roles get a scope that covers the seeded subject
    (or, with in_scope=False, one that does not)."""
    if role == "operator":
        return {"sub": "op-1", "units": seeded.in_units if in_scope else seeded.out_units}
    if role == "pegawai":
        # an identity provider's subject id, the NIP in its own claim (as Keycloak issues it)
        nip = SUBJECT_NIP if in_scope else OTHER_NIP
        return {"sub": f"sso-{nip[-6:]}", "nip": nip}
    return {"sub": f"sec-{role}"}


_DUMMY = {
    "job_id": "job-none",
    "task_id": "task-none",
    "jabatan_id": "PELAKSANA",
    "unit_id": "BPKAD",
    "nip": SUBJECT_NIP,
    "objection_id": "objection-none",
    "plan_id": "plan-none",
    "a": "plan-none",
    "b": "plan-none-2",
    "round_id": "round-none",
    "blackout_id": "blackout-none",
    "delegation_id": "delegation-none",
    "subscription_id": "subscription-none",
    "delivery_id": "delivery-none",
    "path": "000",
    "level": "0",
    "rule_id": "R1",
    "flag_id": "flag-none",
    "proposal_id": "proposal-none",
}


@contextmanager
def seeded_service(
    service: str, db_url: str, dev_keys: tuple[bytes, Path], data_dir: Path, h: Headers
) -> Iterator[Seeded]:
    app = build_app(service, db_url, dev_keys[1], data_dir)
    with TestClient(app, raise_server_exceptions=False) as client:
        seeded = Seeded(service, client, ("BPKAD",), ("DISDIK",), dict(_DUMMY))
        if service == "pegawai":
            _seed_pegawai(seeded, h)
        elif service == "formasi":
            _seed_formasi(seeded, h)
        elif service == "matching":
            _seed_matching(seeded, h)
        yield seeded


def _seed_pegawai(seeded: Seeded, h: Headers) -> None:
    for nip, unit in ((SUBJECT_NIP, "BPKAD"), (OTHER_NIP, "DISDIK")):
        body = {"nip": nip, "name": f"Pegawai {nip[-3:]}", "unor_id": unit, "jabatan_id": "J-1"}
        r = seeded.client.post("/pegawai", json=body, headers=h("admin", sub="seed-admin"))
        assert r.status_code == 201, r.text


def _seed_formasi(seeded: Seeded, h: Headers) -> None:
    for unit in ("BPKAD", "DISDIK"):
        body = {"unit_id": unit, "name": f"Unit {unit}", "valid_from": "2020-01-01"}
        body["unit_type"] = "dinas"
        r = seeded.client.post("/units", json=body, headers=h("admin", sub="seed-admin"))
        assert r.status_code == 201, r.text


def _seed_matching(seeded: Seeded, h: Headers) -> None:
    from tatamutasi_matching.service.workflow_settings import WorkflowSettings

    client = seeded.client
    client.app.state.runtime.extras["workflow_settings"] = WorkflowSettings(  # type: ignore[attr-defined]
        tmt_tolerance_days=30, pemda_name="Pemerintah Kota Uji", ppk_title="WALI KOTA UJI"
    )
    wh.load_pemda(client)
    pid = wh.create(client, h)["proposal_id"]  # MOVER: BPKAD → DINKES, a draft
    seeded.params["proposal_id"] = pid
    seeded.query = {
        ("GET", "/ninebox"): {"unit": "BPKAD"},
        ("GET", "/training-needs"): {"unit": "BPKAD"},
        ("GET", "/candidates"): {"post": "BPKAD/ANALIS"},
    }
    seeded.bodies = {
        ("POST", "/proposals/{proposal_id}/submit"): {},
        ("POST", "/proposals/{proposal_id}/withdraw"): {"reason": "uji"},
        ("POST", "/proposals/{proposal_id}/review"): {"recommendation": "agree"},
        ("POST", "/proposals/{proposal_id}/approve"): {},
        ("POST", "/proposals/{proposal_id}/reject"): {"reason": "uji"},
        ("POST", "/proposals/{proposal_id}/execute"): {
            "sk_number": "800/1/2026",
            "sk_date": "2026-11-20",
            "tmt": "2026-12-01",
        },
        ("POST", "/proposals/{proposal_id}/supersede"): {"reason": "uji"},
        ("POST", "/rounds/{round_id}/decisions"): {
            "items": [{"proposal_id": pid, "decision": "approve", "if_match": '"v0"'}]
        },
    }
