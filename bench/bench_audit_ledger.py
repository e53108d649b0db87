"""Audit ledger benchmark (standalone: `python -m bench.bench_audit_ledger [--entries N]`).

1. Append throughput through `ledger.append` (pseudonymise, canonical JSON, leaf and node
   hashes, one signed checkpoint per batch) on SQLite and, when it answers, PostgreSQL; and
   the same rows inserted raw (entries only, no tree, no checkpoint) as the ceiling.
2. Inclusion and consistency proof latency through the HTTP API (in-process TestClient) on a
   tree of synthetic leaves loaded directly into the node table.
3. Offline verification (`verify_log`: entry bundles, root, every hash tile) of N entries.

No Kafka here: the consumer's batch handler is called directly, so the figures are the
ledger's own cost."""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from tatamutasi_audit.adapters.orm import (
    ledger_checkpoints,
    ledger_entries,
    ledger_nodes,
    ledger_tree,
)
from tatamutasi_audit.ledger import merkle
from tatamutasi_audit.ledger.entries import Pseudonymiser
from tatamutasi_audit.ledger.note import Checkpoint, Signer, sign_checkpoint
from tatamutasi_audit.ledger.tiles import (
    TILE_WIDTH,
    bundles_for_size,
    encode_bundle,
    tiles_for_size,
)
from tatamutasi_audit.ledger.verifier import verify_log
from tatamutasi_audit.service import ledger
from tatamutasi_audit.service.keys import LedgerKeys
from tatamutasi_contracts import validate_event
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.consumer import Event
from tatamutasi_platform.db import create_engine
from tatamutasi_platform.migrations import upgrade

ORIGIN = "tatamutasi.example/pemda-bench"


def _envelope(seq: int) -> dict[str, Any]:
    nip = f"19850312201001{1 + seq % 2}{seq % 1000:03d}"
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/tatamutasi/pegawai",
        "type": "pegawai.registered",
        "time": "2026-11-23T10:00:00.000000Z",
        "subject": nip,
        "sequence": seq,
        "actor": "bkd-1",
        "actorrole": "admin",
        "data": {"nip": nip, "name": f"Pegawai {seq}", "unor_id": "U-DINKES", "jabatan_id": "J1"},
    }


def _events(n: int) -> list[Event]:
    out = []
    for i in range(1, n + 1):
        raw = orjson.dumps(_envelope(i))
        env, payload = validate_event(raw)
        out.append(Event(env, payload, raw, "tatamutasi.pegawai.v1", 0, i))
    return out


def _keys() -> LedgerKeys:
    return LedgerKeys(Signer.generate(ORIGIN), Pseudonymiser(os.urandom(32)))


async def _append_rate(url: str, events: list[Event], batch: int) -> dict[str, float]:
    await asyncio.to_thread(upgrade, "tatamutasi_audit", url, "audit")
    engine = create_engine(url)
    keys = _keys()
    try:
        start = time.perf_counter()
        for i in range(0, len(events), batch):
            async with engine.begin() as conn:
                await ledger.append(conn, events[i : i + batch], keys)
        ledger_s = time.perf_counter() - start
        # the ceiling: the same number of entry rows, inserted raw in the same batches
        raw_table = sa.Table(
            "bench_raw_entries",
            sa.MetaData(),
            sa.Column("idx", sa.BigInteger, primary_key=True),
            sa.Column("event_id", sa.String(64), unique=True),
            sa.Column("entry", sa.LargeBinary),
        )
        async with engine.begin() as conn:
            await conn.run_sync(raw_table.create)
        start = time.perf_counter()
        for i in range(0, len(events), batch):
            rows = [
                {"idx": i + k, "event_id": e.envelope.id, "entry": e.raw}
                for k, e in enumerate(events[i : i + batch])
            ]
            async with engine.begin() as conn:
                await conn.execute(raw_table.insert(), rows)
        raw_s = time.perf_counter() - start
        async with engine.connect() as conn:
            check = await ledger.verify(conn, keys)
        assert check.consistent, check.problems
    finally:
        await engine.dispose()
    n = len(events)
    return {
        "entries": n,
        "ledger_per_s": round(n / ledger_s),
        "raw_insert_per_s": round(n / raw_s),
        "ratio": round((n / ledger_s) / (n / raw_s), 3),
    }


async def _load_synthetic(url: str, n: int) -> LedgerKeys:
    """A tree of n synthetic leaves, written straight into the node table."""
    await asyncio.to_thread(upgrade, "tatamutasi_audit", url, "audit")
    engine = create_engine(url)
    keys = _keys()
    try:
        entries = [b'{"n":%d}' % i for i in range(n)]
        leaves = [merkle.leaf_hash(e) for e in entries]
        nodes = merkle.new_nodes(0, leaves, lambda ids: [])
        rows = [{"level": lv, "idx": ix, "hash": h} for (lv, ix), h in nodes.items()]
        for i in range(0, len(rows), 20_000):
            async with engine.begin() as conn:
                await conn.execute(ledger_nodes.insert(), rows[i : i + 20_000])
        root = merkle.root(n, lambda ids: [nodes[i] for i in ids])
        async with engine.begin() as conn:
            await conn.execute(ledger_tree.insert().values(id=1, size=n, root=root))
            await conn.execute(
                ledger_checkpoints.insert().values(
                    size=n,
                    root=root,
                    note=sign_checkpoint(Checkpoint(ORIGIN, n, root), keys.signer),
                    created_at=utcnow(),
                )
            )
        now = utcnow()
        for i in range(0, n, 20_000):
            rows = [
                {
                    "idx": k,
                    "event_id": f"bench-{k}",
                    "source": "/bench",
                    "sequence": k + 1,
                    "type": "bench.loaded",
                    "subject": None,
                    "time": "2026-11-23T10:00:00.000000Z",
                    "actor": "bench",
                    "entry": entries[k],
                    "appended_at": now,
                }
                for k in range(i, min(n, i + 20_000))
            ]
            async with engine.begin() as conn:
                await conn.execute(ledger_entries.insert(), rows)
    finally:
        await engine.dispose()
    return keys


