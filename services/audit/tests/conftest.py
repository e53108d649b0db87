"""Fixtures of the audit service's tests: settings with keys in a temp folder, an app under
TestClient, events built like the producers build them, and appends through the runtime."""

import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from tatamutasi_audit.api.deps import ledger_keys
from tatamutasi_audit.app import create_app
from tatamutasi_audit.service import ledger
from tatamutasi_audit.settings import AuditSettings
from tatamutasi_contracts import validate_event
from tatamutasi_platform.consumer import Event
from tatamutasi_platform.testing import service_settings

ORIGIN = "tatamutasi.example/pemda-lampung"


def nip(i: int) -> str:
    return f"19850312201001{1 + i % 2}{100 + i % 900:03d}"


def envelope(seq: int, *, person: int | None = None, **changes: Any) -> dict[str, Any]:
    n = nip(seq if person is None else person)
    env: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/tatamutasi/pegawai",
        "type": "pegawai.registered",
        "time": "2026-11-23T10:00:00.000000Z",
        "subject": n,
        "datacontenttype": "application/json",
        "sequence": seq,
        "actor": "bkd-1",
        "actorrole": "admin",
        "data": {"nip": n, "name": f"Pegawai Uji {seq}", "unor_id": "U-DINKES", "jabatan_id": "J1"},
    }
    env.update(changes)
    return env


def event(env: dict[str, Any], offset: int = 0) -> Event:
    raw = orjson.dumps(env)
    envelope_, payload = validate_event(raw)
    return Event(envelope_, payload, raw, "tatamutasi.pegawai.v1", 0, offset)


@pytest.fixture
def audit_settings(db_url: str, dev_keys: tuple[bytes, Path], tmp_path: Path) -> AuditSettings:
    s = service_settings(
        AuditSettings,
        db_url=db_url,
        public_key=dev_keys[1],
        data_dir=tmp_path / "audit-data",
        log_origin=ORIGIN,
    )
    assert isinstance(s, AuditSettings)
    return s


@pytest.fixture
def audit_client(audit_settings: AuditSettings) -> Iterator[TestClient]:
    with TestClient(create_app(audit_settings)) as c:
        yield c


Appender = Callable[[Sequence[dict[str, Any]]], ledger.Appended]


@pytest.fixture
def append(audit_client: TestClient) -> Appender:
    """Append envelopes in one batch, as the consumer's batch handler does."""
    runtime = audit_client.app.state.runtime  # type: ignore[attr-defined]

    def run(envs: Sequence[dict[str, Any]]) -> ledger.Appended:
        async def go() -> ledger.Appended:
            async with runtime.engine.begin() as conn:
                return await ledger.append(
                    conn, [event(e, i) for i, e in enumerate(envs)], ledger_keys(runtime)
                )

        assert audit_client.portal is not None
        return audit_client.portal.call(go)

    return run


@pytest.fixture
def sql(audit_client: TestClient) -> Callable[..., Any]:
    """Run a function of an AsyncConnection inside one transaction (for tampering)."""
    runtime = audit_client.app.state.runtime  # type: ignore[attr-defined]

    def run(fn: Callable[..., Any]) -> Any:
        async def go() -> Any:
            async with runtime.engine.begin() as conn:
                return await fn(conn)

        assert audit_client.portal is not None
        try:
            return audit_client.portal.call(go)
        finally:
            # an edit behind the service's back: drop its cached tree head now (in service
            # it shows within `ledger.HEAD_TTL_S`), so the test sees the edited database
            ledger.forget_head()

    return run


@pytest.fixture
def auditor(auth_headers: Callable[..., dict[str, str]]) -> dict[str, str]:
    return auth_headers("auditor")


@pytest.fixture
def log(append: Appender) -> list[dict[str, Any]]:
    """A log of 20 entries appended in two batches (two signed checkpoints: 12 and 20)."""
    envs = [envelope(i) for i in range(1, 21)]
    append(envs[:12])
    append(envs[12:])
    return envs


@pytest.fixture
def make_envelope() -> Callable[..., dict[str, Any]]:
    return envelope


@pytest.fixture
def make_nip() -> Callable[[int], str]:
    return nip


@pytest.fixture
def make_event() -> Callable[..., Event]:
    return event
