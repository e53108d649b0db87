"""Benchmark `spine`: the event spine on PostgreSQL, end to end.

N pegawai registrations are committed into the pegawai database (state row + outbox row in one
transaction, batched); the pegawai service's outbox relay (its own uvicorn process) publishes
them to tansu; the audit service's idempotent consumer (its own process) appends them to the
ledger. We measure events/s and commit-to-ledger latency, and in the same run the raw aiokafka
produce->consume rate of identical messages on the same broker (the ceiling).

Phases (each N fresh registrations, same services, same broker):
- burst:  the generator commits as fast as it can; events/s = N / (last ledger append - first
          commit) is the spine's sustained capacity.
- target: the generator offers the target rate (5,000/s); latency percentiles here are the
          latency at the target load (if the spine cannot keep up, they show the queue).
- half:   the generator offers half the measured burst capacity: latency of an unsaturated
          spine, whatever its capacity.
"""

import argparse
import asyncio
import contextlib
import shutil
import statistics
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import asyncpg
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from bench.core import OUT_DIR, Benchmark, Result, Target
from bench.harness import (
    MACHINE,
    OTHER_LOAD,
    STEAL,
    CpuMeter,
    PgDatabases,
    Profiler,
    ServiceProcess,
    fmt_rate,
    fmt_s,
    percentile,
    start_service,
    stop_services,
    top_self,
    wait_healthy,
)
from tatamutasi_contracts import Topic
from tatamutasi_contracts.envelope import format_time
from tatamutasi_contracts.pegawai import PegawaiRegistered
from tatamutasi_platform import migrations
from tatamutasi_platform.auth import generate_keypair
from tatamutasi_platform.broker import TansuBroker, free_port
from tatamutasi_platform.bus import consumer_kwargs, ensure_topics, producer_kwargs
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.db import create_engine
from tatamutasi_platform.outbox import Actor, envelope_dict
from tatamutasi_platform.runtime import Transaction
from tatamutasi_platform.settings import ServiceSettings

TARGET_EVENTS_PER_S = 5000.0
TARGET_P99_S = 1.0
TARGET_CEILING_SHARE = 0.30

PARTITIONS = 3
WARMUP_EVENTS = 1000
OBSERVER_INTERVAL_S = 0.05

# Settings given to both services (prefix added), then per service. Everything else is the
# service default (see services/platform/src/tatamutasi_platform/settings.py).
COMMON_SETTINGS = {
    "ENVIRONMENT": "development",
    "LOG_LEVEL": "WARNING",
    "MIGRATE_ON_START": "false",  # the benchmark runs the migrations before starting them
    "KAFKA_PARTITIONS": str(PARTITIONS),
}
SERVICE_SETTINGS = {
    "PEGAWAI": {"RELAY_POLL_INTERVAL_S": "0.02"},
    "AUDIT": {"KAFKA_FETCH_MAX_WAIT_MS": "20"},
}


# -- options ----------------------------------------------------------------------------------
def add_arguments(g: argparse._ArgumentGroup) -> None:
    g.add_argument("--n", type=int, default=20_000,
                   help="spine: registrations per phase (default 20000)")
    g.add_argument("--spine-batch", type=int, default=100,
                   help="spine: registrations per generator transaction (default 100)")
    g.add_argument("--spine-rate", type=float, default=TARGET_EVENTS_PER_S,
                   help="spine: offered rate of the 'target' phase, events/s (default 5000)")
    g.add_argument("--spine-phases", default="burst,target,half",
                   help="spine: phases to run, comma-separated from burst,target,half")
    g.add_argument("--spine-generator", choices=("bulk", "service"), default="bulk",
                   help="spine: 'bulk' writes exactly the rows registry.register writes, with "
                   "one multi-row INSERT per table per transaction (default); 'service' calls "
                   "registry.register per registration (much slower generator)")
    g.add_argument("--spine-concurrency", type=int, default=2,
                   help="spine: generator transactions in flight (default 2)")
    g.add_argument("--spine-set", action="append", default=[], metavar="VAR=VALUE",
                   help="spine: extra service setting, e.g. AUDIT_CONSUMER_BATCH_SIZE=2000 or "
                   "PEGAWAI_RELAY_BATCH_SIZE=2000 (repeatable)")
    g.add_argument("--spine-profile", action="store_true",
                   help="spine: record py-spy profiles of both services in the burst phase "
                   "(needs py-spy in .venv/bin or on PATH)")
    g.add_argument("--spine-timeout", type=float, default=300,
                   help="spine: seconds a phase may take to drain before failing (default 300)")


