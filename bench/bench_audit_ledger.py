"""Benchmark `audit`: the audit ledger's three targets (issue "Audit service").

- append: N events are produced to `tatamutasi.pegawai.v1` on tansu first; then the audit
  service (its own uvicorn process, PostgreSQL) consumes the backlog and appends it to the
  ledger (pseudonymise, RFC 8785 entry bytes, leaf and node hashes, query index rows, one
  signed checkpoint per batch). Rate = entries / (last batch start - first batch start),
  the first batch not counted. In the same run, the ceiling: the same messages consumed
  with aiokafka by a fresh group and written raw (event id + bytes) with the same batch
  size, COPY per batch, one transaction per batch, into the same database.
- proofs: a tree of `--audit-tree` synthetic leaves (default 10 million) is loaded straight
  into PostgreSQL with COPY (entries, every perfect-subtree hash, the signed checkpoint);
  then random inclusion and consistency proofs are requested through the HTTP API
  (in-process ASGI client, auditor token) and timed per request.
- export: a `--audit-export`-entry (default 1 million) JSONL export of realistic
  pseudonymised entries is written as the API writes it, and `verify_export` (what
  `tatamutasi audit verify --export` runs) checks it; timed from reading the manifest to
  the verdict.

Standalone: `.venv/bin/python -m bench --only audit [--audit-tree 1000000 ...]`."""

import argparse
import asyncio
import contextlib
import hashlib
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from bench.core import OUT_DIR, Benchmark, Result, Target
from bench.harness import (
    PgDatabases,
    ServiceProcess,
    fmt_rate,
    percentile,
    process_cpu_s,
    start_service,
    stop_services,
    wait_healthy,
)
from tatamutasi_audit.ledger import export, merkle
from tatamutasi_audit.ledger.entries import Pseudonymiser, entry_bytes
from tatamutasi_audit.ledger.note import Checkpoint, Signer, sign_checkpoint
from tatamutasi_audit.service.keys import LedgerKeys
from tatamutasi_audit.service.ledger import ENTRY_COLUMNS as _ENTRY_COLUMNS

ORIGIN = "tatamutasi.example/pemda-bench"
TOPIC = "tatamutasi.pegawai.v1"
PARTITIONS = 3
TARGET_APPEND_PER_S = 5000.0
TARGET_PROOF_P99_MS = 5.0
TARGET_EXPORT_S = 10.0
PHASES = ("append", "proofs", "export")
LOAD_CHUNK = 1 << 18  # leaves per COPY round when loading the synthetic tree


def add_arguments(g: argparse._ArgumentGroup) -> None:
    g.add_argument(
        "--audit-entries",
        type=int,
        default=50_000,
        help="audit: events appended from Kafka (default 50000)",
    )
    g.add_argument(
        "--audit-batch",
        type=int,
        default=2000,
        help="audit: consumer batch size = raw insert batch size (default 2000)",
    )
    g.add_argument(
        "--audit-tree",
        type=int,
        default=10_000_000,
        help="audit: synthetic tree size for the proof latency (default 10000000)",
    )
    g.add_argument(
        "--audit-samples", type=int, default=1000, help="audit: proofs per kind (default 1000)"
    )
    g.add_argument(
        "--audit-export",
        type=int,
        default=1_000_000,
        help="audit: entries in the export verified offline (default 1000000)",
    )
    g.add_argument(
        "--audit-phases",
        default=",".join(PHASES),
        help="audit: phases to run, from append,proofs,export",
    )


_T0 = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - _T0:7.1f}s] audit: {text}", flush=True)


def _keys() -> LedgerKeys:
    return LedgerKeys(Signer.generate(ORIGIN), Pseudonymiser(os.urandom(32)))


def nip_for(i: int) -> str:
    return f"19850312201001{1 + i % 2}{i % 1000:03d}"


