"""`tatamutasi siasn sync` against the real pegawai API (TestClient stands in for httpx) and
the fake SIASN in-process: progress, failures report, exit codes, resume."""

import contextlib
import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pegawai_registry_helpers import count_rows
from pegawai_siasn_helpers import siasn_app
from typer.testing import CliRunner

from tatamutasi_cli.siasn_cmd import app
from tatamutasi_pegawai.siasn_fake import FakeSiasn, Faults


@pytest.fixture
def fake() -> FakeSiasn:
    return FakeSiasn(seed=11, employees=5)


@pytest.fixture
def client(
    db_url: str,
    dev_keys: tuple[bytes, Path],
    fake: FakeSiasn,
    auth_headers: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[TestClient]:
    with siasn_app(db_url, dev_keys[1], fake) as c:
        c.headers.update(auth_headers("admin"))
        monkeypatch.setattr(
            "tatamutasi_cli.import_cmd._client", lambda *_a: contextlib.nullcontext(c)
        )
        yield c


def test_cli_sync_reports_failures_and_resumes(
    client: TestClient, fake: FakeSiasn, tmp_path: Path
) -> None:
    nips = tmp_path / "daftar.csv"
    nips.write_text("NIP\n" + "\n".join(fake.data.nips) + "\n12345\n")
    fake.faults = Faults(malformed_nips=[fake.data.nips[0]])
    report = tmp_path / "gagal.csv"
    runner = CliRunner()
    result = runner.invoke(app, ["sync", "--nips", str(nips), "--failures", str(report)])
    assert result.exit_code == 2, result.output
    assert "4 selesai/done" in result.output and "1 gagal/failed" in result.output
    with report.open() as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["nip"] == fake.data.nips[0] and row["kind"] == "malformed"
    assert count_rows(client, "pegawai") == 4
    job_id = re.search(r"SIASN sync ([0-9a-f-]{36})", result.output).group(1)  # type: ignore[union-attr]
    fake.faults = Faults()
    again = runner.invoke(app, ["sync", "--resume", job_id])
    assert again.exit_code == 0, again.output
    assert count_rows(client, "pegawai") == 5


def test_cli_sync_needs_a_file_or_a_job(client: TestClient, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["sync"]).exit_code == 2
    empty = tmp_path / "kosong.csv"
    empty.write_text("nip\n123\n")
    result = runner.invoke(app, ["sync", "--nips", str(empty)])
    assert result.exit_code == 1 and "Tidak ada NIP" in result.output
    missing = runner.invoke(app, ["sync", "--resume", "no-such-job"])
    assert missing.exit_code == 1 and "404" in missing.output
