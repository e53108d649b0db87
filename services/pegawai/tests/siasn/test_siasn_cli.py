"""`tatamutasi siasn fetch` (against the fake over real HTTP) and the NIP list reader."""

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openpyxl
import pytest
from typer.testing import CliRunner

from tatamutasi_cli.siasn_cmd import app
from tatamutasi_pegawai.adapters.siasn import SiasnSnapshot
from tatamutasi_pegawai.adapters.siasn.nip_list import NipFileError, read_nips
from tatamutasi_pegawai.siasn_fake import FakeSiasn, Faults, free_port, serve_in_thread
from tatamutasi_pegawai.siasn_fake import app as fake_app

NIP_A = "198503122010011002"
NIP_B = "199001012024211001"


def test_csv_with_semicolons_bom_odd_header_spaces_and_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "daftar.csv"
    path.write_bytes(
        "\ufeffNo;Nama; NIP Baru ;Unit\n"
        f"1;Budi;{NIP_A};Dinas\n"
        "2;Siti;19900101 2024 2 1 1 001;Dinas\n"
        f"3;Budi lagi;'{NIP_A};Dinas\n"
        "4;Salah;12345;Dinas\n"
        "5;Excel;1.98503E+17;Dinas\n"
        "6;Kosong;;Dinas\n".encode()
    )
    result = read_nips(path)
    assert result.nips == (NIP_A, NIP_B)
    assert result.duplicates == 1
    assert [(p.row, p.reason[:12]) for p in result.problems] == [
        (5, "not an 18-di"),
        (6, "the NIP was "),
    ]


def test_xlsx_with_title_rows_numbers_and_rounded_numbers(tmp_path: Path) -> None:
    path = tmp_path / "pegawai.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["DAFTAR PEGAWAI"])
    ws.append(["no", "nip", "nama"])
    ws.append([1, NIP_B, "A"])
    ws.append([2, 1.98503122010011e17, "rounded by Excel"])
    ws.append([3, "19850312 201001 1 002", "B"])
    wb.save(path)
    result = read_nips(path)
    assert result.nips == (NIP_B, NIP_A)
    (problem,) = result.problems
    assert problem.row == 4 and "Teks" in problem.alasan


def test_files_without_a_nip_column_or_of_another_type_are_refused(tmp_path: Path) -> None:
    no_column = tmp_path / "x.csv"
    no_column.write_text("nama,unit\nA,B\n")
    with pytest.raises(NipFileError, match="no 'nip' column"):
        read_nips(no_column)
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF")
    with pytest.raises(NipFileError, match="csv or .xlsx"):
        read_nips(pdf)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(NipFileError, match="cannot read"):
        read_nips(broken)


