"""Fixtures of the fault tests: the system on PostgreSQL only (the faults are about a real
server: terminated backends, read-only databases), its own broker per test, and the
collector of the figures the long (`chaos`) variants write to bench/RESULTS.md."""

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# the system-test harness is extended here, not copied
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "system"))

from fault_harness import FaultSystem, Figures  # noqa: E402

from tatamutasi_platform.testing import (  # noqa: E402
    DatabaseFactory,
    postgres_available,
    require_postgres,
)

RESULTS: list[Figures] = []


@pytest.fixture(scope="session")
def pg_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    if not postgres_available():
        if require_postgres():
            pytest.fail("PostgreSQL is required (TATAMUTASI_REQUIRE_POSTGRES) but does not answer")
        pytest.skip("the fault tests need PostgreSQL on 127.0.0.1:5432")
    factory = DatabaseFactory("postgres", tmp_path_factory.mktemp("db-faults"))
    yield factory
    factory.cleanup()


@pytest.fixture
def fault_system(
    pg_databases: DatabaseFactory,
    dev_keys: tuple[bytes, Path],
    make_token: Callable[..., str],
    tmp_path: Path,
) -> Iterator[FaultSystem]:
    system = FaultSystem(pg_databases, dev_keys[1], tmp_path, make_token)
    try:
        yield system
    finally:
        system.stop_all()


@pytest.fixture
def record_figures(request: pytest.FixtureRequest) -> Callable[[Figures], None]:
    chaos = request.node.get_closest_marker("chaos") is not None

    def record(fig: Figures) -> None:
        print(
            f"\n{fig.fault}: accepted {fig.accepted}, in flight {fig.in_flight}, lost {fig.lost}, "
            f"duplicated {fig.duplicated}, converged in {fig.converge_s:.1f}s ({fig.notes})"
        )
        if chaos:
            RESULTS.append(fig)

    return record


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The long variants (`make chaos`) write their figures to bench/RESULTS.md."""
    if RESULTS:
        write_chaos_section(RESULTS, passed=exitstatus == 0)


def write_chaos_section(results: list[Figures], *, passed: bool) -> None:
    import time
    from datetime import UTC, datetime

    from bench.core import Benchmark, Result, Target, machine_info, render_section, write_section

    bench = Benchmark(
        name="chaos",
        title="Fault tests: broker kill, SIGKILL, paused consumer, duplicates, read-only database",
        description=(
            "The long variants of `tests/faults` (`make chaos`): the four services as real "
            "processes on PostgreSQL with their own tansu, a load of registrations and moves "
            "whose clients count a write only on a 2xx (retries reuse the Idempotency-Key), a "
            "fault injected mid-load, then the checks: every accepted write in the pegawai "
            "database, its event in the audit ledger and applied by formasi and matching, no "
            "effect twice, the ledger complete up to the producer's last sequence. *In flight* "
            "is the most events committed but not yet in the ledger when a fault struck; "
            "*converge* is the time from the end of the load until every check held."
        ),
        add_arguments=lambda group: None,
        run=lambda args: Result(figures=[]),
    )
    rows = [
        "| fault | load | accepted writes | in flight | lost | duplicated effects | converge (s) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    rows += [
        f"| {f.fault} | {f.load} | {f.accepted} | {f.in_flight} | {f.lost} | {f.duplicated} "
        f"| {f.converge_s:.1f} |"
        for f in results
    ]
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    result = Result(
        figures=[
            ("faults run", str(len(results)), "long variants in this session"),
            ("lost, all faults", str(sum(f.lost for f in results)), "must be 0"),
            (
                "duplicated effects, all faults",
                str(sum(f.duplicated for f in results)),
                "must be 0",
            ),
            (
                "slowest convergence",
                f"{max(f.converge_s for f in results):.1f} s",
                "bounded at 90 s by the tests",
            ),
            (
                "CPU",
                f"{cpu:.0f} s",
                "CPU seconds of pytest and its finished children (services, brokers)",
            ),
            ("wall", f"{time.monotonic() - _STARTED:.0f} s", "the whole session"),
        ],
        targets=[
            Target(
                "nothing lost",
                "0",
                str(sum(f.lost for f in results)),
                all(f.lost == 0 for f in results),
            ),
            Target(
                "no effect twice",
                "0",
                str(sum(f.duplicated for f in results)),
                all(f.duplicated == 0 for f in results),
            ),
            Target(
                "convergence",
                "<= 90 s",
                f"{max(f.converge_s for f in results):.1f} s",
                all(f.converge_s <= 90 for f in results),
            ),
            Target("tests passed", "pytest exit 0", "0" if passed else "failures", passed),
        ],
        extra_markdown="### Per fault\n\n"
        + "\n".join(rows)
        + "\n\nClient responses: "
        + "; ".join(f"{f.fault}: {f.notes}" for f in results),
        notes=[
            "The machine is shared: times depend on its load (load average above, at start).",
            "Load average at the end: " + " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        ],
    )
    started = datetime.now(UTC)
    section = render_section(
        bench,
        result,
        started=started,
        elapsed_s=time.monotonic() - _STARTED,
        machine=machine_info(),
        command="make chaos (pytest -m chaos tests/faults)",
    )
    write_section("chaos", section)


_STARTED = __import__("time").monotonic()
_LOAD_AT_START = " ".join(Path("/proc/loadavg").read_text().split()[:3])
