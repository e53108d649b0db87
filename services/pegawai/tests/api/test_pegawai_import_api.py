"""Excel/CSV import (template, per-row errors in Indonesian, all-or-nothing, --partial,
dry run, bad files) and export with the same columns."""

import io
from pathlib import Path

import openpyxl
from fastapi.testclient import TestClient
from pegawai_registry_helpers import Headers, count_rows, events, make_client
from python_calamine import CalamineWorkbook

from tatamutasi_pegawai.adapters.tabular import COLUMNS

HEADERS = [c.header for c in COLUMNS]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_OK = (
    "NIP,Nama,Jenis Kelamin,Tanggal Lahir,Tempat Lahir,ID Unit Kerja,ID Jabatan,Golongan\n"
    "198503122010011002,Budi Santoso,L,12-03-1985,Metro,U-A,J-1,33\n"
    "199001012015032001,Siti Aminah,P,1990-01-01,Metro,U-B,J-2,31\n"
)
BAD_ROW = "197001012000011003,Hendra Lubis,L,1970-01-02,Metro,U-A,J-1,46\n"


def _upload(
    client: TestClient, h: dict[str, str], content: bytes, name: str, **params: str
) -> object:
    return client.post(
        "/import/pegawai",
        params=params,
        files={"file": (name, content, "application/octet-stream")},
        headers=h,
    )