@pytest.fixture
def siasn_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEGAWAI_SIASN_CONSUMER_KEY", fake_app.CONSUMER_KEY)
    monkeypatch.setenv("PEGAWAI_SIASN_CONSUMER_SECRET", fake_app.CONSUMER_SECRET)
    monkeypatch.setenv("PEGAWAI_SIASN_SSO_CLIENT_ID", fake_app.SSO_CLIENT_ID)
    monkeypatch.setenv("PEGAWAI_SIASN_SSO_USERNAME", fake_app.SSO_USERNAME)
    monkeypatch.setenv("PEGAWAI_SIASN_SSO_PASSWORD", fake_app.SSO_PASSWORD)
    monkeypatch.setenv("PEGAWAI_SIASN_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("PEGAWAI_SIASN_BACKOFF_INITIAL_S", "0.01")


def test_fetch_writes_snapshots_and_failures_and_resumes(tmp_path: Path, siasn_env: None) -> None:
    del siasn_env
    fake = FakeSiasn(seed=5, employees=6)
    bad = fake.data.nips[2]
    fake.faults = Faults(malformed_nips=[bad])
    nips = tmp_path / "nips.csv"
    unknown = "199001012015031999"
    nips.write_text("NIP\n" + "\n".join([*fake.data.nips, unknown, "bukan nip"]) + "\n")
    out = tmp_path / "out"
    runner = CliRunner()
    with serve_in_thread(fake) as base_url:
        args = ["fetch", "--nips", str(nips), "--out", str(out), "--base-url", base_url]
        first = runner.invoke(app, [*args, "--concurrency", "4"])
        assert first.exit_code == 2, first.output
        written = sorted(p.name for p in out.glob("1*.json")) + sorted(
            p.name for p in out.glob("2*.json")
        )
        assert len(written) == 5 and f"{bad}.json" not in written
        snapshot = json.loads((out / f"{fake.data.nips[0]}.json").read_text())
        assert snapshot["schema"] == "tatamutasi.siasn.snapshot/1"
        snapshot.pop("schema")
        assert SiasnSnapshot.from_dict(snapshot).nip == fake.data.nips[0]
        assert os.stat(out / f"{fake.data.nips[0]}.json").st_mode & 0o077 == 0
        with (out / "failures.csv").open() as handle:
            failures = {row["nip"]: row for row in csv.DictReader(handle)}
        assert failures[bad]["kind"] == "malformed"
        assert failures[unknown]["kind"] == "not_found"
        assert failures["bukan nip"]["kind"] == "invalid_nip"
        assert failures["bukan nip"]["row"] == "9"
        unor = json.loads((out / "ref-unor.json").read_text())
        assert len(unor["unor"]) == len(fake.data.unors)

        calls_before = fake.counts["calls"]
        fake.faults = Faults(fail_next=2)
        second = runner.invoke(app, [*args, "--no-unor"])
        assert second.exit_code == 2  # the unknown NIP still fails
        assert (out / f"{bad}.json").exists()
        # resumed: only the two NIPs that failed were fetched again (12 calls each), plus
        # the two calls answered 5xx and retried (counted, not logged one by one)
        assert fake.counts["calls"] - calls_before == 24 + 2
        assert "retries: 2" in second.output and "siasn.retry" not in second.output
        with (out / "failures.csv").open() as handle:
            assert {row["nip"] for row in csv.DictReader(handle)} == {unknown, "bukan nip"}

        calls_before = fake.counts["calls"]
        third = runner.invoke(app, [*args, "--no-unor", "--refresh"])
        assert third.exit_code == 2
        assert fake.counts["calls"] - calls_before == 12 * 7


def test_fetch_reports_an_unreadable_nip_file(tmp_path: Path) -> None:
    nips = tmp_path / "nips.csv"
    nips.write_text("nama\nA\n")
    result = CliRunner().invoke(app, ["fetch", "--nips", str(nips), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "kolom 'nip' tidak ditemukan" in result.output


@pytest.mark.slow
def test_fake_server_command_serves_over_http(tmp_path: Path) -> None:
    port = free_port()
    nips_out = tmp_path / "fake-nips.csv"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tatamutasi_cli.main",
            "siasn",
            "fake-server",
            "--port",
            str(port),
            "--seed",
            "3",
            "--employees",
            "5",
            "--nips-out",
            str(nips_out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/admin/nips", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        assert answer.json()["count"] == 5
        assert read_nips(nips_out).nips == tuple(answer.json()["nips"])
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert b"PEGAWAI_SIASN_API_BASE_URL" in output


def test_fetch_stops_when_siasn_refuses_the_credentials(
    tmp_path: Path, siasn_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    del siasn_env
    monkeypatch.setenv("PEGAWAI_SIASN_CONSUMER_SECRET", "wrong")
    fake = FakeSiasn(seed=5, employees=4)
    nips = tmp_path / "nips.csv"
    nips.write_text("nip\n" + "\n".join(fake.data.nips) + "\n")
    out = tmp_path / "out"
    with serve_in_thread(fake) as base_url:
        result = CliRunner().invoke(
            app,
            ["fetch", "--nips", str(nips), "--out", str(out), "--base-url", base_url,
             "--concurrency", "1"],
        )  # fmt: skip
    assert result.exit_code == 1, result.output
    with (out / "failures.csv").open() as handle:
        kinds = [row["kind"] for row in csv.DictReader(handle)]
    assert kinds == ["auth", "not_attempted", "not_attempted", "not_attempted"]
    assert not list(out.glob("1*.json")) and not list(out.glob("2*.json"))
