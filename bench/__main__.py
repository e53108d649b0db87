"""`python -m bench [--only NAME ...] [options]`: run benchmarks, write `bench/RESULTS.md`.

To add a benchmark: write `bench/<name>.py` exposing `BENCHMARK = Benchmark(...)` (see
`bench/core.py`) and add its module name to `MODULES`. Each benchmark adds its own options
(prefix them with its name unless they are obviously its own) and gets one section in
RESULTS.md."""

import argparse
import importlib
import signal
import sys
import time
import traceback
from datetime import UTC, datetime

from bench.core import Benchmark, command_line, machine_info, render_section, write_section

# Benchmark modules, in the order `python -m bench` runs them.
MODULES: tuple[str, ...] = (
    "bench.spine",
    "bench.bench_optimiser",
    "bench.bench_workflow",
    "bench.bench_formasi",
    "bench.bench_flags",
    "bench.bench_import",
    "bench.bench_siasn",
    "bench.bench_audit_ledger",
    "bench.bench_scale",
    "bench.bench_load",
)


def load_benchmarks() -> dict[str, Benchmark]:
    benches: dict[str, Benchmark] = {}
    for module_name in MODULES:
        bench = importlib.import_module(module_name).BENCHMARK
        if bench.name in benches:
            raise RuntimeError(f"two benchmarks are called {bench.name!r}")
        benches[bench.name] = bench
    return benches


def build_parser(benches: dict[str, Benchmark]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run TataMutasi benchmarks; results go to bench/RESULTS.md.",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(benches),
        metavar="NAME",
        help=f"run only this benchmark (repeatable); one of: {', '.join(sorted(benches))}",
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument(
        "--no-write", action="store_true", help="print the sections instead of writing RESULTS.md"
    )
    for bench in benches.values():
        bench.add_arguments(parser.add_argument_group(f"{bench.name}: {bench.title}"))
    return parser


def _terminate(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # so each benchmark's `finally` stops what it started


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    benches = load_benchmarks()
    args = build_parser(benches).parse_args(argv)
    if args.list:
        for bench in benches.values():
            print(f"{bench.name:<12} {bench.title}")
        return 0
    selected = [benches[n] for n in (args.only or list(benches))]
    machine = machine_info()
    command = command_line()
    failures = 0
    for bench in selected:
        print(f"== {bench.name}: {bench.title}", flush=True)
        started = datetime.now(UTC)
        t0 = time.monotonic()
        try:
            result = bench.run(args)
        except KeyboardInterrupt:
            print(f"{bench.name}: interrupted; RESULTS.md left unchanged", file=sys.stderr)
            return 130
        except Exception:
            traceback.print_exc()
            print(
                f"{bench.name}: FAILED; its section in RESULTS.md is left unchanged",
                file=sys.stderr,
            )
            failures += 1
            continue
        section = render_section(
            bench,
            result,
            started=started,
            elapsed_s=time.monotonic() - t0,
            machine=machine,
            command=command,
        )
        print(section, flush=True)
        if not args.no_write:
            write_section(bench.name, section)
            print(f"{bench.name}: section written to bench/RESULTS.md", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
