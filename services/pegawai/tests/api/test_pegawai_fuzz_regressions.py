"""Findings of the API fuzzing and authorization matrix (tests/security), each pinned here:

- integers past the database's range (write-back task ids, `riwayat_jabatan_id`) were a 500
  (OverflowError); they are a 422 now;
- an employee's own-record checks compared the token's `sub`, so an identity provider's token
  (subject id plus a `nip` claim) was refused the employee's own record, and one whose `sub`
  was a NIP but whose `nip` claim named another person was judged by the `sub`; the `nip`
  claim decides now, as in the workflow;
- 404 and the invalid-cursor 400 were answered but not documented."""

from fastapi.testclient import TestClient
from pegawai_registry_helpers import MINIMAL, NIP, NIP_F, Headers

HUGE = 2**70


def test_integers_beyond_the_database_range_are_422(
    client: TestClient, auth_headers: Headers
) -> None:
    admin = auth_headers("admin")
    for method, path, body in (
        ("POST", "/siasn/writeback", {"nip": NIP, "riwayat_jabatan_id": HUGE}),
        ("GET", f"/siasn/writeback/{HUGE}", None),
        ("POST", f"/siasn/writeback/{HUGE}/retry", None),
    ):
        r = client.request(method, path, json=body, headers=admin)
        assert r.status_code == 422, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")


def test_the_nip_claim_identifies_the_employee(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers
    for nip in (NIP, NIP_F):
        body = {**MINIMAL, "nip": nip}
        assert client.post("/pegawai", json=body, headers=h("admin")).status_code == 201
    sso = h("pegawai", sub="keycloak-7f3a", nip=NIP)
    assert client.get(f"/pegawai/{NIP}", headers=sso).status_code == 200
    assert client.get(f"/pegawai/{NIP}/keluarga", headers=sso).status_code == 200
    assert client.get(f"/pegawai/{NIP_F}", headers=sso).status_code == 403
    # a NIP-shaped subject does not override the nip claim
    mixed = h("pegawai", sub=NIP_F, nip=NIP)
    assert client.get(f"/pegawai/{NIP_F}", headers=mixed).status_code == 403
    assert client.get(f"/pegawai/{NIP_F}/keluarga", headers=mixed).status_code == 403


def test_not_found_and_bad_cursor_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, method in (("/pegawai/{nip}", "get"), ("/pegawai/{nip}/skp", "post")):
        assert "404" in paths[path][method]["responses"], path
    assert "400" in paths["/pegawai/{nip}/skp"]["get"]["responses"]
    assert "404" in paths["/siasn/writeback/{task_id}"]["get"]["responses"]
