"""Fault-test harness: the real system (tansu + four uvicorn services on PostgreSQL, see
tests/system/system_harness.py), a load of writes whose clients count a write as accepted
only on a 2xx (retries reuse the Idempotency-Key), and the checks that run after a fault:

- nothing accepted is lost: every accepted registration is a row in the pegawai database,
  its event (by event id) is in the audit ledger and was applied by formasi and matching;
- no effect applied twice: one ledger entry per registration subject, one placement-history
  row per registration in formasi, one holder/profile per NIP;
- the ledger is complete: the audit completeness endpoint says so AND its contiguous mark
  has reached the producer's last sequence (a lost tail has no hole to show);
- the time from the end of the fault until all of that holds.

Checks read the services' databases directly (they own the data; the APIs would hide
duplicates behind primary keys)."""

import asyncio
import os
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from system_harness import FAST, System
from tatamutasi_cli.runner import service_env, start_service, wait_healthy
from tatamutasi_cli.services import BY_NAME
from tatamutasi_platform.broker import TansuBroker, free_port
from tatamutasi_platform.testing import DatabaseFactory

PEGAWAI_SOURCE = "/tatamutasi/pegawai"
SERVICES = ("audit", "formasi", "matching", "pegawai")
UNIT, JABATAN = "U-DINKES", "J-ANALIS"
MOVED_UNIT, MOVED_JABATAN = "U-BAPPEDA", "J-PERENCANA"


