"""Database engines from one URL: SQLite (embedded default) or PostgreSQL."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> sa.MetaData:
    return sa.MetaData(naming_convention=NAMING_CONVENTION)


def async_url(url: str) -> str:
    """Pick the async driver: `sqlite:///x.db` -> aiosqlite, `postgresql://` -> asyncpg."""
    u = make_url(url)
    if u.drivername in ("sqlite", "sqlite+pysqlite"):
        u = u.set(drivername="sqlite+aiosqlite")
    elif u.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        u = u.set(drivername="postgresql+asyncpg")
    return u.render_as_string(hide_password=False)


def is_sqlite(engine_or_url: AsyncEngine | str) -> bool:
    url = engine_or_url if isinstance(engine_or_url, str) else str(engine_or_url.url)
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    aurl = async_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if is_sqlite(aurl):
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    engine = create_async_engine(aurl, **kwargs)
    if is_sqlite(aurl):
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # aiosqlite's connection defaults to the stdlib's implicit transactions; take control
        # so that BEGIN IMMEDIATE serialises writers instead of failing on lock upgrade.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(sa.text("SELECT 1"))


def dialect_insert(conn: AsyncConnection, table: sa.Table) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


async def insert_missing(
    conn: AsyncConnection, table: sa.Table, rows: list[dict[str, Any]], key: list[str]
) -> None:
    """Insert rows whose key does not exist yet; leave existing rows alone (race-free)."""
    if rows:
        stmt = dialect_insert(conn, table)
        await conn.execute(stmt.on_conflict_do_nothing(index_elements=key), rows)


async def upsert(
    conn: AsyncConnection, table: sa.Table, rows: list[dict[str, Any]], key: list[str]
) -> None:
    """Insert or update by primary/unique key, on SQLite and PostgreSQL alike."""
    if not rows:
        return
    stmt = dialect_insert(conn, table)
    updates = {c: stmt.excluded[c] for c in rows[0] if c not in key}
    await conn.execute(stmt.on_conflict_do_update(index_elements=key, set_=updates), rows)
