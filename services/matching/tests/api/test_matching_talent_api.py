"""Talent read models fed by pegawai/formasi events; `GET /ninebox` and `GET /candidates`."""

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tatamutasi_contracts import EVENT_TYPES
from tatamutasi_contracts.envelope import Envelope
from tatamutasi_matching.app import create_app
from tatamutasi_matching.service.read_models import on_event
from tatamutasi_matching.settings import MatchingSettings
from tatamutasi_platform.consumer import Event
from tatamutasi_platform.testing import service_settings

Headers = Callable[..., dict[str, str]]
FIT = "198501012010011001"
YOUNG = "199001012015011002"
HEALTH = "198801012012012003"


@pytest.fixture
def client(db_url: str, dev_keys: tuple[bytes, Path]) -> Iterator[TestClient]:
    settings = service_settings(MatchingSettings, db_url=db_url, public_key=dev_keys[1])
    with TestClient(create_app(settings)) as c:  # type: ignore[arg-type]
        yield c


def feed(client: TestClient, event_type: str, data: dict[str, Any]) -> None:
    spec = EVENT_TYPES[event_type]
    payload = spec.model.model_validate(data)
    envelope = Envelope.model_validate(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "/tatamutasi/test",
            "type": event_type,
            "time": "2026-01-02T03:04:05.000000Z",
            "subject": data.get("nip") or data.get("jabatan_id"),
            "datacontenttype": "application/json",
            "sequence": 1,
            "actor": "test",
            "actorrole": "integration",
            "data": payload.model_dump(mode="json"),
        }
    )
    event = Event(envelope, payload, b"", spec.topic.value, 0, 0)
    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def apply() -> None:
        async with runtime.engine.begin() as conn:
            await on_event(conn, event)

    assert client.portal is not None
    client.portal.call(apply)


def register(client: TestClient, nip: str, **extra: Any) -> None:
    body = {
        "nip": nip,
        "name": f"Pegawai {nip[-3:]}",
        "unor_id": "BPKAD",
        "jabatan_id": "PELAKSANA",
        "kind": "PNS",
        "sex": "M",
        "tmt_jabatan": "2019-01-01",
        "golongan_id": "33",
        "education_level_id": "40",
        "education_field": "Ekonomi",
        "kedudukan_id": "01",
        "tmt_pensiun": "2045-01-01",
        "tmt_cpns": "2010-01-01",
    }
    body.update(extra)
    feed(client, "pegawai.registered", body)


@pytest.fixture
def pemda(client: TestClient) -> TestClient:
    register(client, FIT)
    register(client, YOUNG, tmt_jabatan="2025-06-01")
    register(client, HEALTH, unor_id="DINKES", education_field="Kesehatan", sex="F")
    for nip, predikat in ((FIT, 1), (YOUNG, 2), (HEALTH, 2)):
        for year in (2024, 2025):
            feed(
                client,
                "pegawai.performance_recorded",
                {"nip": nip, "year": year, "predikat": predikat},
            )
    feed(
        client,
        "pegawai.assessment_recorded",
        {"nip": FIT, "kind": "potensi", "year": 2025, "scores": {}, "total": 92.0},
    )
    feed(
        client,
        "pegawai.assessment_recorded",
        {
            "nip": FIT,
            "kind": "kompetensi",
            "year": 2025,
            "scores": {"integritas": 3.0},
            "jpm": 85.0,
        },
    )
    feed(
        client,
        "pegawai.discipline_recorded",
        {"nip": HEALTH, "level": "sedang", "start": "2025-03-01", "end": "2027-03-01"},
    )
    feed(
        client,
        "pegawai.aspiration_stated",
        {
            "nip": FIT,
            "preferences": [{"rank": 1, "unor_id": "BPKAD", "jabatan_id": "KASUBBID-ANGGARAN"}],
        },
    )
    feed(
        client,
        "formasi.jabatan_changed",
        {
            "jabatan_id": "KASUBBID-ANGGARAN",
            "change": "created",
            "name": "Kepala Subbidang Anggaran",
            "jenis": "struktural",
            "level": "pengawas",
            "eselon_id": "41",
            "rumpun": "Keuangan",
            "requirements": {
                "education": [{"min_level_id": "30", "fields": ["Ekonomi", "Akuntansi"]}],
                "managerial_level": 2,
            },
            "version": 1,
        },
    )
    feed(
        client,
        "formasi.need_set",
        {
            "unit_id": "BPKAD",
            "jabatan_id": "KASUBBID-ANGGARAN",
            "count": 1,
            "valid_from": "2026-01-01",
        },
    )
    return client


