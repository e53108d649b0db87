"""The Alembic revisions create exactly the tables the code uses, on SQLite and PostgreSQL,
and downgrade cleanly back to 0001 and up again."""

from tatamutasi_pegawai.adapters.orm import metadata
from tatamutasi_platform.testing import assert_migrations_roundtrip


def test_migrations_match_the_tables_and_roundtrip(db_url: str) -> None:
    assert_migrations_roundtrip("tatamutasi_pegawai", "pegawai", metadata, db_url)
