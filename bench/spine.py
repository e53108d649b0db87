"""Benchmark `spine`: the event spine on PostgreSQL, end to end.

N pegawai registrations are committed into the pegawai database (the rows registry.register
writes, outbox row included, in transactions of 100); the pegawai service's outbox relay (its
own uvicorn process) publishes them to tansu; the audit service's idempotent consumer (its own
process) appends them to the ledger. We measure events/s and commit-to-ledger latency, and in
the same run the raw aiokafka produce->consume rate of identical messages on the same broker
(the ceiling). bench/README.md explains every figure.

Phases (each N fresh registrations, same services, same broker):
- burst:  the generator commits as fast as it can; events/s = N / (last ledger append - first
          commit) is the spine's sustained capacity.
- target: the generator offers the target rate (5,000/s); latency percentiles here are the
          latency at the target load (if the spine cannot keep up, they show the queue).
- half:   the generator offers half the measured burst capacity (at most 30 s of it):
          latency of an unsaturated spine, whatever its capacity.
"""

import argparse
import asyncio
import contextlib
import functools
import inspect
import os
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
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy.ext.asyncio import create_async_engine

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
    profile_summary,
    start_service,
    stop_services,
    wait_healthy,
)
from tatamutasi_platform import migrations
from tatamutasi_platform.auth import generate_keypair
from tatamutasi_platform.broker import TansuBroker, free_port
from tatamutasi_platform.bus import consumer_kwargs, ensure_topics, producer_kwargs
from tatamutasi_platform.db import async_url
from tatamutasi_platform.outbox import Actor, envelope_dict
from tatamutasi_platform.runtime import Transaction
from tatamutasi_platform.settings import ServiceSettings

TARGET_EVENTS_PER_S = 5000.0
TARGET_P99_S = 1.0
TARGET_CEILING_SHARE = 0.30

PARTITIONS = 3
WARMUP_EVENTS = 1000
OBSERVER_INTERVAL_S = 0.1
HALF_PHASE_S = 30.0  # the 'half' phase offers at most this many seconds of load

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


PEGAWAI_PROC = "pegawai service (outbox relay)"
AUDIT_PROC = "audit service (consumer, ledger)"
TANSU_PROC = "tansu broker"
BENCH_PROC = "bench process (generator, observer)"
PG_GEN = "PostgreSQL: generator's transactions (registration + outbox INSERTs)"
PG_RELAY = "PostgreSQL: relay's queries (pegawai database)"
PG_AUDIT = "PostgreSQL: consumer's queries (audit database)"
PG_BENCH = "PostgreSQL: bench observer"
SPINE_PROCS = (PEGAWAI_PROC, AUDIT_PROC, TANSU_PROC, PG_GEN, PG_RELAY, PG_AUDIT)
APP_GENERATOR = "tm-bench-generator"
APP_OBSERVER = "tm-bench-observer"


GENERATORS = ("captured", "service")
TEMPLATES = 200  # registrations run through the real registry.register per run
TEMPLATE_BASE = 10_000_000  # their indices (never inserted)


