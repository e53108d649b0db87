"""View helpers of the web console: formats, i18n, problem mapping, sessions/CSRF, OIDC
(PKCE, roles), charts, and the pages against fake services (no network)."""

import base64
import hashlib
import io
import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tatamutasi_web import charts, fmt
from tatamutasi_web.app import create_app
from tatamutasi_web.i18n import CATALOGUE, pick, t
from tatamutasi_web.oidc import pkce_challenge, pkce_pair, roles_from_claims
from tatamutasi_web.problems import field_key, show_problem
from tatamutasi_web.session import (
    COOKIE,
    Session,
    SessionStore,
    csrf_ok,
    derive_key,
    load_or_create_key,
)
from tatamutasi_web.settings import WebSettings
from tatamutasi_web.workflow import (
    decision_items,
    default_state,
    eligibility_of,
    eve_of_round,
    filled_vacancies,
    skp_around,
)


# -- formats ---------------------------------------------------------------------------------
def test_web_numbers_indonesian_and_english() -> None:
    assert fmt.number(1234) == "1.234"
    assert fmt.number(1234567.891, "id", 2) == "1.234.567,89"
    assert fmt.number(1234567.891, "en", 2) == "1,234,567.89"
    assert fmt.number(None) == "–"
    assert fmt.number("abc") == "abc"
    assert fmt.percent(0.439) == "43,9%"


def test_web_dates_are_dd_mm_yyyy() -> None:
    assert fmt.day("2026-11-23") == "23-11-2026"
    assert fmt.day("2026-11-23T14:18:10.372642Z") == "23-11-2026"
    assert fmt.moment("2026-11-23T14:18:10Z") == "23-11-2026 14:18"
    assert fmt.day(None) == "–"
    assert fmt.day("not a date") == "not a date"


def test_web_parse_day_accepts_what_people_type() -> None:
    assert fmt.parse_day("02-01-2027") == date(2027, 1, 2)
    assert fmt.parse_day("2/1/2027") == date(2027, 1, 2)
    assert fmt.parse_day("2027-01-02") == date(2027, 1, 2)
    assert fmt.parse_day("31-02-2027") is None
    assert fmt.parse_day("") is None
    assert fmt.parse_day("kemarin") is None


# -- i18n --------------------------------------------------------------------------------------
def test_web_i18n_indonesian_first_with_english() -> None:
    assert t("nav.dashboard") == "Dasbor"
    assert t("nav.dashboard", "en") == "Dashboard"
    assert t("nb.in_box", "id", box=7) == "Pegawai di kotak 7"
    assert t("no.such.key") == "no.such.key"
    assert pick({"id": "kotak 5", "en": "box 5"}, "en") == "box 5"
    assert pick({"id": "kotak 5"}, "en") == "kotak 5"
    assert pick(None, "id") == ""


def test_web_catalogue_has_both_languages_and_same_placeholders() -> None:
    for key, (id_, en) in CATALOGUE.items():
        assert id_ and en, key
        assert set(re.findall(r"{(\w+)}", id_)) == set(re.findall(r"{(\w+)}", en)), key


def test_web_templates_use_only_known_keys() -> None:
    root = Path(__file__).parents[1] / "src" / "tatamutasi_web"
    used: set[str] = set()
    for path in (root / "templates").glob("*.html"):
        used |= set(re.findall(r"tr\('([a-z_.]+)'", path.read_text()))
    for path in root.glob("*.py"):
        used |= set(re.findall(r"\bt\(\s*\"([a-z_]+\.[a-z_.]+)\"", path.read_text()))
    missing = sorted(
        k
        for k in used
        if k not in CATALOGUE and not (k.endswith(".") and any(c.startswith(k) for c in CATALOGUE))
    )
    assert not missing


# -- problem details ---------------------------------------------------------------------------
PROBLEM = {
    "type": "urn:tatamutasi:problem:validation-error",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "Kolom 'effective': Harus berupa tanggal",
    "detail_id": "Kolom 'effective': Harus berupa tanggal",
    "detail_en": "Field 'effective': Must be a date",
    "errors": [
        {
            "field": "body.effective",
            "location": "body",
            "code": "date_parsing",
            "message_en": "Must be a date (YYYY-MM-DD)",
            "message_id": "Harus berupa tanggal (YYYY-MM-DD)",
        }
    ],
}


