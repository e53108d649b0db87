"""After a SIASN sync, employees may hold jabatan ids that neither the jabatan catalogue nor
the formasi knows: plans move nobody into those posts (the workflow would refuse the move),
their holders may still move out, and the explanations say why."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_matching_talent_api import feed, register

from tatamutasi_matching.app import create_app
from tatamutasi_matching.settings import MatchingSettings
from tatamutasi_platform.testing import service_settings

Headers = Callable[..., dict[str, str]]
HOLDER = "198501012010011001"  # holds a post known only from SIASN
OTHER = "198801012012012003"  # would take the freed seat if it were offered
UNKNOWN = "BPKAD/SIASN-4711"


@pytest.fixture
def synced(db_url: str, dev_keys: tuple[bytes, Path]) -> Iterator[TestClient]:
    settings = service_settings(MatchingSettings, db_url=db_url, public_key=dev_keys[1])
    with TestClient(create_app(settings)) as client:  # type: ignore[arg-type]
        register(client, HOLDER, jabatan_id="SIASN-4711", tmt_jabatan="2015-01-01")
        register(client, OTHER, unor_id="DINKES", jabatan_id="ANALIS", tmt_jabatan="2015-01-01")
        wish = {"rank": 1, "unor_id": "BPKAD", "jabatan_id": "SIASN-4711"}
        feed(client, "pegawai.aspiration_stated", {"nip": OTHER, "preferences": [wish]})
        feed(
            client,
            "formasi.jabatan_changed",
            {"jabatan_id": "ANALIS", "change": "created", "name": "Analis", "jenis": "pelaksana",
             "level": "pelaksana", "requirements": {}, "version": 1},
        )  # fmt: skip
        for unit in ("BPKAD", "DINKES"):
            feed(
                client,
                "formasi.need_set",
                {"unit_id": unit, "jabatan_id": "ANALIS", "count": 1, "valid_from": "2026-01-01"},
            )
        yield client


def test_plan_offers_no_seat_in_a_post_unknown_to_formasi(
    synced: TestClient, auth_headers: Headers
) -> None:
    admin = auth_headers("admin")
    body = {"mode": "optimal", "effective": "2026-02-01"}
    plan_id = synced.post("/plans", json=body, headers=admin).json()["plan_id"]
    got = synced.get(f"/plans/{plan_id}", headers=admin).json()
    assert got["status"] == "done", got
    assert got["provenance"]["options"]["closed_posts"] == [UNKNOWN]
    moves = synced.get(f"/plans/{plan_id}/moves", headers=admin).json()["moves"]
    assert UNKNOWN not in {m["to"] for m in moves}
    assert (HOLDER, UNKNOWN) in {(m["employee"], m["from"]) for m in moves}  # may move out
    mine = synced.get(
        f"/plans/{plan_id}/explanations/{HOLDER}", headers=auth_headers("pegawai", sub=HOLDER)
    ).json()
    assert mine["employee"]["post_note"]["reason_code"] == "post_unknown_to_formasi"
    assert "katalog" in mine["employee"]["post_note"]["reason"]["id"]
    stable = synced.post("/plans", json={**body, "mode": "stable"}, headers=admin).json()
    moves = synced.get(f"/plans/{stable['plan_id']}/moves", headers=admin).json()["moves"]
    assert UNKNOWN not in {m["to"] for m in moves}  # OTHER's first wish is not offered
    candidates = synced.get("/candidates", params={"post": UNKNOWN}, headers=admin)
    assert candidates.status_code == 404 and "formasi" in candidates.text
