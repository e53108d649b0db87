"""Jabatan catalogue and needs (ABK) over HTTP, including the Excel template and import."""

import io
from collections.abc import Callable
from typing import Any

import xlsxwriter
from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook

Headers = Callable[..., dict[str, str]]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def seed(c: TestClient, h: dict[str, str]) -> None:
    for body in (
        {"unit_id": "P", "name": "Pemkot", "unit_type": "pemda", "valid_from": "2020-01-01"},
        {
            "unit_id": "DINKES",
            "name": "Dinas Kesehatan",
            "unit_type": "dinas",
            "parent_id": "P",
            "valid_from": "2020-01-01",
        },
        {
            "unit_id": "KEL-A",
            "name": "Kelurahan A",
            "unit_type": "kelurahan",
            "parent_id": "P",
            "valid_from": "2020-01-01",
        },
    ):
        assert c.post("/units", json=body, headers=h).status_code == 201
    for body in (
        {
            "jabatan_id": "J-PERAWAT",
            "name": "Perawat Ahli Pertama",
            "jenis": "fungsional",
            "jf_jenjang": "PT",
            "rumpun": "Kesehatan",
            "unit_types": ["dinas", "puskesmas", "rsud"],
            "requirements": {"education": [{"min_level_id": "40", "fields": ["Keperawatan"]}]},
        },
        {"jabatan_id": "J-KASI", "name": "Kepala Seksi", "jenis": "struktural", "eselon_id": "41"},
    ):
        r = c.post("/jabatan", json=body, headers=h)
        assert r.status_code == 201, r.text