# -- options ----------------------------------------------------------------------------------
def add_arguments(g: argparse._ArgumentGroup) -> None:
    g.add_argument(
        "--n", type=int, default=20_000, help="spine: registrations per phase (default 20000)"
    )
    g.add_argument(
        "--spine-batch",
        type=int,
        default=100,
        help="spine: registrations per generator transaction (default 100)",
    )
    g.add_argument(
        "--spine-rate",
        type=float,
        default=TARGET_EVENTS_PER_S,
        help="spine: offered rate of the 'target' phase, events/s (default 5000)",
    )
    g.add_argument(
        "--spine-phases",
        default="burst,target,half",
        help="spine: phases to run, comma-separated from burst,target,half",
    )
    g.add_argument(
        "--spine-generator",
        choices=GENERATORS,
        default="captured",
        help="spine: how registrations are committed. 'captured' (default): "
        f"before the run, the real registry.register runs for {TEMPLATES} "
        "registrations against a recording connection; every registration's rows "
        "are cloned from one of those (NIP, name, unit, jabatan and event id "
        "substituted) and written with one executemany INSERT per table per "
        "transaction. 'service': registry.register on a real connection during "
        "the phase, statement by statement (a much slower generator)",
    )
    g.add_argument(
        "--spine-concurrency",
        type=int,
        default=2,
        help="spine: generator transactions in flight (default 2)",
    )
    g.add_argument(
        "--spine-set",
        action="append",
        default=[],
        metavar="VAR=VALUE",
        help="spine: extra service setting, e.g. AUDIT_CONSUMER_BATCH_SIZE=2000 or "
        "PEGAWAI_RELAY_BATCH_SIZE=2000 (repeatable)",
    )
    g.add_argument(
        "--spine-pg-set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="spine: PostgreSQL setting for both bench databases (ALTER DATABASE "
        "... SET), e.g. plan_cache_mode=force_custom_plan (repeatable)",
    )
    g.add_argument(
        "--spine-profile",
        action="store_true",
        help="spine: record py-spy profiles of both services in the burst phase "
        "(needs py-spy in .venv/bin or on PATH)",
    )
    g.add_argument(
        "--spine-timeout",
        type=float,
        default=300,
        help="spine: seconds a phase may take to drain before failing (default 300)",
    )


@dataclass(frozen=True)
class Config:
    n: int
    batch: int
    rate: float
    phases: tuple[str, ...]
    generator: str
    concurrency: int
    extra_env: dict[str, str]
    pg_settings: dict[str, str]
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
                raise SystemExit(f"--spine-set {item!r}: expected PEGAWAI_X=value or AUDIT_X=value")
            extra[var] = value
        pg: dict[str, str] = {}
        for item in args.spine_pg_set:
            name, sep, value = item.partition("=")
            if not sep or not name.replace("_", "").replace(".", "").isalnum():
                raise SystemExit(f"--spine-pg-set {item!r}: expected name=value")
            pg[name] = value
        if args.n < 100:
            raise SystemExit("--n must be at least 100")
        return cls(
            args.n,
            args.spine_batch,
            args.spine_rate,
            phases,
            args.spine_generator,
            max(1, args.spine_concurrency),
            extra,
            pg,
            args.spine_profile,
            args.spine_timeout,
        )


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
    return Registration(
        nip_for(i),
        f"Pegawai Uji Beban {i:06d}",
        f"unor-bench-{i % 97:03d}",
        f"jabatan-bench-{i % 31:02d}",
    )


ACTOR = Actor(id="bench-spine", role="admin")
SOURCE = "/tatamutasi/pegawai"


async def register(tx: Transaction, reg: Registration) -> None:
    """Call the pegawai service layer's `registry.register` for one registration, whatever
    extra collaborators its current signature asks for (e.g. the reference tables)."""
    from tatamutasi_pegawai.service import registry

    cmd = registry.RegisterPegawai(
        nip=reg.nip, name=reg.name, unor_id=reg.unor_id, jabatan_id=reg.jabatan_id
    )
    await registry.register(tx, cmd, *_register_extras())


@functools.cache
def _register_extras() -> tuple[Any, ...]:
    from tatamutasi_pegawai.service import registry

    extras: list[Any] = []
    for name, param in list(inspect.signature(registry.register).parameters.items())[2:]:
        if param.default is not inspect.Parameter.empty:
            break
        if name in ("ref", "reference", "references") or "Reference" in str(param.annotation):
            from tatamutasi_pegawai.domain.reference import ReferenceTables

            extras.append(ReferenceTables())
        else:
            raise RuntimeError(
                f"bench/spine.py does not know how to supply registry.register's "
                f"parameter {name!r}; teach _register_extras"
            )
    return tuple(extras)


class CaptureConn:
    """Stands in for an AsyncConnection: runs the real service-layer code and records the
    rows of each `table.insert().values(...)` it executes, writing nothing. Anything else (a
    SELECT, an UPDATE, an SQL expression as a value) is refused: then only the 'service'
    generator can reproduce the use case."""

    def __init__(self) -> None:
        self.rows: dict[sa.Table, list[dict[str, Any]]] = {}

    def begin_nested(self) -> contextlib.nullcontext[None]:
        return contextlib.nullcontext()

    async def execute(self, stmt: Any, *args: Any) -> None:
        values = getattr(stmt, "_values", None)
        if isinstance(stmt, sa.Insert) and not values and len(args) == 1:
            # `table.insert()` with one parameter dict (the outbox's cached statement)
            params = args[0]
            if isinstance(params, dict) and all(
                not isinstance(v, sa.sql.ClauseElement) for v in params.values()
            ):
                self.rows.setdefault(stmt.table, []).append(dict(params))
                return
        if not isinstance(stmt, sa.Insert) or args or not values:
            raise RuntimeError(
                f"registry.register executed {type(stmt).__name__}; the "
                "'captured' generator only replays INSERT ... VALUES (or insert() with "
                "one parameter dict); use --spine-generator service"
            )
        row = {}
        for col, bind in values.items():
            if not isinstance(bind, sa.BindParameter):
                raise RuntimeError(
                    f"registry.register inserts an SQL expression into {col}; "
                    "use --spine-generator service"
                )
            row[col if isinstance(col, str) else col.key] = bind.value
        self.rows.setdefault(stmt.table, []).append(row)


@dataclass
class Batch:
    """One generator transaction: registrations, and (captured mode) the rows
    `registry.register` wrote for them, per table in first-written order."""

    regs: list[Registration]
    tables: list[tuple[sa.Table, list[dict[str, Any]]]] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)


