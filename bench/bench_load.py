"""Benchmark `load`: the whole system under a bounded, open-loop request mix on loopback
(issue 12, item 2). Starts tansu, PostgreSQL databases and the four services as real uvicorn
processes (as `tatamutasi run` and the system tests do), loads a synthetic Pemda through the
public APIs (units, jabatan, needs, employees), then an asyncio + httpx generator issues, at
fixed rates whatever the latency (open loop: a slow answer does not slow the arrivals):
registry reads (GET /pegawai/{nip}), proposal chains (create → submit → review → approve →
execute, each with the role's token and If-Match) and plan requests (POST /plans, then GET
until done). Reports p50/p99 per request kind and the error rate at the stated rate, then
steps the rate up until errors appear or a p99 passes the threshold (the saturation point).

The same code runs as a short `system` test (tests/load) asserting 0 errors and 0 5xx, as a
`chaos` test, and as `python -m bench --only load`."""

import argparse
import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.core import Benchmark, Result, Target, standalone
from bench.harness import PgDatabases, percentile, process_cpu_s
from tatamutasi_cli.runner import RunConfig, service_env, start_service, wait_healthy
from tatamutasi_cli.services import BY_NAME
from tatamutasi_platform.auth import generate_keypair, issue_token
from tatamutasi_platform.broker import TansuBroker, free_port

# the services' settings for a test run (as tests/system/system_harness.py)
FAST = {
    "LOG_LEVEL": "WARNING",
    "ENVIRONMENT": "test",
    "KAFKA_SESSION_TIMEOUT_MS": "6000",
    "KAFKA_HEARTBEAT_INTERVAL_MS": "1000",
    "KAFKA_FETCH_MAX_WAIT_MS": "20",
    "KAFKA_RECONNECT_BACKOFF_S": "0.3",
    "RELAY_POLL_INTERVAL_S": "0.05",
}
START_ORDER = ("audit", "formasi", "matching", "pegawai")
CHAIN = ("create", "submit", "review", "approve", "execute")
JAB_FROM, JAB_TO = "J-LOAD-ADM", "J-LOAD-ANALIS"


def say(msg: str) -> None:
    print(f"  load: {msg}", flush=True)


def nip_of(i: int) -> str:
    """A NIP-shaped id: born 1 January 1970+, TMT CPNS January 2010, male, serial i."""
    return f"{1970 + i // 999:04d}0101" + "201001" + f"1{i % 999 + 1:03d}"