@dataclass(frozen=True)
class Config:
    n: int
    batch: int
    rate: float
    phases: tuple[str, ...]
    generator: str
    concurrency: int
    extra_env: dict[str, str]
    profile: bool
    timeout: float

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "Config":
        phases = tuple(p.strip() for p in args.spine_phases.split(",") if p.strip())
        bad = set(phases) - {"burst", "target", "half"}
        if bad or not phases:
            raise SystemExit(f"--spine-phases: unknown phase(s) {sorted(bad)}")
        if "half" in phases and "burst" not in phases:
            raise SystemExit("--spine-phases: 'half' needs 'burst' (it runs at half its rate)")
        extra: dict[str, str] = {}
        for item in args.spine_set:
            var, sep, value = item.partition("=")
            if not sep or not var.startswith(("PEGAWAI_", "AUDIT_")):
                raise SystemExit(f"--spine-set {item!r}: expected PEGAWAI_X=value or "
                                 "AUDIT_X=value")
            extra[var] = value
        if args.n < 100:
            raise SystemExit("--n must be at least 100")
        return cls(args.n, args.spine_batch, args.spine_rate, phases, args.spine_generator,
                   max(1, args.spine_concurrency), extra, args.spine_profile, args.spine_timeout)


# -- registrations ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Registration:
    nip: str
    name: str
    unor_id: str
    jabatan_id: str


