"""Benchmark `scale`: a multi-tenant simulation through the real event spine. N instansi
(default 50 Pemda x 10,000 ASN = 500,000 employees) register their employees: the rows go
into a producer's transactional outbox on PostgreSQL (COPY, in chunks, tenants interleaved);
the platform's outbox relay (`OutboxRelay` with the `Bus`) assigns sequences and publishes
to tansu on a multi-partition topic; two consumer instances (separate processes, one
consumer group) run the platform's idempotent consumer and append every event to its
instansi's own audit ledger: the audit service's `ledger.append` (RFC 9162 Merkle tree,
signed checkpoint per batch) on one PostgreSQL schema per instansi, so each tenant has its
own sequencer and its own checkpoints. Measured: end-to-end and per-stage throughput, how
the partitions and the work split between the two instances, and the per-tenant ledger sizes
(each verified against its signed checkpoint).

The partition key is the instansi (`--scale-key instansi`, default), so one tenant's events
stay in one partition and only one instance appends to a tenant's log at a time; `--scale-
key nip` keys by the aggregate (NIP) instead, as the services do today, and both instances
then contend for every tenant's sequencer. The instansi of an event is encoded in its unit
id (`I017-U042`): the contracts carry no instansi attribute yet (SCALING.md proposes one)."""

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import sqlalchemy as sa

from bench.core import OUT_DIR, Benchmark, Result, Target, standalone
from bench.harness import PgDatabases, process_cpu_s
from tatamutasi_contracts import Topic, dlq_topic
from tatamutasi_contracts.envelope import format_time

TOPIC = Topic.PEGAWAI.value
GROUP = "scale-ledger"
SOURCE = "/tatamutasi/pegawai"
ORIGIN_PREFIX = "scale.tatamutasi.example"
PSEUDONYM_SECRET = b"bench-scale-pseudonym-secret-0001"
COPY_CHUNK = 10_000
NATIONAL_ASN = 4_734_041  # DOMAIN.md §5 (2024)
LOAD_WINDOW_S = 2 * 3600  # a national first load (every ASN registered once) in two hours
TARGET_EVENTS_PER_S = NATIONAL_ASN / LOAD_WINDOW_S  # ~658/s (SCALING.md)


# -- tenants and events ----------------------------------------------------------------------
def tenant_id(t: int) -> str:
    return f"I{t:03d}"


def schema_of(tenant: str) -> str:
    return f"ledger_{tenant.lower()}"


def tenant_of_unit(unor_id: str) -> str:
    return unor_id.split("-", 1)[0]


