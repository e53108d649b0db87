"""System-test harness (imported by conftest and the tests): each test gets its own tansu
broker and fresh databases, and starts real service processes (uvicorn), exactly as
`tatamutasi run` does."""

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tatamutasi_cli.runner import RunConfig, service_env, start_service, wait_healthy
from tatamutasi_cli.services import BY_NAME
from tatamutasi_platform.broker import free_port
from tatamutasi_platform.testing import DatabaseFactory

T = TypeVar("T")

FAST = {
    "LOG_LEVEL": "WARNING",
    "ENVIRONMENT": "test",
    "KAFKA_SESSION_TIMEOUT_MS": "3000",
    "KAFKA_HEARTBEAT_INTERVAL_MS": "500",
    "KAFKA_FETCH_MAX_WAIT_MS": "20",
    "KAFKA_RECONNECT_BACKOFF_S": "0.3",
    "RELAY_POLL_INTERVAL_S": "0.05",
}


def wait_until(
    probe: Callable[[], T], timeout: float = 20, interval: float = 0.1, what: str = "condition"
) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class System:
    def __init__(
        self, databases: DatabaseFactory, public_key: Path, tmp: Path, bootstrap: str
    ) -> None:
        self.tmp = tmp
        self.public_key = public_key
        self.bootstrap = bootstrap
        self.cfg = RunConfig(data_dir=tmp, ports={n: free_port() for n in BY_NAME})
        self.db_urls = {n: databases.new(n) for n in BY_NAME}
        self.cfg.database_urls = self.db_urls
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.cfg.ports[name]}"

    def start(self, name: str, **overrides: str) -> str:
        entry = BY_NAME[name]
        env = service_env(self.cfg, entry, self.public_key, self.bootstrap)
        env.update({f"{entry.prefix}_{k}": v for k, v in {**FAST, **overrides}.items()})
        proc = start_service(self.cfg, entry, env, self.tmp / f"{name}.log")
        self.procs[name] = proc
        wait_healthy(self.url(name), proc, timeout=60)
        return self.url(name)

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")


def ledger_items(
    client: httpx.Client, audit_url: str, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after = -1
    while True:
        r = client.get(
            f"{audit_url}/ledger/entries",
            params={"after": after, "limit": 1000, **params},
            headers=headers,
        )
        r.raise_for_status()
        page = r.json()
        items += page["items"]
        if page["next_after"] is None:
            return items
        after = page["next_after"]
