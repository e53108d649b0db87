"""`tatamutasi audit keygen` and `tatamutasi audit verify`: an auditor with only the verifier
key and the URL verifies the ledger, remembers its checkpoint and raises the alarm on a fork.
The verifier imports only the pure ledger package."""

import json
import stat
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tatamutasi_audit.adapters.orm import ledger_entries
from tatamutasi_audit.api.deps import ledger_keys
from tatamutasi_audit.app import create_app
from tatamutasi_audit.ledger.note import Signer, Verifier
from tatamutasi_audit.service import ledger
from tatamutasi_audit.settings import AuditSettings
from tatamutasi_cli import audit_cmd
from tatamutasi_cli.main import app
from tatamutasi_contracts import validate_event
from tatamutasi_platform.consumer import Event
from tatamutasi_platform.testing import service_settings

runner = CliRunner()
ORIGIN = "tatamutasi.example/pemda-jambi"


def _envelope(seq: int) -> dict[str, Any]:
    nip = f"19900101201503{1 + seq % 2}{100 + seq:03d}"
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/tatamutasi/pegawai",
        "type": "pegawai.registered",
        "time": "2026-11-23T10:00:00Z",
        "subject": nip,
        "sequence": seq,
        "actor": "bkd-1",
        "data": {"nip": nip, "name": f"Uji {seq}", "unor_id": "U1", "jabatan_id": "J1"},
    }


class Log:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.runtime = client.app.state.runtime  # type: ignore[attr-defined]

    def append(self, envs: list[dict[str, Any]]) -> None:
        async def go() -> None:
            events = []
            for i, e in enumerate(envs):
                raw = orjson.dumps(e)
                env, payload = validate_event(raw)
                events.append(Event(env, payload, raw, "tatamutasi.pegawai.v1", 0, i))
            async with self.runtime.engine.begin() as conn:
                await ledger.append(conn, events, ledger_keys(self.runtime))

        assert self.client.portal is not None
        self.client.portal.call(go)

    def sql(self, fn: Callable[..., Any]) -> None:
        async def go() -> None:
            async with self.runtime.engine.begin() as conn:
                await fn(conn)

        assert self.client.portal is not None
        self.client.portal.call(go)


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    result = runner.invoke(
        app, ["audit", "keygen", "--name", ORIGIN, "--out", str(tmp_path / "keys")]
    )
    assert result.exit_code == 0, result.output
    return tmp_path / "keys"


@pytest.fixture
def log(db_url: str, dev_keys: tuple[bytes, Path], keys_dir: Path, tmp_path: Path) -> Iterator[Log]:
    settings = service_settings(
        AuditSettings,
        db_url=db_url,
        public_key=dev_keys[1],
        log_origin=ORIGIN,
        signing_key_file=keys_dir / "signing.key",
        data_dir=tmp_path / "data",
    )
    with TestClient(create_app(settings)) as c:  # type: ignore[arg-type]
        c.headers["Authorization"] = "Bearer unset"
        yield Log(c)


