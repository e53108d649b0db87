"""Talent read models (employee profiles, jabatan catalogue, formasi need), plans, waivers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "employee_profile",
        sa.Column("nip", sa.String(18), primary_key=True),
        sa.Column("unor_id", sa.String(64), nullable=False),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_index("ix_employee_profile_unor_id", "employee_profile", ["unor_id"])
    op.create_table(
        "jabatan_catalogue",
        sa.Column("jabatan_id", sa.String(64), primary_key=True),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_table(
        "formasi_need",
        sa.Column("unit_id", sa.String(64), primary_key=True),
        sa.Column("jabatan_id", sa.String(64), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "plan",
        sa.Column("plan_id", sa.String(36), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Integer, nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("scenario", sa.String(200)),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("input_sha256", sa.String(64)),
        sa.Column("config_sha256", sa.String(64)),
        sa.Column("result_sha256", sa.String(64)),
        sa.Column("objective", sa.BigInteger),
        sa.Column("moves", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("result", sa.Text),
    )
    op.create_table(
        "waiver",
        sa.Column("waiver_id", sa.String(36), primary_key=True),
        sa.Column("nip", sa.String(18), nullable=False),
        sa.Column("rule_code", sa.String(64), nullable=False),
        sa.Column("post_id", sa.String(200)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("approver", sa.String(200), nullable=False),
        sa.Column("reference", sa.String(200)),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_waiver_nip", "waiver", ["nip"])


def downgrade() -> None:
    op.drop_index("ix_waiver_nip", table_name="waiver")
    op.drop_table("waiver")
    op.drop_table("plan")
    op.drop_table("formasi_need")
    op.drop_table("jabatan_catalogue")
    op.drop_index("ix_employee_profile_unor_id", table_name="employee_profile")
    op.drop_table("employee_profile")
