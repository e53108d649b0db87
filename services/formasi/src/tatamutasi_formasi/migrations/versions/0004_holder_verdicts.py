"""Each holder's qualification verdict kept in the bezetting read model (so the gap report
reads it instead of checking 30,000 holders against their posts' requirements each time).

Existing holders start with no verdict (NULL); the gap report computes those live until an
event about the holder (or a change of their jabatan) stores one.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("holders") as batch:
        batch.add_column(sa.Column("qual_version", sa.Integer, nullable=True))
        batch.add_column(sa.Column("qual_failed", sa.String(100), nullable=True))
        batch.add_column(sa.Column("qual_unknown", sa.String(100), nullable=True))
        batch.add_column(sa.Column("qual_detail", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("holders") as batch:
        batch.drop_column("qual_detail")
        batch.drop_column("qual_unknown")
        batch.drop_column("qual_failed")
        batch.drop_column("qual_version")
