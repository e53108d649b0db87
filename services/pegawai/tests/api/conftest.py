"""Fixtures of the pegawai API tests: `client` is the app on a fresh database (SQLite and
PostgreSQL via `db_url`), without the BKN reference folder (built-in code tables)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pegawai_registry_helpers import make_client


@pytest.fixture
def client(db_url: str, dev_keys: tuple[bytes, Path]) -> Iterator[TestClient]:
    with make_client(db_url, dev_keys[1]) as c:
        yield c