def test_jabatan_defaults_and_requirements(
    formasi: TestClient, auth_headers: Headers, outbox: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    kasi = formasi.get("/jabatan/J-KASI", headers=auth_headers("pegawai")).json()
    assert kasi["level"] == "pengawas"
    assert (kasi["requirements"]["min_golongan_id"], kasi["requirements"]["max_golongan_id"]) == (
        "33",
        "34",
    )
    assert kasi["requirements"]["managerial_level"] == 2
    perawat = formasi.get("/jabatan/J-PERAWAT", headers=h).json()
    assert (
        perawat["requirements"]["min_golongan_id"],
        perawat["requirements"]["managerial_level"],
    ) == ("31", None)
    ev = outbox("formasi.jabatan_changed")
    assert len(ev) == 2 and '"Keperawatan"' in ev[0]["data"]


def test_jabatan_bad_codes_are_422_with_field(formasi: TestClient, auth_headers: Headers) -> None:
    h = auth_headers("admin")
    base = {"jabatan_id": "J-X", "name": "X", "jenis": "pelaksana"}
    cases = [
        ({**base, "requirements": {"training": ["PIM_IX"]}}, "requirements.training[0]"),
        (
            {
                **base,
                "requirements": {"conditions": [{"code": "zodiac", "op": "eq", "value": "leo"}]},
            },
            "requirements.conditions[0].code",
        ),
        (
            {**base, "requirements": {"education": [{"min_level_id": "99"}]}},
            "requirements.education[0].min_level_id",
        ),
        ({**base, "min_golongan_id": "39"}, "min_golongan_id"),
        ({**base, "jenis": "struktural"}, "eselon_id"),
        ({**base, "jenis": "fungsional", "jf_jenjang": "XX"}, "jf_jenjang"),
        ({**base, "unit_types": ["castle"]}, "unit_types[0]"),
    ]
    for body, field in cases:
        r = formasi.post("/jabatan", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["errors"][0]["field"] == field
    assert formasi.get("/jabatan", headers=h).json()["items"] == []


def test_jabatan_update_needs_if_match_and_evaluate_explains(
    formasi: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    body = {
        "name": "Kepala Seksi",
        "jenis": "struktural",
        "eselon_id": "41",
        "requirements": {"training": ["PKP"]},
    }
    assert formasi.put("/jabatan/J-KASI", json=body, headers=h).status_code == 428
    r = formasi.put("/jabatan/J-KASI", json=body, headers={**h, "If-Match": '"v1"'})
    assert r.status_code == 200 and r.json()["version"] == 2
    assert (
        formasi.put("/jabatan/J-KASI", json=body, headers={**h, "If-Match": '"v1"'}).status_code
        == 412
    )
    ev = formasi.post(
        "/jabatan/J-KASI/evaluate",
        json={"golongan_id": "32", "training": ["PKP"]},
        headers=auth_headers("penilai"),
    ).json()
    assert ev["met"] is False
    outcome = {c["code"]: c["outcome"] for c in ev["checks"]}
    assert outcome == {
        "GOLONGAN_MIN": "not_met",
        "GOLONGAN_MAX": "met",
        "MANAGERIAL_UNKNOWN": "unknown",
        "TRAINING": "met",
    }


def test_need_from_abk_versions_and_history(
    formasi: TestClient, auth_headers: Headers, outbox: Any
) -> None:
    h = auth_headers("admin", sub="bkd-1")
    seed(formasi, h)
    body = {
        "unit_id": "DINKES",
        "jabatan_id": "J-PERAWAT",
        "valid_from": "2026-01-01",
        "items": [{"task": "Asuhan keperawatan", "volume": 2500, "standard_hours": 1.5}],
        "source_document": "Dokumen ABK Dinkes 2026",
        "decision_number": "800/12/BKPSDM/2026",
    }
    r = formasi.post("/needs", json=body, headers=h)
    assert r.status_code == 200, r.text
    need = r.json()
    assert (need["count"], need["abk_result"], need["effective_hours"]) == (3, 3.0, 1250.0)
    assert need["changed"] is True and need["created_by"] == "bkd-1"
    again = formasi.post("/needs", json=body, headers=h).json()
    assert again["changed"] is False
    decided = formasi.post(
        "/needs", json={**body, "valid_from": "2027-01-01", "count": 2}, headers=h
    ).json()
    assert (decided["count"], decided["abk_result"]) == (2, 3.0)
    hist = formasi.get("/needs/history/DINKES/J-PERAWAT", headers=h).json()
    assert [(v["valid_from"], v["valid_to"], v["count"]) for v in hist] == [
        ("2026-01-01", "2027-01-01", 3),
        ("2027-01-01", None, 2),
    ]
    as_2026 = formasi.get("/needs", params={"as_of": "2026-06-01"}, headers=h).json()["items"]
    assert [n["count"] for n in as_2026] == [3]
    events = outbox("formasi.need_set")
    assert len(events) == 2 and {e["actor"] for e in events} == {"bkd-1"}
    assert '"previous_count":3' in events[1]["data"]


def test_need_bad_input(formasi: TestClient, auth_headers: Headers) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    base = {"unit_id": "DINKES", "jabatan_id": "J-PERAWAT", "valid_from": "2026-01-01"}
    negative = formasi.post("/needs", json={**base, "count": -1}, headers=h)
    assert negative.status_code == 422 and negative.json()["errors"][0]["field"] == "count"
    wrong_type = formasi.post("/needs", json={**base, "unit_id": "KEL-A", "count": 1}, headers=h)
    assert wrong_type.status_code == 422 and wrong_type.json()["errors"][0]["field"] == "jabatan_id"
    assert "kelurahan" in wrong_type.json()["detail_id"]
    nothing = formasi.post("/needs", json=base, headers=h)
    assert nothing.status_code == 422
    unknown = formasi.post("/needs", json={**base, "jabatan_id": "J-NOPE", "count": 1}, headers=h)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "jabatan_id"
    op = auth_headers("operator", units=("KEL-A",))
    assert formasi.post("/needs", json={**base, "count": 1}, headers=op).status_code == 403
    own = formasi.post(
        "/needs", json={**base, "unit_id": "KEL-A", "jabatan_id": "J-KASI", "count": 1}, headers=op
    )
    assert own.status_code == 200


def workbook(rows: list[list[Any]], sheet: str = "Kebutuhan") -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet(sheet)
    ws.write_row(
        0,
        0,
        ["unit_id", "jabatan_id", "valid_from", "kebutuhan", "uraian_tugas", "volume", "waktu_jam"],
    )
    for i, r in enumerate(rows, start=1):
        ws.write_row(i, 0, r)
    wb.close()
    return buf.getvalue()


def upload(c: TestClient, h: dict[str, str], data: bytes, dry_run: bool = False) -> Any:
    return c.post(
        "/needs/import",
        params={"dry_run": str(dry_run).lower()},
        files={"file": ("kebutuhan.xlsx", data, XLSX)},
        headers=h,
    )


def test_template_lists_units_and_jabatan(formasi: TestClient, auth_headers: Headers) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    r = formasi.get("/needs/template.xlsx", headers=h)
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    wb = CalamineWorkbook.from_filelike(io.BytesIO(r.content))
    assert wb.sheet_names == ["Kebutuhan", "Petunjuk", "Unit", "Jabatan"]
    assert wb.get_sheet_by_name("Kebutuhan").to_python()[0][:3] == [
        "unit_id",
        "jabatan_id",
        "valid_from",
    ]
    assert [row[0] for row in wb.get_sheet_by_name("Jabatan").to_python()[1:]] == [
        "J-KASI",
        "J-PERAWAT",
    ]


def test_import_lists_every_row_error_and_applies_nothing(
    formasi: TestClient, auth_headers: Headers, outbox: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    data = workbook(
        [
            ["DINKES", "J-PERAWAT", "2026-01-01", "", "Asuhan", 2500, 1.5],
            ["DINKES", "J-PERAWAT", "2026-01-01", "", "Penyuluhan", 100, 2],
            ["KEL-A", "J-PERAWAT", "2026-01-01", 1, "", "", ""],
            ["DINKES", "J-KASI", "not a date", 1, "", "", ""],
            ["DINKES", "J-KASI", "2026-01-01", -2, "", "", ""],
            ["DINKES", "", "2026-01-01", 1, "", "", ""],
        ]
    )
    dry = upload(formasi, h, data, dry_run=True)
    assert dry.status_code == 200, dry.text
    errors = {(e["row"], e["field"]) for e in dry.json()["errors"]}
    assert errors == {(4, "jabatan_id"), (5, "valid_from"), (6, "kebutuhan"), (7, "jabatan_id")}
    assert dry.json()["applied"] is False
    real = upload(formasi, h, data)
    assert real.status_code == 422 and len(real.json()["errors"]) == 4
    assert real.json()["errors"][0]["row"] == 4
    assert formasi.get("/needs", headers=h).json()["items"] == []
    assert outbox("formasi.need_set") == []


def test_import_groups_task_rows_into_one_need(
    formasi: TestClient, auth_headers: Headers, outbox: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    data = workbook(
        [
            ["DINKES", "J-PERAWAT", "2026-01-01", "", "Asuhan", 2500, 1.5],
            ["DINKES", "J-PERAWAT", "2026-01-01", "", "Penyuluhan", 625, 2],
            ["DINKES", "J-KASI", "2026-01-01", 1, "", "", ""],
        ]
    )
    dry = upload(formasi, h, data, dry_run=True).json()
    assert (dry["needs"], dry["changed"], dry["errors"]) == (2, 2, [])
    assert formasi.get("/needs", headers=h).json()["items"] == []
    r = upload(formasi, h, data)
    assert r.status_code == 200, r.text
    assert (r.json()["applied"], r.json()["changed"]) == (True, 2)
    needs = {n["jabatan_id"]: n for n in formasi.get("/needs", headers=h).json()["items"]}
    assert needs["J-PERAWAT"]["count"] == 4  # (3750 + 1250) / 1250
    assert (
        len(needs["J-PERAWAT"]["basis"]["items"]) == 2 and needs["J-PERAWAT"]["origin"] == "import"
    )
    again = upload(formasi, h, data).json()
    assert (again["changed"], again["unchanged"]) == (0, 2)
    assert len(outbox("formasi.need_set")) == 2


def test_import_refuses_a_file_that_is_not_the_template(
    formasi: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers("admin")
    r = upload(formasi, h, b"not excel")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    r = upload(formasi, h, workbook([], sheet="Lain"))
    assert r.status_code == 422 and "Kebutuhan" in r.json()["detail_en"]


def test_import_with_idempotency_key_replays(
    formasi: TestClient, auth_headers: Headers, outbox: Any
) -> None:
    h = {**auth_headers("admin"), "Idempotency-Key": "imp-1"}
    seed(formasi, auth_headers("admin"))
    data = workbook([["DINKES", "J-KASI", "2026-01-01", 1, "", "", ""]])
    boundary = "tatamutasi-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="k.xlsx"\r\n'
            f"Content-Type: {XLSX}\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    hh = {**h, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    first = formasi.post("/needs/import", content=body, headers=hh)  # a retry sends the same bytes
    again = formasi.post("/needs/import", content=body, headers=hh)
    assert first.status_code == again.status_code == 200, first.text
    assert again.headers["idempotent-replayed"] == "true"
    assert len(outbox("formasi.need_set")) == 1
    missing = formasi.post("/needs/import", data={"x": "1"}, headers=auth_headers("admin"))
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "file"