def nip_for(i: int) -> str:
    """A well-formed, unique 18-digit NIP for employee number i (birth date, TMT, sex, no)."""
    birth_year, rest = 1965 + i % 35, i // 35
    month, day = 1 + rest % 12, 1 + (rest // 12) % 28
    serial = (rest // 336) % 999 + 1
    tmt = 1990 + (i // 7) % 34
    return f"{birth_year}{month:02d}{day:02d}{tmt}{1 + i % 12:02d}{1 + i % 2}{serial:03d}"


def outbox_row(t: int, k: int, key_by: str, now: str) -> tuple[Any, ...]:
    """One pegawai.registered outbox row for employee k of tenant t."""
    tenant = tenant_id(t)
    i = t * 1_000_000 + k
    nip = nip_for(i)
    data = {
        "nip": nip,
        "name": f"Pegawai {tenant}-{k}",
        "unor_id": f"{tenant}-U{k % 200:03d}",
        "jabatan_id": f"J{k % 300:03d}",
    }
    key = tenant if key_by == "instansi" else nip
    return (
        str(uuid.uuid4()),
        TOPIC,
        key,
        "pegawai.registered",
        nip,
        now,
        "bench-scale",
        "system",
        None,
        orjson.dumps(data).decode(),
    )


OUTBOX_COLUMNS = [
    "event_id",
    "topic",
    "key",
    "type",
    "subject",
    "time",
    "actor",
    "actorrole",
    "traceparent",
    "data",
]


def tenant_keys(tenant: str) -> Any:
    """The signing key of one tenant's log (deterministic, so both instances sign alike)."""
    from tatamutasi_audit.ledger.entries import Pseudonymiser
    from tatamutasi_audit.ledger.note import Signer
    from tatamutasi_audit.service.keys import LedgerKeys

    name = f"{ORIGIN_PREFIX}/{tenant.lower()}"
    seed = hashlib.sha256(name.encode()).digest()
    return LedgerKeys(Signer(name, seed), Pseudonymiser(PSEUDONYM_SECRET))


PLATFORM_TABLES = {"outbox", "outbox_counter", "processed_events", "idempotency_keys"}


def ledger_tables() -> list[sa.Table]:
    """The audit service's own tables (the ledger and what `ledger.append` maintains with it),
    created in each tenant's schema; the platform tables (inbox) stay shared."""
    from tatamutasi_audit.adapters.orm import metadata

    return [t for t in metadata.sorted_tables if t.name not in PLATFORM_TABLES]


# -- setup -----------------------------------------------------------------------------------
async def setup_databases(producer_url: str, ledger_url: str, tenants: list[str]) -> None:
    from tatamutasi_audit.adapters.orm import metadata as audit_metadata
    from tatamutasi_platform.db import create_engine, new_metadata
    from tatamutasi_platform.tables import add_platform_tables

    producer_meta = new_metadata()
    add_platform_tables(producer_meta)
    engine = create_engine(producer_url)
    async with engine.begin() as conn:
        await conn.run_sync(producer_meta.create_all)
    await engine.dispose()
    engine = create_engine(ledger_url)
    async with engine.begin() as conn:
        await conn.run_sync(
            audit_metadata.create_all,
            tables=[t for t in audit_metadata.sorted_tables if t.name in PLATFORM_TABLES],
        )
        for tenant in tenants:
            schema = schema_of(tenant)
            await conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            translated = await conn.execution_options(schema_translate_map={None: schema})
            await translated.run_sync(audit_metadata.create_all, tables=ledger_tables())
            await conn.execution_options(schema_translate_map={})
    await engine.dispose()


# -- the consumer instances (subprocesses) ---------------------------------------------------
@dataclass
class WorkerStats:
    instance: str
    applied: int = 0
    batches: int = 0
    appends: int = 0  # ledger.append calls (one per tenant per batch)
    tenants: Counter[str] = field(default_factory=Counter)
    partitions: list[int] = field(default_factory=list)
    first_s: float | None = None
    last_s: float | None = None


async def worker(cfg: dict[str, Any]) -> None:
    from tatamutasi_audit.service import ledger
    from tatamutasi_platform.bus import Bus
    from tatamutasi_platform.consumer import Event, IdempotentConsumer
    from tatamutasi_platform.db import create_engine
    from tatamutasi_platform.metrics import Metrics
    from tatamutasi_platform.settings import ServiceSettings
    from tatamutasi_platform.tables import add_platform_tables

    settings = ServiceSettings(
        service_name=f"scale-{cfg['instance']}",
        environment="development",
        database_url=cfg["ledger_url"],
        database_pool_size=2,
        kafka_bootstrap=cfg["bootstrap"],
        kafka_create_topics=False,
        kafka_partitions=cfg["partitions"],
        consumer_batch_size=cfg["batch"],
        log_level="WARNING",
    )
    engine = create_engine(cfg["ledger_url"], pool_size=2)
    from tatamutasi_platform.db import new_metadata

    tables = add_platform_tables(new_metadata())
    metrics = Metrics()
    bus = Bus(settings, metrics, [TOPIC])
    stats = WorkerStats(cfg["instance"])
    keys: dict[str, Any] = {}

    async def append(conn: Any, events: Any) -> None:
        by_tenant: dict[str, list[Event]] = {}
        for ev in events:
            by_tenant.setdefault(tenant_of_unit(ev.payload.unor_id), []).append(ev)
        # Each tenant's log is the audit service's own tables in the tenant's schema; the
        # search path (not a schema translation: the ledger COPYs rows with the raw driver)
        # selects it, for this transaction only.
        try:
            for tenant in sorted(by_tenant):  # a fixed order: no lock-order deadlocks
                await conn.execute(sa.text(f'SET LOCAL search_path TO "{schema_of(tenant)}"'))
                k = keys.get(tenant) or keys.setdefault(tenant, tenant_keys(tenant))
                await ledger.append(conn, by_tenant[tenant], k)
                stats.tenants[tenant] += len(by_tenant[tenant])
                stats.appends += 1
        finally:
            await conn.execute(sa.text("SET LOCAL search_path TO public"))
        now = time.time()
        stats.first_s = stats.first_s or now
        stats.last_s = now
        stats.applied += len(events)
        stats.batches += 1
        for ev in events:
            if ev.partition not in stats.partitions:
                stats.partitions.append(ev.partition)

    async def append_one(conn: Any, event: Any) -> None:
        await append(conn, [event])

    consumer = IdempotentConsumer(
        name=GROUP,
        topics=[TOPIC],
        settings=settings,
        engine=engine,
        tables=tables,
        bus=bus,
        metrics=metrics,
        handler=append_one,
        batch_handler=append,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    tasks = [asyncio.create_task(bus.run()), asyncio.create_task(consumer.run())]
    await consumer.assigned.wait()
    Path(cfg["stats_file"]).with_suffix(".assigned").write_text(cfg["instance"])
    print(json.dumps({"assigned": cfg["instance"]}), flush=True)
    await stop.wait()
    for t in tasks:
        t.cancel()
    for t in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await t
    await engine.dispose()
    out = {
        "instance": stats.instance,
        "applied": stats.applied,
        "batches": stats.batches,
        "appends": stats.appends,
        "tenants": dict(stats.tenants),
        "partitions": sorted(stats.partitions),
        "first_s": stats.first_s,
        "last_s": stats.last_s,
    }
    Path(cfg["stats_file"]).write_text(json.dumps(out))


# -- the driver (this process: generator, relay, observer) -----------------------------------
@dataclass
class Run:
    tenants: int
    per_tenant: int
    partitions: int
    consumers: int
    key_by: str
    relays: int = 1
    started: float = 0.0
    generated_at: float = 0.0
    published_at: float = 0.0
    consumed_at: float = 0.0
    timed_out: bool = False
    cpu: dict[str, float] = field(default_factory=dict)
    pg_cpu_s: float = 0.0  # backends of this run's two databases
    workers: list[dict[str, Any]] = field(default_factory=list)
    ledger_sizes: dict[str, int] = field(default_factory=dict)
    checkpoints_ok: int = 0
    duplicates: int = 0
    processed: int = 0
    ledger_db_bytes: int = 0
    producer_db_bytes: int = 0

    @property
    def total(self) -> int:
        return self.tenants * self.per_tenant


def say(text: str) -> None:
    print(f"  scale: {text}", flush=True)


async def generate(producer_dsn: str, run: Run) -> None:
    """COPY the outbox rows in chunks, tenants interleaved (as many Pemda work at once)."""
    conn = await asyncpg.connect(producer_dsn)
    try:
        now = format_time(datetime.now(UTC))
        order = [(t, k) for k in range(run.per_tenant) for t in range(run.tenants)]
        for i in range(0, len(order), COPY_CHUNK):
            rows = [outbox_row(t, k, run.key_by, now) for t, k in order[i : i + COPY_CHUNK]]
            await conn.copy_records_to_table("outbox", records=rows, columns=OUTBOX_COLUMNS)
    finally:
        await conn.close()
    run.generated_at = time.monotonic()


async def drive(
    args: argparse.Namespace,
    run: Run,
    producer_url: str,
    ledger_dsn: str,
    producer_dsn: str,
    bootstrap: str,
) -> None:
    from tatamutasi_platform.bus import Bus
    from tatamutasi_platform.db import create_engine, new_metadata
    from tatamutasi_platform.metrics import Metrics
    from tatamutasi_platform.outbox import OutboxRelay
    from tatamutasi_platform.settings import ServiceSettings
    from tatamutasi_platform.tables import add_platform_tables

    settings = ServiceSettings(
        service_name="scale-producer",
        database_url=producer_url,
        kafka_bootstrap=bootstrap,
        kafka_create_topics=False,
        kafka_partitions=run.partitions,
        log_level="WARNING",
    )
    engine = create_engine(producer_url, pool_size=4)
    tables = add_platform_tables(new_metadata())
    metrics = Metrics()
    bus = Bus(settings, metrics, [TOPIC])
    # one relay per producer replica (several pegawai replicas each run one); they share the
    # outbox under the sequence counter's row lock
    relays = [
        OutboxRelay(
            engine,
            tables,
            SOURCE,
            bus,
            metrics,
            batch_size=args.scale_relay_batch,
            poll_interval_s=0.02,
        )
        for _ in range(args.scale_relays)
    ]
    bus_task = asyncio.create_task(bus.run())
    assert await bus.wait_ready(30), "the relay's producer did not connect"
    relay_tasks = [asyncio.create_task(r.run()) for r in relays]
    observer = await asyncpg.connect(ledger_dsn)
    pub_observer = await asyncpg.connect(producer_dsn)
    run.started = time.monotonic()
    gen_task = asyncio.create_task(generate(producer_dsn, run))
    deadline = run.started + args.scale_timeout
    last_print = 0.0
    pg_first: dict[int, float] = {}
    pg_last: dict[int, float] = {}
    databases = [producer_dsn.rsplit("/", 1)[1], ledger_dsn.rsplit("/", 1)[1]]
    try:
        while True:
            await asyncio.sleep(1.0)
            for rec in await observer.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = ANY($1::text[])", databases
            ):
                used = process_cpu_s(rec["pid"])
                if used is not None:
                    pg_first.setdefault(rec["pid"], used)
                    pg_last[rec["pid"]] = used
            if gen_task.done():
                gen_task.result()
            processed = await observer.fetchval(
                "SELECT count(*) FROM processed_events WHERE consumer = $1", GROUP
            )
            now = time.monotonic()
            if not run.published_at and gen_task.done():
                pending = await pub_observer.fetchval(
                    "SELECT count(*) FROM outbox WHERE published_at IS NULL"
                )
                if pending == 0:
                    run.published_at = now
            if now - last_print > 15:
                say(
                    f"{processed:,} of {run.total:,} in the ledgers after {now - run.started:.0f} s"
                )
                last_print = now
            if processed >= run.total:
                run.consumed_at = now
                run.published_at = run.published_at or now
                break
            if now > deadline:
                run.timed_out = True
                run.consumed_at = now
                break
        run.processed = int(processed)
        run.pg_cpu_s = sum(pg_last[p] - pg_first[p] for p in pg_last)
    finally:
        for t in (*relay_tasks, bus_task, gen_task):
            t.cancel()
        for t in (*relay_tasks, bus_task, gen_task):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        await observer.close()
        await pub_observer.close()
        await engine.dispose()


async def check_ledgers(ledger_url: str, producer_url: str, tenants: list[str], run: Run) -> None:
    """Each tenant's log: its size, and its newest signed checkpoint verified with the tenant's
    key against the stored tree head; no event in two logs."""
    from tatamutasi_audit.adapters.orm import ledger_checkpoints, ledger_entries, ledger_tree
    from tatamutasi_audit.ledger.note import open_checkpoint
    from tatamutasi_platform.db import create_engine

    engine = create_engine(ledger_url)
    seen = 0
    async with engine.connect() as conn:
        for tenant in tenants:
            await conn.execution_options(schema_translate_map={None: schema_of(tenant)})
            head = (await conn.execute(sa.select(ledger_tree.c.size, ledger_tree.c.root))).first()
            size = int(head.size) if head else 0
            run.ledger_sizes[tenant] = size
            seen += int(
                (
                    await conn.execute(
                        sa.select(sa.func.count(sa.distinct(ledger_entries.c.event_id)))
                    )
                ).scalar_one()
            )
            note = (
                await conn.execute(
                    sa.select(ledger_checkpoints.c.note)
                    .order_by(ledger_checkpoints.c.size.desc())
                    .limit(1)
                )
            ).scalar()
            if note and head:
                cp = open_checkpoint(note, tenant_keys(tenant).verifier)
                if cp.size == size and cp.root == bytes(head.root):
                    run.checkpoints_ok += 1
        await conn.execution_options(schema_translate_map={})
        ledger_sql = sa.text(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND (n.nspname LIKE 'ledger\\_%' "
            "OR c.oid = 'public.processed_events'::regclass)"
        )
        run.ledger_db_bytes = int((await conn.execute(ledger_sql)).scalar_one())
    await engine.dispose()
    engine = create_engine(producer_url)
    async with engine.connect() as conn:
        outbox_sql = sa.text("SELECT pg_total_relation_size('public.outbox')")
        run.producer_db_bytes = int((await conn.execute(outbox_sql)).scalar_one())
    await engine.dispose()
    run.duplicates = sum(run.ledger_sizes.values()) - seen


def _pg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def run_bench(args: argparse.Namespace) -> Result:
    from tatamutasi_platform.broker import TansuBroker
    from tatamutasi_platform.bus import ensure_topics

    out_dir = OUT_DIR / "scale"
    out_dir.mkdir(parents=True, exist_ok=True)
    run = Run(
        args.scale_tenants,
        args.scale_employees,
        args.scale_partitions,
        args.scale_consumers,
        args.scale_key,
        args.scale_relays,
    )
    tenants = [tenant_id(t) for t in range(run.tenants)]
    dbs = PgDatabases("tm_bench_scale")
    broker = TansuBroker(log_file=out_dir / "tansu.log")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        producer_url = dbs.create("producer")
        ledger_url = dbs.create("ledger")
        say(f"{run.tenants} instansi x {run.per_tenant:,} = {run.total:,} employees")
        broker.start(create_topics=False)
        asyncio.run(ensure_topics(broker.bootstrap, [TOPIC, dlq_topic(TOPIC)], run.partitions))
        t0 = time.monotonic()
        asyncio.run(setup_databases(producer_url, ledger_url, tenants))
        say(f"databases and {len(tenants)} ledger schemas ready in {time.monotonic() - t0:.0f} s")
        for n in range(run.consumers):
            for suffix in (".assigned", ".json"):
                (out_dir / f"consumer-{n + 1}{suffix}").unlink(missing_ok=True)
            cfg = {
                "instance": f"consumer-{n + 1}",
                "ledger_url": ledger_url,
                "bootstrap": broker.bootstrap,
                "partitions": run.partitions,
                "batch": args.scale_batch,
                "stats_file": str(out_dir / f"consumer-{n + 1}.json"),
            }
            log = open(out_dir / f"consumer-{n + 1}.log", "wb")  # noqa: SIM115
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bench.bench_scale", "--worker", json.dumps(cfg)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=Path(__file__).resolve().parents[1],
                    start_new_session=True,
                )
            )
        # both instances in the group with partitions assigned before the first event
        deadline = time.monotonic() + 90
        marks = [out_dir / f"consumer-{n + 1}.assigned" for n in range(run.consumers)]
        while not all(m.exists() for m in marks):
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError("the consumer instances did not join; see bench/out/scale/")
            time.sleep(0.2)
        time.sleep(2)  # the group settles (the second join rebalances the first)
        pids = {"bench process (generator, relay)": os.getpid(), "tansu broker": broker_pid(broker)}
        pids |= {f"consumer-{n + 1}": p.pid for n, p in enumerate(procs)}
        cpu0 = {k: process_cpu_s(p) or 0.0 for k, p in pids.items()}
        asyncio.run(
            drive(
                args,
                run,
                producer_url,
                _pg_dsn(ledger_url),
                _pg_dsn(producer_url),
                broker.bootstrap,
            )
        )
        wall = run.consumed_at - run.started
        run.cpu = {k: ((process_cpu_s(p) or 0.0) - cpu0[k]) / wall for k, p in pids.items()}
        run.cpu["PostgreSQL (backends of this run's databases)"] = run.pg_cpu_s / wall
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=60)
        for n in range(run.consumers):
            path = out_dir / f"consumer-{n + 1}.json"
            if path.exists():
                run.workers.append(json.loads(path.read_text()))
        asyncio.run(check_ledgers(ledger_url, producer_url, tenants, run))
        return report(run)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        broker.stop()
        dbs.drop_all()


def broker_pid(broker: Any) -> int:
    proc = broker._proc  # the tansu process the platform started
    return int(proc.pid) if proc is not None else 0


# -- results ---------------------------------------------------------------------------------
def report(run: Run) -> Result:
    wall = run.consumed_at - run.started
    e2e = run.processed / wall if wall else 0.0
    gen = run.total / (run.generated_at - run.started) if run.generated_at else 0.0
    relay = run.total / (run.published_at - run.started) if run.published_at else 0.0
    sizes = list(run.ledger_sizes.values())
    expected = run.per_tenant
    all_exact = all(s == expected for s in sizes) and len(sizes) == run.tenants
    cpu_total = sum(run.cpu.values())
    cpu_ms = 1000 * cpu_total * wall / run.processed if run.processed else 0.0
    per_instance = ", ".join(
        f"{w['instance']}: {w['applied']:,} events in {w['batches']:,} batches, "
        f"partitions {w['partitions']}, {len(w['tenants'])} instansi"
        for w in run.workers
    )
    shared = 0
    if len(run.workers) >= 2:
        sets = [set(w["tenants"]) for w in run.workers]
        shared = len(set.intersection(*sets))
    figures = [
        (
            "end-to-end throughput",
            f"{e2e:,.0f}/s",
            f"{run.processed:,} registrations from the first outbox COPY to the last ledger "
            f"append ({wall:.0f} s)",
        ),
        (
            "generator (outbox COPY)",
            f"{gen:,.0f}/s",
            "rows committed into the producer's outbox; far above the rest, so not the limit",
        ),
        (
            "outbox relay (sequence + publish)",
            f"{relay:,.0f}/s",
            f"until the outbox had no unpublished row ({run.relays} relay(s), as that many "
            "pegawai replicas run)",
        ),
        (
            "spine CPU per event",
            f"{cpu_ms:.2f} ms",
            "CPU of generator+relay, broker, both consumers and their PostgreSQL backends per "
            f"event: {2000 / cpu_ms if cpu_ms else 0:,.0f}/s would fit 2 otherwise idle cores",
        ),
        ("consumer instances", per_instance or "-", "from each instance's own counts"),
        (
            "instansi appended by both instances",
            f"{shared}",
            "0 when keyed by instansi (a tenant's partition has one owner); with --scale-key "
            "nip both instances append to every log (contending for its sequencer)",
        ),
        (
            "per-tenant ledger sizes",
            f"min {min(sizes, default=0):,} / max {max(sizes, default=0):,}",
            f"{len(sizes)} logs, expected {expected:,} each: "
            + ("all exact" if all_exact else "NOT all exact"),
        ),
        (
            "signed checkpoints verified",
            f"{run.checkpoints_ok} of {run.tenants}",
            "each log's newest checkpoint, with that instansi's key, against its tree head",
        ),
        ("events in two logs", f"{run.duplicates}", "should be 0"),
        (
            "ledger tables size",
            f"{run.ledger_db_bytes / 2**20:,.0f} MiB",
            f"{run.ledger_db_bytes / max(run.processed, 1):,.0f} bytes per event: entries, "
            "Merkle nodes, query index, checkpoints (one per batch and tenant) and the inbox, "
            "with their indexes",
        ),
        (
            "outbox table size",
            f"{run.producer_db_bytes / 2**20:,.0f} MiB",
            f"{run.producer_db_bytes / max(run.processed, 1):,.0f} bytes per event: the "
            "outbox rows (kept for replay) with their indexes",
        ),
    ]
    cpu_rows = "\n".join(f"| {k} | {v:.2f} |" for k, v in run.cpu.items())
    extra = (
        "CPU used during the run, in cores (this machine has 2, shared with other work):\n\n"
        "| process | cores |\n|---|---:|\n" + cpu_rows + "\n\nPer-tenant ledger sizes:\n\n"
        "| instansi | entries |\n|---|---:|\n"
        + "\n".join(f"| {t} | {s:,} |" for t, s in sorted(run.ledger_sizes.items()))
    )
    targets = [
        Target(
            "every registration in its instansi's ledger, exactly once",
            f"{run.total:,} in {run.tenants} logs",
            f"{run.processed:,}; sizes {'exact' if all_exact else 'off'}; "
            f"{run.duplicates} duplicates",
            all_exact and run.duplicates == 0 and not run.timed_out,
        ),
        Target(
            "every log's checkpoint verifies",
            f"{run.tenants}",
            f"{run.checkpoints_ok}",
            run.checkpoints_ok == run.tenants,
        ),
        Target(
            "sustained end-to-end rate: 4.7M ASN loaded in 2 h (SCALING.md)",
            f">= {TARGET_EVENTS_PER_S:,.0f}/s",
            f"{e2e:,.0f}/s",
            e2e >= TARGET_EVENTS_PER_S,
        ),
    ]
    settings = {
        "instansi x employees": f"{run.tenants} x {run.per_tenant:,}",
        "topic partitions": str(run.partitions),
        "consumer instances (one group)": str(run.consumers),
        "partition key": run.key_by,
        "outbox relays": str(run.relays),
        "ledgers": "one PostgreSQL schema per instansi, one database",
        "PostgreSQL": "server defaults, throw-away databases",
    }
    notes = [
        "Logs and each instance's counts: bench/out/scale/.",
        "The generator writes outbox rows directly (COPY) instead of running the pegawai "
        "registration use case: the spine, not the registry, is under test here (the "
        "`spine` benchmark measures the registry's own cost).",
    ]
    if run.timed_out:
        notes.append(f"TIMED OUT after {wall:.0f} s with {run.processed:,} of {run.total:,}.")
    return Result(figures, targets, settings, notes, extra)


def add_arguments(g: argparse._ArgumentGroup) -> None:
    g.add_argument("--scale-tenants", type=int, default=50, help="scale: instansi (default 50)")
    g.add_argument(
        "--scale-employees", type=int, default=10_000, help="scale: ASN per instansi (10000)"
    )
    g.add_argument("--scale-partitions", type=int, default=6, help="scale: partitions (6)")
    g.add_argument(
        "--scale-consumers", type=int, default=2, help="scale: consumer instances in the group"
    )
    g.add_argument(
        "--scale-key",
        choices=("instansi", "nip"),
        default="instansi",
        help="scale: partition key (default instansi)",
    )
    g.add_argument("--scale-batch", type=int, default=2000, help="scale: consumer batch (2000)")
    g.add_argument(
        "--scale-relays", type=int, default=2, help="scale: outbox relays (producer replicas, 2)"
    )
    g.add_argument("--scale-relay-batch", type=int, default=2000, help="scale: relay batch (2000)")
    g.add_argument(
        "--scale-timeout", type=float, default=1500, help="scale: give up after (s, 1500)"
    )


BENCHMARK = Benchmark(
    name="scale",
    title="Multi-tenant scale test: N instansi through the spine into per-instansi ledgers",
    description=" ".join(__doc__.split("\n\n")[0].split()),
    add_arguments=add_arguments,
    run=run_bench,
)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"]:
        asyncio.run(worker(json.loads(argv[1])))
        return 0
    return standalone("scale", argv)


if __name__ == "__main__":
    sys.exit(main())
