"""Platform tables and the placements read model.

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
        "placements",
        sa.Column("nip", sa.String(18), primary_key=True),
        sa.Column("unor_id", sa.String(64), nullable=False),
        sa.Column("jabatan_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_placements_unor_id", "placements", ["unor_id"])


def downgrade() -> None:
    op.drop_index("ix_placements_unor_id", table_name="placements")
    op.drop_table("placements")
    drop_platform_tables(op)
