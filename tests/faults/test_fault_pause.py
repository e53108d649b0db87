"""Fault 3: a consumer is paused (SIGSTOP) longer than its session timeout (3 s in tests),
so the group gives its partitions away, then resumed (SIGCONT) with a batch in hand and
offsets it may no longer commit. With a second instance of the service in the group, the
partitions move to it while the first is frozen: both may apply the same events, and the
idempotent consumer must make that change nothing."""

import time
from collections.abc import Callable

import pytest
from fault_harness import FaultSystem, Figures, Load, assert_healthy, converge, figures, in_flight

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

VARIANTS = [
    pytest.param(60, ("formasi",), 5.0, id="fast", marks=pytest.mark.system),
    pytest.param(500, ("formasi", "matching", "audit"), 8.0, id="long", marks=pytest.mark.chaos),
]


@pytest.mark.parametrize(("count", "paused", "pause_s"), VARIANTS)
def test_fault_consumer_paused_past_its_session_timeout(
    fault_system: FaultSystem,
    auth_headers: Callable[..., dict[str, str]],
    record_figures: Callable[[Figures], None],
    count: int,
    paused: tuple[str, ...],
    pause_s: float,
) -> None:
    system = fault_system
    system.start_all()
    system.start_second("formasi")  # a second member of formasi's consumer group
    admin, auditor = auth_headers("admin", sub="bkd-fault"), auth_headers("auditor")
    load = Load(system.url("pegawai"), admin, run=3, count=count, move_every=5, pace_s=0.02)
    load.start()
    flight = 0
    for k, name in enumerate(paused):
        load.wait_progress(count * (k + 1) // (len(paused) + 2), timeout=240)
        system.pause(name)
        time.sleep(pause_s)
        flight = max(flight, in_flight(system))
        system.resume(name)
    load.join()
    st, seconds = converge(system, load.accepted, auditor, timeout=90)
    fig = figures(
        f"consumer paused {pause_s:.0f}s ({', '.join(paused)})", load, flight, st, seconds
    )
    record_figures(fig)
    assert_healthy(fig, st, limit_s=90)
