"""Migration 0002 on SQLite and PostgreSQL: the 0001 read model is carried into `holders`
and back on downgrade."""

import asyncio

import sqlalchemy as sa

from tatamutasi_platform.db import create_engine
from tatamutasi_platform.migrations import table_names, upgrade


async def _exec(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(sa.text(sql))
            return [tuple(r) for r in result.all()] if result.returns_rows else []
    finally:
        await engine.dispose()


async def _tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await table_names(conn)
    finally:
        await engine.dispose()


def test_upgrade_carries_placements_into_holders_and_downgrade_restores(db_url: str) -> None:
    upgrade("tatamutasi_formasi", db_url, "formasi", "0001")
    asyncio.run(
        _exec(
            db_url,
            "INSERT INTO placements (nip, unor_id, jabatan_id, event_id, updated_at) "
            "VALUES ('198503122010011002', 'U1', 'J1', 'e1', '2026-01-01T00:00:00Z')",
        )
    )
    upgrade("tatamutasi_formasi", db_url, "formasi", "head")
    rows = asyncio.run(_exec(db_url, "SELECT nip, unor_id, jabatan_id, placement_seq FROM holders"))
    assert rows == [("198503122010011002", "U1", "J1", 0)]
    tables = set(asyncio.run(_tables(db_url)))
    assert {"units", "jabatan", "needs", "holders", "acting", "vacancies"} <= tables
    assert "placements" not in tables

    from alembic import command

    from tatamutasi_platform.migrations import alembic_config

    command.downgrade(alembic_config("tatamutasi_formasi", db_url, "formasi"), "0001")
    rows = asyncio.run(_exec(db_url, "SELECT nip, unor_id, jabatan_id FROM placements"))
    assert rows == [("198503122010011002", "U1", "J1")]
    assert "units" not in set(asyncio.run(_tables(db_url)))
