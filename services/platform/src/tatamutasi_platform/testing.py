"""pytest plugin shared by every test folder: a tansu broker on a free port, throw-away
databases on SQLite and (when it answers) PostgreSQL, development keys and tokens.

PostgreSQL is optional on a developer machine; with TATAMUTASI_REQUIRE_POSTGRES=1 (CI), a
missing PostgreSQL fails the run instead of skipping those tests."""

import asyncio
import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tatamutasi_platform.auth import generate_keypair, issue_token
from tatamutasi_platform.broker import TansuBroker

PG_ADMIN_DSN = os.environ.get("TATAMUTASI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ("sqlite", "postgres")


def _pg_url(dbname: str) -> str:
    base, _, _ = PG_ADMIN_DSN.rpartition("/")
    return f"{base}/{dbname}"


async def _pg_exec(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def postgres_available() -> bool:
    try:
        asyncio.run(_pg_exec("SELECT 1"))
        return True
    except Exception:
        return False


def require_postgres() -> bool:
    return os.environ.get("TATAMUTASI_REQUIRE_POSTGRES", "") in ("1", "true", "yes")


class DatabaseFactory:
    """Makes empty databases for one backend; drops PostgreSQL ones at the end."""

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend = backend
        self._tmp = tmp
        self._created: list[str] = []

    def new(self, label: str = "db") -> str:
        if self.backend == "sqlite":
            path = self._tmp / f"{label}-{uuid.uuid4().hex[:8]}.db"
            return f"sqlite:///{path}"
        name = f"tm_test_{label}_{uuid.uuid4().hex[:10]}"
        asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
        self._created.append(name)
        return _pg_url(name)

    def cleanup(self) -> None:
        for name in self._created:
            with contextlib.suppress(Exception):  # best effort; names are unique
                asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def _pg_ok() -> bool:
    ok = postgres_available()
    if not ok and require_postgres():
        pytest.fail(
            f"PostgreSQL is required (TATAMUTASI_REQUIRE_POSTGRES) but {PG_ADMIN_DSN} "
            "does not answer"
        )
    return ok


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest, _pg_ok: bool) -> str:
    if request.param == "postgres" and not _pg_ok:
        pytest.skip("PostgreSQL not available on 127.0.0.1:5432")
    return str(request.param)


@pytest.fixture(scope="session")
def databases(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(backend, tmp_path_factory.mktemp(f"db-{backend}"))
    yield factory
    factory.cleanup()


@pytest.fixture
def db_url(databases: DatabaseFactory) -> str:
    return databases.new()


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TansuBroker]:
    log = tmp_path_factory.mktemp("tansu") / "tansu.log"
    with TansuBroker(log_file=log) as b:
        yield b


@pytest.fixture(scope="session")
def dev_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Path]:
    private_pem, public_pem = generate_keypair()
    pub = tmp_path_factory.mktemp("keys") / "public.pem"
    pub.write_bytes(public_pem)
    return private_pem, pub


TokenFactory = Callable[..., str]


@pytest.fixture(scope="session")
def make_token(dev_keys: tuple[bytes, Path]) -> TokenFactory:
    private_pem, _ = dev_keys

    def make(*roles: str, sub: str | None = None, units: tuple[str, ...] = (), **kw: object) -> str:
        return issue_token(
            private_pem, sub=sub or f"test-{roles[0]}", roles=roles, units=units, **kw
        )  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def auth_headers(make_token: TokenFactory) -> Callable[..., dict[str, str]]:
    def headers(*roles: str, **kw: object) -> dict[str, str]:
        return {"Authorization": f"Bearer {make_token(*roles, **kw)}"}

    return headers


def service_settings(
    cls: type, *, db_url: str, public_key: Path, bootstrap: str = "127.0.0.1:9", **overrides: object
) -> object:
    """Settings for a service under test: fast Kafka timings, quiet logs."""
    values: dict[str, object] = {
        "database_url": db_url,
        "auth_public_key_file": public_key,
        "kafka_bootstrap": bootstrap,
        "environment": "test",
        "log_json": True,
        "log_level": "WARNING",
        "kafka_session_timeout_ms": 3000,
        "kafka_heartbeat_interval_ms": 500,
        "kafka_fetch_max_wait_ms": 20,
        "kafka_reconnect_backoff_s": 0.3,
        "relay_poll_interval_s": 0.05,
    }
    values.update(overrides)
    return cls(**values)


def migration_drift(package: str, service: str, metadata: Any, url: str) -> list[Any]:
    """Differences between what a service's migrations built at `url` and the tables its code
    declares (empty when they agree). Used by each service's migration tests."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from tatamutasi_platform.db import create_engine

    async def run() -> list[Any]:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as conn:

                def compare(sync_conn: Any) -> list[Any]:
                    ctx = MigrationContext.configure(
                        sync_conn,
                        opts={"compare_type": True, "version_table": f"alembic_version_{service}"},
                    )
                    return [
                        d
                        for d in compare_metadata(ctx, metadata)
                        if not (d[0] == "remove_table" and d[1].name.startswith("alembic_version"))
                    ]

                return await conn.run_sync(compare)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def assert_migrations_roundtrip(
    package: str, service: str, metadata: Any, url: str, base: str = "0001"
) -> None:
    """Upgrade to head, compare with the code, downgrade to `base`, upgrade again, compare."""
    from alembic import command

    from tatamutasi_platform import migrations

    migrations.upgrade(package, url, service)
    assert migration_drift(package, service, metadata, url) == []
    cfg = migrations.alembic_config(package, url, service)
    command.downgrade(cfg, base)
    command.upgrade(cfg, "head")
    assert migration_drift(package, service, metadata, url) == []
