"""SIASN write-back queue, sync jobs with per-NIP items, sync fingerprints.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "siasn_writeback",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("proposal_id", sa.String(length=64), nullable=False),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", Stamp, nullable=False),
        sa.Column("lease_until", Stamp, nullable=True),
        sa.Column("error_kind", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("rw_jabatan_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_siasn_writeback")),
    )
    op.create_index(op.f("ix_siasn_writeback_nip"), "siasn_writeback", ["nip"], unique=False)
    op.create_index(
        "ix_siasn_writeback_proposal_id", "siasn_writeback", ["proposal_id"], unique=True
    )
    op.create_index(
        "ix_siasn_writeback_status_due",
        "siasn_writeback",
        ["status", "next_attempt_at"],
        unique=False,
    )
    op.create_table(
        "siasn_sync_job",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("with_unor", sa.Boolean(), nullable=False),
        sa.Column("unor_status", sa.String(length=200), nullable=True),
        sa.Column("message", sa.String(length=1000), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("started_at", Stamp, nullable=True),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.Column("finished_at", Stamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_siasn_sync_job")),
    )
    op.create_table(
        "siasn_sync_item",
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("resource", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("alasan", sa.String(length=1000), nullable=True),
        sa.Column("updated_at", Stamp, nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["siasn_sync_job.id"], name=op.f("fk_siasn_sync_item_job_id_siasn_sync_job")
        ),
        sa.PrimaryKeyConstraint("job_id", "nip", name=op.f("pk_siasn_sync_item")),
    )
    op.create_index(
        "ix_siasn_sync_item_job_status",
        "siasn_sync_item",
        ["job_id", "status", "position"],
        unique=False,
    )
    op.create_table(
        "siasn_sync_state",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("synced_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_siasn_sync_state")),
    )


def downgrade() -> None:
    op.drop_table("siasn_sync_state")
    op.drop_index("ix_siasn_sync_item_job_status", table_name="siasn_sync_item")
    op.drop_table("siasn_sync_item")
    op.drop_table("siasn_sync_job")
    op.drop_index("ix_siasn_writeback_status_due", table_name="siasn_writeback")
    op.drop_index("ix_siasn_writeback_proposal_id", table_name="siasn_writeback")
    op.drop_index(op.f("ix_siasn_writeback_nip"), table_name="siasn_writeback")
    op.drop_table("siasn_writeback")