# -- the system -------------------------------------------------------------------------------
class LoadSystem:
    """tansu + four services on PostgreSQL, in a temporary folder; `stop` removes it all."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.dbs = PgDatabases("tm_load")
        self.broker: TansuBroker | None = None
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.urls: dict[str, str] = {}
        self.private_pem = b""

    def start(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        self.private_pem, public_pem = generate_keypair()
        public = self.out / "public.pem"
        public.write_bytes(public_pem)
        cfg = RunConfig(data_dir=self.out, ports={n: free_port() for n in BY_NAME})
        cfg.database_urls = {n: self.dbs.create(n) for n in BY_NAME}
        self.broker = TansuBroker(log_file=self.out / "tansu.log").start()
        for name in START_ORDER:
            entry = BY_NAME[name]
            env = service_env(cfg, entry, public, self.broker.bootstrap)
            env.update({f"{entry.prefix}_{k}": v for k, v in FAST.items()})
            proc = start_service(cfg, entry, env, self.out / f"{name}.log")
            self.procs[name] = proc
            self.urls[name] = f"http://127.0.0.1:{cfg.ports[name]}"
            wait_healthy(self.urls[name], proc, timeout=120)

    def cpu_s(self) -> float:
        return sum(process_cpu_s(p.pid) or 0.0 for p in self.procs.values())

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        self.procs.clear()
        if self.broker is not None:
            self.broker.stop()
            self.broker = None
        self.dbs.drop_all()

    def token(self, role: str, sub: str, **claims: Any) -> dict[str, str]:
        tok = issue_token(self.private_pem, sub=sub, roles=[role], **claims)
        return {"Authorization": f"Bearer {tok}"}


# -- the data ---------------------------------------------------------------------------------
@dataclass
class Pemda:
    units: list[str]
    nips: list[str]
    round_id: str = ""
    free: list[str] = field(default_factory=list)  # employees no proposal has used yet


def _ok(r: httpx.Response, *codes: int) -> dict[str, Any]:
    if r.status_code not in (codes or (200, 201)):
        raise RuntimeError(f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:300]}")
    return r.json() if r.content else {}  # type: ignore[no-any-return]


async def _wait(probe: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await probe():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(0.5)


async def seed(system: LoadSystem, n_units: int, n_employees: int) -> Pemda:
    """A Pemda through the public APIs: units, two jabatan, needs, employees (the events
    carry them to formasi, matching and audit); then a round open for proposals."""
    admin = system.token("admin", "load-admin")
    u = system.urls
    units = [f"L-U{k:02d}" for k in range(n_units)]
    async with httpx.AsyncClient(timeout=60, headers=admin) as c:
        body: dict[str, Any] = {
            "unit_id": "L-ROOT",
            "name": "Pemerintah Kota Beban (sintetis)",
            "unit_type": "pemda",
            "valid_from": "2020-01-01",
        }
        _ok(await c.post(f"{u['formasi']}/units", json=body), 201)
        for uid in units:
            body = {
                "unit_id": uid,
                "name": f"Dinas {uid}",
                "unit_type": "dinas",
                "parent_id": "L-ROOT",
                "valid_from": "2020-01-01",
            }
            _ok(await c.post(f"{u['formasi']}/units", json=body), 201)
        for jid, name in ((JAB_FROM, "Pengadministrasi Umum"), (JAB_TO, "Analis Kebijakan")):
            body = {"jabatan_id": jid, "name": name, "jenis": "pelaksana", "requirements": {}}
            _ok(await c.post(f"{u['formasi']}/jabatan", json=body), 201)
            for uid in units:
                body = {
                    "unit_id": uid,
                    "jabatan_id": jid,
                    "count": n_employees,
                    "valid_from": "2020-01-01",
                }
                _ok(await c.post(f"{u['formasi']}/needs", json=body))
        nips = [nip_of(i) for i in range(n_employees)]
        sem = asyncio.Semaphore(6)

        async def register(i: int, nip: str) -> None:
            body = {
                "nip": nip,
                "name": f"Pegawai Beban {i}",
                "unor_id": units[i % n_units],
                "jabatan_id": JAB_FROM,
                "sex": "M",
                "tmt_cpns": "2010-01-01",
                "tmt_jabatan": "2019-01-01",
                "golongan_id": "32",
                "education_level_id": "40",
                "tmt_pensiun": "2045-01-01",
            }
            async with sem:
                r = await c.post(
                    f"{u['pegawai']}/pegawai", json=body, headers={"Idempotency-Key": f"l-{nip}"}
                )
            _ok(r, 201)

        await asyncio.gather(*(register(i, nip) for i, nip in enumerate(nips)))

        async def workforce() -> bool:
            r = await c.get(f"{u['matching']}/read-models/workforce")
            return r.status_code == 200 and r.json()["employees"] >= n_employees

        await _wait(workforce, 300, "the employees in matching")

        async def posts_known() -> bool:
            r = await c.get(f"{u['matching']}/candidates", params={"post": f"{units[0]}/{JAB_TO}"})
            return r.status_code == 200 and r.json()["total"] > 0

        await _wait(posts_known, 120, "the needs in matching")
        rnd = _ok(await c.post(f"{u['matching']}/rounds", json={"name": "Beban Januari 2027"}))
    pemda = Pemda(units, nips, rnd["round_id"])
    pemda.free = list(nips)
    return pemda


# -- the generator ----------------------------------------------------------------------------
@dataclass
class Sample:
    kind: str
    ms: float
    status: int  # 0: no answer (timeout, connection error)
    ok: bool
    detail: str = ""  # what went wrong (errors only)


@dataclass
class Rates:
    reads: float  # GET /pegawai/{nip} per second
    chains: float  # proposal chains (5 requests each) per second
    plans: float  # POST /plans (+ polling) per second

    def scaled(self, k: float) -> "Rates":
        return Rates(self.reads * k, self.chains * k, self.plans * k)

    def requests_per_s(self) -> float:
        return self.reads + 5 * self.chains + self.plans

    def describe(self) -> str:
        return (
            f"{self.reads:g} reads/s + {self.chains:g} proposal chains/s "
            f"(x5 requests) + {self.plans:g} plans/s"
        )


@dataclass
class Phase:
    rates: Rates
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    skipped_chains: int = 0  # no unused employee left
    wall_s: float = 0.0
    service_cpu_s: float = 0.0
    load: str = ""

    def errors(self) -> list[Sample]:
        return [s for s in self.samples if not s.ok]

    def server_errors(self) -> int:
        return sum(1 for s in self.samples if s.status >= 500)

    def kinds(self) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {}
        for s in self.samples:
            if s.ok:
                out.setdefault(s.kind, []).append(s.ms)
        return out

    def p99_max(self, exclude: tuple[str, ...] = ("plan.done",)) -> float:
        return max(
            (percentile(v, 99) for k, v in self.kinds().items() if k not in exclude), default=0.0
        )


class Generator:
    """Issues the mix at fixed rates (arrival times fixed in advance: open loop)."""

    def __init__(
        self, system: LoadSystem, pemda: Pemda, *, timeout: float = 60, seed: int = 12
    ) -> None:
        self.u = system.urls
        self.pemda = pemda
        self.timeout = timeout
        self.rng = random.Random(seed)
        self.h = {
            "admin": system.token("admin", "load-admin"),
            "penilai": system.token("penilai", "load-penilai", nip="196901012000011099"),
            "ppk": system.token("ppk", "load-ppk"),
        }
        self.client: httpx.AsyncClient | None = None
        self.today = date.today()

    async def _call(
        self, phase: Phase, kind: str, method: str, url: str, expect: tuple[int, ...], **kw: Any
    ) -> httpx.Response | None:
        assert self.client is not None
        t0 = time.perf_counter()
        try:
            r = await self.client.request(method, url, **kw)
        except httpx.HTTPError as exc:
            ms = (time.perf_counter() - t0) * 1000
            phase.samples.append(Sample(kind, ms, 0, False, type(exc).__name__))
            say(f"{kind}: no answer after {ms:,.0f} ms ({type(exc).__name__})")
            return None
        ok = r.status_code in expect
        detail = "" if ok else f"{r.status_code} {r.text[:200]}"
        phase.samples.append(
            Sample(kind, (time.perf_counter() - t0) * 1000, r.status_code, ok, detail)
        )
        if not ok:
            say(f"{kind}: {detail}")
        return r if ok else None

    async def read(self, phase: Phase) -> None:
        nip = self.rng.choice(self.pemda.nips)
        await self._call(
            phase,
            "read",
            "GET",
            f"{self.u['pegawai']}/pegawai/{nip}",
            (200,),
            headers=self.h["admin"],
        )

    async def chain(self, phase: Phase) -> None:
        if not self.pemda.free:
            phase.skipped_chains += 1
            return
        nip = self.pemda.free.pop()
        here = self.pemda.units[self.pemda.nips.index(nip) % len(self.pemda.units)]
        there = self.rng.choice([x for x in self.pemda.units if x != here])
        m = self.u["matching"]
        tmt = (self.today + timedelta(days=40)).isoformat()
        body = {
            "nip": nip,
            "round_id": self.pemda.round_id,
            "to_unor_id": there,
            "to_jabatan_id": JAB_TO,
            "reason": "uji beban",
            "planned_tmt": tmt,
        }
        r = await self._call(
            phase,
            "proposal.create",
            "POST",
            f"{m}/proposals",
            (201,),
            json=body,
            headers={**self.h["admin"], "Idempotency-Key": f"load-{nip}"},
        )
        if r is None:
            return
        pid, etag = r.json()["proposal_id"], r.headers["etag"]
        steps: tuple[tuple[str, str, dict[str, Any]], ...] = (
            ("submit", "admin", {}),
            ("review", "penilai", {"recommendation": "agree"}),
            ("approve", "ppk", {"reason": "sesuai kebutuhan"}),
            (
                "execute",
                "admin",
                {"sk_number": "800/BEBAN/2026", "sk_date": self.today.isoformat(), "tmt": tmt},
            ),
        )
        for action, who, payload in steps:
            r = await self._call(
                phase,
                f"proposal.{action}",
                "POST",
                f"{m}/proposals/{pid}/{action}",
                (200,),
                json=payload,
                headers={**self.h[who], "If-Match": etag},
            )
            if r is None:
                return
            etag = r.headers["etag"]

    async def plan(self, phase: Phase) -> None:
        m = self.u["matching"]
        t0 = time.perf_counter()
        body = {"effective": self.today.isoformat(), "max_moves": 20}
        r = await self._call(
            phase, "plan.create", "POST", f"{m}/plans", (202,), json=body, headers=self.h["admin"]
        )
        if r is None:
            return
        plan_id = r.json()["plan_id"]
        deadline = time.monotonic() + self.timeout * 3
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            r = await self._call(
                phase, "plan.poll", "GET", f"{m}/plans/{plan_id}", (200,), headers=self.h["admin"]
            )
            if r is None:
                return
            status = r.json()["status"]
            if status in ("done", "failed"):
                ok = status == "done"
                ms = (time.perf_counter() - t0) * 1000
                phase.samples.append(Sample("plan.done", ms, 200, ok))
                return
        phase.samples.append(Sample("plan.done", (time.perf_counter() - t0) * 1000, 0, False))

    async def run(self, phase: Phase, system: LoadSystem) -> Phase:
        # idle connections are dropped by the client before uvicorn's 5 s keep-alive timeout
        # closes them, so a request never races the server closing its connection
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50, keepalive_expiry=3)
        self.client = httpx.AsyncClient(timeout=self.timeout, limits=limits)
        tasks: list[asyncio.Task[None]] = []
        cpu0 = system.cpu_s()
        start = time.monotonic()

        async def arrivals(rate: float, work: Callable[[Phase], Awaitable[None]]) -> None:
            if rate <= 0:
                return
            n = int(rate * phase.seconds)
            offset = self.rng.random() / rate  # kinds do not all start at t=0
            for k in range(n):
                at = start + offset + k / rate
                delay = at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(work(phase)))

        try:
            await asyncio.gather(
                arrivals(phase.rates.reads, self.read),
                arrivals(phase.rates.chains, self.chain),
                arrivals(phase.rates.plans, self.plan),
            )
            if tasks:
                await asyncio.gather(*tasks)
        finally:
            await self.client.aclose()
            self.client = None
        phase.wall_s = time.monotonic() - start
        phase.service_cpu_s = system.cpu_s() - cpu0
        phase.load = _load()
        return phase


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# -- a whole run ------------------------------------------------------------------------------
@dataclass
class Outcome:
    stated: Phase
    steps: list[tuple[float, Phase]]
    saturated_at: float | None  # the first multiplier that failed (None: never)
    reason: str
    seed_s: float
    n_employees: int


def chains_needed(rates: Rates, seconds: float, steps: list[float]) -> int:
    return int(rates.chains * seconds * (1 + sum(steps))) + 5


async def run_load(
    out: Path,
    rates: Rates,
    seconds: float,
    *,
    steps: list[float] = (),  # type: ignore[assignment]
    step_seconds: float = 15,
    p99_threshold_ms: float = 2000,
    n_units: int = 6,
    timeout: float = 60,
) -> Outcome:
    steps = list(steps)
    n_employees = max(
        60, int(rates.chains * seconds) + int(rates.chains * step_seconds * sum(steps)) + 10
    )
    system = LoadSystem(out)
    try:
        say("starting tansu and the four services on PostgreSQL ...")
        await asyncio.to_thread(system.start)
        say(f"loading the Pemda ({n_units} units, {n_employees} employees) through the APIs ...")
        t0 = time.monotonic()
        pemda = await seed(system, n_units, n_employees)
        seed_s = time.monotonic() - t0
        gen = Generator(system, pemda, timeout=timeout)
        say(f"warm-up, then {seconds:.0f} s at {rates.describe()} ...")
        await gen.run(Phase(Rates(2, 0, 0), 3), system)
        stated = await gen.run(Phase(rates, seconds), system)
        say(_summary(stated))
        done: list[tuple[float, Phase]] = []
        saturated: float | None = None
        reason = "not stepped" if not steps else "no step failed"
        for k in steps:
            phase = await gen.run(Phase(rates.scaled(k), step_seconds), system)
            done.append((k, phase))
            say(f"x{k:g}: {_summary(phase)}")
            if phase.errors():
                saturated, reason = k, f"{len(phase.errors())} errors"
                break
            if phase.p99_max() > p99_threshold_ms:
                saturated = k
                reason = f"p99 {phase.p99_max():,.0f} ms > {p99_threshold_ms:,.0f} ms"
                break
        return Outcome(stated, done, saturated, reason, seed_s, n_employees)
    finally:
        await asyncio.to_thread(system.stop)


def _summary(p: Phase) -> str:
    return (
        f"{len(p.samples)} requests in {p.wall_s:.1f} s, {len(p.errors())} errors, "
        f"{p.server_errors()} 5xx, worst p99 {p.p99_max():,.0f} ms, load {p.load}"
    )


# -- the benchmark ----------------------------------------------------------------------------
def add_arguments(g: argparse._ArgumentGroup) -> None:
    g.add_argument("--load-reads", type=float, default=8, help="load: registry reads/s (8)")
    g.add_argument("--load-chains", type=float, default=0.5, help="load: proposal chains/s (0.5)")
    g.add_argument("--load-plans", type=float, default=0.05, help="load: plan requests/s (0.05)")
    g.add_argument("--load-seconds", type=float, default=60, help="load: stated-rate run (60 s)")
    g.add_argument(
        "--load-steps", default="2,4,8,16", help="load: rate multipliers tried after (2,4,8,16)"
    )
    g.add_argument("--load-step-seconds", type=float, default=20, help="load: per step (20 s)")
    g.add_argument(
        "--load-p99-ms", type=float, default=2000, help="load: p99 saturation threshold (2000)"
    )


def run(args: argparse.Namespace) -> Result:
    rates = Rates(args.load_reads, args.load_chains, args.load_plans)
    steps = [float(x) for x in args.load_steps.split(",") if x.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="tm-load-"))
    try:
        outcome = asyncio.run(
            run_load(
                tmp,
                rates,
                args.load_seconds,
                steps=steps,
                step_seconds=args.load_step_seconds,
                p99_threshold_ms=args.load_p99_ms,
            )
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return report(args, rates, outcome)


def _table(p: Phase) -> list[str]:
    rows = [
        "| request | n | p50 ms | p99 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    errors: dict[str, int] = {}
    for s in p.errors():
        errors[s.kind] = errors.get(s.kind, 0) + 1
    for kind, ms in sorted(p.kinds().items()):
        rows.append(
            f"| {kind} | {len(ms)} | {percentile(ms, 50):,.0f} | {percentile(ms, 99):,.0f} | "
            f"{max(ms):,.0f} | {errors.pop(kind, 0)} |"
        )
    for kind, n in sorted(errors.items()):
        rows.append(f"| {kind} | 0 | - | - | - | {n} |")
    return rows


def report(args: argparse.Namespace, rates: Rates, o: Outcome) -> Result:
    p = o.stated
    n = len(p.samples)
    err = len(p.errors())
    figures = [
        ("stated rate", f"{rates.requests_per_s():.1f} req/s", rates.describe()),
        ("requests at the stated rate", f"{n:,}", f"in {p.wall_s:.1f} s (open loop)"),
        ("error rate at the stated rate", f"{100 * err / max(n, 1):.2f} %", f"{err} errors"),
        ("5xx at the stated rate", str(p.server_errors()), "must be 0"),
        (
            "services' CPU at the stated rate",
            f"{p.service_cpu_s:.1f} s",
            f"{p.service_cpu_s / max(p.wall_s, 1e-9):.2f} cores of 2 (4 uvicorn processes)",
        ),
        ("load average after the stated run", p.load, "the machine is shared"),
    ]
    for kind, ms in sorted(p.kinds().items()):
        figures.append(
            (f"{kind} p50 / p99", f"{percentile(ms, 50):,.0f} / {percentile(ms, 99):,.0f} ms", "")
        )
    for k, ph in o.steps:
        figures.append(
            (
                f"step x{k:g} ({ph.rates.requests_per_s():.1f} req/s)",
                f"{len(ph.errors())} errors, worst p99 {ph.p99_max():,.0f} ms",
                f"{len(ph.samples)} requests in {ph.wall_s:.1f} s; services' CPU "
                f"{ph.service_cpu_s / max(ph.wall_s, 1e-9):.2f} cores; load {ph.load}",
            )
        )
    for s in p.errors()[:5]:
        figures.append((f"error: {s.kind}", s.detail or str(s.status), f"after {s.ms:,.0f} ms"))
    if o.saturated_at is not None:
        sat = f"x{o.saturated_at:g} ({rates.scaled(o.saturated_at).requests_per_s():.1f} req/s)"
    else:
        sat = f"not reached by x{o.steps[-1][0]:g}" if o.steps else "not measured"
    figures.append(("saturation point", sat, o.reason))
    targets = [
        Target("errors at the stated rate", "0", str(err), err == 0),
        Target("5xx at the stated rate", "0", str(p.server_errors()), p.server_errors() == 0),
    ]
    extra = ["### Stated rate", "", *_table(p)]
    for k, ph in o.steps:
        extra += ["", f"### Step x{k:g}", "", *_table(ph)]
    notes = [
        "Open loop: arrival times are fixed before the run, so a slow answer does not slow "
        "the generator (no coordinated omission). A proposal chain uses a fresh employee and "
        "runs its five requests one after another; each request is timed on its own.",
        "An error is an answer other than the expected status, or no answer within "
        f"{60:.0f} s. `plan.done` is the time from POST /plans to status done (polled every "
        "0.5 s) and is not counted in the p99 threshold.",
        "Everything (generator, four services, tansu, PostgreSQL) shares the 2 cores of a "
        "machine other engineers use at the same time: see the load average per step.",
        f"Seeding {o.n_employees} employees and the formasi catalogue through the APIs took "
        f"{o.seed_s:.0f} s.",
    ]
    return Result(
        figures=figures,
        targets=targets,
        settings={
            "stated mix": rates.describe(),
            "stated run": f"{args.load_seconds:g} s",
            "steps": f"x{args.load_steps} of the stated mix, {args.load_step_seconds:g} s each",
            "saturation": f"first error, or a p99 above {args.load_p99_ms:,.0f} ms",
            "database": "PostgreSQL, one database per service",
            "services": "1 uvicorn worker each, tansu broker",
        },
        notes=notes,
        extra_markdown="\n".join(extra),
    )


BENCHMARK = Benchmark(
    name="load",
    title="Whole-system load: registry reads, proposal transitions and plans on loopback",
    description=__doc__.split("\n\n")[0].replace("\n", " "),
    add_arguments=add_arguments,
    run=run,
)


def main(argv: list[str] | None = None) -> int:
    return standalone("load", argv)


if __name__ == "__main__":
    sys.exit(main())