def _run_sync(coro: Any) -> Any:
    """Run a coroutine that never really waits (service code on a CaptureConn) without an
    event loop."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise RuntimeError("registry.register awaited something real; use --spine-generator service")


@dataclass(frozen=True)
class Template:
    reg: Registration
    tables: list[tuple[sa.Table, list[dict[str, Any]]]]
    event_ids: list[str]


def capture_templates(count: int) -> tuple[list[Template], float]:
    """Run the real `registry.register` for `count` registrations on a CaptureConn; returns
    what each wrote and registrations per CPU second."""
    from tatamutasi_pegawai.adapters.orm import platform

    cpu = time.process_time()
    out = []
    for j in range(count):
        reg = registration(TEMPLATE_BASE + j)
        cap = CaptureConn()
        tx = Transaction(cap, platform, ACTOR)  # type: ignore[arg-type]
        _run_sync(register(tx, reg))
        out.append(Template(reg, list(cap.rows.items()), list(tx.emitted)))
    used = time.process_time() - cpu
    return out, count / used if used else 0.0


def clone(
    t: Template, reg: Registration
) -> tuple[list[tuple[sa.Table, dict[str, Any]]], list[str]]:
    """The template's rows with its NIP, name, unit and jabatan replaced by `reg`'s (in
    every string value, JSON payloads included) and fresh event ids."""
    swaps = [
        (t.reg.nip, reg.nip),
        (t.reg.name, reg.name),
        (t.reg.unor_id, reg.unor_id),
        (t.reg.jabatan_id, reg.jabatan_id),
    ]
    new_ids = {old: str(uuid.uuid4()) for old in t.event_ids}
    rows = []
    for table, table_rows in t.tables:
        for row in table_rows:
            new = {}
            for k, v in row.items():
                if isinstance(v, str):
                    if v in new_ids:
                        v = new_ids[v]
                    else:
                        for old, repl in swaps:
                            if old in v:
                                v = v.replace(old, repl)
                new[k] = v
            rows.append((table, new))
    return rows, list(new_ids.values())


def prepare(
    ranges: Sequence[tuple[int, int]], batch: int, *, templates: list[Template] | None
) -> list[list[Batch]]:
    """Batches (transactions) for each range of registration indices; with `templates`,
    each registration's rows are cloned from a template's (captured mode)."""
    result = []
    for start, stop in ranges:
        batches = []
        for b0 in range(start, stop, batch):
            regs = [registration(i) for i in range(b0, min(b0 + batch, stop))]
            b = Batch(regs)
            if templates:
                tables: dict[sa.Table, list[dict[str, Any]]] = {}
                for i, reg in zip(range(b0, b0 + len(regs)), regs, strict=True):
                    rows, ids = clone(templates[i % len(templates)], reg)
                    for table, row in rows:
                        tables.setdefault(table, []).append(row)
                    b.event_ids += ids
                b.tables = list(tables.items())
            batches.append(b)
        result.append(batches)
    return result


# -- generator --------------------------------------------------------------------------------
@dataclass
class Generated:
    commits: dict[str, float]  # event id -> wall-clock time its transaction's commit returned
    registrations: int
    began: float
    ended: float

    @property
    def rate(self) -> float:
        """Registrations committed per second."""
        return self.registrations / max(self.ended - self.began, 1e-9)


async def generate(
    engine: Any, batches: Sequence[Batch], *, rate: float | None, concurrency: int, mode: str
) -> Generated:
    """Commit `batches` (one transaction each), at most `concurrency` in flight; with `rate`
    (registrations/s), batch k starts at (registrations before it)/rate seconds: open loop,
    so a slow spine does not slow the generator down."""
    from tatamutasi_pegawai.adapters.orm import platform

    commits: dict[str, float] = {}
    sem = asyncio.Semaphore(concurrency)

    async def one(b: Batch) -> None:
        try:
            async with engine.begin() as conn:
                if mode == "captured":
                    for table, rows in b.tables:
                        await conn.execute(table.insert(), rows)
                    ids = b.event_ids
                else:
                    tx = Transaction(conn, platform, ACTOR)
                    for r in b.regs:
                        await register(tx, r)
                    ids = tx.emitted
                    b.event_ids = list(ids)
            done = time.time()
            for event_id in ids:
                commits[event_id] = done
        finally:
            sem.release()

    tasks: list[asyncio.Task[None]] = []
    began = time.time()
    t0 = time.monotonic()
    sent = 0
    for b in batches:
        if rate:
            delay = t0 + sent / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        await sem.acquire()
        tasks.append(asyncio.create_task(one(b)))
        sent += len(b.regs)
    await asyncio.gather(*tasks)
    return Generated(commits, sent, began, max(commits.values()))


# -- observer ---------------------------------------------------------------------------------
class LedgerObserver:
    """Polls the audit database and notes when each expected event id became visible in the
    ledger (an upper bound of commit-to-ledger; the ledger's own `appended_at` is the lower).
    Matches on event ids: the ledger may pseudonymise subjects."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self.last_idx = -1
        self.seen: dict[str, float] = {}
        self.expected: set[str] = set()

    async def poll(self) -> int:
        rows = await self._conn.fetch(
            "SELECT idx, event_id FROM ledger_entries WHERE idx > $1 ORDER BY idx LIMIT 20000",
            self.last_idx,
        )
        now = time.time()
        for r in rows:
            if r["event_id"] in self.expected:
                self.seen.setdefault(r["event_id"], now)
        if rows:
            self.last_idx = rows[-1]["idx"]
        return len(rows)

    async def wait_for(
        self, expected: set[str], timeout: float, *, stall_timeout: float = 90.0
    ) -> None:
        self.expected |= expected
        deadline = time.monotonic() + timeout
        last_progress = time.monotonic()
        while not expected.issubset(self.seen.keys()):
            if await self.poll():
                last_progress = time.monotonic()
            now = time.monotonic()
            if now > deadline or now - last_progress > stall_timeout:
                missing = len(expected - self.seen.keys())
                raise TimeoutError(
                    f"{missing} of {len(expected)} events did not reach the "
                    f"ledger in time (see the logs in bench/out/spine/)"
                )
            await asyncio.sleep(OBSERVER_INTERVAL_S)


# -- ceiling ----------------------------------------------------------------------------------
def wire_messages(batches: Sequence[Batch]) -> list[tuple[bytes | None, bytes]]:
    """(key, value) pairs byte-for-byte as the relay would publish these captured outbox rows
    (sequence numbers made up)."""
    out = []
    seq = 0
    for b in batches:
        for table, rows in b.tables:
            if table.name != "outbox":
                continue
            for row in rows:
                seq += 1
                full = {c.name: None for c in table.columns} | row | {"sequence": seq}
                env = envelope_dict(SimpleNamespace(**full), SOURCE)
                key = row.get("key") or row.get("subject")
                out.append((key.encode() if key else None, orjson.dumps(env)))
    return out


async def raw_ceiling(bootstrap: str, messages: Sequence[tuple[bytes | None, bytes]]) -> float:
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
                batches = await consumer.getmany(
                    timeout_ms=500, max_records=settings.consumer_batch_size
                )
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
    offered: float | None  # registrations/s asked of the generator (None: as fast as it can)
    batches: list[Batch]
    gen: Generated | None = None
    seen: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # cores
    cpu_wall: float = 0.0  # seconds the CPU meter ran
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
    def events(self) -> int:
        assert self.gen is not None
        return len(self.gen.commits)

    def cpu_ms_per_event(self, name: str) -> float:
        return self.cpu.get(name, 0.0) * self.cpu_wall / self.events * 1000

    @property
    def spine_cpu_ms_per_event(self) -> float:
        """CPU of relay, consumer, broker and PostgreSQL (which includes the generator's own
        INSERTs: a registration's commit is part of the work) per event."""
        return sum(self.cpu_ms_per_event(n) for n in SPINE_PROCS)

    @property
    def throughput(self) -> float:
        """Events per second from the first commit to the last ledger append."""
        assert self.gen is not None
        return self.events / (max(self.appended.values()) - min(self.gen.commits.values()))

    @property
    def relay_throughput(self) -> float:
        assert self.gen is not None
        return self.events / (max(self.published.values()) - min(self.gen.commits.values()))

    @property
    def visible_throughput(self) -> float:
        assert self.gen is not None
        return self.events / (max(self.seen.values()) - min(self.gen.commits.values()))


@dataclass
class Run:
    cfg: Config
    phases: list[Phase]
    ceilings: list[float]
    message_bytes: int
    ledger_ok: str
    settings: dict[str, str]
    machine_cpus: int
    notes: list[str] = field(default_factory=list)
    prepare_rate: float = 0.0  # registrations/s registry.register ran at (captured mode)
    ceiling_messages: int = 0

    def phase(self, name: str) -> Phase | None:
        return next((p for p in self.phases if p.name == name), None)


_T0 = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - _T0:6.1f}s] spine: {text}", flush=True)