def test_candidates_for_a_post_are_ranked_explained_and_lawful(
    pemda: TestClient, auth_headers: Headers
) -> None:
    r = pemda.get(
        "/candidates",
        params={
            "post": "BPKAD/KASUBBID-ANGGARAN",
            "effective": "2026-02-01",
            "include_blocked": True,
        },
        headers=auth_headers("penilai"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["post"]["jabatan_class"] == "pengawas" and body["post"]["capacity"] == 1
    assert body["versions"]["rules"]["ruleset"].startswith("eligibility/")
    ranked = [(c["nip"], c["eligible"]) for c in body["candidates"]]
    assert ranked == [(FIT, True), (HEALTH, False), (YOUNG, False)]
    fit = body["candidates"][0]
    assert "aspiration:1" in fit["breakdown"]["matching"]
    assert {c["name"] for c in fit["breakdown"]["components"]} >= {"competence", "ninebox"}
    assert {b["code"] for b in body["candidates"][1]["blocked"]} == {"ACTIVE_DISCIPLINE"}
    young = body["candidates"][2]["blocked"][0]
    assert young["code"] == "MIN_TENURE_2Y" and "Ps. 190(3)" in young["citation"]
    lawful = pemda.get(
        "/candidates",
        params={"post": "BPKAD/KASUBBID-ANGGARAN", "effective": "2026-02-01"},
        headers=auth_headers("admin"),
    ).json()
    assert [c["nip"] for c in lawful["candidates"]] == [FIT] and lawful["total"] == 1


def test_candidates_reject_bad_or_unknown_posts_with_problem_details(
    pemda: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers("admin")
    bad = pemda.get("/candidates", params={"post": "no-slash"}, headers=h)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(
        "application/problem+json"
    )
    unknown = pemda.get("/candidates", params={"post": "X/Y"}, headers=h)
    assert unknown.status_code == 404
    assert "tidak ada" in unknown.text


def test_ninebox_of_a_unit_shows_boxes_inputs_and_succession(
    pemda: TestClient, auth_headers: Headers
) -> None:
    r = pemda.get(
        "/ninebox", params={"unit": "BPKAD", "as_of": "2026-01-15"}, headers=auth_headers("auditor")
    )
    assert r.status_code == 200, r.text
    body = r.json()
    by_nip = {p["nip"]: p for p in body["placements"]}
    assert set(by_nip) == {FIT, YOUNG}
    assert (
        by_nip[FIT]["box"] in (7, 9)
        and by_nip[FIT]["inputs"]["assessment"]["source"] == "potensi_total"
    )
    assert by_nip[YOUNG]["box"] is None and "assessment" in by_nip[YOUNG]["reason"]["en"]
    assert body["succession"] == [FIT]
    everyone = pemda.get(
        "/ninebox", params={"as_of": "2026-01-15"}, headers=auth_headers("ppk")
    ).json()
    health = next(p for p in everyone["placements"] if p["nip"] == HEALTH)
    assert health["box"] is None and "sedang" in health["reason"]["en"]


def test_operator_sees_only_own_unit_and_pegawai_is_refused(
    pemda: TestClient, auth_headers: Headers
) -> None:
    op = auth_headers("operator", units=("DINKES",))
    assert pemda.get("/ninebox", params={"unit": "DINKES"}, headers=op).status_code == 200
    assert pemda.get("/ninebox", params={"unit": "BPKAD"}, headers=op).status_code == 403
    assert pemda.get("/ninebox", headers=op).status_code == 403
    assert (
        pemda.get("/candidates", params={"post": "BPKAD/KASUBBID-ANGGARAN"}, headers=op).status_code
        == 403
    )
    assert pemda.get("/ninebox", headers=auth_headers("pegawai", sub=FIT)).status_code == 403
    assert pemda.get("/ninebox").status_code == 401


def test_placement_and_rank_events_update_the_profile(
    pemda: TestClient, auth_headers: Headers
) -> None:
    feed(pemda, "pegawai.rank_changed", {"nip": YOUNG, "golongan_id": "34"})
    feed(
        pemda,
        "pegawai.placement_changed",
        {
            "nip": YOUNG,
            "previous": None,
            "current": {"unor_id": "DINKES", "jabatan_id": "ANALIS", "tmt": "2026-01-01"},
            "reason": "mutasi",
        },
    )
    dinkes = pemda.get(
        "/ninebox", params={"unit": "DINKES", "as_of": "2026-01-15"}, headers=auth_headers("admin")
    ).json()
    assert {p["nip"] for p in dinkes["placements"]} == {HEALTH, YOUNG}
    summary = pemda.get("/read-models/workforce", headers=auth_headers("admin")).json()
    assert summary["employees"] == 3


def plan_events(client: TestClient) -> list[dict[str, Any]]:
    import json

    import sqlalchemy as sa

    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    t = runtime.tables.outbox

    async def rows() -> list[dict[str, Any]]:
        async with runtime.engine.connect() as conn:
            q = sa.select(t.c.data, t.c.actor).where(t.c.type == "mutasi.plan_computed")
            return [{**json.loads(r.data), "actor": r.actor} for r in await conn.execute(q)]

    assert client.portal is not None
    return client.portal.call(rows)


PLAN = {"mode": "optimal", "effective": "2026-02-01", "scenario": "baseline"}


def test_plan_runs_in_background_is_explained_and_emits_its_hashes(
    pemda: TestClient, auth_headers: Headers
) -> None:
    admin = auth_headers("admin", sub="bkd-1")
    r = pemda.post("/plans", json=PLAN, headers={**admin, "Idempotency-Key": "plan-1"})
    assert r.status_code == 202, r.text
    plan_id = r.json()["plan_id"]
    assert r.headers["location"] == f"/plans/{plan_id}"
    again = pemda.post("/plans", json=PLAN, headers={**admin, "Idempotency-Key": "plan-1"})
    assert again.json()["plan_id"] == plan_id  # idempotent replay, no second plan
    got = pemda.get(f"/plans/{plan_id}", headers=auth_headers("auditor")).json()
    assert got["status"] == "done" and got["progress"] == 100 and got["moves_count"] == 1
    assert got["plan_status"] == "complete" and got["created_by"] == "bkd-1"
    (event,) = plan_events(pemda)
    assert event["plan_id"] == plan_id and event["actor"] == "bkd-1"
    assert event["input_sha256"] == got["hashes"]["input_sha256"]
    assert event["result_sha256"] == got["hashes"]["result_sha256"]
    assert event["formula_versions"]["scoring"] == "scoring/v1"
    moves = pemda.get(f"/plans/{plan_id}/moves", headers=auth_headers("ppk")).json()["moves"]
    assert [(m["employee"], m["to"]) for m in moves] == [(FIT, "BPKAD/KASUBBID-ANGGARAN")]
    own = pemda.get(
        f"/plans/{plan_id}/explanations/{FIT}", headers=auth_headers("pegawai", sub=FIT)
    )
    assert own.status_code == 200
    assert own.json()["move"]["detail"]["rules"]["blocked"] == []
    other = pemda.get(
        f"/plans/{plan_id}/explanations/{YOUNG}", headers=auth_headers("pegawai", sub=FIT)
    )
    assert other.status_code == 403
    young = pemda.get(
        f"/plans/{plan_id}/explanations/{YOUNG}", headers=auth_headers("penilai")
    ).json()
    assert young["employee"]["decision"] == "stay" and young["move"] is None
    fairness = pemda.get(f"/plans/{plan_id}/fairness", headers=admin).json()
    assert fairness["distribution"]["opd"]["BPKAD"] == {"employees": 2, "moves": 1}


def test_same_read_models_give_the_same_plan_and_scenarios_can_be_diffed(
    pemda: TestClient, auth_headers: Headers
) -> None:
    admin = auth_headers("admin")
    a = pemda.post("/plans", json=PLAN, headers=admin).json()["plan_id"]
    b = pemda.post("/plans", json=PLAN, headers=admin).json()["plan_id"]
    ha = pemda.get(f"/plans/{a}", headers=admin).json()["hashes"]
    hb = pemda.get(f"/plans/{b}", headers=admin).json()["hashes"]
    assert ha == hb
    locked = {**PLAN, "scenario": "lock FIT", "locked_employees": [FIT]}
    c = pemda.post("/plans", json=locked, headers=admin).json()["plan_id"]
    d = pemda.get(f"/plans/{a}/diff/{c}", headers=admin).json()
    assert [m["employee"] for m in d["moves_removed"]] == [FIT]
    assert d["objective"]["delta"] < 0


def test_plan_requests_are_validated_and_roles_enforced(
    pemda: TestClient, auth_headers: Headers
) -> None:
    admin = auth_headers("admin")
    bad_weights = pemda.post("/plans", json={**PLAN, "weights": {"luck": 1}}, headers=admin)
    assert bad_weights.status_code == 422 and "weights" in bad_weights.text
    window = {"name": "w", "start": "2026-03-01", "end": "2026-01-01", "kind": "pre_election"}
    bad_window = pemda.post("/plans", json={**PLAN, "blackout_windows": [window]}, headers=admin)
    assert bad_window.status_code == 422 and "berakhir" in bad_window.text
    assert pemda.post("/plans", json=PLAN, headers=auth_headers("auditor")).status_code == 403
    assert pemda.get("/plans/nope", headers=admin).status_code == 404
    unknown_lock = pemda.post("/plans", json={**PLAN, "locked_posts": ["X/Y"]}, headers=admin)
    assert unknown_lock.status_code == 422
    problem = unknown_lock.json()
    assert unknown_lock.headers["content-type"].startswith("application/problem+json")
    assert "locked_posts[0]" in unknown_lock.text and "tidak dikenal" in unknown_lock.text
    assert problem["status"] == 422
    ghost = pemda.post(
        "/plans", json={**PLAN, "locked_employees": ["199901012020011999"]}, headers=admin
    )
    assert ghost.status_code == 422 and "locked_employees[0]" in ghost.text
    bad_prio = pemda.post("/plans", json={**PLAN, "priority_posts": ["NOPE/NOPE"]}, headers=admin)
    assert bad_prio.status_code == 422 and "priority_posts[0]" in bad_prio.text
    for body in (
        {**PLAN, "mode": "greedy"},
        {**PLAN, "max_moves": -1},
        {"mode": "optimal"},
        {**PLAN, "weights": {"competence": -1.0}},
        {**PLAN, "weights": {"competence": 0.0}},
        {**PLAN, "bup_horizon_months": 999},
    ):
        r = pemda.post("/plans", json=body, headers=admin)
        assert r.status_code == 422, body
        assert r.headers["content-type"].startswith("application/problem+json")
    queued = insert_queued_plan(pemda)
    assert pemda.get(f"/plans/{queued}/moves", headers=admin).status_code == 409
    assert pemda.get(f"/plans/{queued}/export.xlsx", headers=admin).status_code == 409
    done = pemda.post("/plans", json=PLAN, headers=admin).json()["plan_id"]
    assert pemda.get(f"/plans/{done}/diff/{queued}", headers=admin).status_code == 409
    assert pemda.get(f"/plans/{done}/explanations/{GHOST}", headers=admin).status_code == 404


def test_blackout_without_approval_blocks_every_move(
    pemda: TestClient, auth_headers: Headers
) -> None:
    admin = auth_headers("admin")
    window = {"name": "pilkada", "start": "2026-01-01", "end": "2026-06-01", "kind": "pre_election"}
    r = pemda.post("/plans", json={**PLAN, "blackout_windows": [window]}, headers=admin).json()
    assert pemda.get(f"/plans/{r['plan_id']}", headers=admin).json()["moves_count"] == 0
    approval = {"reference": "100.2.2.6/1/SJ", "window": "pilkada", "nips": [FIT]}
    body = {**PLAN, "blackout_windows": [window], "mendagri_approvals": [approval]}
    r = pemda.post("/plans", json=body, headers=admin).json()
    assert pemda.get(f"/plans/{r['plan_id']}", headers=admin).json()["moves_count"] == 1


def test_ppk_waiver_is_recorded_published_and_makes_the_candidate_eligible(
    pemda: TestClient, auth_headers: Headers
) -> None:
    ppk = auth_headers("ppk", sub="walikota")
    body = {
        "nip": YOUNG,
        "rule_code": "MIN_TENURE_2Y",
        "post_id": "BPKAD/KASUBBID-ANGGARAN",
        "reason": "restrukturisasi OPD: jabatan lama dihapus",
        "reference": "800/1/BKPSDM/2026",
    }
    r = pemda.post("/waivers", json=body, headers={**ppk, "Idempotency-Key": "w-1"})
    assert r.status_code == 201, r.text
    assert r.json()["approver"] == "walikota"
    again = pemda.post("/waivers", json=body, headers={**ppk, "Idempotency-Key": "w-1"})
    assert again.json()["waiver_id"] == r.json()["waiver_id"]
    listed = pemda.get("/waivers", params={"nip": YOUNG}, headers=auth_headers("auditor")).json()
    assert len(listed["waivers"]) == 1
    runtime = pemda.app.state.runtime  # type: ignore[attr-defined]

    async def published() -> list[str]:
        import sqlalchemy as sa

        t = runtime.tables.outbox
        async with runtime.engine.connect() as conn:
            q = sa.select(t.c.actor).where(t.c.type == "mutasi.waiver_recorded")
            return [row.actor for row in await conn.execute(q)]

    assert pemda.portal is not None
    assert pemda.portal.call(published) == ["walikota"]
    ranked = pemda.get(
        "/candidates",
        params={"post": "BPKAD/KASUBBID-ANGGARAN", "effective": "2026-02-01"},
        headers=auth_headers("admin"),
    ).json()["candidates"]
    young = next(c for c in ranked if c["nip"] == YOUNG)
    assert young["eligible"] and young["rules"]["waived"] == ["MIN_TENURE_2Y"]


def test_waivers_refuse_hard_stops_and_other_roles(
    pemda: TestClient, auth_headers: Headers
) -> None:
    ppk = auth_headers("ppk")
    hard = {"nip": YOUNG, "rule_code": "DATA_BLOCKED", "reason": "x"}
    r = pemda.post("/waivers", json=hard, headers=ppk)
    assert r.status_code == 422 and "tidak dapat dikecualikan" in r.text
    blank = {"nip": YOUNG, "rule_code": "MIN_TENURE_2Y", "reason": "   "}
    assert pemda.post("/waivers", json=blank, headers=ppk).status_code == 422
    ok = {"nip": YOUNG, "rule_code": "MIN_TENURE_2Y", "reason": "alasan"}
    assert pemda.post("/waivers", json=ok, headers=auth_headers("penilai")).status_code == 403


GHOST = "199901012020011999"


def insert_queued_plan(client: TestClient) -> str:
    import sqlalchemy as sa

    from tatamutasi_matching.adapters.orm import plan

    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    plan_id = str(uuid.uuid4())

    async def insert() -> None:
        async with runtime.engine.begin() as conn:
            await conn.execute(
                sa.insert(plan).values(
                    plan_id=plan_id,
                    status="queued",
                    progress=0,
                    mode="optimal",
                    request="{}",
                    created_by="test",
                    created_at="2026-01-01T00:00:00+00:00",
                )
            )

    assert client.portal is not None
    client.portal.call(insert)
    return plan_id


def test_priority_post_nobody_can_fill_is_reported_not_silently_dropped(
    pemda: TestClient, auth_headers: Headers
) -> None:
    feed(
        pemda,
        "formasi.need_set",
        {"unit_id": "DINKES", "jabatan_id": "ANALIS", "count": 3, "valid_from": "2026-01-01"},
    )
    admin = auth_headers("admin")
    body = {**PLAN, "priority_posts": ["DINKES/ANALIS"]}
    plan_id = pemda.post("/plans", json=body, headers=admin).json()["plan_id"]
    got = pemda.get(f"/plans/{plan_id}", headers=admin).json()
    assert got["status"] == "done" and got["plan_status"] == "constraints_unmet"
    (unmet,) = got["unmet"]
    assert unmet["post"] == "DINKES/ANALIS" and unmet["seats"] == 3 and unmet["filled"] == 1
    assert "eligible candidate(s) for 3 seat(s)" in unmet["reason"]["en"]
    assert "kursi" in unmet["reason"]["id"]
    (event,) = plan_events(pemda)
    assert event["status"] == "constraints_unmet" and event["unmet_constraints"] == 1


def test_plans_and_moves_are_paged_by_cursor_and_filtered(
    pemda: TestClient, auth_headers: Headers
) -> None:
    admin = auth_headers("admin")
    ids = [
        pemda.post("/plans", json={**PLAN, "scenario": f"s{k}"}, headers=admin).json()["plan_id"]
        for k in range(3)
    ]
    first = pemda.get("/plans", params={"limit": 2}, headers=auth_headers("auditor")).json()
    mine = pemda.get("/plans", params={"limit": 1}, headers=auth_headers("pegawai"))
    assert mine.status_code == 200 and len(mine.json()["items"]) == 1  # employees may list
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = pemda.get(
        "/plans", params={"limit": 2, "cursor": first["next_cursor"]}, headers=admin
    ).json()
    seen = [p["plan_id"] for p in first["items"] + rest["items"]]
    assert sorted(seen) == sorted(ids) and len(set(seen)) == 3 and rest["next_cursor"] is None
    assert "result" not in first["items"][0] and first["items"][0]["moves_count"] == 1
    only = pemda.get("/plans", params={"scenario": "s1"}, headers=admin).json()["items"]
    assert [p["plan_id"] for p in only] == [ids[1]]
    assert pemda.get("/plans", params={"status": "failed"}, headers=admin).json()["items"] == []
    bad = pemda.get("/plans", params={"cursor": "not-a-cursor"}, headers=admin)
    assert bad.status_code == 400 and "cursor" in bad.text
    assert pemda.get("/plans", params={"status": "odd"}, headers=admin).status_code == 422
    moves = f"/plans/{ids[0]}/moves"
    assert len(pemda.get(moves, params={"unit": "BPKAD"}, headers=admin).json()["moves"]) == 1
    assert pemda.get(moves, params={"unit": "DINKES"}, headers=admin).json()["moves"] == []
    (m,) = pemda.get(moves, params={"opd": "BPKAD"}, headers=admin).json()["moves"]
    assert m["from_opd"] == "BPKAD" and m["to_opd"] == "BPKAD"
    page = pemda.get(moves, params={"limit": 1}, headers=admin).json()
    assert len(page["moves"]) == 1 and page["next_cursor"] is None
    after = pemda.get(moves, params={"cursor": page["moves"][0]["employee"]}, headers=admin)
    assert after.status_code == 400


def test_candidates_are_paged_by_cursor_and_filtered_by_unit(
    pemda: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers("penilai")
    params = {"post": "BPKAD/KASUBBID-ANGGARAN", "effective": "2026-02-01", "include_blocked": True}
    full = pemda.get("/candidates", params={**params, "limit": 10}, headers=h).json()
    pages, cursor = [], None
    while True:
        extra = {"cursor": cursor} if cursor else {}
        body = pemda.get("/candidates", params={**params, "limit": 1, **extra}, headers=h).json()
        pages += body["candidates"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert [c["nip"] for c in pages] == [c["nip"] for c in full["candidates"]]
    assert [c["rank"] for c in pages] == [1, 2, 3] and full["next_cursor"] is None
    dinkes = pemda.get("/candidates", params={**params, "unit": "DINKES"}, headers=h).json()
    assert [c["nip"] for c in dinkes["candidates"]] == [HEALTH] and dinkes["total"] == 1
    bad = pemda.get("/candidates", params={**params, "cursor": "e30"}, headers=h)
    assert bad.status_code == 400


def test_candidates_follow_profile_changes(pemda: TestClient, auth_headers: Headers) -> None:
    params = {"post": "BPKAD/KASUBBID-ANGGARAN", "effective": "2026-02-01"}
    h = auth_headers("admin")
    before = pemda.get("/candidates", params=params, headers=h).json()
    assert [c["nip"] for c in before["candidates"]] == [FIT]
    feed(pemda, "pegawai.rank_changed", {"nip": FIT, "golongan_id": "41"})  # above IV.a range
    after = pemda.get("/candidates", params=params, headers=h).json()
    assert after["candidates"] == [] and after["total"] == 0


def test_training_needs_of_a_unit_map_missing_competencies_to_jenis_diklat(
    pemda: TestClient, auth_headers: Headers
) -> None:
    r = pemda.get(
        "/training-needs",
        params={"unit": "BPKAD", "as_of": "2026-02-01"},
        headers=auth_headers("admin"),
    )
    assert r.status_code == 200, r.text
    (unit,) = r.json()["units"]
    assert unit["unit"] == "BPKAD" and unit["employees"] == 2
    by = {(n["jenis_diklat_id"], n["competency"]): n for n in unit["needs"]}
    assert by[("5", "kerjasama")]["jenis_diklat"] == "Pelatihan Manajerial"
    assert by[("5", "kerjasama")]["nips"] == [FIT]
    assert by[("6", "perekatBangsa")]["jenis_diklat"] == "Pelatihan Sosial Kultural"
    assert ("5", "integritas") not in by  # FIT meets the standard there
    everyone = pemda.get("/training-needs", headers=auth_headers("ppk")).json()
    assert [u["unit"] for u in everyone["units"]] == ["BPKAD", "DINKES"]
    op = auth_headers("operator", units=("DINKES",))
    assert pemda.get("/training-needs", params={"unit": "BPKAD"}, headers=op).status_code == 403
    assert pemda.get("/training-needs", params={"unit": "DINKES"}, headers=op).status_code == 200
    bad = pemda.get("/training-needs", params={"as_of": "kemarin"}, headers=op)
    assert bad.status_code == 422


def test_plan_export_is_a_safe_workbook_for_the_tim_penilai(
    pemda: TestClient, auth_headers: Headers
) -> None:
    import io

    import openpyxl

    register(pemda, FIT, name='=HYPERLINK("http://evil.example","klik")')
    feed(
        pemda,
        "pegawai.performance_recorded",
        {"nip": FIT, "year": 2025, "predikat": 1},
    )
    admin = auth_headers("admin")
    plan_id = pemda.post("/plans", json=PLAN, headers=admin).json()["plan_id"]
    r = pemda.get(f"/plans/{plan_id}/export.xlsx", headers=auth_headers("penilai"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["Ringkasan", "Mutasi", "Aturan", "Keadilan", "Kendala"]
    moves = wb["Mutasi"]
    header = [c.value for c in moves[3]]
    row = list(moves[4])
    nip = row[header.index("NIP")]
    assert nip.value == FIT and nip.data_type == "s"
    name = row[header.index("Nama")]
    assert name.data_type == "s" and name.value.startswith("'=HYPERLINK")
    assert row[header.index("Ke jabatan")].value == "BPKAD/KASUBBID-ANGGARAN"
    assert "MIN_TENURE_2Y" in row[header.index("Aturan lulus")].value
    assert row[header.index("Kandidat lain 1")].value is None  # nobody else is eligible
    assert all(
        cell.data_type != "f" for ws in wb.worksheets for line in ws.iter_rows() for cell in line
    )
    rules = {r[0].value: r[3].value for r in wb["Aturan"].iter_rows(min_row=4)}
    assert "Ps. 190(3)" in rules["MIN_TENURE_2Y"]
    summary = {r[0].value: r[1].value for r in wb["Ringkasan"].iter_rows(min_row=4)}
    got = pemda.get(f"/plans/{plan_id}", headers=admin).json()
    assert summary["SHA-256 hasil"] == got["hashes"]["result_sha256"]
    assert (
        pemda.get(
            f"/plans/{plan_id}/export.xlsx", headers=auth_headers("pegawai", sub=FIT)
        ).status_code
        == 403
    )