@pytest.fixture
def cli_client(
    log: Log, make_token: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> TestClient:
    """`verify` builds an httpx.Client for --url; hand it the in-process app instead."""
    log.client.headers["Authorization"] = f"Bearer {make_token('auditor')}"

    class Bound:
        def __init__(self, **kw: Any) -> None:
            assert kw["base_url"] == "http://audit.test"

        def __enter__(self) -> TestClient:
            return log.client

        def __exit__(self, *exc: object) -> None:
            return None

    monkeypatch.setattr(audit_cmd.httpx, "Client", Bound)
    return log.client


def test_keygen_writes_a_private_key_0600_and_the_vkey(keys_dir: Path) -> None:
    key, vkey = keys_dir / "signing.key", keys_dir / "signing.vkey"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    signer = Signer.parse(key.read_text())
    verifier = Verifier.parse(vkey.read_text())
    assert signer.verifier() == verifier and verifier.name == ORIGIN
    again = runner.invoke(app, ["audit", "keygen", "--name", ORIGIN, "--out", str(keys_dir)])
    assert again.exit_code == 1 and "refusing to overwrite" in again.output
    assert Signer.parse(key.read_text()) == signer


def test_keygen_rejects_a_name_with_spaces(tmp_path: Path) -> None:
    result = runner.invoke(app, ["audit", "keygen", "--name", "a b", "--out", str(tmp_path)])
    assert result.exit_code == 2


def _verify(keys_dir: Path, *extra: str) -> Any:
    return runner.invoke(
        app,
        [
            "audit",
            "verify",
            "--url",
            "http://audit.test",
            "--vkey",
            str(keys_dir / "signing.vkey"),
            *extra,
        ],
    )


def test_verify_remembers_the_checkpoint_and_proves_events(
    log: Log, cli_client: TestClient, keys_dir: Path, tmp_path: Path
) -> None:
    envs = [_envelope(i) for i in range(1, 11)]
    log.append(envs[:6])
    state = tmp_path / "state.json"
    first = _verify(keys_dir, "--state", str(state), "--event-id", envs[2]["id"])
    assert first.exit_code == 0, first.output
    assert f"OK: {ORIGIN} size 6" in first.output and "at index 2" in first.output
    assert json.loads(state.read_text())["size"] == 6
    log.append(envs[6:])
    second = _verify(keys_dir, "--state", str(state), "--event-id", envs[9]["id"])
    assert second.exit_code == 0, second.output
    assert "consistent with the remembered checkpoint of size 6" in second.output
    assert json.loads(state.read_text())["size"] == 10
    missing = _verify(keys_dir, "--event-id", "no-such-event")
    assert missing.exit_code == 1 and "not in the log" in missing.output


def test_verify_fails_on_an_edited_entry(log: Log, cli_client: TestClient, keys_dir: Path) -> None:
    log.append([_envelope(i) for i in range(1, 5)])

    async def edit(conn: Any) -> None:
        e = ledger_entries
        await conn.execute(sa.update(e).where(e.c.idx == 1).values(entry=b'{"edited":1}'))

    log.sql(edit)
    result = _verify(keys_dir)
    assert result.exit_code == 1 and "signed root" in result.output


def test_verify_raises_the_alarm_on_a_shrunken_log(
    log: Log, cli_client: TestClient, keys_dir: Path, tmp_path: Path
) -> None:
    log.append([_envelope(i) for i in range(1, 9)])
    state = tmp_path / "state.json"
    assert _verify(keys_dir, "--state", str(state)).exit_code == 0
    # pretend we had seen a bigger log earlier (a rollback since then)
    signer = Signer.parse((keys_dir / "signing.key").read_text())
    remembered = json.loads(state.read_text())
    from tatamutasi_audit.ledger.note import Checkpoint, sign_checkpoint

    remembered["checkpoint"] = sign_checkpoint(Checkpoint(ORIGIN, 50, bytes(32)), signer)
    state.write_text(json.dumps(remembered))
    result = _verify(keys_dir, "--state", str(state))
    assert result.exit_code == 3 and "ALARM" in result.output
    assert json.loads(state.read_text())["checkpoint"] == remembered["checkpoint"]


def test_verify_rejects_a_key_for_another_log(
    log: Log, cli_client: TestClient, tmp_path: Path
) -> None:
    log.append([_envelope(1)])
    other = Signer.generate(ORIGIN).verifier().encode()
    result = runner.invoke(app, ["audit", "verify", "--url", "http://audit.test", "--vkey", other])
    assert result.exit_code == 1 and "checkpoint does not verify" in result.output


def test_the_verifier_does_not_import_the_service() -> None:
    code = "import sys, tatamutasi_cli.audit_cmd\nprint('\\n'.join(sorted(sys.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "tatamutasi_audit.ledger.verifier" in out
    forbidden = [
        m
        for m in out
        if m.startswith(
            (
                "sqlalchemy",
                "fastapi",
                "tatamutasi_platform",
                "tatamutasi_audit.service",
                "tatamutasi_audit.adapters",
                "tatamutasi_audit.api",
                "tatamutasi_audit.app",
                "tatamutasi_audit.settings",
            )
        )
    ]
    assert forbidden == []
