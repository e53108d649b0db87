"""The newcomer's SIASN demo (`demo_pegawai.siasn_demo`): with a fake SIASN over real HTTP it
syncs employees and writes a placement back; without SIASN it says so; it runs once."""

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pegawai_siasn_helpers import siasn_app

from tatamutasi_cli import demo_pegawai
from tatamutasi_pegawai.app import create_app
from tatamutasi_pegawai.settings import PegawaiSettings
from tatamutasi_pegawai.siasn_fake import FakeSiasn, fake_client_settings, serve_in_thread
from tatamutasi_platform.testing import service_settings


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_demo_syncs_from_the_fake_and_writes_a_placement_back(
    db_url: str, dev_keys: tuple[bytes, Path], auth_headers: Any
) -> None:
    fake = FakeSiasn(seed=2, employees=6)
    with serve_in_thread(fake) as base_url:
        settings = service_settings(
            PegawaiSettings,
            db_url=db_url,
            public_key=dev_keys[1],
            reference_path=None,
            writeback_poll_s=0.2,
        )
        siasn = fake_client_settings(
            base_url, instansi_id=fake.data.instansi_id, satuan_kerja_id=fake.data.satuan_kerja_id
        )
        with TestClient(create_app(settings, siasn=siasn)) as client:  # type: ignore[arg-type]
            client.headers.update(auth_headers("admin", sub="demo-admin"))
            line = demo_pegawai.siasn_demo(client, nips=4, timeout=60)
            assert "sync 4/4 NIPs (0 failed)" in line, line
            assert "write-back of" in line and ": succeeded (rwJabatanId" in line, line
            assert fake.saves and fake.saves[-1]["result"]["success"] is True
            assert "already run" in demo_pegawai.siasn_demo(client, nips=4)


def test_demo_without_siasn_explains_not_configured(
    db_url: str, dev_keys: tuple[bytes, Path], auth_headers: Any
) -> None:
    with siasn_app(db_url, dev_keys[1], None) as client:
        client.headers.update(auth_headers("admin"))
        assert "not configured" in demo_pegawai.siasn_demo(client)


def test_the_fake_service_env_configures_siasn_for_a_service_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tatamutasi_pegawai.adapters.siasn import SiasnSettings
    from tatamutasi_pegawai.service.writeback import siasn_configured
    from tatamutasi_pegawai.siasn_fake import FakeData, fake_service_env

    env = fake_service_env("http://127.0.0.1:8250/", seed=4)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = SiasnSettings()
    assert siasn_configured(settings)
    assert settings.api_base_url == "http://127.0.0.1:8250/apisiasn/1.0"
    assert settings.instansi_id == FakeData(seed=4, employees=1).instansi_id
