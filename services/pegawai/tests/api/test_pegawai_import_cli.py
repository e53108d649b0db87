"""`tatamutasi import pegawai` against the real API (TestClient stands in for httpx)."""

from pathlib import Path

from fastapi.testclient import TestClient
from pegawai_registry_helpers import Headers, count_rows
from python_calamine import CalamineWorkbook

from tatamutasi_cli.import_cmd import import_file

GOOD = "NIP,Nama,ID Unit Kerja,ID Jabatan\n198503122010011002,Budi,U-A,J-1\n"
BAD = "199001012015032001,Siti,U-B,J-2,extra\n199013012015032001,Rusak,U-B,J-2\n"


def test_cli_import_all_or_nothing_then_partial_with_error_workbook(
    client: TestClient, auth_headers: Headers, tmp_path: Path
) -> None:
    client.headers.update(auth_headers("admin"))
    src = tmp_path / "pegawai.csv"
    src.write_text(GOOD + BAD)
    assert import_file(client, src, dry_run=True, partial=False) == 1
    assert import_file(client, src, dry_run=False, partial=False) == 1
    assert count_rows(client, "pegawai") == 0
    assert import_file(client, src, dry_run=False, partial=True) == 1
    assert count_rows(client, "pegawai") == 2
    book = tmp_path / "pegawai-kesalahan.xlsx"
    rows = CalamineWorkbook.from_path(str(book)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["Baris", "Kolom", "Alasan", "Reason"]
    assert rows[1][0] == 4 and rows[1][1] == "NIP" and "tanggal lahir" in rows[1][2]
    refused = tmp_path / "surat.txt"
    refused.write_text("bukan tabel")
    assert import_file(client, refused, dry_run=False, partial=False) == 2
