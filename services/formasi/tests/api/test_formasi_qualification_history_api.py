"""Qualification gaps (managerial competency, training, golongan, education) per unit and
Pemda-wide, gaps as of a past date rebuilt from the placement and status histories, the
change per OPD between two dates, the summary with `since`, and the versioned catalogue."""

import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook

Headers = Callable[..., dict[str, str]]
A, B, C, D = (f"19850312201001100{i}" for i in range(1, 5))
MANAGERIAL_LOW = dict.fromkeys(("integritas", "kerjasama", "komunikasi"), 3)
MANAGERIAL_LOW["pelayananPublik"] = 1


def seed(c: TestClient, h: dict[str, str]) -> None:
    for uid, name, kind, parent in (
        ("P", "Pemkot", "pemda", None),
        ("DINKES", "Dinas Kesehatan", "dinas", "P"),
        ("DINKES-SEK", "Seksi Pelayanan", "seksi", "DINKES"),
        ("BKPSDM", "BKPSDM", "badan", "P"),
    ):
        body = {
            "unit_id": uid,
            "name": name,
            "unit_type": kind,
            "parent_id": parent,
            "valid_from": "2020-01-01",
        }
        assert c.post("/units", json=body, headers=h).status_code == 201
    body = {
        "jabatan_id": "J-KASI",
        "name": "Kepala Seksi",
        "jenis": "struktural",
        "eselon_id": "42",
        "requirements": {"training": ["PKP"], "managerial_level": 2},
    }
    assert c.post("/jabatan", json=body, headers=h).status_code == 201
    body = {
        "jabatan_id": "J-ANALIS",
        "name": "Analis SDM",
        "jenis": "fungsional",
        "jf_jenjang": "MU",
        "min_golongan_id": "31",
    }
    assert c.post("/jabatan", json=body, headers=h).status_code == 201
    for unit, jab, n in (("DINKES-SEK", "J-KASI", 2), ("BKPSDM", "J-ANALIS", 2)):
        body = {"unit_id": unit, "jabatan_id": jab, "valid_from": "2025-01-01", "count": n}
        assert c.post("/needs", json=body, headers=h).status_code == 200


def qualification_events(e: Any) -> list[Any]:
    return [
        e.registered(A, "DINKES-SEK", "J-KASI", golongan_id="33", on=date(2025, 1, 1)),
        e.registered(B, "DINKES-SEK", "J-KASI", golongan_id="33", on=date(2025, 1, 1)),
        e.make(
            "pegawai.training_recorded",
            {"nip": A, "name": "Diklat Kepemimpinan Tingkat IV", "year": 2015},
        ),
        e.make(
            "pegawai.assessment_recorded",
            {"nip": A, "kind": "kompetensi", "year": 2025, "scores": MANAGERIAL_LOW},
        ),
        e.make(  # an older assessment arriving later does not replace the newer one
            "pegawai.assessment_recorded",
            {
                "nip": A,
                "kind": "kompetensi",
                "year": 2020,
                "scores": dict.fromkeys(MANAGERIAL_LOW, 4),
            },
        ),
        e.make(
            "pegawai.assessment_recorded",
            {
                "nip": B,
                "kind": "kompetensi",
                "year": 2025,
                "scores": dict.fromkeys(MANAGERIAL_LOW, 4),
            },
        ),
        e.make("pegawai.training_recorded", {"nip": B, "name": "Bimtek SIPD", "year": 2024}),
    ]