# -- orchestration ----------------------------------------------------------------------------
def service_env(
    prefix: str, db_url: str, bootstrap: str, out: Path, extra: dict[str, str]
) -> dict[str, str]:
    env = {
        f"{prefix}_DATABASE_URL": db_url,
        f"{prefix}_KAFKA_BOOTSTRAP": bootstrap,
        f"{prefix}_AUTH_PUBLIC_KEY_FILE": str(out / "public.pem"),
        # development keys and any other files a service makes stay in bench/out
        f"{prefix}_DATA_DIR": str(out / f"{prefix.lower()}-data"),
    }
    env.update({f"{prefix}_{k}": v for k, v in COMMON_SETTINGS.items()})
    env.update({f"{prefix}_{k}": v for k, v in SERVICE_SETTINGS[prefix].items()})
    env.update({k: v for k, v in extra.items() if k.startswith(prefix + "_")})
    return env


def run(args: argparse.Namespace) -> Result:
    global _T0
    _T0 = time.monotonic()
    cfg = Config.from_args(args)
    out = OUT_DIR / "spine"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    total = WARMUP_EVENTS + len(cfg.phases) * cfg.n
    how = (
        f"(rows cloned from {TEMPLATES} run through registry.register)"
        if cfg.generator == "captured"
        else ""
    )
    say(f"preparing {total:,} registrations {how} ...")
    prepared, prepare_rate = prepare_all(cfg)
    dbs = PgDatabases()
    broker: TansuBroker | None = None
    services: list[ServiceProcess] = []
    try:
        say("creating databases and running migrations ...")
        urls = {"pegawai": dbs.create("pegawai"), "audit": dbs.create("audit")}
        for name, value in cfg.pg_settings.items():
            dbs.alter_all(name, value)
        migrations.upgrade("tatamutasi_pegawai", urls["pegawai"], "pegawai")
        migrations.upgrade("tatamutasi_audit", urls["audit"], "audit")
        say("starting tansu and the audit and pegawai services ...")
        broker = TansuBroker(log_file=out / "tansu.log", partitions=PARTITIONS).start()
        _, public_pem = generate_keypair()
        (out / "public.pem").write_bytes(public_pem)
        used_settings: dict[str, str] = {}
        for name, prefix, factory in (
            ("audit", "AUDIT", "tatamutasi_audit.app:create_app"),
            ("pegawai", "PEGAWAI", "tatamutasi_pegawai.app:create_app"),
        ):
            env = service_env(prefix, urls[name], broker.bootstrap, out, cfg.extra_env)
            services.append(
                start_service(name, factory, free_port(), env, prefix, out / f"{name}.log", cwd=out)
            )
            used_settings.update(
                {
                    k: v
                    for k, v in env.items()
                    if not k.endswith(
                        ("_DATABASE_URL", "_KAFKA_BOOTSTRAP", "_AUTH_PUBLIC_KEY_FILE", "_DATA_DIR")
                    )
                }
            )
        for svc in services:
            wait_healthy(svc)
        tansu_pid = broker._proc.pid if broker._proc else None  # noqa: SLF001
        result = asyncio.run(
            _measure(
                cfg,
                urls,
                broker.bootstrap,
                services,
                tansu_pid,
                out,
                dbs.names,
                prepared,
                prepare_rate,
            )
        )
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