def nip_for(i: int) -> str:
    """A valid, unique NIP PNS for each i >= 0: real birth date, TMT CPNS at age 22,
    sex 1|2, serial 001-999 (1998 NIPs per birth date)."""
    birth = date(1965, 1, 1) + timedelta(days=i // 1998)
    sex = 1 + (i // 999) % 2
    serial = i % 999 + 1
    return f"{birth:%Y%m%d}{birth.year + 22:04d}{i % 12 + 1:02d}{sex}{serial:03d}"


def registration(i: int) -> Registration:
    return Registration(nip_for(i), f"Pegawai Uji Beban {i:06d}, S.Kom., M.Si.",
                        f"unor-bench-{i % 97:03d}", f"jabatan-bench-{i % 31:02d}")


ACTOR = Actor(id="bench-spine", role="admin")
SOURCE = "/tatamutasi/pegawai"


def bulk_rows(regs: Sequence[Registration]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The pegawai rows and outbox rows `registry.register` + `add_event` write for these
    registrations (checked against the real code path by `check_bulk_rows`)."""
    from tatamutasi_pegawai.domain.nip import parse_nip

    now = utcnow()
    when = format_time(now)
    peg, ob = [], []
    for r in regs:
        peg.append({"nip": r.nip, "kind": parse_nip(r.nip).kind.value, "name": r.name,
                    "unor_id": r.unor_id, "jabatan_id": r.jabatan_id, "version": 1,
                    "created_at": now, "created_by": ACTOR.id, "updated_at": now,
                    "updated_by": ACTOR.id})
        payload = PegawaiRegistered(nip=r.nip, name=r.name, unor_id=r.unor_id,
                                    jabatan_id=r.jabatan_id)
        ob.append({"event_id": str(uuid.uuid4()), "topic": Topic.PEGAWAI.value, "key": r.nip,
                   "type": "pegawai.registered", "subject": r.nip, "time": when,
                   "actor": ACTOR.id, "actorrole": ACTOR.role, "traceparent": None,
                   "data": orjson.dumps(payload.model_dump(mode="json")).decode()})
    return peg, ob


class _CaptureConn:
    """Stands in for AsyncConnection to see which rows registry.register writes."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, dict[str, Any]]] = []

    def begin_nested(self) -> contextlib.nullcontext[None]:
        return contextlib.nullcontext()

    async def execute(self, stmt: Any, *args: Any) -> None:
        self.rows.append((stmt.table.name, dict(stmt.compile().params)))


async def check_bulk_rows() -> None:
    """Fail loudly if the bulk generator's rows drift from what the service layer writes."""
    from tatamutasi_pegawai.adapters.orm import platform
    from tatamutasi_pegawai.service import registry

    reg = registration(999_999_999)
    cap = _CaptureConn()
    await registry.register(Transaction(cap, platform, ACTOR),  # type: ignore[arg-type]
                            registry.RegisterPegawai(reg.nip, reg.name, reg.unor_id,
                                                     reg.jabatan_id))
    real = dict(cap.rows)
    peg, ob = bulk_rows([reg])
    volatile = {"event_id", "time", "created_at", "updated_at"}
    for table, ours in (("pegawai", peg[0]), ("outbox", ob[0])):
        theirs = real.get(table)
        if theirs is None or set(theirs) != set(ours) or any(
                theirs[k] != ours[k] for k in ours if k not in volatile):
            raise RuntimeError(f"bench bulk rows for {table} differ from registry.register: "
                               f"{theirs} != {ours}")


# -- generator --------------------------------------------------------------------------------
@dataclass
class Generated:
    commits: dict[str, float]  # nip -> wall-clock time its transaction's commit returned
    began: float
    ended: float

    @property
    def rate(self) -> float:
        return len(self.commits) / max(self.ended - self.began, 1e-9)


async def generate(engine: Any, regs: Sequence[Registration], *, batch: int,
                   rate: float | None, concurrency: int, mode: str) -> Generated:
    """Commit `regs` in transactions of `batch`, at most `concurrency` in flight; with `rate`,
    batch k starts at k*batch/rate seconds (open loop: a slow spine does not slow it)."""
    from tatamutasi_pegawai.adapters.orm import pegawai, platform
    from tatamutasi_pegawai.service import registry

    commits: dict[str, float] = {}
    sem = asyncio.Semaphore(concurrency)

    async def one(chunk: Sequence[Registration]) -> None:
        try:
            if mode == "bulk":
                peg, ob = bulk_rows(chunk)
                async with engine.begin() as conn:
                    await conn.execute(pegawai.insert(), peg)
                    await conn.execute(platform.outbox.insert(), ob)
            else:
                async with engine.begin() as conn:
                    tx = Transaction(conn, platform, ACTOR)
                    for r in chunk:
                        await registry.register(tx, registry.RegisterPegawai(
                            r.nip, r.name, r.unor_id, r.jabatan_id))
            done = time.time()
            for r in chunk:
                commits[r.nip] = done
        finally:
            sem.release()

    tasks: list[asyncio.Task[None]] = []
    began = time.time()
    t0 = time.monotonic()
    for start in range(0, len(regs), batch):
        if rate:
            delay = t0 + start / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        await sem.acquire()
        tasks.append(asyncio.create_task(one(regs[start:start + batch])))
    await asyncio.gather(*tasks)
    return Generated(commits, began, max(commits.values()))


# -- observer ---------------------------------------------------------------------------------
class LedgerObserver:
    """Polls the audit database and notes when each expected subject became visible in the
    ledger (an upper bound of commit-to-ledger; the ledger's own `appended_at` is the lower)."""

    def __init__(self, conn: asyncpg.Connection, after_idx: int) -> None:
        self._conn = conn
        self.last_idx = after_idx
        self.seen: dict[str, float] = {}
        self.expected: set[str] = set()

    async def max_idx(self) -> int:
        return int(await self._conn.fetchval("SELECT coalesce(max(idx), -1) FROM ledger_entries"))

    async def poll(self) -> int:
        rows = await self._conn.fetch(
            "SELECT idx, subject FROM ledger_entries WHERE idx > $1 ORDER BY idx LIMIT 20000",
            self.last_idx)
        now = time.time()
        for r in rows:
            if r["subject"] in self.expected:
                self.seen.setdefault(r["subject"], now)
        if rows:
            self.last_idx = rows[-1]["idx"]
        return len(rows)

    async def wait_for(self, expected: set[str], timeout: float, *,
                       stall_timeout: float = 90.0) -> None:
        self.expected = expected
        deadline = time.monotonic() + timeout
        last_progress = time.monotonic()
        while not expected.issubset(self.seen.keys()):
            if await self.poll():
                last_progress = time.monotonic()
            now = time.monotonic()
            if now > deadline or now - last_progress > stall_timeout:
                missing = len(expected - self.seen.keys())
                raise TimeoutError(f"{missing} of {len(expected)} events did not reach the "
                                   f"ledger in time")
            await asyncio.sleep(OBSERVER_INTERVAL_S)


# -- ceiling ----------------------------------------------------------------------------------
def wire_messages(n: int, start_index: int) -> list[tuple[bytes, bytes]]:
    """(key, value) pairs byte-for-byte like the relay publishes for registrations."""
    regs = [registration(start_index + i) for i in range(n)]
    _, ob = bulk_rows(regs)
    out = []
    for seq, row in enumerate(ob, start=1):
        env = envelope_dict(SimpleNamespace(**row, sequence=seq), SOURCE)
        out.append((row["key"].encode(), orjson.dumps(env)))
    return out


async def raw_ceiling(bootstrap: str, messages: Sequence[tuple[bytes, bytes]]) -> float:
    """aiokafka produce->consume of `messages` on a fresh topic, with the services' own
    producer and consumer settings (bus.producer_kwargs / consumer_kwargs): messages/s from
    the first send to the last message received."""
    settings = ServiceSettings(kafka_bootstrap=bootstrap, service_name="bench")
    topic = f"bench.ceiling.{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [topic], PARTITIONS)
    ckw = consumer_kwargs(settings, "unused")
    ckw["group_id"] = None  # manual assignment: no group join in the measurement
    consumer = AIOKafkaConsumer(**ckw)
    producer = AIOKafkaProducer(**producer_kwargs(settings))
    await consumer.start()
    await producer.start()
    try:
        consumer.assign([TopicPartition(topic, p) for p in range(PARTITIONS)])
        await consumer.seek_to_beginning()
        await consumer.getmany(timeout_ms=100)
        n = len(messages)
        last = 0.0

        async def consume() -> None:
            nonlocal last
            got = 0
            while got < n:
                batches = await consumer.getmany(timeout_ms=500,
                                                 max_records=settings.consumer_batch_size)
                k = sum(len(v) for v in batches.values())
                if k:
                    got += k
                    last = time.monotonic()

        reader = asyncio.create_task(consume())
        t0 = time.monotonic()
        futures = [await producer.send(topic, value=v, key=k) for k, v in messages]
        await asyncio.gather(*futures)
        await asyncio.wait_for(reader, 120)
        return n / (last - t0)
    finally:
        await producer.stop()
        await consumer.stop()


# -- phases -----------------------------------------------------------------------------------
@dataclass
class Phase:
    name: str
    offered: float | None  # events/s asked of the generator (None: as fast as it can)
    regs: list[Registration]
    gen: Generated | None = None
    seen: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    published: dict[str, float] = field(default_factory=dict)
    appended: dict[str, float] = field(default_factory=dict)
    profiles: dict[str, Path] = field(default_factory=dict)

    # derived figures
    def lat(self, frm: dict[str, float], to: dict[str, float]) -> list[float]:
        return [to[k] - frm[k] for k in frm if k in to]

    @property
    def commit_to_ledger(self) -> list[float]:
        assert self.gen is not None
        return self.lat(self.gen.commits, self.appended)

    @property
    def commit_to_visible(self) -> list[float]:
        assert self.gen is not None
        return self.lat(self.gen.commits, self.seen)

    @property
    def relay_stage(self) -> list[float]:
        assert self.gen is not None
        return self.lat(self.gen.commits, self.published)

    @property
    def bus_consumer_stage(self) -> list[float]:
        return self.lat(self.published, self.appended)

    @property
    def relay_batches(self) -> int:
        """Relay publish batches that carried this phase's events (one published_at each)."""
        return len(set(self.published.values()))

    @property
    def consumer_batches(self) -> int:
        """Ledger append batches that carried this phase's events (one appended_at each)."""
        return len(set(self.appended.values()))

    @property
    def throughput(self) -> float:
        assert self.gen is not None
        return len(self.regs) / (max(self.appended.values()) - min(self.gen.commits.values()))

    @property
    def relay_throughput(self) -> float:
        assert self.gen is not None
        return len(self.regs) / (max(self.published.values()) - min(self.gen.commits.values()))


@dataclass
class Run:
    cfg: Config
    phases: list[Phase]
    ceilings: list[float]
    message_bytes: int
    ledger_ok: str
    settings: dict[str, str]
    machine_cpus: int

    def phase(self, name: str) -> Phase | None:
        return next((p for p in self.phases if p.name == name), None)


# -- orchestration ----------------------------------------------------------------------------
def service_env(prefix: str, db_url: str, bootstrap: str, public_key: Path,
                extra: dict[str, str]) -> dict[str, str]:
    env = {f"{prefix}_DATABASE_URL": db_url, f"{prefix}_KAFKA_BOOTSTRAP": bootstrap,
           f"{prefix}_AUTH_PUBLIC_KEY_FILE": str(public_key)}
    env.update({f"{prefix}_{k}": v for k, v in COMMON_SETTINGS.items()})
    env.update({f"{prefix}_{k}": v for k, v in SERVICE_SETTINGS[prefix].items()})
    env.update({k: v for k, v in extra.items() if k.startswith(prefix + "_")})
    return env


def run(args: argparse.Namespace) -> Result:
    cfg = Config.from_args(args)
    out = OUT_DIR / "spine"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    dbs = PgDatabases()
    broker: TansuBroker | None = None
    services: list[ServiceProcess] = []
    try:
        print("spine: creating databases and running migrations ...", flush=True)
        urls = {"pegawai": dbs.create("pegawai"), "audit": dbs.create("audit")}
        migrations.upgrade("tatamutasi_pegawai", urls["pegawai"], "pegawai")
        migrations.upgrade("tatamutasi_audit", urls["audit"], "audit")
        print("spine: starting tansu and the audit and pegawai services ...", flush=True)
        broker = TansuBroker(log_file=out / "tansu.log", partitions=PARTITIONS).start()
        _, public_pem = generate_keypair()
        public_key = out / "public.pem"
        public_key.write_bytes(public_pem)
        used_settings: dict[str, str] = {}
        for name, prefix, factory in (("audit", "AUDIT", "tatamutasi_audit.app:create_app"),
                                      ("pegawai", "PEGAWAI",
                                       "tatamutasi_pegawai.app:create_app")):
            env = service_env(prefix, urls[name], broker.bootstrap, public_key, cfg.extra_env)
            services.append(start_service(name, factory, free_port(), env, prefix,
                                          out / f"{name}.log"))
            used_settings.update({k: v for k, v in env.items()
                                  if not k.endswith(("_DATABASE_URL", "_KAFKA_BOOTSTRAP",
                                                     "_AUTH_PUBLIC_KEY_FILE"))})
        for svc in services:
            wait_healthy(svc)
        tansu_pid = broker._proc.pid if broker._proc else None  # noqa: SLF001
        result = asyncio.run(_measure(cfg, urls, broker.bootstrap, services, tansu_pid, out,
                                      dbs.names))
        result.settings = used_settings
        for svc in services:
            if not svc.alive():
                raise RuntimeError(f"{svc.name} died during the run:\n{svc.log_tail()}")
        return report(result)
    finally:
        stop_services(services)
        if broker is not None:
            broker.stop()
        dbs.drop_all()


async def _measure(cfg: Config, urls: dict[str, str], bootstrap: str,
                   services: list[ServiceProcess], tansu_pid: int | None, out: Path,
                   db_names: list[str]) -> Run:
    by_name = {s.name: s for s in services}
    await check_bulk_rows()
    engine = create_engine(urls["pegawai"], pool_size=cfg.concurrency + 1)
    ledger_conn = await asyncpg.connect(urls["audit"])
    peg_conn = await asyncpg.connect(urls["pegawai"])
    try:
        observer = LedgerObserver(ledger_conn, -1)

        # warm-up: a few registrations through the real service layer, then bulk; waits for
        # the consumer group join and fills the connection pools.
        print("spine: warming up (consumer group join, pools) ...", flush=True)
        warm = [registration(900_000_000 + i) for i in range(WARMUP_EVENTS)]
        await generate(engine, warm[:100], batch=50, rate=None, concurrency=1, mode="service")
        await generate(engine, warm[100:], batch=cfg.batch, rate=None,
                       concurrency=cfg.concurrency, mode=cfg.generator)
        await observer.wait_for({r.nip for r in warm}, timeout=120)

        messages = wire_messages(cfg.n, 800_000_000)
        message_bytes = int(statistics.median(len(v) for _, v in messages))
        print("spine: raw aiokafka ceiling (before) ...", flush=True)
        ceilings = [await raw_ceiling(bootstrap, messages)]

        phases: list[Phase] = []
        next_index = 0
        for name in cfg.phases:
            if name == "burst":
                offered = None
            elif name == "target":
                offered = cfg.rate
            else:
                burst = next(p for p in phases if p.name == "burst")
                offered = max(100.0, 0.5 * _quick_throughput(burst))
            regs = [registration(next_index + i) for i in range(cfg.n)]
            next_index += cfg.n
            phase = Phase(name, offered, regs)
            label = "as fast as possible" if offered is None else f"{offered:,.0f}/s"
            print(f"spine: phase {name}: {cfg.n} registrations, offered {label} ...",
                  flush=True)
            await _run_phase(cfg, phase, engine, observer, peg_conn, by_name, tansu_pid, out,
                             db_names)
            phases.append(phase)
            print(f"spine: phase {name}: done, ~{_quick_throughput(phase):,.0f} events/s",
                  flush=True)

        print("spine: raw aiokafka ceiling (after) ...", flush=True)
        ceilings.append(await raw_ceiling(bootstrap, messages))

        # stage timestamps from both databases
        published = {r["subject"]: r["published_at"].timestamp() for r in await peg_conn.fetch(
            "SELECT subject, published_at FROM outbox WHERE published_at IS NOT NULL")}
        appended = {r["subject"]: r["appended_at"].timestamp() for r in await ledger_conn.fetch(
            "SELECT subject, appended_at FROM ledger_entries")}
        for p in phases:
            nips = [r.nip for r in p.regs]
            p.published = {k: published[k] for k in nips if k in published}
            p.appended = {k: appended[k] for k in nips if k in appended}
        ledger_ok = await _verify_ledger(urls["audit"], expected=WARMUP_EVENTS + len(
            phases) * cfg.n)
        return Run(cfg, phases, ceilings, message_bytes, ledger_ok, {}, _cpus())
    finally:
        await ledger_conn.close()
        await peg_conn.close()
        await engine.dispose()


def _quick_throughput(p: Phase) -> float:
    assert p.gen is not None
    return len(p.regs) / (max(p.seen.values()) - min(p.gen.commits.values()))


async def _run_phase(cfg: Config, phase: Phase, engine: Any, observer: LedgerObserver,
                     admin: asyncpg.Connection, services: dict[str, ServiceProcess],
                     tansu_pid: int | None, out: Path, db_names: list[str]) -> None:
    async def pg_pids() -> list[int]:
        rows = await admin.fetch("SELECT pid FROM pg_stat_activity WHERE datname = ANY($1)",
                                 db_names)
        return [r["pid"] for r in rows]

    import os

    groups_static = {
        "pegawai service (outbox relay)": [services["pegawai"].pid],
        "audit service (consumer, ledger)": [services["audit"].pid],
        "tansu broker": [tansu_pid] if tansu_pid else [],
        "bench process (generator, observer)": [os.getpid()],
    }
    pids_before = await pg_pids()
    meter = CpuMeter()
    meter.start([p for ps in groups_static.values() for p in ps] + pids_before)
    profiler = Profiler(out)
    if cfg.profile and phase.name == "burst":
        if not profiler.available:
            print("spine: --spine-profile: py-spy not found; no profile", flush=True)
        profiler.start({"pegawai": services["pegawai"].pid,
                        "audit": services["audit"].pid}, phase.name)
    observer.expected = {r.nip for r in phase.regs}
    waiter = asyncio.create_task(observer.wait_for(observer.expected, cfg.timeout))
    phase.gen = await generate(engine, phase.regs, batch=cfg.batch, rate=phase.offered,
                               concurrency=cfg.concurrency, mode=cfg.generator)
    await waiter
    pg_all = sorted(set(pids_before) | set(await pg_pids()))
    phase.cpu = meter.stop({**groups_static, "PostgreSQL backends (bench databases)": pg_all})
    phase.profiles = profiler.stop()
    phase.seen = {k: observer.seen[k] for k in observer.expected}


async def _verify_ledger(audit_url: str, expected: int) -> str:
    from tatamutasi_audit.service import ledger

    engine = create_engine(audit_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            v = await ledger.verify(conn)
    finally:
        await engine.dispose()
    state = "consistent" if v.consistent else f"BROKEN at index {v.first_bad_index}"
    count = "as expected" if v.size == expected else f"expected {expected}"
    return f"hash chain {state}; {v.size} entries ({count})"


def _cpus() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# -- report -----------------------------------------------------------------------------------
def _p(values: Sequence[float], q: float) -> str:
    return fmt_s(percentile(values, q))


def report(run: Run) -> Result:
    cfg = run.cfg
    burst, target, half = run.phase("burst"), run.phase("target"), run.phase("half")
    ceiling = max(run.ceilings)
    figures: list[tuple[str, str, str]] = []
    targets: list[Target] = []
    headline = burst or target or half
    assert headline is not None

    if burst:
        figures += [
            ("spine throughput (burst)", fmt_rate(burst.throughput),
             f"{cfg.n:,} registrations / (last ledger append - first commit), generator "
             "committing as fast as it can"),
            ("generator rate (burst)", fmt_rate(burst.gen.rate if burst.gen else 0),
             "commits/s the generator achieved; if close to the spine throughput, the "
             "generator (not the spine) was the limit"),
            ("relay throughput (burst)", fmt_rate(burst.relay_throughput),
             "registrations / (last published_at - first commit): the outbox relay alone"),
            ("commit→ledger p50 / p99 / max (burst)",
             f"{_p(burst.commit_to_ledger, 50)} / {_p(burst.commit_to_ledger, 99)} / "
             f"{_p(burst.commit_to_ledger, 100)}",
             "under saturation this is mostly queueing behind earlier events"),
        ]
    if target:
        figures += [
            ("offered rate achieved (target)", fmt_rate(target.gen.rate if target.gen else 0),
             f"the generator was asked for {cfg.rate:,.0f}/s"),
            ("spine throughput (target)", fmt_rate(target.throughput),
             "registrations / (last ledger append - first commit) at the offered rate"),
            ("commit→ledger p50 / p99 / max (target)",
             f"{_p(target.commit_to_ledger, 50)} / {_p(target.commit_to_ledger, 99)} / "
             f"{_p(target.commit_to_ledger, 100)}",
             "per event: ledger appended_at - commit time of its transaction"),
        ]
    if half:
        figures += [
            ("commit→ledger p50 / p99 / max (half)",
             f"{_p(half.commit_to_ledger, 50)} / {_p(half.commit_to_ledger, 99)} / "
             f"{_p(half.commit_to_ledger, 100)}",
             f"at {half.offered or 0:,.0f}/s offered (half the burst capacity): latency "
             "of an unsaturated spine"),
        ]
    ratio = headline.throughput / ceiling
    figures += [
        ("raw aiokafka ceiling", fmt_rate(ceiling),
         f"produce→consume of {cfg.n:,} identical {run.message_bytes}-byte envelopes on the "
         f"same broker with the services' client settings; best of "
         f"{', '.join(fmt_rate(c) for c in run.ceilings)} (before / after the spine phases)"),
        ("spine / ceiling", f"{ratio:.0%}",
         f"{headline.name} throughput divided by the raw ceiling"),
        ("ledger check", run.ledger_ok, "audit ledger_entries after the run"),
    ]

    if burst:
        targets.append(Target("sustained events/s", f"≥ {TARGET_EVENTS_PER_S:,.0f}/s",
                              fmt_rate(burst.throughput),
                              burst.throughput >= TARGET_EVENTS_PER_S))
    if target:
        p99 = percentile(target.commit_to_ledger, 99)
        offered_ok = target.gen is not None and target.gen.rate >= 0.95 * cfg.rate
        targets.append(Target(
            f"p99 commit→ledger at {cfg.rate:,.0f}/s offered", f"≤ {TARGET_P99_S:.0f} s",
            fmt_s(p99) + ("" if offered_ok else " (generator fell short of the rate)"),
            p99 <= TARGET_P99_S and offered_ok))
    elif half:
        p99 = percentile(half.commit_to_ledger, 99)
        targets.append(Target("p99 commit→ledger (half load only)", f"≤ {TARGET_P99_S:.0f} s",
                              fmt_s(p99), None))
    targets.append(Target("share of the raw ceiling", f"≥ {TARGET_CEILING_SHARE:.0%}",
                          f"{ratio:.0%}", ratio >= TARGET_CEILING_SHARE))

    return Result(figures=figures, targets=targets, settings=_settings(run),
                  notes=_notes(run), extra_markdown=_phase_tables(run))


def _settings(run: Run) -> dict[str, str]:
    cfg = run.cfg
    s = {
        "registrations per phase (--n)": str(cfg.n),
        "generator": f"{cfg.generator}, {cfg.batch} registrations per transaction, "
                     f"{cfg.concurrency} transactions in flight",
        "phases": ", ".join(cfg.phases),
        "topic partitions": str(PARTITIONS),
        "observer poll interval": f"{OBSERVER_INTERVAL_S * 1000:.0f} ms",
    }
    s.update(dict(sorted(run.settings.items())))
    s["(all other service settings)"] = "defaults of tatamutasi_platform.settings"
    return s


def _phase_tables(run: Run) -> str:
    lines = [
        "### Per phase",
        "",
        "| phase | offered | generator | spine events/s | commit→ledger p50 | p99 | max | "
        "relay stage p99 (commit→published) | bus+consumer stage p99 (published→ledger) | "
        "visible p99 (observer) | relay batches (mean size) | ledger batches (mean size) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in run.phases:
        assert p.gen is not None
        offered = "max" if p.offered is None else fmt_rate(p.offered)
        lines.append(
            f"| {p.name} | {offered} | {fmt_rate(p.gen.rate)} | {fmt_rate(p.throughput)} | "
            f"{_p(p.commit_to_ledger, 50)} | {_p(p.commit_to_ledger, 99)} | "
            f"{_p(p.commit_to_ledger, 100)} | {_p(p.relay_stage, 99)} | "
            f"{_p(p.bus_consumer_stage, 99)} | {_p(p.commit_to_visible, 99)} | "
            f"{p.relay_batches} ({len(p.regs) / max(p.relay_batches, 1):.0f}) | "
            f"{p.consumer_batches} ({len(p.regs) / max(p.consumer_batches, 1):.0f}) |")
    names = list(run.phases[0].cpu)
    lines += [
        "",
        f"CPU used while each phase ran, in cores (this machine has {run.machine_cpus}):",
        "",
        "| process | " + " | ".join(p.name for p in run.phases) + " |",
        "|---|" + "---:|" * len(run.phases),
    ]
    for n in names:
        lines.append(f"| {n} | " + " | ".join(f"{p.cpu.get(n, 0):.2f}" for p in run.phases)
                     + " |")
    return "\n".join(lines)


def _notes(run: Run) -> list[str]:
    notes: list[str] = []
    burst = run.phase("burst")
    ceiling = max(run.ceilings)
    spread = (max(run.ceilings) - min(run.ceilings)) / ceiling if ceiling else 0
    notes.append(
        "Latency is measured per event from the moment its generator transaction's COMMIT "
        "returned to the ledger row's `appended_at` (set by the audit service when it starts "
        "appending the batch, so the ledger COMMIT follows a few ms later); 'visible p99' is "
        f"when the bench saw the row by polling every {OBSERVER_INTERVAL_S * 1000:.0f} ms "
        "(an upper bound). Relay stage = outbox `published_at` (set after the broker acked "
        "the batch) minus commit; bus+consumer stage = `appended_at` - `published_at`.")
    if spread > 0.25:
        notes.append(f"The two ceiling measurements differ by {spread:.0%}: the machine was "
                     "noisy (shared with other engineers); ratios are against the best one.")
    if burst and burst.gen:
        if burst.gen.rate < 1.3 * burst.throughput:
            notes.append(
                f"Burst: the generator committed only {fmt_rate(burst.gen.rate)}, close to "
                f"the spine's {fmt_rate(burst.throughput)}: the generator may have been the "
                "limit; the spine's capacity can be higher than measured.")
        else:
            notes.append(
                f"Burst: the generator committed {fmt_rate(burst.gen.rate)} "
                f"({burst.gen.rate / burst.throughput:.1f}x the spine's "
                f"{fmt_rate(burst.throughput)}), so the spine, not the generator, was the "
                "limit.")
        relay99 = percentile(burst.relay_stage, 99)
        bus99 = percentile(burst.bus_consumer_stage, 99)
        slower = "outbox relay (pegawai)" if relay99 > bus99 else "consumer (audit)"
        notes.append(
            f"Burst: relay stage p99 {fmt_s(relay99)} vs bus+consumer stage p99 "
            f"{fmt_s(bus99)}; relay alone drained at {fmt_rate(burst.relay_throughput)}: the "
            f"queue built up mostly in front of the {slower}.")
        cpu = burst.cpu
        busy = cpu.get(MACHINE, 0)
        top = sorted(((k, v) for k, v in cpu.items() if k not in (MACHINE, OTHER_LOAD, STEAL)),
                     key=lambda kv: kv[1], reverse=True)
        notes.append(
            f"Burst: the machine was {busy / run.machine_cpus:.0%} busy "
            f"({busy:.2f} of {run.machine_cpus} cores); by process: "
            + ", ".join(f"{k} {v:.2f}" for k, v in top)
            + f"; everything else {cpu.get(OTHER_LOAD, 0):.2f}, steal "
            f"{cpu.get(STEAL, 0):.2f}.")
        for name, path in burst.profiles.items():
            rows = top_self(path, 8)
            if rows:
                notes.append(f"py-spy, {name} service, burst phase, top self time: "
                             + "; ".join(f"{f} {s:.0%}" for f, s in rows)
                             + f" (raw stacks: bench/out/spine/{path.name})")
    notes.append("Logs of the last run (services, tansu) are in bench/out/spine/; the "
                 "databases are dropped at the end.")
    return notes


BENCHMARK = Benchmark(
    name="spine",
    title="Event spine throughput and latency on PostgreSQL",
    description=(
        "N pegawai registrations through outbox → Kafka (tansu) → audit ledger, with the "
        "pegawai and audit services as separate uvicorn processes, each on its own PostgreSQL "
        "database; in the same run, the raw aiokafka produce→consume rate of identical "
        "messages on the same broker as the ceiling. Targets: ≥ 5,000 events/s sustained, "
        "p99 commit→ledger ≤ 1 s, ≥ 30 % of the raw ceiling."),
    add_arguments=add_arguments,
    run=run,
)


