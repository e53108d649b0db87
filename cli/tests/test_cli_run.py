"""`tatamutasi run` (what `make run` calls): starts everything, loads the demo once, prints
the URLs, stops cleanly on Ctrl-C, and reuses its data on the next start."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tatamutasi_cli import demo
from tatamutasi_platform.broker import free_port, port_open

pytestmark = [pytest.mark.system, pytest.mark.kafka, pytest.mark.slow]


class Running:
    """A `tatamutasi run` process whose output is collected by a reader thread."""

    def __init__(self, data: Path, ports: dict[str, int]) -> None:
        args = [sys.executable, "-m", "tatamutasi_cli.main", "run", "--data-dir", str(data)]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("PEGAWAI_SIASN_API_BASE_URL", None)
        for name, port in ports.items():
            if name == "web":
                env["TATAMUTASI_WEB_PORT"] = str(port)
            elif name == "siasn":
                env["TATAMUTASI_SIASN_FAKE_PORT"] = str(port)
            else:
                args += [f"--{name}-port", str(port)]
        self.proc = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, marker: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while marker not in self.output:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"no {marker!r} in output:\n{self.output}")
            time.sleep(0.1)
        return self.output

    def interrupt(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(60)
        self._reader.join(10)
        return code


def ledger_size(url: str, token: str) -> int:
    r = httpx.get(f"{url}/ledger/verify", headers={"Authorization": f"Bearer {token}"})
    r.raise_for_status()
    body = r.json()
    assert body["consistent"]
    return int(body["size"])


def test_run_starts_everything_loads_demo_once_and_stops_cleanly(tmp_path: Path) -> None:
    ports = {
        "broker": free_port(),
        "pegawai": free_port(),
        "formasi": free_port(),
        "matching": free_port(),
        "audit": free_port(),
        "web": free_port(),
        "siasn": free_port(),
    }
    run = Running(tmp_path, ports)
    try:
        out = run.wait_for("Get a token", timeout=600)  # a loaded, shared machine is slow
        assert f"Loaded the demo Pemda: {demo.PEMDA_NAME}, 36 pegawai." in out
        for name in ("pegawai", "formasi", "matching", "audit"):
            assert f"http://127.0.0.1:{ports[name]}/docs" in out
        assert f"web       http://127.0.0.1:{ports['web']}/" in out
        assert "SIASN demo: sync" in out  # the fake SIASN started and the demo synced from it
        assert "workflow demo" in out.lower()
        # a genuine red flag from the audit rules: an operator proposed his own wife (R3)
        assert "red flag R3 open on proposal" in out
        token = subprocess.run(
            [
                sys.executable,
                "-m",
                "tatamutasi_cli.main",
                "token",
                "--role",
                "auditor",
                "--data-dir",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        audit = f"http://127.0.0.1:{ports['audit']}"
        # The demo emits hundreds of events (registrations, histories, formasi); wait until
        # the ledger has them all, i.e. it stops growing.
        deadline, settled, last = time.monotonic() + 90, 0, -1
        while settled < 3 and time.monotonic() < deadline:
            size = ledger_size(audit, token)
            settled = settled + 1 if size == last else 0
            last = size
            time.sleep(1)
        first_size = ledger_size(audit, token)
        assert first_size >= 36 + 36  # every registration plus at least one history each
        flags = httpx.get(
            f"{audit}/flags",
            params={"status": "open", "rule_id": "R3"},
            headers={"Authorization": f"Bearer {token}"},
        ).json()["items"]
        assert len(flags) == 1 and flags[0]["proposal_id"]
        assert "spouse" in flags[0]["explanation_en"]
    finally:
        code = run.interrupt()
    assert code == 0, run.output
    assert "Stopping" in run.output
    assert not any(port_open("127.0.0.1", p) for p in ports.values())
    assert (tmp_path / "pegawai.db").exists() and (tmp_path / "keys").is_dir()

    again = Running(tmp_path, ports)  # a second run reuses the data and keeps the ledger
    try:
        out = again.wait_for("Get a token", timeout=300)
        assert "Loaded the demo Pemda" not in out
        time.sleep(2)
        assert ledger_size(audit, token) == first_size
    finally:
        assert again.interrupt() == 0, again.output


def test_a_signal_while_the_demo_loads_stops_everything_started(tmp_path: Path) -> None:
    """SIGTERM during start-up (here: while the demo loads) must not leave the broker, the
    fake SIASN or a service running behind the stopped parent."""
    ports = {n: free_port() for n in ("pegawai", "formasi", "matching", "audit", "broker")}
    ports |= {"web": free_port(), "siasn": free_port()}
    run = Running(tmp_path / "data", ports)
    try:
        run.wait_for("Loaded the demo Pemda", timeout=600)  # services up, loaders running
        run.proc.send_signal(signal.SIGTERM)
        code = run.proc.wait(120)
        run._reader.join(10)
    finally:
        if run.proc.poll() is None:
            run.proc.kill()
    assert code == 130, run.output
    assert "Interrupted while starting" in run.output
    assert "TataMutasi is running" not in run.output
    still_open = [name for name, port in ports.items() if port_open("127.0.0.1", port)]
    assert still_open == [], run.output
