"""Gap reports: JSON with filters, the one-screen summary, the BKD Excel export, operator
scope, and the report following a placement event the moment it is applied."""

import io
from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook

Headers = Callable[..., dict[str, str]]
NIPS = [f"19850312201001100{i}" for i in range(1, 8)]


def seed(c: TestClient, h: dict[str, str]) -> None:
    units = [
        ("P", "Pemkot", "pemda", None),
        ("DINKES", "Dinas Kesehatan", "dinas", "P"),
        ("DINKES-BID", "Bidang Pelayanan", "bidang", "DINKES"),
        ("BKPSDM", "BKPSDM", "badan", "P"),
    ]
    for uid, name, kind, parent in units:
        body = {
            "unit_id": uid,
            "name": name,
            "unit_type": kind,
            "parent_id": parent,
            "valid_from": "2020-01-01",
        }
        assert c.post("/units", json=body, headers=h).status_code == 201
    jabatan = [
        {
            "jabatan_id": "J-KABID",
            "name": "Kepala Bidang",
            "jenis": "struktural",
            "eselon_id": "32",
            "rumpun": "Manajerial",
            "requirements": {"education": [{"min_level_id": "40"}]},
        },
        {
            "jabatan_id": "J-PERAWAT",
            "name": "Perawat Ahli Pertama",
            "jenis": "fungsional",
            "jf_jenjang": "PT",
            "rumpun": "Kesehatan",
            "requirements": {"education": [{"min_level_id": "40", "fields": ["Keperawatan"]}]},
        },
        {
            "jabatan_id": "J-ANALIS",
            "name": "Analis SDM Aparatur Ahli Muda",
            "jenis": "fungsional",
            "jf_jenjang": "MU",
            "rumpun": "Kepegawaian",
        },
    ]
    for body in jabatan:
        assert c.post("/jabatan", json=body, headers=h).status_code == 201
    for unit, jab, n in (
        ("DINKES-BID", "J-KABID", 1),
        ("DINKES-BID", "J-PERAWAT", 4),
        ("BKPSDM", "J-ANALIS", 2),
    ):
        body = {"unit_id": unit, "jabatan_id": jab, "valid_from": "2025-01-01", "count": n}
        assert c.post("/needs", json=body, headers=h).status_code == 200


def people(e: Any) -> list[Any]:
    return [
        e.registered(
            NIPS[0],
            "DINKES-BID",
            "J-PERAWAT",
            golongan_id="31",
            education_level_id="40",
            education_field="S-1 Keperawatan",
            tmt_pensiun="2027-06-01",
            tmt_jabatan="2024-01-01",
        ),
        e.registered(
            NIPS[1],
            "DINKES-BID",
            "J-PERAWAT",
            golongan_id="24",
            education_level_id="30",
            education_field="D-III Keperawatan",
            tmt_jabatan="2019-01-01",
        ),
        e.registered(NIPS[2], "BKPSDM", "J-ANALIS", golongan_id="33"),
        e.registered(NIPS[3], "BKPSDM", "J-ANALIS", golongan_id="34"),
        e.registered(NIPS[4], "BKPSDM", "J-ANALIS", golongan_id="34"),
        e.registered(NIPS[5], "GHOST-UNIT", "J-ANALIS"),
    ]


