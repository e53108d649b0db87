import sqlalchemy as sa

from tatamutasi_platform.db import new_metadata
from tatamutasi_platform.tables import add_platform_tables

metadata = new_metadata()
platform = add_platform_tables(metadata)

# Read model of the workforce that plans are computed over (fed by pegawai events).
workforce = sa.Table(
    "workforce",
    metadata,
    sa.Column("nip", sa.String(18), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("unor_id", sa.String(64), nullable=False),
    sa.Column("jabatan_id", sa.String(64), nullable=False),
    sa.Column("last_event_time", sa.String(40), nullable=False),
)
