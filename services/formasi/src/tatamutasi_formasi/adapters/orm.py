import sqlalchemy as sa

from tatamutasi_platform.db import new_metadata
from tatamutasi_platform.tables import add_platform_tables

metadata = new_metadata()
platform = add_platform_tables(metadata)

# Read model: who holds which post, derived only from pegawai events (never hand-edited).
placements = sa.Table(
    "placements",
    metadata,
    sa.Column("nip", sa.String(18), primary_key=True),
    sa.Column("unor_id", sa.String(64), nullable=False, index=True),
    sa.Column("jabatan_id", sa.String(64), nullable=False),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
)