Prepared = tuple[list[Batch], list[list[Batch]], list[Batch]]


def prepare_all(cfg: Config) -> tuple[Prepared, float]:
    """Warm-up, per-phase and ceiling batches; registration indices never overlap."""
    n, w = cfg.n, WARMUP_EVENTS
    templates, rate = capture_templates(TEMPLATES)
    ranges = [(0, w)] + [(w + k * n, w + (k + 1) * n) for k in range(len(cfg.phases))]
    batches = prepare(
        ranges, cfg.batch, templates=templates if cfg.generator == "captured" else None
    )
    if cfg.generator == "captured":
        ceiling = batches[1]
    else:  # the ceiling needs the bytes of real envelopes (never inserted)
        start = w + len(cfg.phases) * n + 1000
        ceiling = prepare([(start, start + n)], cfg.batch, templates=templates)[0]
    return (batches[0], batches[1:], ceiling), rate


async def _measure(
    cfg: Config,
    urls: dict[str, str],
    bootstrap: str,
    services: list[ServiceProcess],
    tansu_pid: int | None,
    out: Path,
    db_names: list[str],
    prepared: Prepared,
    prepare_rate: float,
) -> Run:
    by_name = {s.name: s for s in services}
    notes: list[str] = []
    # the generator's engine: like tatamutasi_platform.db.create_engine, but named, so its
    # PostgreSQL backends can be told apart from the services' ones
    engine = create_async_engine(
        async_url(urls["pegawai"]),
        pool_size=cfg.concurrency + 1,
        max_overflow=0,
        pool_pre_ping=True,
        connect_args={"server_settings": {"application_name": APP_GENERATOR}},
    )
    named = {"application_name": APP_OBSERVER}
    ledger_conn = await asyncpg.connect(urls["audit"], server_settings=named)
    peg_conn = await asyncpg.connect(urls["pegawai"], server_settings=named)
    try:
        observer = LedgerObserver(ledger_conn)
        warm, phase_batches, ceiling_batches = prepared
        total = WARMUP_EVENTS + len(cfg.phases) * cfg.n

        # warm-up: 100 registrations statement by statement through the service layer on a
        # real connection, then the rest as the phases will do it; waits for the consumer
        # group join and fills the connection pools.
        say("warming up (consumer group join, pools) ...")
        live = prepare([(total, total + 100)], 50, templates=None)[0]
        g1 = await generate(engine, live, rate=None, concurrency=1, mode="service")
        g2 = await generate(
            engine, warm, rate=None, concurrency=cfg.concurrency, mode=cfg.generator
        )
        await observer.wait_for(set(g1.commits) | set(g2.commits), timeout=120)
        warm_events = len(g1.commits) + len(g2.commits)

        messages = wire_messages(ceiling_batches)
        message_bytes = int(statistics.median(len(v) for _, v in messages))
        say("raw aiokafka ceiling (before) ...")
        ceilings = [await raw_ceiling(bootstrap, messages)]

        phases: list[Phase] = []
        for name, batches in zip(cfg.phases, phase_batches, strict=True):
            if name == "burst":
                offered = None
            elif name == "target":
                offered = cfg.rate
            else:
                burst = next(p for p in phases if p.name == "burst")
                offered = max(100.0, 0.5 * burst.visible_throughput)
                # at most HALF_PHASE_S seconds of offered load, to bound the run time
                keep = max(1, int(offered * HALF_PHASE_S) // cfg.batch)
                batches = batches[:keep]
            phase = Phase(name, offered, batches)
            label = "as fast as possible" if offered is None else f"{offered:,.0f}/s"
            count = sum(len(b.regs) for b in batches)
            say(f"phase {name}: {count:,} registrations, offered {label} ...")
            await _run_phase(
                cfg, phase, engine, observer, peg_conn, by_name, tansu_pid, out, db_names
            )
            phases.append(phase)
            say(f"phase {name}: done, ~{phase.visible_throughput:,.0f} events/s")

        say("raw aiokafka ceiling (after) ...")
        ceilings.append(await raw_ceiling(bootstrap, messages))

        # stage timestamps from both databases
        published = {
            r["event_id"]: r["published_at"].timestamp()
            for r in await peg_conn.fetch(
                "SELECT event_id, published_at FROM outbox WHERE published_at IS NOT NULL"
            )
        }
        appended = {
            r["event_id"]: r["appended_at"].timestamp()
            for r in await ledger_conn.fetch("SELECT event_id, appended_at FROM ledger_entries")
        }
        for p in phases:
            assert p.gen is not None
            p.published = {k: published[k] for k in p.gen.commits if k in published}
            p.appended = {k: appended[k] for k in p.gen.commits if k in appended}
        expected = warm_events + sum(p.events for p in phases)
        ledger_ok = await _verify_ledger(ledger_conn, expected=expected)
        return Run(
            cfg,
            phases,
            ceilings,
            message_bytes,
            ledger_ok,
            {},
            _cpus(),
            notes,
            prepare_rate=prepare_rate,
            ceiling_messages=len(messages),
        )
    finally:
        await ledger_conn.close()
        await peg_conn.close()
        await engine.dispose()


async def _run_phase(
    cfg: Config,
    phase: Phase,
    engine: Any,
    observer: LedgerObserver,
    admin: asyncpg.Connection,
    services: dict[str, ServiceProcess],
    tansu_pid: int | None,
    out: Path,
    db_names: list[str],
) -> None:
    async def pg_pids() -> dict[str, list[int]]:
        rows = await admin.fetch(
            "SELECT pid, datname, application_name FROM pg_stat_activity WHERE datname = ANY($1)",
            db_names,
        )
        out: dict[str, list[int]] = {PG_GEN: [], PG_RELAY: [], PG_AUDIT: [], PG_BENCH: []}
        for r in rows:
            if r["application_name"] == APP_GENERATOR:
                out[PG_GEN].append(r["pid"])
            elif r["application_name"] == APP_OBSERVER:
                out[PG_BENCH].append(r["pid"])
            elif "audit" in r["datname"]:
                out[PG_AUDIT].append(r["pid"])
            else:
                out[PG_RELAY].append(r["pid"])
        return out

    groups_static = {
        PEGAWAI_PROC: [services["pegawai"].pid],
        AUDIT_PROC: [services["audit"].pid],
        TANSU_PROC: [tansu_pid] if tansu_pid else [],
        BENCH_PROC: [os.getpid()],
    }
    pids_before = await pg_pids()
    meter = CpuMeter()
    meter.start([p for ps in (*groups_static.values(), *pids_before.values()) for p in ps])
    profiler = Profiler(out)
    if cfg.profile and phase.name == "burst":
        if not profiler.available:
            say("--spine-profile: py-spy not found; no profile")
        profiler.start(
            {"pegawai": services["pegawai"].pid, "audit": services["audit"].pid}, phase.name
        )
    gen_task = asyncio.create_task(
        generate(
            engine,
            phase.batches,
            rate=phase.offered,
            concurrency=cfg.concurrency,
            mode=cfg.generator,
        )
    )
    # the observer learns event ids as transactions commit (service mode makes them then)
    while not gen_task.done():
        await asyncio.sleep(OBSERVER_INTERVAL_S)
        observer.expected |= {e for b in phase.batches for e in b.event_ids}
        await observer.poll()
    phase.gen = await gen_task
    await observer.wait_for(set(phase.gen.commits), cfg.timeout)
    pids_after = await pg_pids()
    pg_groups = {k: sorted(set(v) | set(pids_after[k])) for k, v in pids_before.items()}
    phase.cpu = meter.stop({**groups_static, **pg_groups})
    phase.cpu_wall = meter.wall
    phase.profiles = profiler.stop()
    phase.seen = {k: observer.seen[k] for k in phase.gen.commits}


async def _verify_ledger(conn: asyncpg.Connection, expected: int) -> str:
    """Every committed event is in the ledger exactly once. (The ledger's own cryptographic
    verification is the audit service's business and needs its keys; not repeated here.)"""
    total, distinct = await conn.fetchrow(
        "SELECT count(*), count(DISTINCT event_id) FROM ledger_entries"
    )
    text = f"{total:,} entries" + (
        " (as expected)" if total == expected else f" (EXPECTED {expected:,})"
    )
    return text + (", no duplicates" if total == distinct else f", {total - distinct} DUPLICATES")


def _cpus() -> int:
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
            (
                "spine throughput (burst)",
                fmt_rate(burst.throughput),
                f"{burst.events:,} events / (last ledger append - first commit), generator "
                "committing as fast as it can",
            ),
            (
                "generator rate (burst)",
                fmt_rate(burst.gen.rate if burst.gen else 0),
                "registrations/s the generator committed; if close to the spine throughput, "
                "the generator (not the spine) was the limit",
            ),
            (
                "relay throughput (burst)",
                fmt_rate(burst.relay_throughput),
                "events / (last published_at - first commit): the outbox relay alone",
            ),
            (
                "spine CPU per event (burst)",
                f"{burst.spine_cpu_ms_per_event:.2f} ms",
                "CPU seconds of relay, consumer, broker and their PostgreSQL backends (incl. "
                "the generator's INSERTs) per event: less noisy than rates on a shared machine",
            ),
            (
                f"CPU-bound limit on {run.machine_cpus} idle cores",
                fmt_rate(run.machine_cpus * 1000 / burst.spine_cpu_ms_per_event)
                if burst.spine_cpu_ms_per_event
                else "n/a",
                "cores / spine CPU per event: the best this code could do here with the "
                "machine to itself",
            ),
            (
                "commit→ledger p50 / p99 / max (burst)",
                f"{_p(burst.commit_to_ledger, 50)} / {_p(burst.commit_to_ledger, 99)} / "
                f"{_p(burst.commit_to_ledger, 100)}",
                "under saturation this is mostly queueing behind earlier events",
            ),
        ]
    if target:
        figures += [
            (
                "offered rate achieved (target)",
                fmt_rate(target.gen.rate if target.gen else 0),
                f"the generator was asked for {cfg.rate:,.0f}/s",
            ),
            (
                "spine throughput (target)",
                fmt_rate(target.throughput),
                "events / (last ledger append - first commit) at the offered rate",
            ),
            (
                "commit→ledger p50 / p99 / max (target)",
                f"{_p(target.commit_to_ledger, 50)} / {_p(target.commit_to_ledger, 99)} / "
                f"{_p(target.commit_to_ledger, 100)}",
                "per event: ledger appended_at - commit time of its transaction",
            ),
        ]
    if half:
        figures += [
            (
                "commit→ledger p50 / p99 / max (half)",
                f"{_p(half.commit_to_ledger, 50)} / {_p(half.commit_to_ledger, 99)} / "
                f"{_p(half.commit_to_ledger, 100)}",
                f"at {half.offered or 0:,.0f}/s offered (half the burst capacity): latency "
                "of an unsaturated spine",
            ),
        ]
    ratio = headline.throughput / ceiling
    figures += [
        (
            "raw aiokafka ceiling",
            fmt_rate(ceiling),
            f"produce→consume of {run.ceiling_messages:,} identical {run.message_bytes}-byte "
            "envelopes (median size) on the "
            f"same broker with the services' client settings; best of "
            f"{', '.join(fmt_rate(c) for c in run.ceilings)} (before / after the spine phases)",
        ),
        (
            "spine / ceiling",
            f"{ratio:.0%}",
            f"{headline.name} throughput divided by the raw ceiling",
        ),
        ("ledger check", run.ledger_ok, "audit ledger_entries after the run"),
    ]
    if run.prepare_rate:
        figures.append(
            (
                "registry.register, Python only",
                fmt_rate(run.prepare_rate),
                "registrations/s the service-layer code ran at in the bench process "
                "against a recording connection (no database): the pegawai "
                "service's own CPU cost per registration, outside the spine",
            )
        )

    if burst:
        targets.append(
            Target(
                "sustained events/s",
                f"≥ {TARGET_EVENTS_PER_S:,.0f}/s",
                fmt_rate(burst.throughput),
                burst.throughput >= TARGET_EVENTS_PER_S,
            )
        )
    if target:
        p99 = percentile(target.commit_to_ledger, 99)
        offered_ok = target.gen is not None and target.gen.rate >= 0.95 * cfg.rate
        targets.append(
            Target(
                f"p99 commit→ledger at {cfg.rate:,.0f}/s offered",
                f"≤ {TARGET_P99_S:.0f} s",
                fmt_s(p99) + ("" if offered_ok else " (generator fell short of the rate)"),
                p99 <= TARGET_P99_S and offered_ok,
            )
        )
    elif half:
        p99 = percentile(half.commit_to_ledger, 99)
        targets.append(
            Target(
                "p99 commit→ledger (half load only)", f"≤ {TARGET_P99_S:.0f} s", fmt_s(p99), None
            )
        )
    targets.append(
        Target(
            "share of the raw ceiling",
            f"≥ {TARGET_CEILING_SHARE:.0%}",
            f"{ratio:.0%}",
            ratio >= TARGET_CEILING_SHARE,
        )
    )

    return Result(
        figures=figures,
        targets=targets,
        settings=_settings(run),
        notes=_notes(run),
        extra_markdown=_phase_tables(run),
    )


