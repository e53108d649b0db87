"""Pieces benchmarks reuse: throw-away PostgreSQL databases, service subprocesses, CPU
accounting from /proc, percentiles, optional py-spy profiles."""

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PG_ADMIN_DSN = os.environ.get(
    "TATAMUTASI_BENCH_PG",
    os.environ.get("TATAMUTASI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
)


# -- PostgreSQL databases ---------------------------------------------------------------------
async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pg_url(dbname: str) -> str:
    base, _, _ = PG_ADMIN_DSN.rpartition("/")
    return f"{base}/{dbname}"


class PgDatabases:
    """Creates uniquely named databases; `drop_all` removes them (call it in `finally`)."""

    def __init__(self, prefix: str = "tm_bench") -> None:
        self.prefix = prefix
        self.run_id = uuid.uuid4().hex[:8]
        self.names: list[str] = []

    def create(self, label: str) -> str:
        name = f"{self.prefix}_{label}_{self.run_id}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        return pg_url(name)

    def alter_all(self, setting: str, value: str) -> None:
        """`ALTER DATABASE ... SET` on every database made so far (for new sessions)."""
        for name in self.names:
            literal = value.replace("'", "''")
            asyncio.run(_pg_admin(f"ALTER DATABASE \"{name}\" SET {setting} = '{literal}'"))

    def drop_all(self) -> None:
        for name in reversed(self.names):
            try:
                asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except Exception as exc:
                print(f"warning: could not drop database {name}: {exc!r}", file=sys.stderr)
        self.names.clear()


# -- service subprocesses ---------------------------------------------------------------------
@dataclass
class ServiceProcess:
    name: str
    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "<no log>"


def start_service(
    name: str,
    factory: str,
    port: int,
    env: dict[str, str],
    prefix: str,
    log_path: Path,
    *,
    cwd: Path,
    host: str = "127.0.0.1",
) -> ServiceProcess:
    """`uvicorn --factory` in its own process (as in production). Variables of the service's
    prefix inherited from our environment are dropped, so only `env` configures it."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(prefix + "_")}
    log = open(log_path, "ab")  # noqa: SIM115 - owned by the child for its lifetime
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            factory,
            "--host",
            host,
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--timeout-graceful-shutdown",
            "5",
        ],
        env={**base, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        cwd=cwd,
    )
    log.close()
    return ServiceProcess(name, f"http://{host}:{port}", proc, log_path, env)


def wait_healthy(svc: ServiceProcess, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not svc.alive():
            raise RuntimeError(
                f"{svc.name} exited with code {svc.proc.returncode}:\n{svc.log_tail()}"
            )
        try:
            if httpx.get(svc.url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{svc.name} did not become healthy in {timeout}s:\n{svc.log_tail()}")


def stop_services(services: Iterable[ServiceProcess], timeout: float = 15) -> None:
    services = list(services)
    for s in services:
        if s.alive():
            s.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for s in services:
        try:
            s.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            s.proc.kill()
            s.proc.wait()


# -- CPU accounting ---------------------------------------------------------------------------
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds a process has used so far (None if it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_cpu() -> tuple[float, float, float]:
    """(busy, steal, total) CPU seconds of the whole machine since boot."""
    try:
        parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0, 0.0, 0.0
    v = [int(x) for x in parts]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    steal = v[7] if len(v) > 7 else 0
    total = sum(v[:8])
    return (total - idle - steal) / CLK_TCK, steal / CLK_TCK, total / CLK_TCK


MACHINE = "machine (all processes)"
OTHER_LOAD = "everything else (other engineers, PG background, kernel)"
STEAL = "steal (hypervisor)"


class CpuMeter:
    """CPU used by named groups of processes (and by the whole machine) between `start()` and
    `stop()`, in cores (CPU seconds per wall second). Groups are given as callables returning
    pids, so short-lived pids (database backends) can be re-collected at the end."""

    def __init__(self) -> None:
        self._start: dict[int, float] = {}
        self._t0 = 0.0
        self._m0 = (0.0, 0.0, 0.0)
        self.wall = 0.0

    def start(self, pids: Iterable[int]) -> None:
        self._t0 = time.monotonic()
        self._m0 = machine_cpu()
        self._start = {p: c for p in set(pids) if (c := process_cpu_s(p)) is not None}

    def stop(self, groups: dict[str, Sequence[int]]) -> dict[str, float]:
        wall = self.wall = max(time.monotonic() - self._t0, 1e-9)
        m1 = machine_cpu()
        out: dict[str, float] = {}
        ours = 0.0
        for name, pids in groups.items():
            used = 0.0
            for p in set(pids):
                now = process_cpu_s(p)
                if now is not None:
                    used += now - self._start.get(p, 0.0)
            out[name] = used / wall
            ours += used
        busy = m1[0] - self._m0[0]
        out[MACHINE] = busy / wall
        out[OTHER_LOAD] = max(0.0, (busy - ours) / wall)
        out[STEAL] = (m1[1] - self._m0[1]) / wall
        return out


# -- statistics -------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of an unsorted sequence."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def fmt_s(seconds: float) -> str:
    if seconds != seconds:  # NaN
        return "n/a"
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def fmt_rate(per_s: float) -> str:
    return f"{per_s:,.0f}/s"


# -- py-spy -----------------------------------------------------------------------------------
def py_spy_binary() -> str | None:
    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


class Profiler:
    """Optional: `py-spy record` (raw collapsed stacks) on some pids while a phase runs."""

    def __init__(self, out_dir: Path) -> None:
        self.binary = py_spy_binary()
        self.out_dir = out_dir
        self._procs: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}

    @property
    def available(self) -> bool:
        return self.binary is not None

    def start(self, targets: dict[str, int], label: str) -> None:
        if not self.binary:
            return
        for name, pid in targets.items():
            out = self.out_dir / f"profile-{label}-{name}.txt"
            proc = subprocess.Popen(
                [
                    self.binary,
                    "record",
                    "--pid",
                    str(pid),
                    "--format",
                    "raw",
                    "--rate",
                    "200",
                    "--output",
                    str(out),
                    "--nonblocking",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
            )
            self._procs[name] = (proc, out)

    def stop(self) -> dict[str, Path]:
        done: dict[str, Path] = {}
        for name, (proc, out) in self._procs.items():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if out.exists():
                done[name] = out
        self._procs.clear()
        return done


def profile_summary(
    path: Path, top: int = 8
) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """From py-spy raw (collapsed) stacks: project functions (`tatamutasi_*`) by inclusive
    share of samples, and the hottest frames by self share (the event loop's idle wait
    left out)."""
    inclusive: Counter[str] = Counter()
    self_: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_s = line.rpartition(" ")
        if not stack or not count_s.isdigit():
            continue
        count = int(count_s)
        frames = stack.split(";")
        if frames[-1].startswith(("Runner.run", "select (selectors", "BaseEventLoop.")):
            continue  # waiting, not working
        total += count
        for f in {_frame_name(f) for f in frames if "tatamutasi_" in f}:
            inclusive[f] += count
        self_[_frame_name(frames[-1])] += count
    if not total:
        return [], []
    loops = {"run", "_loop", "main", "serve", "lifespan"}  # always on the stack
    inc = [
        (f, c / total)
        for f, c in inclusive.most_common()
        if f.split(" (")[0].split(".")[-1] not in loops
    ][:top]
    return inc, [(f, c / total) for f, c in self_.most_common(top)]


def _frame_name(frame: str) -> str:
    # py-spy raw frames look like "function (path/to/file.py:123)"
    name, _, rest = frame.partition(" (")
    path = rest.rsplit(":", 1)[0] if rest else ""
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{name} ({path})" if path else name
