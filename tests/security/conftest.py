"""Fixtures of the security tests: the four services in-process on SQLite, seeded once per
session and shared by the authorization matrix, token, scope and fuzz tests (starting and
seeding them is most of these tests' time)."""

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from security_apps import SERVICES, Headers, Seeded, seeded_service


@pytest.fixture(scope="session")
def security_services(
    tmp_path_factory: pytest.TempPathFactory, dev_keys: tuple[bytes, Path], auth_headers: Headers
) -> Iterator[dict[str, Seeded]]:
    tmp = tmp_path_factory.mktemp("security")
    with ExitStack() as stack:
        yield {
            s: stack.enter_context(
                seeded_service(s, f"sqlite:///{tmp}/{s}.db", dev_keys, tmp / s, auth_headers)
            )
            for s in SERVICES
        }