def _settings(run: Run) -> dict[str, str]:
    cfg = run.cfg
    s = {
        "registrations per phase (--n)": str(cfg.n),
        "generator": f"{cfg.generator}, {cfg.batch} registrations per transaction, "
        f"{cfg.concurrency} transactions in flight",
        "phases": ", ".join(cfg.phases),
        "topic partitions": str(PARTITIONS),
        "PostgreSQL database settings": ", ".join(f"{k}={v}" for k, v in cfg.pg_settings.items())
        or "server defaults",
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
            f"{p.relay_batches} ({p.events / max(p.relay_batches, 1):.0f}) | "
            f"{p.consumer_batches} ({p.events / max(p.consumer_batches, 1):.0f}) |"
        )
    names = list(run.phases[0].cpu)
    lines += [
        "",
        f"CPU used while each phase ran, in cores (this machine has {run.machine_cpus}):",
        "",
        "| process | " + " | ".join(p.name for p in run.phases) + " |",
        "|---|" + "---:|" * len(run.phases),
    ]
    for n in names:
        lines.append(f"| {n} | " + " | ".join(f"{p.cpu.get(n, 0):.2f}" for p in run.phases) + " |")
    lines += [
        "",
        "CPU per event, in ms (process CPU seconds while the phase ran / events):",
        "",
        "| process | " + " | ".join(p.name for p in run.phases) + " |",
        "|---|" + "---:|" * len(run.phases),
    ]
    for n in (*SPINE_PROCS, BENCH_PROC, PG_BENCH):
        lines.append(
            f"| {n} | " + " | ".join(f"{p.cpu_ms_per_event(n):.3f}" for p in run.phases) + " |"
        )
    lines.append(
        "| **spine total (all but the bench process)** | "
        + " | ".join(f"**{p.spine_cpu_ms_per_event:.3f}**" for p in run.phases)
        + " |"
    )
    lines.append(
        f"| → CPU-bound limit on {run.machine_cpus} otherwise idle cores | "
        + " | ".join(
            fmt_rate(run.machine_cpus * 1000 / p.spine_cpu_ms_per_event)
            if p.spine_cpu_ms_per_event
            else "n/a"
            for p in run.phases
        )
        + " |"
    )
    return "\n".join(lines)


