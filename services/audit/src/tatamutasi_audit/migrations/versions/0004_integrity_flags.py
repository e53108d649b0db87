"""Integrity (red flag) read models and flags: the events the rules read, raised flags with
their subjects and status history, and the admins' rule configuration.

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
    op.create_table(
        "integrity_events",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("ledger_idx", sa.BigInteger, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("time", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_role", sa.String(40), nullable=True),
        sa.Column("nip", sa.String(18), nullable=True),
        sa.Column("proposal_id", sa.String(64), nullable=True),
        sa.Column("round_id", sa.String(64), nullable=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_integrity_events"),
    )
    for col in ("ledger_idx", "type", "nip", "proposal_id", "round_id"):
        op.create_index(f"ix_integrity_events_{col}", "integrity_events", [col])
    op.create_table(
        "integrity_flags",
        sa.Column("flag_id", sa.String(64), nullable=False),
        sa.Column("finding_key", sa.String(400), nullable=False),
        sa.Column("rule_id", sa.String(4), nullable=False),
        sa.Column("rule_version", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("proposal_id", sa.String(64), nullable=True),
        sa.Column("round_id", sa.String(64), nullable=True),
        sa.Column("unor_id", sa.String(64), nullable=True),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("subjects", sa.Text, nullable=False),
        sa.Column("explanation_id", sa.Text, nullable=False),
        sa.Column("explanation_en", sa.Text, nullable=False),
        sa.Column("citation", sa.String(300), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raised_event_id", sa.String(64), nullable=False),
        sa.Column("ledger_idx", sa.BigInteger, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("flag_id", name="pk_integrity_flags"),
        sa.UniqueConstraint("finding_key", name="uq_integrity_flags_finding_key"),
        sa.UniqueConstraint("raised_event_id", name="uq_integrity_flags_raised_event_id"),
    )
    for col in ("rule_id", "status", "proposal_id", "round_id"):
        op.create_index(f"ix_integrity_flags_{col}", "integrity_flags", [col])
    op.create_table(
        "integrity_flag_subjects",
        sa.Column("nip", sa.String(18), nullable=False),
        sa.Column("flag_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("nip", "flag_id", name="pk_integrity_flag_subjects"),
    )
    op.create_table(
        "integrity_flag_history",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("flag_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("previous_status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ledger_idx", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("event_id", name="pk_integrity_flag_history"),
    )
    op.create_index("ix_integrity_flag_history_flag_id", "integrity_flag_history", ["flag_id"])
    op.create_table(
        "integrity_rule_config",
        sa.Column("rule_id", sa.String(4), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("thresholds", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("rule_id", name="pk_integrity_rule_config"),
    )


def downgrade() -> None:
    op.drop_table("integrity_rule_config")
    op.drop_index("ix_integrity_flag_history_flag_id", table_name="integrity_flag_history")
    op.drop_table("integrity_flag_history")
    op.drop_table("integrity_flag_subjects")
    for col in ("rule_id", "status", "proposal_id", "round_id"):
        op.drop_index(f"ix_integrity_flags_{col}", table_name="integrity_flags")
    op.drop_table("integrity_flags")
    for col in ("ledger_idx", "type", "nip", "proposal_id", "round_id"):
        op.drop_index(f"ix_integrity_events_{col}", table_name="integrity_events")
    op.drop_table("integrity_events")