def nip(run: int, i: int) -> str:
    """A valid, unique NIP: born 1985-MM-DD, TMT CPNS 2010-01; `run` keeps loads apart."""
    day = 1 + (i // 998) % 28
    month = 1 + run % 12
    return f"1985{month:02d}{day:02d}2010011{1 + i % 998:03d}"


def _pg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _query(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(_pg_dsn(url), timeout=5)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def query(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    return asyncio.run(_query(url, sql, *args))


def admin_exec(url: str, sql: str) -> None:
    """Run `sql` on the server of `url` from its `postgres` maintenance database."""
    base, _, _ = _pg_dsn(url).rpartition("/")
    asyncio.run(_query(f"{base}/postgres", sql))


class FaultSystem(System):
    """The system harness plus a broker it can kill and restart on the same port, extra
    instances of a service (same database, another port) and SIGSTOP/SIGCONT."""

    def __init__(
        self,
        databases: DatabaseFactory,
        public_key: Path,
        tmp: Path,
        make_token: Callable[..., str],
    ) -> None:
        self.broker = TansuBroker(free_port(), log_file=tmp / "tansu.log").start()
        super().__init__(databases, public_key, tmp, self.broker.bootstrap)
        self.replay_token = make_token("integration", sub="audit-replay")
        self.extra: dict[str, subprocess.Popen[bytes]] = {}
        self.extra_ports: dict[str, int] = {}

    def start_all(self, **overrides: dict[str, str]) -> None:
        """Start the four services at once (in parallel: a loaded machine starts each slowly)."""
        for name in SERVICES:
            self.spawn(name, **overrides.get(name, {}))
        for name in SERVICES:
            wait_healthy(self.url(name), self.procs[name], timeout=180)

    def spawn(self, name: str, **overrides: str) -> None:
        entry = BY_NAME[name]
        if name == "audit":
            overrides = {
                "PRODUCER_TOKEN": self.replay_token,
                "COMPLETENESS_INTERVAL_S": "0.5",
                **overrides,
            }
        env = service_env(self.cfg, entry, self.public_key, self.bootstrap)
        env.update({f"{entry.prefix}_{k}": v for k, v in {**FAST, **overrides}.items()})
        self.procs[name] = start_service(self.cfg, entry, env, self.tmp / f"{name}.log")

    def restart(self, name: str, **overrides: str) -> None:
        self.spawn(name, **overrides)
        wait_healthy(self.url(name), self.procs[name], timeout=180)

    def start_second(self, name: str) -> str:
        """Another instance of `name` (same database and consumer group, its own port)."""
        entry = BY_NAME[name]
        port = free_port()
        self.extra_ports[name] = port
        env = service_env(self.cfg, entry, self.public_key, self.bootstrap)
        env.update({f"{entry.prefix}_{k}": v for k, v in FAST.items()})
        saved = dict(self.cfg.ports)
        self.cfg.ports[name] = port
        try:
            proc = start_service(self.cfg, entry, env, self.tmp / f"{name}-2.log")
        finally:
            self.cfg.ports = saved
        self.extra[name] = proc
        wait_healthy(f"http://127.0.0.1:{port}", proc, timeout=180)
        return f"http://127.0.0.1:{port}"

    def pause(self, name: str) -> None:
        os.killpg(self.procs[name].pid, signal.SIGSTOP)

    def resume(self, name: str) -> None:
        os.killpg(self.procs[name].pid, signal.SIGCONT)

    def restart_broker(self, down_s: float = 0.0) -> None:
        """Kill tansu (SIGKILL) and start a new, empty one on the same port."""
        self.broker.kill()
        time.sleep(down_s)
        self.broker = TansuBroker(self.broker.port, log_file=self.tmp / "tansu.log").start()

    def stop_all(self) -> None:
        for proc in [*self.procs.values(), *self.extra.values()]:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGCONT)  # a paused process cannot terminate
        for proc in self.extra.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.extra.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.extra.clear()
        # the processes are disposable: a short grace, then SIGKILL (keeps the suite fast)
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(3)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        self.procs.clear()
        self.broker.stop()


# -- load -------------------------------------------------------------------------------------
@dataclass
class Load:
    """Registrations (and optional moves) by `workers` threads; a write counts as accepted
    only when a 2xx came back. A failed attempt is retried with the same Idempotency-Key
    until it succeeds or `give_up_s` has passed (then the write is 'unknown', never counted
    as accepted)."""

    url: str
    headers: dict[str, str]
    run: int
    count: int
    workers: int = 4
    give_up_s: float = 90.0
    pace_s: float = 0.0
    move_every: int = 0  # every n-th registered employee is moved (a placement) once
    accepted: dict[str, str] = field(default_factory=dict)  # nip -> unit after the write
    moves_accepted: int = 0
    unknown: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    progress: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def _post(self, client: httpx.Client, path: str, body: dict[str, Any]) -> bool:
        key = str(uuid.uuid4())
        deadline = time.monotonic() + self.give_up_s
        first = True
        while time.monotonic() < deadline:
            if not first:
                with self._lock:
                    self.retries += 1
                time.sleep(0.1)
            first = False
            try:
                r = client.post(
                    f"{self.url}{path}", json=body, headers={**self.headers, "Idempotency-Key": key}
                )
            except httpx.HTTPError as exc:
                with self._lock:
                    self.statuses[type(exc).__name__] += 1
                continue
            with self._lock:
                self.statuses[str(r.status_code)] += 1
            if 200 <= r.status_code < 300:
                return True
            if r.status_code < 500 and r.status_code not in (408, 429):
                raise AssertionError(f"write refused: {r.status_code} {r.text[:300]}")
        return False

    def _worker(self, part: int) -> None:
        with httpx.Client(timeout=10) as client:
            for i in range(part, self.count, self.workers):
                n = nip(self.run, i)
                body = {
                    "nip": n,
                    "name": f"Pegawai Uji {i}",
                    "unor_id": UNIT,
                    "jabatan_id": JABATAN,
                }
                if not self._post(client, "/pegawai", body):
                    with self._lock:
                        self.unknown.append(n)
                    continue
                with self._lock:
                    self.accepted[n] = UNIT
                if self.move_every and i % self.move_every == 0:
                    move = {"unor_id": MOVED_UNIT, "jabatan_id": MOVED_JABATAN, "source": "mutasi"}
                    if self._post(client, f"/pegawai/{n}/jabatan", move):
                        with self._lock:
                            self.accepted[n] = MOVED_UNIT
                            self.moves_accepted += 1
                    else:
                        with self._lock:
                            self.unknown.append(n)
                            self.accepted.pop(n, None)
                with self._lock:
                    self.progress += 1
                if self.pace_s:
                    time.sleep(self.pace_s)

    def start(self) -> "Load":
        self._threads = [
            threading.Thread(target=self._worker, args=(p,), daemon=True)
            for p in range(self.workers)
        ]
        for t in self._threads:
            t.start()
        return self

    def wait_progress(self, done: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.progress < done:
            if time.monotonic() > deadline:
                raise AssertionError(f"load stuck at {self.progress}/{done}: {self.statuses}")
            time.sleep(0.02)

    def join(self, timeout: float = 180) -> None:
        for t in self._threads:
            t.join(timeout)
            assert not t.is_alive(), "load did not finish"


# -- checks -----------------------------------------------------------------------------------
@dataclass
class State:
    lost: dict[str, list[str]]  # where -> accepted NIPs missing there
    duplicated: dict[str, int]  # where -> effects applied more than once
    wrong: dict[str, list[str]]  # where -> NIPs whose read model shows another unit
    complete: bool
    contiguous: int
    head: int
    unpublished: int
    dead_lettered: int

    @property
    def converged(self) -> bool:
        return (
            not any(self.lost.values())
            and not any(self.wrong.values())
            and self.complete
            and self.contiguous == self.head
            and self.unpublished == 0
        )

    def summary(self) -> str:
        lost = {k: len(v) for k, v in self.lost.items() if v}
        wrong = {k: len(v) for k, v in self.wrong.items() if v}
        return (
            f"lost={lost} wrong={wrong} duplicated={self.duplicated} complete={self.complete} "
            f"contiguous={self.contiguous} head={self.head} unpublished={self.unpublished} "
            f"dead_lettered={self.dead_lettered}"
        )


def in_flight(system: System) -> int:
    """Events the producer has committed that are not yet in the ledger (at this instant)."""
    committed = query(system.db_urls["pegawai"], "SELECT count(*) AS n FROM outbox")[0]["n"]
    ledger = query(
        system.db_urls["audit"],
        "SELECT count(*) AS n FROM ledger_entries WHERE source = $1",
        PEGAWAI_SOURCE,
    )[0]["n"]
    return int(committed) - int(ledger)


def dead_letters(system: System) -> int:
    """Events the services sent to a DLQ (their logs say so; none of the faults is a bad
    event, so every one is a defect)."""
    total = 0
    for path in Path(system.tmp).glob("*.log"):
        if path.name != "tansu.log":
            total += path.read_text(errors="replace").count("event dead-lettered")
    return total


def state(system: System, accepted: dict[str, str], auditor: dict[str, str]) -> State:
    urls = system.db_urls
    registry = {r["nip"]: r for r in query(urls["pegawai"], "SELECT nip FROM pegawai")}
    outbox = query(
        urls["pegawai"],
        "SELECT event_id, subject, type, sequence, published_at FROM outbox",
    )
    reg_event = {r["subject"]: r["event_id"] for r in outbox if r["type"] == "pegawai.registered"}
    all_events = {r["event_id"] for r in outbox}
    head = max((r["sequence"] or 0 for r in outbox), default=0)
    unpublished = sum(1 for r in outbox if r["published_at"] is None)
    ledger = query(
        urls["audit"],
        "SELECT event_id, type, subject FROM ledger_entries WHERE source = $1",
        PEGAWAI_SOURCE,
    )
    in_ledger = {r["event_id"] for r in ledger}
    ledger_subjects = Counter(r["subject"] for r in ledger if r["type"] == "pegawai.registered")
    progress = query(
        urls["audit"],
        "SELECT contiguous FROM producer_progress WHERE source = $1",
        PEGAWAI_SOURCE,
    )
    contiguous = int(progress[0]["contiguous"]) if progress else 0
    holders = {
        r["nip"]: r["unor_id"] for r in query(urls["formasi"], "SELECT nip, unor_id FROM holders")
    }
    placements = Counter(
        r["nip"]
        for r in query(
            urls["formasi"], "SELECT nip FROM placement_history WHERE reason = 'registered'"
        )
    )
    profiles = {
        r["nip"]: r["unor_id"]
        for r in query(urls["matching"], "SELECT nip, unor_id FROM employee_profile")
    }
    applied = {
        name: {
            r["event_id"]
            for r in query(
                urls[name],
                "SELECT event_id FROM processed_events WHERE event_id = ANY($1)",
                list(all_events),
            )
        }
        for name in ("formasi", "matching")
    }
    rejected = query(
        urls["audit"],
        "SELECT count(*) AS n FROM ledger_entries WHERE type = 'audit.event_rejected'",
    )[0]["n"] + dead_letters(system)
    with httpx.Client(timeout=10) as client:
        r = client.get(f"{system.url('audit')}/ledger/completeness", headers=auditor)
        complete = r.status_code == 200 and bool(r.json()["complete"])
    accepted_events = {reg_event.get(n) for n in accepted}
    return State(
        lost={
            "pegawai": [n for n in accepted if n not in registry],
            "outbox": [n for n in accepted if n not in reg_event],
            "ledger": [n for n in accepted if reg_event.get(n) not in in_ledger],
            "formasi": [n for n in accepted if n not in holders],
            "matching": [n for n in accepted if n not in profiles],
            "ledger_all": sorted(all_events - in_ledger),
            **{f"{k}_applied": sorted(accepted_events - v - {None}) for k, v in applied.items()},
        },
        duplicated={
            "ledger": sum(c - 1 for c in ledger_subjects.values() if c > 1),
            "formasi": sum(c - 1 for c in placements.values() if c > 1),
            "outbox": sum(
                c - 1
                for c in Counter(
                    r["subject"] for r in outbox if r["type"] == "pegawai.registered"
                ).values()
                if c > 1
            ),
        },
        wrong={
            "formasi": [n for n, u in accepted.items() if n in holders and holders[n] != u],
            "matching": [n for n, u in accepted.items() if n in profiles and profiles[n] != u],
        },
        complete=complete,
        contiguous=contiguous,
        head=int(head),
        unpublished=unpublished,
        dead_lettered=int(rejected),
    )


def converge(
    system: System, accepted: dict[str, str], auditor: dict[str, str], timeout: float = 60
) -> tuple[State, float]:
    """Poll until the system has converged; returns the last state and the time it took."""
    started = time.monotonic()
    deadline = started + timeout
    while True:
        st = state(system, accepted, auditor)
        if st.converged or time.monotonic() > deadline:
            return st, time.monotonic() - started
        time.sleep(0.25)


@dataclass
class Figures:
    fault: str
    load: str
    accepted: int
    in_flight: int
    lost: int
    duplicated: int
    converge_s: float
    notes: str = ""


def figures(fault: str, load: Load, flight: int, st: State, seconds: float) -> Figures:
    lost = len(
        set().union(*[set(v) for k, v in st.lost.items() if k not in ("ledger_all",)])
    ) + len(st.lost["ledger_all"])
    return Figures(
        fault=fault,
        load=f"{load.count} registrations"
        + (f" + {load.moves_accepted} moves" if load.move_every else "")
        + f", {load.workers} clients",
        accepted=len(load.accepted),
        in_flight=flight,
        lost=lost,
        duplicated=sum(st.duplicated.values()),
        converge_s=seconds,
        notes=f"retries {load.retries}, unknown {len(load.unknown)}, responses "
        + ", ".join(f"{k}: {v}" for k, v in sorted(load.statuses.items())),
    )


def assert_healthy(fig: Figures, st: State, limit_s: float) -> None:
    assert st.converged, st.summary()
    assert fig.lost == 0, st.summary()
    assert fig.duplicated == 0, st.summary()
    assert fig.converge_s <= limit_s, f"converged in {fig.converge_s:.1f}s > {limit_s}s"