def test_template_documents_every_column_and_imports(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers("admin")
    r = client.get("/import/pegawai/template", headers=h)
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    wb = CalamineWorkbook.from_filelike(io.BytesIO(r.content))
    assert wb.sheet_names == ["Pegawai", "Petunjuk"]
    rows = wb.get_sheet_by_name("Pegawai").to_python()
    assert rows[0] == HEADERS and rows[1][0] == "198503122010011002"
    guide = wb.get_sheet_by_name("Petunjuk").to_python()
    by_column = {row[0]: row for row in guide[1:] if row[0]}
    assert by_column["Golongan"][4].startswith("11 = I/a")
    assert by_column["NIP"][1] == "wajib"
    imported = _upload(client, h, r.content, "templat.xlsx")
    assert imported.status_code == 200, imported.text  # type: ignore[attr-defined]
    assert imported.json()["imported"] == 1  # type: ignore[attr-defined]
    [ev] = events(client, "pegawai.registered")
    assert ev["data"]["golongan_id"] == "33"


def test_bad_row_rejects_the_whole_file_with_indonesian_reasons(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers("admin")
    r = _upload(client, h, (CSV_OK + BAD_ROW).encode(), "pegawai.csv")
    assert r.status_code == 422  # type: ignore[attr-defined]
    report = r.json()  # type: ignore[attr-defined]
    assert report["imported"] == 0 and report["valid"] == 2
    errors = {(e["row"], e["column"]): e for e in report["errors"]}
    assert set(errors) == {(4, "Tanggal Lahir"), (4, "Golongan")}
    assert "tidak sesuai dengan NIP" in errors[(4, "Tanggal Lahir")]["reason"]
    assert "tidak dikenal" in errors[(4, "Golongan")]["reason"]
    assert count_rows(client, "pegawai") == 0 and events(client) == []


def test_partial_imports_valid_rows_and_dry_run_writes_nothing(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers("admin")
    dry = _upload(client, h, (CSV_OK + BAD_ROW).encode(), "p.csv", dry_run="true")
    assert dry.status_code == 200 and dry.json()["imported"] == 0  # type: ignore[attr-defined]
    assert len(dry.json()["errors"]) == 2 and count_rows(client, "pegawai") == 0  # type: ignore[attr-defined]
    part = _upload(client, h, (CSV_OK + BAD_ROW).encode(), "p.csv", partial="true")
    assert part.status_code == 200 and part.json()["imported"] == 2  # type: ignore[attr-defined]
    assert count_rows(client, "pegawai") == 2 and count_rows(client, "pegawai_personal") == 2
    assert len(events(client, "pegawai.registered")) == 2
    again = _upload(client, h, CSV_OK.encode(), "p.csv")
    assert again.status_code == 422  # type: ignore[attr-defined]
    assert {e["reason"] for e in again.json()["errors"]} == {  # type: ignore[attr-defined]
        "NIP 198503122010011002 sudah terdaftar",
        "NIP 199001012015032001 sudah terdaftar",
    }


def test_duplicate_nip_in_file_and_missing_columns(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers("admin")
    dup = CSV_OK + CSV_OK.splitlines()[1] + "\n"
    r = _upload(client, h, dup.encode(), "d.csv")
    [err] = r.json()["errors"]  # type: ignore[attr-defined]
    assert err["row"] == 4 and err["column"] == "NIP" and "baris 2" in err["reason"]
    r = _upload(client, h, b"NIP;Nama\n198503122010011002;Budi\n", "x.csv")
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert "ID Unit Kerja" in r.json()["detail_id"]  # type: ignore[attr-defined]


def test_excel_numeric_nip_and_bad_files(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers("admin")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["NIP", "Nama", "ID Unit Kerja", "ID Jabatan", "TMT Jabatan"])
    ws.append([198503122010011002, "Budi", "U-A", "J-1", "kemarin"])
    buf = io.BytesIO()
    wb.save(buf)
    r = _upload(client, h, buf.getvalue(), "angka.xlsx")
    codes = {e["column"]: e["reason"] for e in r.json()["errors"]}  # type: ignore[attr-defined]
    assert "sebagai teks" in codes["NIP"] and "bukan tanggal" in codes["TMT Jabatan"]
    pdf = _upload(client, h, b"%PDF-1.4", "surat.pdf")
    assert pdf.status_code == 415  # type: ignore[attr-defined]
    assert pdf.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    broken = _upload(client, h, b"PK\x03\x04garbage", "rusak.xlsx")
    assert broken.status_code == 422  # type: ignore[attr-defined]
    assert "tidak dapat dibaca" in broken.json()["detail_id"]  # type: ignore[attr-defined]
    op = _upload(client, auth_headers("operator", units=("U-A",)), CSV_OK.encode(), "p.csv")
    assert op.status_code == 403  # type: ignore[attr-defined]


def test_oversized_upload_is_413(
    db_url: str, dev_keys: tuple[bytes, Path], auth_headers: Headers
) -> None:
    with make_client(db_url, dev_keys[1], max_request_bytes=2048) as c:
        r = _upload(c, auth_headers("admin"), b"x" * 5000, "besar.csv")
        assert r.status_code == 413  # type: ignore[attr-defined]


def test_export_has_template_columns_and_reimports(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers("admin")
    _upload(client, h, CSV_OK.encode(), "p.csv")
    csv_export = client.get("/export/pegawai", params={"format": "csv"}, headers=h)
    assert csv_export.status_code == 200
    lines = csv_export.text.splitlines()
    assert lines[0].split(",") == HEADERS and len(lines) == 3
    assert "12-03-1985" not in csv_export.text and "1985-03-12" in csv_export.text
    xlsx = client.get("/export/pegawai", headers=h)
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content)).get_sheet_by_index(0).to_python()
    )
    assert rows[0] == HEADERS and rows[1][0] == "198503122010011002"
    back = _upload(client, h, csv_export.content, "ekspor.csv", dry_run="true")
    assert {e["column"] for e in back.json()["errors"]} == {"NIP"}  # only "sudah terdaftar"  # type: ignore[attr-defined]
    auditor = client.get(
        "/export/pegawai", params={"format": "csv"}, headers=auth_headers("auditor")
    )
    assert "NIK" not in auditor.text.splitlines()[0] and "1985-03-12" not in auditor.text


def test_bulk_import_writes_histories_events_and_pppk_roman_golongan(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers("admin", sub="bkd-impor")
    pppk = "200012312024211001,Rina PPPK,P,2000-12-31,Metro,U-C,J-3,ix\n".replace(
        "211001", "212001"
    )
    wrong = "200012312024211003,Dedi PPPK,L,2000-12-31,Metro,U-C,J-3,31\n"
    r = _upload(client, h, (CSV_OK + pppk + wrong).encode(), "pegawai.csv")
    assert r.status_code == 422  # type: ignore[attr-defined]
    errors = r.json()["errors"]  # type: ignore[attr-defined]
    assert [(e["row"], e["column"]) for e in errors] == [(5, "Golongan")]
    assert "romawi" in errors[0]["reason"]
    assert count_rows(client, "pegawai") == 0
    r = _upload(client, h, (CSV_OK + pppk).encode(), "pegawai.csv")
    assert r.status_code == 200 and r.json()["imported"] == 3  # type: ignore[attr-defined]
    registered = {e["subject"]: e for e in events(client, "pegawai.registered")}
    assert registered["200012312024212001"]["data"]["golongan_id"] == "IX"
    assert registered["200012312024212001"]["data"]["kind"] == "PPPK"
    assert {e["actor"] for e in registered.values()} == {"bkd-impor"}
    assert count_rows(client, "riwayat_jabatan") == 3
    assert count_rows(client, "riwayat_golongan") == 3
    assert count_rows(client, "riwayat_status") == 3
    detail = client.get("/pegawai/198503122010011002", headers=h).json()
    assert detail["personal"]["birth_place"] == "Metro"
    again = _upload(client, h, CSV_OK.encode(), "pegawai.csv")
    reasons = [e["reason"] for e in again.json()["errors"]]  # type: ignore[attr-defined]
    assert reasons == [
        "NIP 198503122010011002 sudah terdaftar",
        "NIP 199001012015032001 sudah terdaftar",
    ]


def test_an_imported_employee_named_in_a_family_record_gets_kinship_facts(
    client: TestClient, auth_headers: Headers
) -> None:
    h = auth_headers("admin")
    husband = {"nip": "198503122010011002", "name": "Budi", "unor_id": "U-A", "jabatan_id": "J"}
    assert client.post("/pegawai", json=husband, headers=h).status_code == 201
    spouse = {"relation": "spouse", "name": "Siti Aminah", "nik": "1871014101900001"}
    r = client.post(f"/pegawai/{husband['nip']}/keluarga", json=spouse, headers=h)
    assert r.status_code == 201, r.text
    before = len(events(client, "pegawai.family_updated"))
    wife = (
        "NIP,Nama,NIK,ID Unit Kerja,ID Jabatan\n"
        "199001012015032001,Siti Aminah,1871014101900001,U-B,J\n"
    )
    assert _upload(client, h, wife.encode(), "istri.csv").status_code == 200  # type: ignore[attr-defined]
    facts = events(client, "pegawai.family_updated")[before:]
    assert {(e["subject"], e["data"]["relations"][0]["other_nip"]) for e in facts} == {
        ("199001012015032001", husband["nip"]),
        (husband["nip"], "199001012015032001"),
    }