def _notes(run: Run) -> list[str]:
    notes: list[str] = list(run.notes)
    burst = run.phase("burst")
    ceiling = max(run.ceilings)
    spread = (max(run.ceilings) - min(run.ceilings)) / ceiling if ceiling else 0
    notes.append(
        "Latency is measured per event from the moment its generator transaction's COMMIT "
        "returned to the ledger row's `appended_at` (set by the audit service when it starts "
        "appending the batch, so the ledger COMMIT follows a few ms later); 'visible p99' is "
        f"when the bench saw the row by polling every {OBSERVER_INTERVAL_S * 1000:.0f} ms "
        "(an upper bound). Relay stage = outbox `published_at` (set after the broker acked "
        "the batch) minus commit; bus+consumer stage = `appended_at` - `published_at`."
    )
    if spread > 0.25:
        notes.append(
            f"The two ceiling measurements differ by {spread:.0%}: the machine was "
            "noisy (shared with other engineers); ratios are against the best one."
        )
    if burst and burst.gen:
        if burst.gen.rate < 1.3 * burst.throughput:
            notes.append(
                f"Burst: the generator committed only {fmt_rate(burst.gen.rate)}, close to "
                f"the spine's {fmt_rate(burst.throughput)}: the generator may have been the "
                "limit; the spine's capacity can be higher than measured."
            )
        else:
            notes.append(
                f"Burst: the generator committed {fmt_rate(burst.gen.rate)} "
                f"({burst.gen.rate / burst.throughput:.1f}x the spine's "
                f"{fmt_rate(burst.throughput)}), so the spine, not the generator, was the "
                "limit."
            )
        relay99 = percentile(burst.relay_stage, 99)
        bus99 = percentile(burst.bus_consumer_stage, 99)
        slower = "outbox relay (pegawai)" if relay99 > bus99 else "consumer (audit)"
        notes.append(
            f"Burst: relay stage p99 {fmt_s(relay99)} vs bus+consumer stage p99 "
            f"{fmt_s(bus99)}; relay alone drained at {fmt_rate(burst.relay_throughput)}: the "
            f"queue built up mostly in front of the {slower}."
        )
        cpu = burst.cpu
        busy = cpu.get(MACHINE, 0)
        top = sorted(
            ((k, v) for k, v in cpu.items() if k not in (MACHINE, OTHER_LOAD, STEAL)),
            key=lambda kv: kv[1],
            reverse=True,
        )
        notes.append(
            f"Burst: the machine was {busy / run.machine_cpus:.0%} busy "
            f"({busy:.2f} of {run.machine_cpus} cores); by process: "
            + ", ".join(f"{k} {v:.2f}" for k, v in top)
            + f"; everything else {cpu.get(OTHER_LOAD, 0):.2f}, steal "
            f"{cpu.get(STEAL, 0):.2f}."
        )
        for name, path in burst.profiles.items():
            inclusive, hot = profile_summary(path)
            if inclusive or hot:
                notes.append(
                    f"py-spy, {name} service, burst phase (shares of busy samples): project "
                    "code, inclusive: "
                    + "; ".join(f"{f} {s:.0%}" for f, s in inclusive)
                    + ". Hottest frames, self: "
                    + "; ".join(f"{f} {s:.0%}" for f, s in hot)
                    + f". Raw stacks: bench/out/spine/{path.name}"
                )
    if len(run.phases) > 1:
        first = run.phases[0]
        worst = max(run.phases[1:], key=lambda p: p.cpu_ms_per_event(PG_AUDIT))
        a, b = first.cpu_ms_per_event(PG_AUDIT), worst.cpu_ms_per_event(PG_AUDIT)
        if a and b > 1.5 * a:
            notes.append(
                f"The consumer's PostgreSQL work per event went from {a:.3f} ms ({first.name}) "
                f"to {b:.3f} ms ({worst.name}) while the consumer was the bottleneck: it grows "
                "with processed_events until autovacuum re-analyses the table (see 'Findings' "
                "in bench/README.md: an IN-list of bind parameters under a stale PostgreSQL "
                "generic plan)."
            )
    notes.append(
        "CPU per event counts all CPU while a phase ran: in a phase that drains "
        "slowly, the idle polling of the relay, the broker and the observer adds to "
        "it; the burst phase is the cleanest figure."
    )
    notes.append(
        "Interpretation and the changes that would fix the bottlenecks: 'Findings' "
        "in bench/README.md. Logs of the last run (services, tansu) are in "
        "bench/out/spine/; the databases are dropped at the end."
    )
    return notes


BENCHMARK = Benchmark(
    name="spine",
    title="Event spine throughput and latency on PostgreSQL",
    description=(
        "N pegawai registrations through outbox → Kafka (tansu) → audit ledger, with the "
        "pegawai and audit services as separate uvicorn processes, each on its own PostgreSQL "
        "database; in the same run, the raw aiokafka produce→consume rate of identical "
        "messages on the same broker as the ceiling. Targets: ≥ 5,000 events/s sustained, "
        "p99 commit→ledger ≤ 1 s, ≥ 30 % of the raw ceiling."
    ),
    add_arguments=add_arguments,
    run=run,
)