def envelope(seq: int) -> dict[str, Any]:
    nip = nip_for(seq)
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/tatamutasi/pegawai",
        "type": "pegawai.registered",
        "time": "2026-11-23T10:00:00.000000Z",
        "subject": nip,
        "datacontenttype": "application/json",
        "sequence": seq,
        "actor": "bkd-1",
        "actorrole": "admin",
        "data": {
            "nip": nip,
            "name": f"Pegawai Uji Beban {seq:07d}",
            "unor_id": f"unor-bench-{seq % 97:03d}",
            "jabatan_id": f"jabatan-bench-{seq % 31:02d}",
            "kind": "PNS",
        },
    }


# -- append from Kafka ------------------------------------------------------------------------
async def _produce(bootstrap: str, n: int) -> float:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=512 * 1024
    )
    await producer.start()
    start = time.perf_counter()
    try:
        pending = []
        for seq in range(1, n + 1):
            env = envelope(seq)
            pending.append(
                await producer.send(TOPIC, orjson.dumps(env), key=env["subject"].encode())
            )
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return n / (time.perf_counter() - start)


async def _wait_ledger(url: str, n: int, timeout: float, svc: ServiceProcess) -> dict[str, Any]:
    import asyncpg

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + timeout
        count = 0
        while time.monotonic() < deadline:
            count = await conn.fetchval(
                "SELECT count(*) FROM ledger_entries WHERE type = 'pegawai.registered'"
            )
            if count >= n:
                break
            if not svc.alive():
                raise RuntimeError(f"the audit service died:\n{svc.log_tail()}")
            await asyncio.sleep(0.2)
        if count < n:
            raise TimeoutError(f"only {count} of {n} entries appended in {timeout:.0f} s")
        batches = await conn.fetch(
            "SELECT appended_at, count(*) AS n FROM ledger_entries "
            "WHERE type = 'pegawai.registered' GROUP BY appended_at ORDER BY appended_at"
        )
        others = await conn.fetchval(
            "SELECT count(*) FROM ledger_entries WHERE type <> 'pegawai.registered'"
        )
        if others:
            raise RuntimeError(f"{others} other entries (rejections?) in the ledger")
        checkpoints = await conn.fetchval("SELECT count(*) FROM ledger_checkpoints")
    finally:
        await conn.close()
    first, last = batches[0]["appended_at"], batches[-1]["appended_at"]
    span = (last - first).total_seconds()
    counted = n - int(batches[0]["n"])
    return {
        "rate": counted / span if span > 0 else float("nan"),
        "batches": len(batches),
        "mean_batch": n / len(batches),
        "checkpoints": int(checkpoints),
        "span_s": span,
    }


