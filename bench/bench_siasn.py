"""SIASN snapshot benchmark: `python -m bench.bench_siasn [--nips 10000] [--concurrency 64]`.

Starts the fake SIASN server (`tatamutasi siasn fake-server`) in its own process on a free
port, then takes the snapshot of every NIP (12 calls each: data-utama, 8 histories, 3 family
resources) with the real client over HTTP, twice: with no added latency and with 50 ms of
latency per call. Prints one Markdown table; nothing is written unless `--out FILE`."""

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tatamutasi_pegawai.adapters.siasn import SiasnClient, SiasnFailure
from tatamutasi_pegawai.adapters.siasn.nip_list import read_nips
from tatamutasi_pegawai.siasn_fake import fake_client_settings, free_port


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
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/admin/faults", timeout=1)
            return process
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the fake SIASN server did not start") from None
            time.sleep(0.1)


async def _run(base_url: str, nips: list[str], concurrency: int) -> dict[str, float]:
    settings = fake_client_settings(base_url, max_concurrency=concurrency, timeout_s=120)
    failures = 0

    def done(result: object) -> None:
        nonlocal failures
        failures += isinstance(result, SiasnFailure)

    started = time.perf_counter()
    async with SiasnClient(settings) as siasn:
        await siasn.snapshots(nips, on_result=done)
        stats = dict(siasn.stats)
    elapsed = time.perf_counter() - started
    return {
        "seconds": elapsed,
        "nips_per_s": len(nips) / elapsed,
        "requests": stats["requests"],
        "requests_per_s": stats["requests"] / elapsed,
        "retries": stats["retries"],
        "failures": failures,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_siasn", description=__doc__)
    parser.add_argument("--nips", type=int, default=10_000, help="employees in the fake")
    parser.add_argument("--concurrency", type=int, default=64, help="no-latency run")
    parser.add_argument(
        "--latency-concurrency", type=int, default=256, help="concurrency of the 50 ms run"
    )
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        nips_file = Path(tmp) / "nips.csv"
        process = _start_fake(port, args.nips, nips_file)
        try:
            nips = list(read_nips(nips_file).nips)
            runs = [("none", args.concurrency, 0.0)]
            if not args.skip_latency:
                runs.append((f"{args.latency_ms:g} ms", args.latency_concurrency, args.latency_ms))
            rows = []
            for label, concurrency, latency in runs:
                httpx.put(f"{base_url}/admin/faults", json={"latency_ms": latency}, timeout=10)
                result = asyncio.run(_run(base_url, nips, concurrency))
                rows.append((label, concurrency, result))
        finally:
            process.terminate()
            process.wait(timeout=30)
    lines = [
        f"SIASN snapshots of {len(nips):,} NIPs (12 calls each) against the fake over HTTP "
        f"(server in its own process); Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; load average before/after "
        f"{load_before[0]:.1f}/{os.getloadavg()[0]:.1f} (a shared machine slows every figure).",
        "",
        "| latency per call | concurrency | wall time | NIPs/s | requests | requests/s | retries "
        "| failed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, concurrency, r in rows:
        lines.append(
            f"| {label} | {concurrency} | {r['seconds']:.1f} s | {r['nips_per_s']:.0f} "
            f"| {r['requests']:,.0f} | {r['requests_per_s']:.0f} | {r['retries']:.0f} "
            f"| {r['failures']:.0f} |"
        )
    text = "\n".join(lines)
    print(text)  # noqa: T201
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
