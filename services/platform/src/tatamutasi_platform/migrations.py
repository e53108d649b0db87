"""Alembic, per service: each service keeps its migrations inside its package
(`tatamutasi_<service>/migrations`) and its own version table, so services can share a
PostgreSQL server (or even a database) without stepping on each other."""

import asyncio
from importlib import resources
from typing import Any

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from alembic.operations import Operations
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_platform.db import create_engine
from tatamutasi_platform.tables import platform_columns


def alembic_config(package: str, url: str, service: str) -> Config:
    location = resources.files(package).joinpath("migrations")
    cfg = Config()
    cfg.set_main_option("script_location", str(location))
    cfg.attributes["url"] = url
    cfg.attributes["version_table"] = f"alembic_version_{service}"
    return cfg


def upgrade(package: str, url: str, service: str, revision: str = "head") -> None:
    """Bring a service's database to `revision`. Synchronous: call it from a thread when an
    event loop is running (`await asyncio.to_thread(upgrade, ...)`)."""
    command.upgrade(alembic_config(package, url, service), revision)


def run_env(target_metadata: sa.MetaData) -> None:
    """The body of every service's `migrations/env.py` (online mode, async drivers)."""
    cfg = context.config
    url = cfg.attributes.get("url") or cfg.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL given to Alembic")
    version_table = cfg.attributes.get("version_table", "alembic_version")

    def do_run(sync_conn: Any) -> None:
        context.configure(
            connection=sync_conn,
            target_metadata=target_metadata,
            version_table=version_table,
            compare_type=True,
            render_as_batch=sync_conn.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as conn:
                await conn.run_sync(do_run)
                await conn.commit()
        finally:
            await engine.dispose()

    asyncio.run(main())


def create_platform_tables(op: Operations) -> None:
    """Used by each service's first migration: outbox, counter, inbox, idempotency keys."""
    cols = platform_columns()
    for name, columns in cols.items():
        op.create_table(name, *columns)
    op.create_index("ix_outbox_unpublished", "outbox", ["published_at", "id"])


def drop_platform_tables(op: Operations) -> None:
    op.drop_index("ix_outbox_unpublished", table_name="outbox")
    for name in reversed(list(platform_columns())):
        op.drop_table(name)


async def table_names(conn: AsyncConnection) -> list[str]:
    return await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