async def _raw_ceiling(bootstrap: str, url: str, n: int, batch: int) -> float:
    """The same messages from Kafka, written raw (COPY per batch, one transaction each)."""
    import asyncpg
    from aiokafka import AIOKafkaConsumer

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    db = await asyncpg.connect(dsn)
    await db.execute(
        "CREATE TABLE bench_raw_entries (idx bigint PRIMARY KEY, event_id varchar(64) "
        "NOT NULL UNIQUE, entry bytea NOT NULL)"
    )
    consumer = AIOKafkaConsumer(
        TOPIC,
        bootstrap_servers=bootstrap,
        group_id=f"bench-raw-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=20,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    await consumer.start()
    done = 0
    start = 0.0
    try:
        while done < n:
            got = await consumer.getmany(timeout_ms=1000, max_records=batch)
            records = [r for rs in got.values() for r in rs]
            if not records:
                continue
            if not start:
                start = time.perf_counter()
            rows = []
            for r in records:
                value = r.value or b""
                rows.append((done, orjson.loads(value)["id"], value))
                done += 1
            async with db.transaction():
                await db.copy_records_to_table(
                    "bench_raw_entries", records=rows, columns=["idx", "event_id", "entry"]
                )
            await consumer.commit()
        elapsed = time.perf_counter() - start
    finally:
        await consumer.stop()
        await db.close()
    return n / elapsed


def run_append(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    from tatamutasi_platform import migrations
    from tatamutasi_platform.auth import generate_keypair
    from tatamutasi_platform.broker import TansuBroker, free_port

    n, batch = args.audit_entries, args.audit_batch
    dbs = PgDatabases(prefix="tm_bench_audit")
    broker: TansuBroker | None = None
    svc: ServiceProcess | None = None
    try:
        url = dbs.create("append")
        migrations.upgrade("tatamutasi_audit", url, "audit")
        broker = TansuBroker(log_file=out / "tansu.log", partitions=PARTITIONS).start()
        say(f"producing {n:,} events to {TOPIC} ...")
        produce_rate = asyncio.run(_produce(broker.bootstrap, n))
        _, public_pem = generate_keypair()
        (out / "public.pem").write_bytes(public_pem)
        env = {
            "AUDIT_DATABASE_URL": url,
            "AUDIT_KAFKA_BOOTSTRAP": broker.bootstrap,
            "AUDIT_AUTH_PUBLIC_KEY_FILE": str(out / "public.pem"),
            "AUDIT_DATA_DIR": str(out / "audit-data"),
            "AUDIT_ENVIRONMENT": "development",
            "AUDIT_LOG_LEVEL": "WARNING",
            "AUDIT_MIGRATE_ON_START": "false",
            "AUDIT_KAFKA_PARTITIONS": str(PARTITIONS),
            "AUDIT_CONSUMER_BATCH_SIZE": str(batch),
            "AUDIT_KAFKA_FETCH_MAX_WAIT_MS": "20",
        }
        say("starting the audit service; it drains the backlog ...")
        svc = start_service(
            "audit",
            "tatamutasi_audit.app:create_app",
            free_port(),
            env,
            "AUDIT",
            out / "audit.log",
            cwd=out,
        )
        wait_healthy(svc)
        cpu0 = process_cpu_s(svc.pid) or 0.0
        ledger = asyncio.run(_wait_ledger(url, n, 900, svc))
        cpu = (process_cpu_s(svc.pid) or 0.0) - cpu0
        stop_services([svc])
        svc = None
        say("raw ceiling: the same messages, consumed and COPYed raw ...")
        raw = asyncio.run(_raw_ceiling(broker.bootstrap, url, n, batch))
        say("self-check of the appended ledger ...")
        check_s, consistent = asyncio.run(_self_check(url, out / "audit-data"))
    finally:
        if svc is not None:
            stop_services([svc])
        if broker is not None:
            broker.stop()
        dbs.drop_all()
    return {
        **ledger,
        "entries": n,
        "batch": batch,
        "raw_rate": raw,
        "produce_rate": produce_rate,
        "service_cpu_ms_per_entry": 1000 * cpu / n,
        "self_check_s": check_s,
        "consistent": consistent,
    }


async def _self_check(url: str, data_dir: Path) -> tuple[float, bool]:
    """The service's self-check (`GET /ledger/verify`) on the appended ledger, with the
    development keys the service generated."""
    from tatamutasi_audit.service import ledger as ledger_service
    from tatamutasi_audit.service.keys import load_keys
    from tatamutasi_audit.settings import AuditSettings
    from tatamutasi_platform.db import create_engine

    keys = load_keys(AuditSettings(database_url=url, data_dir=data_dir, environment="development"))
    engine = create_engine(url)
    try:
        start = time.perf_counter()
        async with engine.connect() as conn:
            report = await ledger_service.verify(conn, keys)
        return time.perf_counter() - start, report.consistent
    finally:
        await engine.dispose()


# -- proofs at scale --------------------------------------------------------------------------
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8  # signature, flags, no extension
_COPY_TRAILER = b"\xff\xff"


def _node_rows(level: int, first: int, hashes: list[bytes]) -> bytes:
    """COPY BINARY rows (level smallint, idx bigint, hash bytea) of consecutive nodes, built
    as one numpy record array (no Python object per row)."""
    import numpy as np

    dt = np.dtype(
        [
            ("n", ">i2"),
            ("l1", ">i4"),
            ("level", ">i2"),
            ("l2", ">i4"),
            ("idx", ">i8"),
            ("l3", ">i4"),
            ("hash", "S32"),
        ]
    )
    rows = np.empty(len(hashes), dtype=dt)
    rows["n"], rows["l1"], rows["level"], rows["l2"], rows["l3"] = 3, 2, level, 8, 32
    rows["idx"] = np.arange(first, first + len(hashes), dtype=np.int64)
    rows["hash"] = np.frombuffer(b"".join(hashes), dtype="S32")
    return rows.tobytes()


def synthetic_entry(k: int) -> bytes:
    return b'{"n":"%012d"}' % k  # fixed width: the COPY rows are built as one array


def _entry_rows(first: int, last: int, appended_us: int) -> bytes:
    """COPY BINARY rows of synthetic entries [first, last) in `_ENTRY_COLUMNS` order (all
    fields fixed width; subject NULL)."""
    import numpy as np

    fixed = [
        ("source", b"/bench"),
        ("type", b"bench.loaded"),
        ("time", b"2026-11-23T10:00:00.000000Z"),
        ("actor", b"bench"),
    ]
    dt = np.dtype(
        [
            ("n", ">i2"),
            ("l_idx", ">i4"),
            ("idx", ">i8"),
            ("l_id", ">i4"),
            ("event_id", "S18"),
            ("l_source", ">i4"),
            ("source", "S6"),
            ("l_seq", ">i4"),
            ("sequence", ">i8"),
            ("l_type", ">i4"),
            ("type", "S12"),
            ("l_subject", ">i4"),
            ("l_time", ">i4"),
            ("time", "S27"),
            ("l_actor", ">i4"),
            ("actor", "S5"),
            ("l_entry", ">i4"),
            ("entry", "S20"),
            ("l_at", ">i4"),
            ("appended_at", ">i8"),
        ]
    )
    ks = np.arange(first, last, dtype=np.int64)
    rows = np.empty(len(ks), dtype=dt)
    rows["n"] = len(_ENTRY_COLUMNS)
    rows["l_idx"], rows["idx"] = 8, ks
    rows["l_id"] = 18
    rows["event_id"] = np.char.add(b"bench-", np.char.zfill(ks.astype("S12"), 12))
    rows["l_seq"], rows["sequence"] = 8, ks + 1
    rows["l_subject"] = -1
    for name, value in fixed:
        rows["l_" + name], rows[name] = len(value), value
    rows["l_entry"] = 20
    rows["entry"] = np.char.add(np.char.add(b'{"n":"', np.char.zfill(ks.astype("S12"), 12)), b'"}')
    rows["l_at"], rows["appended_at"] = 8, appended_us
    return rows.tobytes()


def synthetic_nodes(n: int, chunk: int = LOAD_CHUNK) -> Any:
    """Every perfect node of the tree of n synthetic leaves, as (level, first index, hashes)
    runs: each aligned chunk of leaves hashed level by level (hashlib in list
    comprehensions), then the levels above the chunks from the chunks' roots."""
    sha = hashlib.sha256
    top = chunk.bit_length() - 1
    roots: list[bytes] = []
    for first in range(0, n, chunk):
        last = min(n, first + chunk)
        level_hashes = [sha(b"\x00" + synthetic_entry(k)).digest() for k in range(first, last)]
        level, start = 0, first
        while level_hashes:
            yield level, start, level_hashes
            if level == top:
                roots += level_hashes
                break
            it = iter(level_hashes)
            level_hashes = [sha(b"\x01" + a + b).digest() for a, b in zip(it, it, strict=False)]
            level, start = level + 1, start >> 1
    level, start, level_hashes = top, 0, roots
    while len(level_hashes) > 1:
        it = iter(level_hashes)
        level_hashes = [sha(b"\x01" + a + b).digest() for a, b in zip(it, it, strict=False)]
        level += 1
        yield level, 0, level_hashes


async def _constraints_and_indexes(db: Any, table: str) -> tuple[list[str], list[str]]:
    """DDL that drops, and DDL that recreates, every index and key of `table` (so a bulk
    load writes the heap only and builds each index once, sorted, at the end)."""
    cons = await db.fetch(
        "SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint "
        "WHERE conrelid = $1::regclass AND contype IN ('p', 'u')",
        table,
    )
    names = {c["conname"] for c in cons}
    idx = await db.fetch("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1", table)
    plain = [i for i in idx if i["indexname"] not in names]
    drop = [f'ALTER TABLE {table} DROP CONSTRAINT "{c["conname"]}"' for c in cons]
    drop += [f'DROP INDEX "{i["indexname"]}"' for i in plain]
    create = [f'ALTER TABLE {table} ADD CONSTRAINT "{c["conname"]}" {c["def"]}' for c in cons]
    create += [i["indexdef"] for i in plain]
    return drop, create


async def load_synthetic(url: str, n: int, keys: LedgerKeys) -> dict[str, float]:
    """A tree of n synthetic leaves straight into PostgreSQL: the tables' keys and indexes
    dropped, entries and every perfect-subtree hash streamed with COPY BINARY (rows built
    as numpy record arrays, hashes with hashlib level by level), then the keys and indexes
    built once. Returns seconds per step."""
    import asyncpg

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    db = await asyncpg.connect(dsn)
    backend = await db.fetchval("SELECT pg_backend_pid()")
    pg_cpu0 = process_cpu_s(backend) or 0.0
    start, cpu0 = time.perf_counter(), time.process_time()
    now = datetime.now(UTC)
    appended_us = (now - _PG_EPOCH) // timedelta(microseconds=1)
    times: dict[str, float] = {}
    try:
        await db.execute("SET maintenance_work_mem = '512MB'")
        ddl = {t: await _constraints_and_indexes(db, t) for t in ("ledger_entries", "ledger_nodes")}
        for drop, _ in ddl.values():
            for stmt in drop:
                await db.execute(stmt)

        async def nodes() -> Any:
            yield _COPY_HEADER
            done = 0
            for level, first, hashes in synthetic_nodes(n):
                yield _node_rows(level, first, hashes)
                if level == 0:
                    done += len(hashes)
                    if done % (8 * LOAD_CHUNK) == 0 or done == n:
                        say(f"  hashed and sent {done:,} of {n:,} leaves (and their nodes)")
            yield _COPY_TRAILER

        async def entries() -> Any:
            yield _COPY_HEADER
            for first in range(0, n, LOAD_CHUNK):
                yield _entry_rows(first, min(n, first + LOAD_CHUNK), appended_us)
            yield _COPY_TRAILER

        t = time.perf_counter()
        await db.copy_to_table(
            "ledger_nodes", source=nodes(), columns=["level", "idx", "hash"], format="binary"
        )
        times["nodes"] = time.perf_counter() - t
        t = time.perf_counter()
        await db.copy_to_table(
            "ledger_entries", source=entries(), columns=list(_ENTRY_COLUMNS), format="binary"
        )
        times["entries"] = time.perf_counter() - t
        say("  building the keys and indexes ...")
        t = time.perf_counter()
        for _, create in ddl.values():
            for stmt in create:
                await db.execute(stmt)
        times["indexes"] = time.perf_counter() - t
        ids = merkle.range_nodes(0, n)
        got = {
            (r["level"], r["idx"]): bytes(r["hash"])
            for r in await db.fetch(
                "SELECT level, idx, hash FROM ledger_nodes WHERE (level, idx) IN "
                "(SELECT * FROM unnest($1::smallint[], $2::bigint[]))",
                [lv for lv, _ in ids],
                [ix for _, ix in ids],
            )
        }
        root = merkle.fold_right([got[i] for i in ids])
        note = sign_checkpoint(Checkpoint(ORIGIN, n, root), keys.signer)
        await db.execute("INSERT INTO ledger_tree (id, size, root) VALUES (1, $1, $2)", n, root)
        await db.execute(
            "INSERT INTO ledger_checkpoints (size, root, note, created_at) VALUES ($1, $2, $3, $4)",
            n,
            root,
            note,
            now,
        )
        t = time.perf_counter()
        await db.execute("ANALYZE ledger_nodes")
        await db.execute("ANALYZE ledger_entries")
        times["analyze"] = time.perf_counter() - t
        times["cpu_pg"] = (process_cpu_s(backend) or 0.0) - pg_cpu0
    finally:
        await db.close()
    times["total"] = time.perf_counter() - start
    times["cpu_bench"] = time.process_time() - cpu0
    return times


def run_proofs(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from tatamutasi_audit.app import create_app
    from tatamutasi_audit.ledger.note import open_checkpoint
    from tatamutasi_audit.settings import AuditSettings
    from tatamutasi_platform import migrations
    from tatamutasi_platform.auth import generate_keypair, issue_token

    n, samples = args.audit_tree, args.audit_samples
    dbs = PgDatabases(prefix="tm_bench_audit")
    try:
        url = dbs.create("proofs")
        migrations.upgrade("tatamutasi_audit", url, "audit")
        keys = _keys()
        say(f"loading a tree of {n:,} synthetic leaves with COPY ...")
        load = asyncio.run(load_synthetic(url, n, keys))
        (out / "signing.key").write_text(keys.signer.encode())
        private_pem, public_pem = generate_keypair()
        (out / "proof-public.pem").write_bytes(public_pem)
        settings = AuditSettings(
            database_url=url,
            environment="test",
            log_level="WARNING",
            consumer_enabled=False,
            relay_enabled=False,
            kafka_bootstrap="127.0.0.1:9",
            auth_public_key_file=out / "proof-public.pem",
            signing_key_file=out / "signing.key",
            log_origin=ORIGIN,
            data_dir=out / "proof-data",
        )
        token = issue_token(private_pem, sub="bench", roles=["auditor"])
        headers = {"Authorization": f"Bearer {token}"}
        rng = random.Random(7)
        result: dict[str, Any] = {"tree": n, "load": load, "samples": samples}
        with TestClient(create_app(settings)) as client:
            cp = open_checkpoint(client.get("/checkpoint", headers=headers).text, keys.verifier)
            assert cp.size == n
            for kind in ("checkpoint", "inclusion", "consistency"):
                times = []
                cpu = 0.0
                for i in range(samples + 20):
                    if kind == "checkpoint":
                        path, params = "/checkpoint", {}
                    elif kind == "inclusion":
                        path, params = "/ledger/proofs/inclusion", {"index": rng.randrange(n)}
                    else:
                        path, params = "/ledger/proofs/consistency", {"first": rng.randint(1, n)}
                    c, t = time.process_time(), time.perf_counter()
                    r = client.get(path, params=params, headers=headers)
                    elapsed = time.perf_counter() - t
                    assert r.status_code == 200, r.text
                    if i >= 20:  # the first requests warm the pool and the caches
                        times.append(elapsed)
                        cpu += time.process_time() - c
                    if i == 20 and kind != "checkpoint":
                        _check_proof(kind, r.json(), cp)
                result[kind] = {
                    "p50_ms": 1000 * statistics.median(times),
                    "p99_ms": 1000 * percentile(times, 99),
                    "max_ms": 1000 * max(times),
                    "cpu_ms": 1000 * cpu / len(times),
                }
        return result
    finally:
        dbs.drop_all()


def _check_proof(kind: str, body: dict[str, Any], cp: Checkpoint) -> None:
    import base64

    proof = [base64.b64decode(h) for h in body["proof"]]
    if kind == "inclusion":
        merkle.verify_inclusion(
            body["index"], cp.size, base64.b64decode(body["leaf_hash"]), proof, cp.root
        )
    else:
        merkle.verify_consistency(
            body["first"], cp.size, proof, base64.b64decode(body["first_root"]), cp.root
        )


# -- offline verification of an export --------------------------------------------------------
def build_export(folder: Path, n: int, keys: LedgerKeys) -> float:
    """A whole-log JSONL export of n realistic pseudonymised entries, as the API writes it."""
    start = time.perf_counter()
    rows = []
    for i in range(n):
        pseudo, _ = keys.pseudonymiser.envelope(envelope(i + 1))
        entry = entry_bytes(pseudo)
        rows.append(
            export.ExportRow(
                i,
                pseudo["id"],
                pseudo["source"],
                pseudo["sequence"],
                pseudo["type"],
                pseudo["subject"],
                pseudo["time"],
                pseudo["actor"],
                entry,
            )
        )
    leaves = [merkle.leaf_hash(r.entry) for r in rows]
    root = merkle.root_from_leaf_hashes(leaves)
    note = sign_checkpoint(Checkpoint(ORIGIN, n, root), keys.signer)
    files = export.build_export(
        rows,
        fmt="jsonl",
        checkpoint_note=note,
        checkpoint=Checkpoint(ORIGIN, n, root),
        proof=[],
        query={"after": -1, "limit": n},
        complete=True,
        next_after=None,
        created_at=datetime.now(UTC),
    )
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return time.perf_counter() - start


def run_export(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    n = args.audit_export
    keys = _keys()
    with tempfile.TemporaryDirectory(prefix="bench-audit-export-") as tmp:
        folder = Path(tmp) / "export"
        say(f"writing a JSONL export of {n:,} entries ...")
        build_s = build_export(folder, n, keys)
        size = sum(p.stat().st_size for p in folder.iterdir())
        say("verifying it offline ...")
        start, cpu = time.perf_counter(), time.process_time()
        report = export.verify_export(folder, keys.verifier)
        verify_s = time.perf_counter() - start
        verify_cpu_s = time.process_time() - cpu
        assert report.count == n and report.contiguous
    return {
        "entries": n,
        "build_s": build_s,
        "verify_s": verify_s,
        "verify_cpu_s": verify_cpu_s,
        "bytes": size,
    }


# -- report -----------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> Result:
    global _T0
    _T0 = time.monotonic()
    phases = [p.strip() for p in args.audit_phases.split(",") if p.strip()]
    bad = set(phases) - set(PHASES)
    if bad or not phases:
        raise SystemExit(f"--audit-phases: unknown phase(s) {sorted(bad)}")
    out = OUT_DIR / "audit"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    figures: list[tuple[str, str, str]] = []
    targets: list[Target] = []
    notes: list[str] = []
    settings: dict[str, str] = {}
    if "append" in phases:
        a = run_append(args, out)
        settings["entries appended (--audit-entries)"] = f"{a['entries']:,}"
        settings["consumer batch size (--audit-batch)"] = str(a["batch"])
        ratio = a["rate"] / a["raw_rate"]
        figures += [
            (
                "append from Kafka (PostgreSQL)",
                fmt_rate(a["rate"]),
                f"{a['entries']:,} events drained from tansu by the audit service into the "
                f"ledger, {a['batches']} batches (mean {a['mean_batch']:.0f}), "
                f"{a['checkpoints']} signed checkpoints",
            ),
            (
                "raw batched insert (same run)",
                fmt_rate(a["raw_rate"]),
                "the same messages consumed from tansu and COPYed raw (id + bytes), one "
                "transaction per batch: the ceiling",
            ),
            ("ledger / raw", f"{100 * ratio:.0f}%", "append rate divided by the ceiling"),
            (
                "audit service CPU per entry",
                f"{a['service_cpu_ms_per_entry']:.3f} ms",
                "CPU seconds of the audit process while it drained / entries (includes "
                "the Kafka client and idle polling); 1 / this = the rate one idle core "
                "would give the service alone",
            ),
            (
                "self-check of that ledger",
                f"{a['self_check_s']:.1f} s",
                "GET /ledger/verify's work: recompute every hash, check every checkpoint, "
                "the query columns and index rows "
                f"({'consistent' if a['consistent'] else 'INCONSISTENT'})",
            ),
        ]
        targets.append(
            Target(
                "append throughput from Kafka, with checkpoints",
                f"≥ {TARGET_APPEND_PER_S:,.0f}/s",
                fmt_rate(a["rate"]),
                a["rate"] >= TARGET_APPEND_PER_S,
            )
        )
    if "proofs" in phases:
        p = run_proofs(args, out)
        settings["synthetic tree (--audit-tree)"] = f"{p['tree']:,} leaves"
        settings["proofs per kind (--audit-samples)"] = str(p["samples"])
        figures.append(
            (
                "load of the synthetic tree",
                f"{p['load']['total']:.0f} s",
                f"{p['tree']:,} entries and {2 * p['tree'] - 1:,} node hashes: keys and "
                "indexes dropped, COPY BINARY streams (numpy rows, hashlib level by level) "
                f"of the nodes {p['load']['nodes']:.0f} s and the entries "
                f"{p['load']['entries']:.0f} s, keys and indexes rebuilt "
                f"{p['load']['indexes']:.0f} s, ANALYZE {p['load']['analyze']:.0f} s; CPU: "
                f"bench process {p['load']['cpu_bench']:.0f} s, its PostgreSQL backend "
                f"{p['load']['cpu_pg']:.0f} s (parallel index workers not counted)",
            )
        )
        c = p["checkpoint"]
        figures.append(
            (
                "GET /checkpoint, p50 / p99 (floor)",
                f"{c['p50_ms']:.2f} / {c['p99_ms']:.2f} ms",
                "token check + HTTP on the same client (the tree head is cached by the "
                "service): what any request costs on this machine at this moment; CPU "
                f"{c['cpu_ms']:.2f} ms per request (client and service, one process)",
            )
        )
        for kind in ("inclusion", "consistency"):
            k = p[kind]
            figures.append(
                (
                    f"{kind} proof, p50 / p99 / max",
                    f"{k['p50_ms']:.2f} / {k['p99_ms']:.2f} / {k['max_ms']:.1f} ms",
                    f"GET /ledger/proofs/{kind} at random positions of a {p['tree']:,}-leaf "
                    "tree, through the HTTP API (in-process ASGI client); CPU "
                    f"{k['cpu_ms']:.2f} ms per request (client and service, one process)",
                )
            )
            targets.append(
                Target(
                    f"{kind} proof p99 at {p['tree']:,} entries",
                    f"≤ {TARGET_PROOF_P99_MS:g} ms",
                    f"{k['p99_ms']:.2f} ms",
                    k["p99_ms"] <= TARGET_PROOF_P99_MS,
                )
            )
    if "export" in phases:
        e = run_export(args, out)
        settings["export entries (--audit-export)"] = f"{e['entries']:,}"
        figures += [
            (
                "offline verification of an export",
                f"{e['verify_s']:.1f} s",
                f"verify_export on a {e['entries']:,}-entry JSONL export "
                f"({e['bytes'] / 1e6:.0f} MB): signature, every line's columns against its "
                "entry, leaf hashes, root",
            ),
            (
                "  CPU time of that verification",
                f"{e['verify_cpu_s']:.1f} s",
                "CPU seconds the verifier used (one core): its wall time on an otherwise idle core",
            ),
            (
                "writing that export",
                f"{e['build_s']:.1f} s",
                "pseudonymise, canonical JSON, hash and render (the API's work minus the "
                "database reads)",
            ),
        ]
        targets.append(
            Target(
                f"offline verification of a {e['entries']:,}-entry export",
                f"≤ {TARGET_EXPORT_S:g} s",
                f"{e['verify_s']:.1f} s",
                e["verify_s"] <= TARGET_EXPORT_S,
            )
        )
    with contextlib.suppress(OSError):
        notes.append(
            "Load average at the end: "
            + " ".join(Path("/proc/loadavg").read_text().split()[:3])
            + " on this shared 2-core machine: absolute rates are those of a busy machine; "
            "the ledger/raw ratio compares two measurements of the same run."
        )
    return Result(figures=figures, targets=targets, settings=settings, notes=notes)


BENCHMARK = Benchmark(
    name="audit",
    title="Audit ledger: append from Kafka, proofs at 10M entries, offline export check",
    description=(
        "The audit service's ledger on PostgreSQL: events appended from Kafka (tansu) by the "
        "audit service with a signed checkpoint per batch, against the same run's raw "
        "batched insert rate; inclusion and consistency proof latency through the HTTP API "
        "on a 10-million-entry tree loaded with COPY; offline verification of a "
        "1-million-entry export. Targets: ≥ 5,000 entries/s, proof p99 ≤ 5 ms, export "
        "verified in ≤ 10 s."
    ),
    add_arguments=add_arguments,
    run=run,
)
