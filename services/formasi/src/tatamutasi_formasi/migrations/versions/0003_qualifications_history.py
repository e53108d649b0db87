"""Qualifications in the bezetting read model (training codes, managerial assessment),
status history (for gap reports as of a past date) and versioned jabatan catalogue entries.

Existing jabatan rows get their current state as their first recorded version.

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


def upgrade() -> None:
    op.create_table(
        "holder_qualifications",
        sa.Column("nip", sa.String(18), primary_key=True),
        sa.Column("training", sa.Text, nullable=False),
        sa.Column("training_on_record", sa.Boolean, nullable=False),
        sa.Column("managerial_min", sa.Float, nullable=True),
        sa.Column("managerial_scores", sa.Text, nullable=True),
        sa.Column("assessment_year", sa.Integer, nullable=True),
        sa.Column("assessment_seq", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "status_history",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("nip", sa.String(18), nullable=False),
        sa.Column("kedudukan_id", sa.String(4), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("effective", sa.Date, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_status_history_nip", "status_history", ["nip"])
    op.create_table(
        "jabatan_versions",
        sa.Column("jabatan_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("change", sa.String(10), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
    )
    jabatan = sa.table(
        "jabatan",
        *[
            sa.column(c)
            for c in (
                "jabatan_id", "name", "jenis", "level", "eselon_id", "jf_jenjang",
                "bkn_ref_id", "kelas_jabatan", "rumpun", "min_golongan_id",
                "max_golongan_id", "unit_types", "requirements", "version", "updated_by",
            )
        ],
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )  # fmt: skip
    versions = sa.table(
        "jabatan_versions",
        *[sa.column(c) for c in ("jabatan_id", "version", "change", "data")],
        sa.column("changed_at", sa.DateTime(timezone=True)),
        sa.column("changed_by"),
    )
    import json

    bind = op.get_bind()
    rows = bind.execute(sa.select(jabatan)).mappings().all()
    if rows:
        op.bulk_insert(
            versions,  # type: ignore[arg-type]
            [
                {
                    "jabatan_id": r["jabatan_id"],
                    "version": r["version"],
                    "change": "created" if r["version"] == 1 else "updated",
                    "data": json.dumps(
                        {
                            k: r[k]
                            for k in (
                                "name", "jenis", "level", "eselon_id", "jf_jenjang",
                                "bkn_ref_id", "kelas_jabatan", "rumpun", "min_golongan_id",
                                "max_golongan_id", "unit_types", "requirements",
                            )
                        },  # fmt: skip
                        sort_keys=True,
                    ),
                    "changed_at": r["updated_at"],
                    "changed_by": r["updated_by"],
                }
                for r in rows
            ],
        )


def downgrade() -> None:
    op.drop_table("jabatan_versions")
    op.drop_index("ix_status_history_nip", table_name="status_history")
    op.drop_table("status_history")
    op.drop_table("holder_qualifications")
