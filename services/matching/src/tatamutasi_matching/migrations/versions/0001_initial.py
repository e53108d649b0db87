"""Platform tables and the workforce read model.

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
        "workforce",
        sa.Column("nip", sa.String(18), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unor_id", sa.String(64), nullable=False),
        sa.Column("jabatan_id", sa.String(64), nullable=False),
        sa.Column("last_event_time", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("workforce")
    drop_platform_tables(op)
