"""Fault 5, a disk-like failure: the databases refuse writes for a while (PostgreSQL
`default_transaction_read_only`, and the services' connections terminated so the setting
applies to every new one), while requests and events keep coming. Writes must be refused
with a 503 (never a 500) and succeed on retry; events must be retried, never dead-lettered."""

import time
from collections.abc import Callable

import pytest
from fault_harness import (
    FaultSystem,
    Figures,
    Load,
    admin_exec,
    assert_healthy,
    converge,
    figures,
    in_flight,
)

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

VARIANTS = [
    pytest.param(60, ("pegawai", "formasi"), 3.0, id="fast", marks=pytest.mark.system),
    pytest.param(
        400, ("pegawai", "formasi", "matching", "audit"), 10.0, id="long", marks=pytest.mark.chaos
    ),
]


def _dbname(url: str) -> str:
    return url.rsplit("/", 1)[1]


def read_only(system: FaultSystem, services: tuple[str, ...], on: bool) -> None:
    for name in services:
        db = _dbname(system.db_urls[name])
        setting = (
            "SET default_transaction_read_only = on"
            if on
            else "RESET default_transaction_read_only"
        )
        admin_exec(system.db_urls[name], f'ALTER DATABASE "{db}" {setting}')
        admin_exec(
            system.db_urls[name],
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{db}' AND pid <> pg_backend_pid()",
        )


@pytest.mark.parametrize(("count", "services", "down_s"), VARIANTS)
def test_fault_database_refuses_writes_for_a_while(
    fault_system: FaultSystem,
    auth_headers: Callable[..., dict[str, str]],
    record_figures: Callable[[Figures], None],
    count: int,
    services: tuple[str, ...],
    down_s: float,
) -> None:
    system = fault_system
    system.start_all()
    admin, auditor = auth_headers("admin", sub="bkd-fault"), auth_headers("auditor")
    load = Load(system.url("pegawai"), admin, run=5, count=count, move_every=5).start()
    load.wait_progress(count // 4)
    flight = in_flight(system)
    read_only(system, services, on=True)
    time.sleep(down_s)
    read_only(system, services, on=False)
    load.join()
    st, seconds = converge(system, load.accepted, auditor, timeout=90)
    fig = figures(
        f"read-only database ({', '.join(services)}) {down_s:.0f}s", load, flight, st, seconds
    )
    record_figures(fig)
    assert_healthy(fig, st, limit_s=90)
    assert load.statuses.get("500", 0) == 0, load.statuses  # a refused write is a 503
    if "pegawai" in services:
        assert load.statuses.get("503", 0) > 0, load.statuses  # the fault did bite
    assert st.dead_lettered == 0  # an outage is retried, never dead-lettered
