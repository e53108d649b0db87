"""SIASN sync benchmark: `tatamutasi siasn sync` of 10,000 NIPs into the registry, against
the fake SIASN server (`tatamutasi siasn fake-server`, its own process, real HTTP), once
with no added latency and once with 50 ms of latency per call.

Each run syncs into a fresh PostgreSQL database (migrated to head) with the service's own
job runner (`SyncRunner`): for every NIP, 12 SIASN calls (data-utama, rw-jabatan,
rw-golongan, rw-pendidikan, rw-skp22, rw-potensi, rw-kompetensi, rw-hukdis, rw-diklat,
data-pasangan/anak/ortu) with bounded concurrency, then registration, history rows, family
and events in one transaction per NIP; `ref-unor` once. A second run over the same NIPs
(nothing changed in SIASN) shows the cost of a re-sync. The fetch alone (snapshots, no
database) is measured as the baseline.

Standalone: `.venv/bin/python -m bench.bench_siasn [--siasn-nips 10000] [--no-write]`."""

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench.core import (
    Benchmark,
    Result,
    Target,
    standalone,
)

DEFAULT_NIPS = 10_000
TARGET_S = 60.0
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _start_fake(port: int, employees: int, nips_file: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tatamutasi_cli.main",
            "siasn",
            "fake-server",
            "--port",
            str(port),
            "--employees",
            str(employees),
            "--seed",
            "1",
            "--apim-token-ttl-s",
            "3600",
            "--sso-token-ttl-s",
            "3600",
            "--nips-out",
            str(nips_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/admin/faults", timeout=1)
            return process
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the fake SIASN server did not start") from None
            time.sleep(0.1)


async def _admin(sql: str, admin_dsn: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _fresh_db(admin_dsn: str) -> tuple[str, str]:
    from tatamutasi_platform import migrations

    name = f"tm_bench_siasn_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"', admin_dsn))
    url = admin_dsn.rpartition("/")[0] + "/" + name
    migrations.upgrade("tatamutasi_pegawai", url, "pegawai")
    return name, url


def _drop_db(name: str, admin_dsn: str) -> None:
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', admin_dsn))


async def _fetch_only(base_url: str, nips: list[str], concurrency: int) -> dict[str, float]:
    from tatamutasi_pegawai.adapters.siasn import SiasnClient, SiasnFailure
    from tatamutasi_pegawai.siasn_fake import fake_client_settings

    failures = 0

    def done(result: object) -> None:
        nonlocal failures
        failures += isinstance(result, SiasnFailure)

    settings = fake_client_settings(base_url, max_concurrency=concurrency, timeout_s=120)
    started = time.perf_counter()
    async with SiasnClient(settings) as siasn:
        await siasn.snapshots(nips, on_result=done)
        requests = siasn.stats["requests"]
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "requests": requests, "failed": failures}


async def _sync(
    base_url: str, db_url: str, nips: list[str], concurrency: int, instansi_id: str
) -> dict[str, Any]:
    from tatamutasi_pegawai.adapters.orm import platform
    from tatamutasi_pegawai.adapters.siasn import SiasnClient
    from tatamutasi_pegawai.domain.reference import BUILTIN
    from tatamutasi_pegawai.service import siasn_sync
    from tatamutasi_pegawai.siasn_fake import fake_client_settings
    from tatamutasi_platform.db import create_engine
    from tatamutasi_platform.outbox import Actor
    from tatamutasi_platform.runtime import Transaction

    settings = fake_client_settings(
        base_url, max_concurrency=concurrency, timeout_s=120, instansi_id=instansi_id
    )
    engine = create_engine(db_url, pool_size=min(32, concurrency))
    actor = Actor("bench-siasn", "admin")
    runs: list[dict[str, Any]] = []
    try:
        for _ in range(2):  # a first sync, then a re-sync with nothing changed
            async with engine.begin() as conn:
                job_id = await siasn_sync.create_job(
                    Transaction(conn, platform, actor), nips, with_unor=True
                )
            started = time.perf_counter()
            async with SiasnClient(settings) as siasn:
                runner = siasn_sync.SyncRunner(
                    engine,
                    platform,
                    siasn,
                    lambda: BUILTIN,
                    instansi_id=instansi_id,
                    actor=actor,
                )
                view = await runner.run(job_id)
                requests = siasn.stats["requests"]
            runs.append(
                {
                    "seconds": time.perf_counter() - started,
                    "done": view.done,
                    "failed": view.failed,
                    "changed": view.changed,
                    "requests": requests,
                }
            )
        async with engine.connect() as conn:
            import sqlalchemy as sa

            events = (
                await conn.execute(sa.select(sa.func.count()).select_from(platform.outbox))
            ).scalar_one()
    finally:
        await engine.dispose()
    return {"first": runs[0], "again": runs[1], "events": events}


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--siasn-nips", type=int, default=DEFAULT_NIPS, help="NIPs to sync")
    group.add_argument("--siasn-concurrency", type=int, default=32, help="no-latency run")
    group.add_argument(
        "--siasn-latency-concurrency", type=int, default=128, help="concurrency, 50 ms run"
    )
    group.add_argument("--siasn-latency-ms", type=float, default=50.0)
    group.add_argument("--siasn-skip-latency", action="store_true")
    group.add_argument("--siasn-pg", default=PG_ADMIN, help="PostgreSQL admin DSN")


def run(args: argparse.Namespace) -> Result:
    from tatamutasi_pegawai.adapters.siasn.nip_list import read_nips
    from tatamutasi_pegawai.siasn_fake import FakeData, free_port

    n = args.siasn_nips
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    instansi_id = FakeData(seed=1, employees=1).instansi_id
    figures: list[tuple[str, str, str]] = []
    targets: list[Target] = []
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        nips_file = Path(tmp) / "nips.csv"
        process = _start_fake(port, n, nips_file)
        try:
            nips = list(read_nips(nips_file).nips)
            runs = [("none", args.siasn_concurrency, 0.0)]
            if not args.siasn_skip_latency:
                runs.append(
                    (f"{args.siasn_latency_ms:g} ms", args.siasn_latency_concurrency,
                     args.siasn_latency_ms)
                )  # fmt: skip
            for label, concurrency, latency in runs:
                httpx.put(f"{base_url}/admin/faults", json={"latency_ms": latency}, timeout=10)
                fetch = asyncio.run(_fetch_only(base_url, nips, concurrency))
                name, url = _fresh_db(args.siasn_pg)
                try:
                    sync = asyncio.run(_sync(base_url, url, nips, concurrency, instansi_id))
                finally:
                    _drop_db(name, args.siasn_pg)
                first, again = sync["first"], sync["again"]
                rows.append(
                    f"| {label} | {concurrency} | {fetch['seconds']:.1f} s "
                    f"| {first['seconds']:.1f} s | {n / first['seconds']:.0f} "
                    f"| {first['failed']} | {again['seconds']:.1f} s | {again['changed']} "
                    f"| {sync['events']:,} |"
                )
                figures.append(
                    (
                        f"sync, latency {label}",
                        f"{first['seconds']:.1f} s",
                        f"{n:,} NIPs fetched and applied (concurrency {concurrency}); "
                        f"{first['failed']} failed",
                    )
                )
                figures.append(
                    (
                        f"fetch only, latency {label}",
                        f"{fetch['seconds']:.1f} s",
                        f"{fetch['requests']:,.0f} requests, no database (baseline)",
                    )
                )
                figures.append(
                    (
                        f"re-sync, latency {label}",
                        f"{again['seconds']:.1f} s",
                        f"same NIPs, nothing changed: {again['changed']} changed",
                    )
                )
                if latency == 0:
                    targets.append(
                        Target(
                            f"sync of {DEFAULT_NIPS:,} NIPs, no added latency",
                            f"≤ {TARGET_S:.0f} s",
                            f"{first['seconds']:.1f} s"
                            + ("" if n == DEFAULT_NIPS else f" for {n:,} NIPs"),
                            first["seconds"] <= TARGET_S if n == DEFAULT_NIPS else None,
                        )
                    )
                else:
                    targets.append(
                        Target(
                            f"sync with {latency:g} ms per call",
                            "report figure and concurrency",
                            f"{first['seconds']:.1f} s at concurrency {concurrency}",
                            True,
                        )
                    )
        finally:
            process.terminate()
            process.wait(timeout=30)
    table = "\n".join(
        [
            "| latency per call | concurrency | fetch only | sync | NIPs/s | failed | re-sync "
            "| changed on re-sync | events |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    notes = [
        "The fake SIASN runs in its own process on the same machine: its CPU competes with "
        "the client and PostgreSQL (2 cores), so the fetch figure is a floor, not SIASN's.",
        "`events` counts the outbox rows after both runs: the re-sync adds none.",
    ]
    if n != DEFAULT_NIPS:
        notes.append(f"Run at {n:,} NIPs, not the target size of {DEFAULT_NIPS:,}.")
    return Result(
        figures=figures,
        targets=targets,
        settings={"nips": str(n), "database": "PostgreSQL (fresh database per run)"},
        notes=notes,
        extra_markdown=table,
    )


BENCHMARK = Benchmark(
    name="siasn",
    title="SIASN sync of 10,000 NIPs against the fake server",
    description=__doc__.split("\n\n")[0],
    add_arguments=add_arguments,
    run=run,
)


def main(argv: list[str] | None = None) -> int:
    return standalone("siasn", argv)


if __name__ == "__main__":
    sys.exit(main())
