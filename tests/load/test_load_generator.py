"""Whole-system load (issue 12 item 2, see bench/bench_load.py): the short variant runs in
`make test` at a low rate and asserts no errors and no 5xx (no timing assertions); the long
variant (`make chaos`) runs the stated rate for a minute and steps it up to saturation. The
report itself is checked on a synthetic outcome."""

import argparse
import asyncio
from pathlib import Path

import pytest

from bench.bench_load import Outcome, Phase, Rates, Sample, report, run_load
from tatamutasi_platform.testing import postgres_available, require_postgres


def _need_postgres() -> None:
    if not postgres_available():
        if require_postgres():
            pytest.fail("PostgreSQL is required (TATAMUTASI_REQUIRE_POSTGRES) but does not answer")
        pytest.skip("the load test needs PostgreSQL on 127.0.0.1:5432")


def _assert_clean(phase: Phase) -> None:
    errors = phase.errors()
    assert not errors, [(s.kind, s.status, s.detail) for s in errors[:10]]
    assert phase.server_errors() == 0
    kinds = set(phase.kinds())
    # every kind of the mix was exercised, the chains all the way to execute
    assert {"read", "proposal.create", "proposal.execute", "plan.create", "plan.done"} <= kinds
    assert phase.skipped_chains == 0


@pytest.mark.system
@pytest.mark.kafka
@pytest.mark.slow
def test_short_load_mix_has_no_errors_and_no_5xx(tmp_path: Path) -> None:
    _need_postgres()
    outcome = asyncio.run(run_load(tmp_path, Rates(reads=4, chains=0.25, plans=0.05), 24))
    _assert_clean(outcome.stated)


@pytest.mark.system
@pytest.mark.kafka
@pytest.mark.slow
@pytest.mark.chaos
def test_long_load_at_the_stated_rate_then_stepped_to_saturation(tmp_path: Path) -> None:
    _need_postgres()
    outcome = asyncio.run(
        run_load(tmp_path, Rates(reads=8, chains=0.5, plans=0.05), 60, steps=[2, 4, 8])
    )
    _assert_clean(outcome.stated)
    assert outcome.steps  # the stepping ran (where it saturated is a figure, not a verdict)


def _phase(rates: Rates, samples: list[Sample]) -> Phase:
    return Phase(rates, 10, samples=samples, wall_s=10, service_cpu_s=4, load="1.0 1.0 1.0")


def test_report_states_errors_percentiles_and_the_saturation_point() -> None:
    rates = Rates(4, 0.25, 0.05)
    stated = _phase(
        rates,
        [Sample("read", float(ms), 200, True) for ms in range(1, 101)]
        + [Sample("plan.done", 5000, 200, True)],
    )
    step2 = _phase(rates.scaled(2), [Sample("read", 10, 200, True)])
    step4 = _phase(
        rates.scaled(4), [Sample("read", 10, 200, True), Sample("read", 60000, 0, False)]
    )
    args = argparse.Namespace(
        load_seconds=10, load_steps="2,4", load_step_seconds=10, load_p99_ms=2000
    )
    out = report(args, rates, Outcome(stated, [(2, step2), (4, step4)], 4, "1 errors", 1.0, 60))
    figures = {name: value for name, value, _ in out.figures}
    assert figures["read p50 / p99"] == "50 / 99 ms"
    assert figures["error rate at the stated rate"] == "0.00 %"
    assert figures["saturation point"] == f"x4 ({rates.scaled(4).requests_per_s():.1f} req/s)"
    assert all(t.met for t in out.targets)
    # the p99 threshold ignores the plan's time to done (a background job, polled)
    assert stated.p99_max() == 99
    failing = report(args, rates, Outcome(step4, [], None, "not stepped", 1.0, 60))
    assert not all(t.met for t in failing.targets)
    assert {name: v for name, v, _ in failing.figures}["saturation point"] == "not measured"
