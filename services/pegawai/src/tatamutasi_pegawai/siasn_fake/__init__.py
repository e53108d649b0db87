"""Fake SIASN server for tests, demos and benchmarks (synthetic data only).

    from tatamutasi_pegawai.siasn_fake import FakeSiasn, Faults, create_app
    app = create_app(FakeSiasn(seed=1, employees=100, faults=Faults(latency_ms=50)))

or from the command line: `tatamutasi siasn fake-server --port 8250 --seed 1 --employees 100`."""

from tatamutasi_pegawai.siasn_fake.app import (
    CONSUMER_KEY,
    CONSUMER_SECRET,
    SSO_CLIENT_ID,
    SSO_PASSWORD,
    SSO_USERNAME,
    FakeSiasn,
    Faults,
    create_app,
    fake_client_settings,
    fake_service_env,
)
from tatamutasi_pegawai.siasn_fake.data import FakeData
from tatamutasi_pegawai.siasn_fake.serve import free_port, serve_in_thread

__all__ = [
    "CONSUMER_KEY",
    "CONSUMER_SECRET",
    "SSO_CLIENT_ID",
    "SSO_PASSWORD",
    "SSO_USERNAME",
    "FakeData",
    "FakeSiasn",
    "Faults",
    "create_app",
    "fake_client_settings",
    "fake_service_env",
    "free_port",
    "serve_in_thread",
]