def test_qualification_gaps_per_unit_and_pemda_wide_survive_replay(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    evs = qualification_events(events)
    feed(*evs)
    feed(*evs, consumer="replay")  # a replay through a fresh inbox changes nothing
    r = formasi.get("/gaps", headers=h).json()
    issues = {x["nip"]: x for x in r["not_meeting"]}
    # A: PIM IV counts as PKP; managerial pelayananPublik 1 is below level 2
    assert issues[A]["aspects"] == ["managerial"]
    assert "pelayananPublik" in issues[A]["detail"]
    # B: meets the managerial level; has training on record, but no leadership training
    assert issues[B]["aspects"] == ["training"]
    assert "PKP" in issues[B]["detail"]
    q = r["qualification"]
    assert (q["holders"], q["not_meeting"]) == (2, 2)
    assert q["failed"] == {
        "golongan": 0,
        "education": 0,
        "managerial": 1,
        "technical": 0,
        "training": 1,
    }
    assert q["unknown"]["training"] == 0 and q["unknown"]["managerial"] == 0
    unit = {x["key"]: x for x in r["qualification_by_unit"]}
    assert unit["DINKES-SEK"]["not_meeting"] == 2
    assert [x["key"] for x in r["qualification_by_opd"]] == ["DINKES"]
    assert r["historical"] is False
    summary = formasi.get("/gaps/summary", headers=h).json()
    assert summary["qualification"]["not_meeting"] == 2
    assert any("tidak memenuhi syarat jabatannya" in s for s in summary["headline"])
    assert summary["top_qualification_gap_opd"][0]["key"] == "DINKES"


def test_training_requirement_fails_when_other_training_is_on_record(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    feed(
        events.registered(C, "DINKES-SEK", "J-KASI", golongan_id="33"),
        events.make("pegawai.training_recorded", {"nip": C, "name": "Latsar CPNS"}),
    )
    feed(events.registered(D, "DINKES-SEK", "J-KASI", golongan_id="33"))
    r = formasi.get("/gaps", headers=h).json()
    issues = {x["nip"]: x["aspects"] for x in r["not_meeting"]}
    assert issues == {C: ["training"]}
    assert r["qualification"]["unknown"]["training"] == 1  # D: nothing on record
    assert r["qualification"]["unknown"]["managerial"] == 2  # nobody assessed


def history_events(e: Any) -> list[Any]:
    return [
        e.registered(A, "BKPSDM", "J-ANALIS", golongan_id="33", tmt_jabatan="2025-02-01"),
        e.registered(B, "BKPSDM", "J-ANALIS", golongan_id="33", tmt_jabatan="2025-02-01"),
        e.registered(C, "DINKES-SEK", "J-ANALIS", golongan_id="33", tmt_jabatan="2025-02-01"),
        e.placed(A, "DINKES-SEK", "J-KASI", tmt=date(2026, 6, 1)),
        e.make(
            "pegawai.status_changed",
            {"nip": B, "kedudukan_id": "99", "active": False, "effective": "2026-09-01"},
        ),
    ]


def posts(r: dict[str, Any]) -> dict[tuple[str, str], int]:
    return {(p["unit_id"], p["jabatan_id"]): p["filled"] for p in r["posts"]}


def test_gaps_as_of_a_past_date_come_from_the_placement_history(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    feed(*history_events(events))
    now = formasi.get("/gaps", headers=h).json()
    assert now["historical"] is False
    assert posts(now) == {
        ("BKPSDM", "J-ANALIS"): 0,
        ("DINKES-SEK", "J-KASI"): 1,
        ("DINKES-SEK", "J-ANALIS"): 1,
    }
    march = formasi.get("/gaps", params={"as_of": "2026-03-01"}, headers=h).json()
    assert march["historical"] is True
    assert posts(march) == {
        ("BKPSDM", "J-ANALIS"): 2,  # A not moved yet, B still active
        ("DINKES-SEK", "J-KASI"): 0,
        ("DINKES-SEK", "J-ANALIS"): 1,
    }
    july = formasi.get("/gaps", params={"as_of": "2026-07-01"}, headers=h).json()
    assert posts(july)[("BKPSDM", "J-ANALIS")] == 1  # A moved on 1 June, B leaves in September
    before_any = formasi.get("/gaps", params={"as_of": "2024-01-01"}, headers=h).json()
    assert before_any["totals"]["filled"] == 0
    # the same answer whether the events came in one batch or one by one (replay)
    feed(*history_events(events), consumer="again", one_by_one=True)
    assert formasi.get("/gaps", params={"as_of": "2026-03-01"}, headers=h).json() == march


def test_change_per_opd_before_and_after_a_round(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    feed(*history_events(events))
    r = formasi.get("/gaps/change", params={"before": "2026-03-01"}, headers=h).json()
    assert r["before"] == "2026-03-01"
    rows = {x["key"]: x for x in r["by_opd"]}
    assert rows["DINKES"]["vacant_change"] == -1  # J-KASI got A
    assert rows["DINKES"]["before"]["filled"] == 1 and rows["DINKES"]["after"]["filled"] == 2
    assert rows["BKPSDM"]["vacant_change"] == 2  # A left, B no longer active
    assert r["by_opd"][0]["key"] == "DINKES"  # biggest drop in shortages first
    assert r["totals_before"]["filled"] == 3 and r["totals_after"]["filled"] == 2
    assert r["headline"][0].startswith("Kekurangan pegawai")
    summary = formasi.get("/gaps/summary", params={"since": "2026-03-01"}, headers=h).json()
    assert summary["change"]["by_opd"] == r["by_opd"]
    bad = formasi.get(
        "/gaps/change", params={"before": "2026-03-01", "after": "2026-01-01"}, headers=h
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "before"
    assert formasi.get("/gaps/change", headers=h).status_code == 422  # before is required


def test_jabatan_history_and_the_catalogue_as_it_stood(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    feed(events.registered(A, "BKPSDM", "J-ANALIS", golongan_id="33", tmt_jabatan="2025-02-01"))
    assert formasi.get("/gaps", headers=h).json()["not_meeting"] == []
    body = {
        "name": "Analis SDM Aparatur",
        "jenis": "fungsional",
        "jf_jenjang": "MU",
        "min_golongan_id": "34",
        "max_golongan_id": "41",
    }
    put = formasi.put("/jabatan/J-ANALIS", json=body, headers={**h, "If-Match": '"v1"'})
    assert put.status_code == 200, put.text
    history = formasi.get("/jabatan/J-ANALIS/history", headers=h).json()
    assert [(v["version"], v["change"]) for v in history] == [(1, "created"), (2, "updated")]
    assert history[0]["jabatan"]["name"] == "Analis SDM"
    assert history[0]["jabatan"]["requirements"]["min_golongan_id"] == "31"
    assert history[1]["jabatan"]["requirements"]["min_golongan_id"] == "34"
    assert history[1]["changed_by"] == "test-admin"
    # today the holder (III/c) is below the new minimum III/d; yesterday the old entry held
    now = formasi.get("/gaps", headers=h).json()
    assert [x["aspects"] for x in now["not_meeting"]] == [["golongan"]]
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    past = formasi.get("/gaps", params={"as_of": yesterday}, headers=h).json()
    assert past["historical"] is True and past["not_meeting"] == []
    missing = formasi.get("/jabatan/NOPE/history", headers=h)
    assert missing.status_code == 404


def test_export_has_qualification_sheets(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    feed(*qualification_events(events))
    r = formasi.get("/gaps/export.xlsx", headers=h)
    assert r.status_code == 200
    wb = CalamineWorkbook.from_filelike(io.BytesIO(r.content))
    assert {"Kualifikasi per OPD", "Kualifikasi per Unit"} <= set(wb.sheet_names)
    rows = wb.get_sheet_by_name("Kualifikasi per OPD").to_python()
    dinkes = next(row for row in rows if row and row[0] == "DINKES")
    assert dinkes[2:4] == [2, 2]  # holders, not meeting