def _proof_latency(url: str, n: int, samples: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from tatamutasi_audit.app import create_app
    from tatamutasi_audit.settings import AuditSettings
    from tatamutasi_platform.auth import generate_keypair, issue_token

    keys = asyncio.run(_load_synthetic(url, n))
    tmp = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    (tmp / "signing.key").write_text(keys.signer.encode())
    private_pem, public_pem = generate_keypair()
    (tmp / "public.pem").write_bytes(public_pem)
    settings = AuditSettings(
        database_url=url,
        environment="test",
        log_level="WARNING",
        consumer_enabled=False,
        relay_enabled=False,
        kafka_bootstrap="127.0.0.1:9",
        auth_public_key_file=tmp / "public.pem",
        signing_key_file=tmp / "signing.key",
        log_origin=ORIGIN,
        data_dir=tmp,
    )
    headers = {"Authorization": "Bearer " + issue_token(private_pem, sub="b", roles=["auditor"])}
    rng = __import__("random").Random(7)
    out: dict[str, Any] = {"tree_size": n}
    with TestClient(create_app(settings)) as client:
        for kind in ("inclusion", "consistency"):
            times = []
            for _ in range(samples):
                if kind == "inclusion":
                    path, params = "/ledger/proofs/inclusion", {"index": rng.randrange(n)}
                else:
                    path, params = "/ledger/proofs/consistency", {"first": rng.randint(1, n)}
                start = time.perf_counter()
                r = client.get(path, params=params, headers=headers)
                times.append(time.perf_counter() - start)
                assert r.status_code == 200, r.text
            times.sort()
            out[kind] = {
                "p50_ms": round(statistics.median(times) * 1000, 2),
                "p99_ms": round(times[int(len(times) * 0.99) - 1] * 1000, 2),
            }
        # proof reads through the service layer alone (no HTTP)
        runtime = client.app.state.runtime  # type: ignore[attr-defined]

        async def service_proofs() -> float:
            start = time.perf_counter()
            async with runtime.engine.connect() as conn:
                for _ in range(samples):
                    await ledger.inclusion_proof(conn, rng.randrange(n), n)
            return (time.perf_counter() - start) / samples

        assert client.portal is not None
        out["inclusion_service_mean_ms"] = round(client.portal.call(service_proofs) * 1000, 3)
    return out


def _verify_time(n: int) -> dict[str, Any]:
    keys = _keys()
    entries = [rb'{"n":%d,"pad":"' % i + b"x" * 200 + b'"}' for i in range(n)]
    leaves = [merkle.leaf_hash(e) for e in entries]
    nodes = merkle.new_nodes(0, leaves, lambda ids: [])
    root = merkle.root(n, lambda ids: [nodes[i] for i in ids])
    files: dict[str, bytes] = {
        "checkpoint": sign_checkpoint(Checkpoint(ORIGIN, n, root), keys.signer).encode()
    }
    for ref in bundles_for_size(n):
        first = ref.index * TILE_WIDTH
        files[ref.path()] = encode_bundle(entries[first : first + ref.width])
    for ref in tiles_for_size(n):
        level, first = 8 * ref.level, ref.index * TILE_WIDTH
        files[ref.path()] = b"".join(nodes[(level, first + i)] for i in range(ref.width))
    start = time.perf_counter()
    report = verify_log(files.__getitem__, keys.verifier)
    elapsed = time.perf_counter() - start
    assert report.checkpoint.size == n
    return {"entries": n, "seconds": round(elapsed, 2), "tiles": report.tiles_checked}


def _pg_append(entries: int, batch: int) -> dict[str, float] | None:
    """The append benchmark on a throw-away PostgreSQL database (None if none answers)."""
    from bench.harness import PgDatabases

    dbs = PgDatabases(prefix="tm_bench_audit")
    try:
        try:
            url = dbs.create("ledger")
        except Exception:
            return None
        return asyncio.run(_append_rate(url, _events(entries), batch))
    finally:
        dbs.drop_all()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--entries", type=int, default=20_000, help="appended entries")
    p.add_argument("--batch", type=int, default=1000, help="entries per appended batch")
    p.add_argument("--tree", type=int, default=200_000, help="synthetic tree size for proofs")
    p.add_argument("--samples", type=int, default=300, help="proof requests per kind")
    p.add_argument("--verify", type=int, default=200_000, help="entries verified offline")
    p.add_argument("--no-postgres", action="store_true")
    args = p.parse_args(argv)
    results: dict[str, Any] = {}
    events = _events(args.entries)
    with tempfile.TemporaryDirectory() as tmp:
        results["append_sqlite"] = asyncio.run(
            _append_rate(f"sqlite:///{tmp}/append.db", events, args.batch)
        )
        results["proofs_sqlite"] = _proof_latency(
            f"sqlite:///{tmp}/proofs.db", args.tree, args.samples
        )
    if not args.no_postgres:
        pg = _pg_append(args.entries, args.batch)
        if pg is not None:
            results["append_postgres"] = pg
    results["verify_offline"] = _verify_time(args.verify)
    json.dump(results, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