def test_web_problem_in_the_users_language_next_to_the_field() -> None:
    shown = show_problem(422, PROBLEM, "id")
    assert shown.message == "Kolom 'effective': Harus berupa tanggal"
    assert shown.fields == {"effective": "Harus berupa tanggal (YYYY-MM-DD)"}
    shown_en = show_problem(422, PROBLEM, "en")
    assert shown_en.message == "Field 'effective': Must be a date"
    assert shown_en.fields == {"effective": "Must be a date (YYYY-MM-DD)"}


def test_web_problem_rows_and_odd_bodies() -> None:
    body = {
        "detail_id": "Impor ditolak",
        "detail_en": "Import refused",
        "errors": [{"row": 3, "column": "NIP", "field": "nip", "reason": "Minimal 18 karakter",
                    "reason_en": "Must have at least 18 characters"}],
    }  # fmt: skip
    shown = show_problem(422, body, "en")
    assert shown.rows == [{"row": 3, "column": "NIP", "reason": "Must have at least 18 characters"}]
    assert shown.fields == {"nip": "Must have at least 18 characters"}
    assert show_problem(500, "oops", "id").message == "Layanan menjawab dengan galat 500"
    assert "sesi" in show_problem(401, {"detail": "expired"}, "id").message.lower()
    assert field_key("query.nip") == "nip" and field_key("weights.tenure") == "weights.tenure"


# -- sessions, OIDC, charts, workflow helpers --------------------------------------------------
KEY = bytes(range(32))


def test_web_sessions_sealed_rotate_and_check_csrf() -> None:
    store = SessionStore(ttl_s=60, key=KEY)
    s = store.new()
    s.lang, s.flash = "en", ["Tersimpan"]
    opened = store.from_cookies(store.to_cookies(s))
    assert opened == s and opened is not s
    assert csrf_ok(s, s.csrf) and not csrf_ok(s, "forged") and not csrf_ok(s, None)
    new = store.rotate(s, token="x", roles=("admin",))
    assert new.sid != s.sid and new.csrf != s.csrf
    assert new.lang == "en" and new.logged_in and new.has("admin")
    # the sealed value carries no readable session data
    sealed = store.seal(new)
    assert new.csrf not in sealed and "admin" not in sealed and sealed.startswith("v1.")


def test_web_sealed_sessions_refuse_tampering_other_keys_and_expiry() -> None:
    store = SessionStore(ttl_s=60, key=KEY)
    s = store.rotate(store.new(), token="tok", roles=("auditor",))
    sealed = store.seal(s)
    flipped = sealed[:-5] + ("A" if sealed[-5] != "A" else "B") + sealed[-4:]
    assert store.open(sealed) == s
    assert store.open(flipped) is None
    assert store.open("v1.bm90LWEtc2Vzc2lvbg") is None and store.open("garbage") is None
    assert store.open(None) is None and store.open("v2." + sealed[3:]) is None
    assert SessionStore(60, bytes(32)).open(sealed) is None  # sealed with another key
    expired = Session(**{**s.state(), "expires": 1.0})
    assert store.open(store.seal(expired)) is None


def test_web_large_sessions_spread_over_several_cookies() -> None:
    """An OIDC access token plus ID token can exceed one cookie's 4 KB."""
    import secrets

    store = SessionStore(ttl_s=60, key=KEY)
    s = store.rotate(store.new(), token=secrets.token_urlsafe(4000),
                     id_token=secrets.token_urlsafe(2000))  # fmt: skip
    cookies = store.to_cookies(s)
    assert len(cookies) >= 2 and all(len(v) <= 3800 for v in cookies.values())
    assert list(cookies)[:2] == [COOKIE, f"{COOKIE}_1"]
    assert store.from_cookies(cookies) == s
    assert store.from_cookies({COOKIE: cookies[COOKIE]}) is None  # a missing part


def test_web_session_key_generated_once_in_the_data_dir(tmp_path: Path) -> None:
    first = load_or_create_key(tmp_path / "keys")
    assert load_or_create_key(tmp_path / "keys") == first and len(first) == 32
    assert (tmp_path / "keys" / "web-session.key").stat().st_mode & 0o777 == 0o600
    given = base64.urlsafe_b64encode(bytes(range(32))).decode()
    assert derive_key(given) == bytes(range(32))
    assert len(derive_key("a passphrase that is long enough to be a key")) == 32
    with pytest.raises(ValueError):
        derive_key("short")


