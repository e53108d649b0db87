"""Platform tables and the minimal registry.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from tatamutasi_platform.migrations import create_platform_tables, drop_platform_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_platform_tables(op)
    op.create_table(
        "pegawai",
        sa.Column("nip", sa.String(18), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unor_id", sa.String(64), nullable=False),
        sa.Column("jabatan_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_pegawai_unor_id", "pegawai", ["unor_id"])


def downgrade() -> None:
    op.drop_index("ix_pegawai_unor_id", table_name="pegawai")
    op.drop_table("pegawai")
    drop_platform_tables(op)