def test_gap_report_per_post_unit_opd_jabatan_rumpun(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    feed(*people(events))
    r = formasi.get("/gaps", params={"as_of": "2026-11-23"}, headers=auth_headers("auditor")).json()
    assert r["totals"] == {"need": 7, "filled": 5, "acting": 0, "vacant": 3, "over": 1, "posts": 3}
    posts = {
        (p["unit_id"], p["jabatan_id"]): (p["need"], p["filled"], p["vacant"], p["over"])
        for p in r["posts"]
    }
    assert posts == {
        ("DINKES-BID", "J-KABID"): (1, 0, 1, 0),
        ("DINKES-BID", "J-PERAWAT"): (4, 2, 2, 0),
        ("BKPSDM", "J-ANALIS"): (2, 3, 0, 1),
    }
    opd = {g["key"]: (g["vacant"], g["over"]) for g in r["by_opd"]}
    assert opd == {"DINKES": (3, 0), "BKPSDM": (0, 1)}
    assert r["by_opd"][0]["name"] == "Dinas Kesehatan"
    assert {g["key"]: g["vacant"] for g in r["by_rumpun"]} == {
        "Kesehatan": 2,
        "Manajerial": 1,
        "Kepegawaian": 0,
    }
    assert [v["jabatan_id"] for v in r["vacant_structural"]] == ["J-KABID"]
    assert [x["nip"] for x in r["retiring"]] == [NIPS[0]]
    assert [x["nip"] for x in r["over_tenure"]] == [NIPS[1]]
    not_meeting = {x["nip"]: x["detail"] for x in r["not_meeting"]}
    assert set(not_meeting) == {NIPS[1]}  # II/d below III/a, D-III below S-1
    assert "II/d" in not_meeting[NIPS[1]] and "D-III" in not_meeting[NIPS[1]]
    assert [x["nip"] for x in r["unknown_units"]] == [NIPS[5]]


def test_filters(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    feed(*people(events))
    by_opd = formasi.get("/gaps", params={"opd_id": "DINKES"}, headers=h).json()
    assert {p["unit_id"] for p in by_opd["posts"]} == {"DINKES-BID"} and by_opd[
        "unknown_units"
    ] == []
    by_rumpun = formasi.get("/gaps", params={"rumpun": "Kepegawaian"}, headers=h).json()
    assert [p["jabatan_id"] for p in by_rumpun["posts"]] == ["J-ANALIS"]
    struktural = formasi.get("/gaps", params={"jenis": "struktural"}, headers=h).json()
    assert struktural["totals"]["need"] == 1
    only = formasi.get("/gaps", params={"only_gaps": "true", "unit_id": "DINKES"}, headers=h).json()
    assert len(only["posts"]) == 2
    assert formasi.get("/gaps", params={"jenis": "other"}, headers=h).status_code == 422
    limited = formasi.get("/gaps", params={"limit": 1}, headers=h).json()
    assert len(limited["posts"]) == 1 and limited["truncated"] is True
    op = formasi.get("/gaps", headers=auth_headers("operator", units=("BKPSDM",))).json()
    assert {p["unit_id"] for p in op["posts"]} == {"BKPSDM"} and op["retiring"] == []
    assert formasi.get("/gaps", headers=auth_headers("pegawai")).status_code == 403


def test_report_changes_the_moment_a_placement_event_arrives(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    feed(*people(events))
    feed(events.placed(NIPS[4], "DINKES-BID", "J-KABID", tmt=date(2026, 11, 1)))
    r = formasi.get("/gaps", headers=h).json()
    posts = {
        (p["unit_id"], p["jabatan_id"]): (p["filled"], p["vacant"], p["over"]) for p in r["posts"]
    }
    assert posts[("DINKES-BID", "J-KABID")] == (1, 0, 0)
    assert posts[("BKPSDM", "J-ANALIS")] == (2, 0, 0)
    assert r["vacant_structural"] == []


def test_summary_reads_in_a_minute(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    feed(*people(events))
    s = formasi.get(
        "/gaps/summary", params={"as_of": "2026-11-23"}, headers=auth_headers("ppk")
    ).json()
    assert s["fill_rate_percent"] == 71.4
    assert s["top_short_opd"][0]["key"] == "DINKES" and s["top_over_opd"][0]["key"] == "BKPSDM"
    assert (s["vacant_structural"], s["retiring_12_months"], s["over_5_years"]) == (1, 1, 1)
    assert s["not_meeting_requirements"] == 1 and s["unknown_units"] == 1
    assert s["headline"][0].startswith("Per 23-11-2026: kebutuhan 7 pegawai, terisi 5")
    assert any("Kepala Bidang" in line for line in s["headline"])


def test_excel_export_for_bkd(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    feed(*people(events))
    r = formasi.get("/gaps/export.xlsx", params={"as_of": "2026-11-23"}, headers=h)
    assert r.status_code == 200
    assert (
        r.headers["content-disposition"]
        == 'attachment; filename="analisis-kebutuhan-20261123.xlsx"'
    )
    wb = CalamineWorkbook.from_filelike(io.BytesIO(r.content))
    assert wb.sheet_names[:3] == ["Ringkasan", "Per OPD", "Per Unit"]
    assert "Tidak Memenuhi Syarat" in wb.sheet_names
    ringkasan = wb.get_sheet_by_name("Ringkasan").to_python()
    assert ringkasan[0][0].startswith("LAPORAN ANALISIS KEBUTUHAN")
    values = {row[0]: row[1] for row in ringkasan[4:] if row and row[0]}
    assert (
        values["Jumlah kebutuhan (ABK)"] == 7 and values["Kekurangan (jabatan kurang diisi)"] == 3
    )
    per_opd = wb.get_sheet_by_name("Per OPD").to_python()
    assert per_opd[3][:3] == ["Kode", "Nama", "Kebutuhan"]
    total = next(row for row in per_opd if row and row[0] == "JUMLAH")
    assert total[2] == 7
    pensiun = wb.get_sheet_by_name("Pensiun").to_python()
    assert pensiun[4][0] == NIPS[0]  # NIP kept as text