def test_web_pkce_s256_matches_rfc7636_example() -> None:
    # RFC 7636 appendix B
    assert pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == (
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128
    digest = hashlib.sha256(verifier.encode()).digest()
    assert challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_web_roles_from_keycloak_claims() -> None:
    claims = {
        "realm_access": {"roles": ["offline_access", "auditor"]},
        "resource_access": {"tatamutasi-web": {"roles": ["ppk"]}, "other": {"roles": ["admin"]}},
    }
    assert roles_from_claims(claims, "tatamutasi-web") == ["auditor", "ppk"]
    assert roles_from_claims({"roles": ["admin", "nope"]}) == ["admin"]
    assert roles_from_claims({}) == []


def test_web_gap_chart_and_ninebox_grid_are_accessible_svg() -> None:
    svg = charts.gap_bars([{"name": "Dinas Kesehatan", "need": 1234, "filled": 5, "vacant": 12,
                            "retiring": 1}], "id")  # fmt: skip
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title" in svg
    assert "Dinas Kesehatan: Kebutuhan 1.234" in svg
    assert svg.count('class="bar ') == 4
    grid = charts.ninebox_grid({9: 2, 1: 1}, "/ninebox?unit=X&box=", 9, "en")
    assert grid.count("<a ") == 9
    assert 'href="/ninebox?unit=X&amp;box=9"' in grid and "Box 9: 2 people" in grid
    # DOMAIN.md §4.1: box 9 is top right, box 1 bottom left.
    nine = re.search(r'data-box="9"><rect x="(\d+)" y="(\d+)"', grid)
    one = re.search(r'data-box="1"><rect x="(\d+)" y="(\d+)"', grid)
    assert nine and one and int(nine[1]) > int(one[1]) and int(nine[2]) < int(one[2])


def test_web_workflow_helpers() -> None:
    assert default_state(("penilai",)) == "submitted"
    assert default_state(("ppk",)) == "reviewed"
    assert eligibility_of([{"eligibility": None}, {"eligibility": {"eligible": True}}, {}]) == {
        "eligible": True
    }
    assert eligibility_of([]) is None
    items = decision_items(
        [("decision_a", "approve"), ("decision_b", ""), ("decision_c", "reject"),
         ("reason_c", "tidak sesuai"), ("justification_all", "sudah dikaji")],
        {"a": '"1"', "c": '"2"'},
    )  # fmt: skip
    assert items == [
        {"proposal_id": "a", "decision": "approve", "if_match": '"1"',
         "justification": "sudah dikaji"},
        {"proposal_id": "c", "decision": "reject", "if_match": '"2"', "reason": "tidak sesuai",
         "justification": "sudah dikaji"},
    ]  # fmt: skip
    skp = [
        {"year": 2025, "predikat_name": "Baik"},
        {"year": 2027, "predikat_name": "Sangat Baik"},
    ]
    assert skp_around(skp, "2027-01-02") == ("Baik", "Sangat Baik")
    assert skp_around(skp, None) == (None, None)


def test_web_production_needs_oidc() -> None:
    with pytest.raises(ValueError):
        WebSettings(environment="production")
    with pytest.raises(ValueError):
        WebSettings(environment="production", dev_login=False)
    ok = WebSettings(
        environment="production", dev_login=False, oidc_issuer="https://kc/realms/p",
        oidc_client_id="web", oidc_redirect_url="https://web/auth/callback",
    )  # fmt: skip
    assert ok.oidc_enabled


# -- pages against fake services ----------------------------------------------------------------
FLAG = {
    "flag_id": "f1",
    "rule_id": "R1",
    "severity": "high",
    "status": "open",
    "explanation_id": "Atasan langsung mengusulkan kerabatnya",
    "explanation_en": "A direct superior proposes a relative",
    "citation": "UU 20/2023",
}


PLANS = [
    {"plan_id": "p0", "scenario": "Skenario Lama", "created_at": "2026-11-01T08:00:00Z",
     "status": "done", "mode": "optimal", "moves_count": 3},
    {"plan_id": "p1", "scenario": "Skenario Baru", "created_at": "2026-11-23T08:00:00Z",
     "status": "done", "mode": "stable", "moves_count": 1234},
]  # fmt: skip
MOVED_NIP = "198503122010011002"
TOTALS = {"need": 3, "filled": 1, "acting": 0, "vacant": 2, "over": 0, "posts": 1}
REPORT: dict[str, Any] = {
    "/rounds/r1": {"round_id": "r1", "name": "Putaran Uji", "planned_tmt": "2026-11-10",
                   "proposals": {"by_state": {"executed": 1}}},
    "/proposals": {"items": [{"proposal_id": "x1", "nip": MOVED_NIP, "state": "executed"}]},
    "/proposals/x1": {
        "proposal_id": "x1", "nip": MOVED_NIP, "state": "executed",
        "from_post": {"unor_id": "O1", "jabatan_id": "J1"},
        "to_post": {"unor_id": "O2", "jabatan_id": "J2"},
        "execution": {"tmt": "2026-11-10", "sk_date": "2026-11-05",
                      "executed_at": "2026-11-05T09:00:00Z"},
        "objections": [],
    },
    f"/pegawai/{MOVED_NIP}/skp": {"items": [{"year": 2025, "predikat_name": "Baik"}]},
    "/gaps/change": {
        "before": "2026-11-04", "after": "2026-11-23",
        "headline": ["Kekurangan pegawai 2 per 04-11-2026 menjadi 1 per 23-11-2026 (-1)."],
        "totals_before": TOTALS, "totals_after": {**TOTALS, "filled": 2, "vacant": 1},
        "by_opd": [{"key": "O2", "name": "Dinas Kesehatan", "before": TOTALS,
                    "after": {**TOTALS, "filled": 2, "vacant": 1},
                    "vacant_change": -1, "over_change": 0, "filled_change": 1}],
        "not_meeting_before": 0, "not_meeting_after": 0,
    },
}  # fmt: skip


def fake_services(calls: list[tuple[str, str, Any]]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        if request.method == "GET" and request.url.params:
            body = dict(request.url.params)
        calls.append((request.method, request.url.path, body))
        path = request.url.path
        if path == "/openapi.json":
            return httpx.Response(200, json={"paths": {"/siasn/sync": {"post": {}, "get": {}},
                                                       "/flags": {"get": {}},
                                                       "/plans": {"get": {}, "post": {}},
                                                       "/proposals": {"get": {}}}})  # fmt: skip
        if path == "/checkpoint":
            return httpx.Response(200, text="tatamutasi.demo/ledger\n1234\nroot=\n\n— sig\n")
        if path == "/ledger/checkpoints":
            return httpx.Response(200, json={"items": [{"size": n, "root": "r", "note": "n"}
                                                       for n in (900, 1100, 1234)]})  # fmt: skip
        if path == "/plans" and request.method == "GET":  # oldest first, as matching lists
            return httpx.Response(200, json={"items": PLANS, "next_cursor": None})
        if path in REPORT:
            return httpx.Response(200, json=REPORT[path])
        if path == "/gaps" and request.url.params.get("only_gaps"):
            return httpx.Response(200, json={"posts": [{"unit_id": "O2", "jabatan_id": "J2",
                                                        "vacant": 2}]})  # fmt: skip
        if path == "/flags":
            return httpx.Response(200, json={"items": [FLAG], "next_after": None})
        if path == "/flags/f1/status":
            if not (body or {}).get("reason"):
                return httpx.Response(422, json={
                    "detail_id": "Kolom 'reason': Minimal 1 karakter",
                    "detail_en": "Field 'reason': at least 1 character",
                    "errors": [{"field": "body.reason", "message_id": "Minimal 1 karakter",
                                "message_en": "Must have at least 1 characters"}]})  # fmt: skip
            return httpx.Response(200, json={**FLAG, "status": body["status"]})
        if path == "/plans/p1":
            return httpx.Response(200, json={"plan_id": "p1", "status": "done", "progress": 100,
                                             "moves_count": 150, "request": {}, "employees": 300,
                                             "objective": 9, "baseline_objective": 5})  # fmt: skip
        if path == "/plans/p1/moves":
            first = request.url.params.get("cursor") is None
            move = {"employee": "198503122010011002" if first else "199001012015032001",
                    "from": "U-A/J-1", "to": "U-B/J-2", "score": 10, "gain": 3}  # fmt: skip
            return httpx.Response(200, json={"plan_id": "p1", "moves": [move],
                                             "next_cursor": "c2" if first else None})  # fmt: skip
        if path == "/siasn/status":
            return httpx.Response(200, json={"configured": False, "api_base_url": "https://x",
                                             "instansi_id": "A5EB", "writeback": {}})  # fmt: skip
        if path == "/siasn/sync" and request.method == "GET":
            return httpx.Response(200, json={"items": [{
                "id": "job-1", "status": "running", "total": 4, "done": 1, "failed": 0,
                "created_at": "2026-11-23T10:00:00Z"}]})  # fmt: skip
        if path == "/siasn/sync":
            return httpx.Response(409, json={"detail_id": "SIASN belum dikonfigurasi",
                                             "detail_en": "SIASN is not configured"})  # fmt: skip
        if request.method == "POST" and path == "/plans":
            assert request.headers["authorization"].startswith("Bearer ")
            assert request.headers["idempotency-key"]
            return httpx.Response(
                422, json=PROBLEM, headers={"content-type": "application/problem+json"}
            )
        if path == "/gaps":
            return httpx.Response(200, json={
                "as_of": "2026-11-23",
                "totals": {"need": 1234, "filled": 5, "vacant": 1229, "over": 0},
                "by_opd": [{"key": "O1", "name": "Dinas Kesehatan", "need": 1234, "filled": 5,
                            "vacant": 1229, "over": 0}],
                "posts": [], "retiring": [{"opd_name": "Dinas Kesehatan"}],
            })  # fmt: skip
        return httpx.Response(404, json={"detail_id": "tidak ada", "detail_en": "no such thing"})

    return httpx.MockTransport(handler)


@pytest.fixture
def web(tmp_path: Path) -> tuple[TestClient, list[tuple[str, str, Any]]]:
    calls: list[tuple[str, str, Any]] = []
    app = create_app(WebSettings(data_dir=tmp_path), transport=fake_services(calls))
    return TestClient(app), calls


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m
    return m.group(1)


def login(client: TestClient, role: str = "admin", nip: str = "") -> None:
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"csrf_token": token, "role": role, "nip": nip},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text


def test_web_session_cookie_is_httponly_and_lax(web: Any) -> None:
    client, _ = web
    r = client.get("/login")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert r.headers["content-security-policy"].startswith("default-src 'self'")


def test_web_forms_without_csrf_are_refused(web: Any) -> None:
    client, _ = web
    client.get("/login")
    r = client.post("/login", data={"role": "admin"}, follow_redirects=False)
    assert r.status_code == 403 and "Formulir kedaluwarsa" in r.text
    r = client.post("/login", data={"role": "admin", "csrf_token": "forged"})
    assert r.status_code == 403


def test_web_login_needs_nip_for_employees_and_rotates_session(web: Any) -> None:
    client, _ = web
    first = client.get("/login")
    sid = first.cookies.get("tm_session")
    r = client.post(
        "/login", data={"csrf_token": csrf_of(first.text), "role": "pegawai", "nip": "12"}
    )
    assert r.status_code == 422 and 'id="err-nip"' in r.text and "NIP wajib" in r.text
    login(client, "admin")
    assert client.cookies.get("tm_session") != sid
    assert client.get("/dashboard", follow_redirects=False).status_code == 200


def test_web_pages_need_login_and_roles(web: Any) -> None:
    client, _ = web
    r = client.get("/gaps", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/gaps")
    login(client, "auditor")
    assert client.get("/import").status_code == 403


def test_web_api_problem_shown_next_to_the_field_in_the_users_language(web: Any) -> None:
    client, calls = web
    login(client)
    page = client.get("/plans")
    r = client.post("/plans", data={"csrf_token": csrf_of(page.text), "effective": "kemarin",
                                    "mode": "optimal", "scenario": "A"})  # fmt: skip
    assert r.status_code == 422
    assert 'id="err-effective"' in r.text and "Harus berupa tanggal (YYYY-MM-DD)" in r.text
    assert ("POST", "/plans") in [(m, p) for m, p, _ in calls]
    # switch to English: the same problem in English
    client.post("/lang", data={"csrf_token": csrf_of(page.text), "lang": "en", "next": "/plans"})
    r = client.post("/plans", data={"csrf_token": csrf_of(page.text), "effective": "kemarin"})
    assert "Must be a date (YYYY-MM-DD)" in r.text and '<html lang="en">' in r.text


def test_web_gap_report_in_indonesian_formats(web: Any) -> None:
    client, _ = web
    login(client)
    r = client.get("/gaps")
    assert r.status_code == 200
    assert "23-11-2026" in r.text and "1.234" in r.text and "<svg" in r.text
    assert "Pensiun" in r.text


def test_web_siasn_sync_progress_and_refusal(web: Any) -> None:
    client, calls = web
    login(client)
    page = client.get("/import")
    assert page.status_code == 200
    assert 'data-job="/siasn/sync/job-1.json"' in page.text and 'value="25"' in page.text
    nips = "199001012015032001\n199202022016042002"
    r = client.post("/siasn/sync", data={"csrf_token": csrf_of(page.text), "nips": nips})
    assert r.status_code == 409 and "SIASN belum dikonfigurasi" in r.text
    sent = next(b for m, p, b in calls if m == "POST" and p == "/siasn/sync")
    assert sent == {"nips": ["199001012015032001", "199202022016042002"], "unor": False}


def test_web_every_template_compiles() -> None:
    from tatamutasi_web.app import HERE, make_templates

    env = make_templates()
    names = sorted(p.name for p in (HERE / "templates").glob("*.html"))
    assert "base.html" in names and len(names) > 10
    for name in names:
        env.get_template(name)


def test_web_oidc_authorization_code_with_pkce(tmp_path: Path) -> None:
    """A Keycloak-like provider (faked): redirect with PKCE, state checked, ID token verified
    against the JWKS, roles from realm_access, the access token used for the APIs."""
    import time
    from urllib.parse import parse_qs, urlparse

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    issuer, client_id = "https://sso.example/realms/pemda", "tatamutasi-web"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": "k1", "use": "sig", "alg": "RS256"})
    seen: dict[str, Any] = {}

    def provider(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url.endswith("/.well-known/openid-configuration"):
            return httpx.Response(200, json={
                "authorization_endpoint": issuer + "/protocol/openid-connect/auth",
                "token_endpoint": issuer + "/protocol/openid-connect/token",
                "jwks_uri": issuer + "/protocol/openid-connect/certs",
                "end_session_endpoint": issuer + "/protocol/openid-connect/logout"})  # fmt: skip
        if url.endswith("/certs"):
            return httpx.Response(200, json={"keys": [jwk]})
        if url.endswith("/token"):
            form = parse_qs(request.content.decode())
            seen["verifier"] = form["code_verifier"][0]
            now = int(time.time())
            claims = {"iss": issuer, "aud": client_id, "sub": "u-1", "iat": now, "exp": now + 60}
            id_token = jwt.encode({**claims, "nonce": seen["nonce"], "name": "Bu Auditor"}, key,
                                  algorithm="RS256", headers={"kid": "k1"})  # fmt: skip
            access = jwt.encode({**claims, "realm_access": {"roles": ["auditor", "x"]}}, key,
                                algorithm="RS256", headers={"kid": "k1"})  # fmt: skip
            return httpx.Response(200, json={"id_token": id_token, "access_token": access})
        if url.endswith("/openapi.json"):
            return httpx.Response(200, json={"paths": {}})
        seen["api_auth"] = request.headers.get("authorization")
        return httpx.Response(200, json={"items": [], "next_after": None})

    settings = WebSettings(
        data_dir=tmp_path, dev_login=False, oidc_issuer=issuer, oidc_client_id=client_id,
        oidc_redirect_url="http://web.example/auth/callback",
    )  # fmt: skip
    client = TestClient(create_app(settings, transport=httpx.MockTransport(provider)))
    assert "/auth/oidc" in client.get("/login").text
    r = client.get("/auth/oidc", follow_redirects=False)
    q = parse_qs(urlparse(r.headers["location"]).query)
    assert q["code_challenge_method"] == ["S256"] and q["client_id"] == [client_id]
    seen["nonce"] = q["nonce"][0]
    bad = client.get("/auth/callback", params={"code": "c", "state": "forged"})
    assert bad.status_code == 401
    r = client.get("/auth/callback", params={"code": "c", "state": q["state"][0]},
                   follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/ledger"
    assert pkce_challenge(seen["verifier"]) == q["code_challenge"][0]
    page = client.get("/ledger")
    assert page.status_code == 200 and "Bu Auditor" in page.text
    assert seen["api_auth"].startswith("Bearer ey")


def test_web_red_flags_handled_with_a_reason(web: Any) -> None:
    client, calls = web
    login(client, "auditor")
    page = client.get("/flags")
    assert page.status_code == 200 and "Atasan langsung mengusulkan kerabatnya" in page.text
    token = csrf_of(page.text)
    r = client.post("/flags/f1/acknowledge", data={"csrf_token": token, "reason": ""})
    assert r.status_code == 422 and 'id="err-reason"' in r.text and "Minimal 1 karakter" in r.text
    r = client.post("/flags/f1/dismiss", data={"csrf_token": token, "reason": "Bukan kerabat"},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert ("POST", "/flags/f1/status", {"status": "dismissed", "reason": "Bukan kerabat"}) in calls
    # the auditor lands where the flag now is, with its new status
    assert r.headers["location"] == "/flags?status=dismissed#flag-f1"
    # an open flag offers acknowledging only (open → acknowledged → dismissed | confirmed)
    assert (
        'formaction="/flags/f1/acknowledge"' in page.text and "/flags/f1/confirm" not in page.text
    )
    assert 'id="f-status"' in page.text and "terbuka" in page.text

    # only auditors handle flags (the audit service's rule); others see them, without forms
    other, _ = web
    login(other, "ppk")
    seen = other.get("/flags")
    assert "Atasan langsung" in seen.text and "/flags/f1/acknowledge" not in seen.text


def test_web_plans_listed_from_the_matching_service(web: Any) -> None:
    client, calls = web
    login(client, "admin")
    page = client.get("/plans")
    assert page.status_code == 200
    assert ("GET", "/plans", {"limit": "500"}) in calls
    listed = page.text[page.text.index('data-testid="plans-list"') :]
    assert listed.index("Skenario Baru") < listed.index("Skenario Lama")  # newest first
    assert "1.234" in listed and "23-11-2026" in listed  # Indonesian formats
    assert not hasattr(client.app.state.console, "plans")  # nothing kept in the process


def test_web_sessions_survive_a_restart_of_the_console(tmp_path: Path) -> None:
    """Sessions live sealed in the browser: a new console process with the same key (the
    data dir's key file) reads them; one with another key does not."""
    calls: list[tuple[str, str, Any]] = []
    settings = WebSettings(data_dir=tmp_path)
    first = TestClient(create_app(settings, transport=fake_services(calls)))
    login(first, "admin")
    csrf = csrf_of(first.get("/plans").text)
    cookies = dict(first.cookies)
    assert set(cookies) == {COOKIE}
    first.close()

    again = TestClient(create_app(settings, transport=fake_services(calls)), cookies=cookies)
    r = again.get("/plans", follow_redirects=False)
    assert r.status_code == 200 and "Skenario Baru" in r.text
    assert csrf_of(r.text) == csrf  # the same session, CSRF token included
    assert again.post("/lang", data={"csrf_token": "forged", "lang": "en"}).status_code == 403
    r = again.post("/lang", data={"csrf_token": csrf, "lang": "en", "next": "/plans"})
    assert r.status_code == 200 and '<html lang="en"' in r.text  # the change is sealed too

    elsewhere = WebSettings(data_dir=tmp_path / "other-key")
    stranger = TestClient(create_app(elsewhere, transport=fake_services(calls)), cookies=cookies)
    r = stranger.get("/plans", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")

    r = again.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert again.get("/plans", follow_redirects=False).status_code == 303


def test_web_session_key_from_settings_is_shared_by_processes(tmp_path: Path) -> None:
    calls: list[tuple[str, str, Any]] = []
    key = base64.urlsafe_b64encode(bytes(range(32))).decode()
    one = TestClient(create_app(WebSettings(data_dir=tmp_path / "a", session_key=key),
                                transport=fake_services(calls)))  # fmt: skip
    login(one, "auditor")
    other = create_app(WebSettings(data_dir=tmp_path / "b", session_key=key),
                       transport=fake_services(calls))  # fmt: skip
    two = TestClient(other, cookies=dict(one.cookies))
    assert two.get("/flags", follow_redirects=False).status_code == 200
    assert not (tmp_path / "b" / "keys" / "web-session.key").exists()


def test_web_round_report_gap_change_comes_from_formasi(web: Any) -> None:
    client, calls = web
    login(client, "admin")
    r = client.get("/rounds/r1/report")
    assert r.status_code == 200, r.text
    # asked from formasi's /gaps/change from the eve of the first execution, not recomputed
    assert ("GET", "/gaps/change", {"before": "2026-11-04"}) in calls
    table = r.text[r.text.index('data-testid="gap-change"') :]
    assert "Dinas Kesehatan" in table and 'data-change="-1"' in table and ">+1<" in table
    assert "Kekurangan pegawai 2 per 04-11-2026" in r.text and "04-11-2026" in r.text
    assert ("GET", "/gaps", {"as_of": "2026-11-04", "only_gaps": "true", "limit": "50000"}) in calls
    xlsx = client.get("/rounds/r1/report.xlsx")
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    rows = list(wb.worksheets[1].iter_rows(values_only=True))
    assert rows[1] == ("Dinas Kesehatan", 2, 1, -1, 1) and "04-11-2026" in rows[0][1]
    assert list(wb.worksheets[0].iter_rows(values_only=True))[1][0] == MOVED_NIP


def test_web_round_report_dates_and_vacancies() -> None:
    today = date(2026, 11, 23)
    executed = [{"tmt": "2027-01-04", "execution": {"executed_at": "2026-11-23T10:00:00Z",
                                                    "sk_date": "2026-11-23"}}]  # fmt: skip
    assert eve_of_round(executed, "2027-01-04", today) == date(2026, 11, 22)
    assert eve_of_round([], "2026-10-01", today) == date(2026, 9, 30)
    assert eve_of_round([], "2027-01-04", today) == today  # nothing happened yet
    assert eve_of_round([], None, today) == today
    moves = [{"to_post": {"unor_id": "O2", "jabatan_id": "J2"}}] * 2 + [
        {"to_post": {"unor_id": "O3", "jabatan_id": "J2"}}
    ]
    assert filled_vacancies(moves, Counter({("O2", "J2"): 1, ("O3", "J2"): 4})) == 2


def test_web_dev_tokens_signed_with_a_given_key(tmp_path: Path) -> None:
    """Deployments hand the console the development signing key as content (a secret file);
    the services verify the tokens with its public key."""
    import jwt
    from cryptography.hazmat.primitives import serialization

    from tatamutasi_platform.auth import ensure_dev_keys

    private, public = ensure_dev_keys(tmp_path / "given")
    seen: list[str] = []

    def service(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization", ""))
        return httpx.Response(200, json={"paths": {}} if "openapi" in str(request.url) else {})

    settings = WebSettings(data_dir=tmp_path / "other", dev_signing_key=private.read_text())
    client = TestClient(create_app(settings, transport=httpx.MockTransport(service)))
    login(client, "pegawai", "199001012015032001")
    client.get("/me")
    token = next(h for h in seen if h.startswith("Bearer ")).split(" ", 1)[1]
    key = serialization.load_pem_public_key(public.read_bytes())
    claims = jwt.decode(token, key, algorithms=["EdDSA"], audience="tatamutasi")  # type: ignore[arg-type]
    assert claims["sub"] == claims["nip"] == "199001012015032001" and claims["roles"] == ["pegawai"]
    assert not (tmp_path / "other" / "keys" / "dev-signing-key.pem").exists()


def test_web_plan_moves_are_paged_with_the_services_cursor(web: Any) -> None:
    client, calls = web
    login(client, "admin")
    first = client.get("/plans/p1")
    assert first.status_code == 200 and 'data-testid="moves-next"' in first.text
    asked = [c for c in calls if c[1] == "/plans/p1/moves"]
    assert asked, "the moves were not requested"
    second = client.get("/plans/p1?cursor=c2")
    assert second.status_code == 200 and 'data-testid="moves-next"' not in second.text


def test_web_dashboard_trend_from_the_audit_checkpoints(web: Any) -> None:
    """The ledger trend is the audit service's signed checkpoints, not the console's memory:
    every console process (and a restarted one) draws the same line."""
    client, calls = web
    login(client, "auditor")
    data = client.get("/dashboard/data.json").json()
    assert data["trend"] == [900, 1100, 1234] and "<svg" in data["trend_svg"]
    assert data["text"]["ledger_size"] == "1.234"
    assert ("GET", "/ledger/checkpoints", {"after": "-1", "limit": "1000"}) in calls
