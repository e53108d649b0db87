"""Fixtures of the system tests (see system_harness.py)."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from system_harness import System
from tatamutasi_platform.broker import TansuBroker
from tatamutasi_platform.testing import DatabaseFactory


@pytest.fixture
def system_factory(
    databases: DatabaseFactory, dev_keys: tuple[bytes, Path], tmp_path: Path
) -> Iterator[Callable[..., System]]:
    made: list[tuple[System, TansuBroker | None]] = []

    def make(*, bootstrap: str | None = None) -> System:
        broker = None
        if bootstrap is None:
            broker = TansuBroker(log_file=tmp_path / "tansu.log").start()
            bootstrap = broker.bootstrap
        system = System(databases, dev_keys[1], tmp_path, bootstrap)
        made.append((system, broker))
        return system

    yield make
    for system, broker in made:
        system.stop_all()
        if broker is not None:
            broker.stop()
