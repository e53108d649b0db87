"""Fault 2: each service is SIGKILLed in the middle of a burst of writes (requests in flight,
consumer transactions open, relay batches half sent) and started again. Clients retry with
the same Idempotency-Key, so a write whose response was lost is answered from the stored
response, not applied twice."""

from collections.abc import Callable

import pytest
from fault_harness import FaultSystem, Figures, Load, assert_healthy, converge, figures, in_flight

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

VARIANTS = [
    pytest.param(60, ("pegawai", "audit"), id="fast", marks=pytest.mark.system),
    pytest.param(
        600,
        ("pegawai", "formasi", "matching", "audit", "pegawai"),
        id="long",
        marks=pytest.mark.chaos,
    ),
]


@pytest.mark.parametrize(("count", "victims"), VARIANTS)
def test_fault_service_sigkilled_mid_burst_and_restarted(
    fault_system: FaultSystem,
    auth_headers: Callable[..., dict[str, str]],
    record_figures: Callable[[Figures], None],
    count: int,
    victims: tuple[str, ...],
) -> None:
    system = fault_system
    system.start_all()
    admin, auditor = auth_headers("admin", sub="bkd-fault"), auth_headers("auditor")
    load = Load(system.url("pegawai"), admin, run=2, count=count, move_every=5).start()
    flight = 0
    for k, name in enumerate(victims):
        load.wait_progress(count * (k + 1) // (len(victims) + 1), timeout=240)
        flight = max(flight, in_flight(system))
        system.kill(name)
        system.restart(name)
    load.join()
    st, seconds = converge(system, load.accepted, auditor, timeout=90)
    fig = figures(f"SIGKILL {', '.join(victims)}", load, flight, st, seconds)
    record_figures(fig)
    assert_healthy(fig, st, limit_s=90)
    assert load.statuses.get("500", 0) == 0, load.statuses
