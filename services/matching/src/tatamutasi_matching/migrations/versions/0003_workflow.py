"""Mutasi workflow: rounds, proposals, transitions, objections, delegations, blackouts, and
the read models it needs (kinship facts, unit directory, open red flags).

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
        "mutasi_round",
        sa.Column("round_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("aspirations_close_at", sa.String(40)),
        sa.Column("planned_tmt", sa.Date),
        sa.Column("plan_id", sa.String(36)),
        sa.Column("batch_sk_number", sa.String(200)),
        sa.Column("batch_sk_date", sa.Date),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "proposal",
        sa.Column("proposal_id", sa.String(36), primary_key=True),
        sa.Column("round_id", sa.String(36)),
        sa.Column("nip", sa.String(18), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("from_unor_id", sa.String(64)),
        sa.Column("from_jabatan_id", sa.String(64)),
        sa.Column("to_unor_id", sa.String(64), nullable=False),
        sa.Column("to_jabatan_id", sa.String(64), nullable=False),
        sa.Column("jenis_mutasi", sa.String(2), nullable=False),
        sa.Column("jenis_penugasan", sa.String(4), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("planned_tmt", sa.Date),
        sa.Column("backdate_reason", sa.Text),
        sa.Column("origin", sa.String(8), nullable=False),
        sa.Column("plan_id", sa.String(36)),
        sa.Column("score", sa.Integer),
        sa.Column("plan_rank", sa.Integer),
        sa.Column("explanation", sa.Text),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_by_role", sa.String(40)),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("reviewed_by", sa.String(200)),
        sa.Column("recommendation", sa.String(16)),
        sa.Column("review_notes", sa.Text),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decision_reason", sa.Text),
        sa.Column("delegation_id", sa.String(36)),
        sa.Column("approval", sa.Text),
        sa.Column("approved_at", sa.String(40)),
        sa.Column("sk_number", sa.String(200)),
        sa.Column("sk_date", sa.Date),
        sa.Column("tmt", sa.Date),
        sa.Column("executed_at", sa.String(40)),
        sa.Column("snapshot", sa.Text),
        sa.Column("writeback_status", sa.String(16)),
        sa.Column("writeback_attempts", sa.Integer),
        sa.Column("writeback_error", sa.Text),
        sa.Column("rw_jabatan_id", sa.String(64)),
        sa.Column("superseded_by_plan_id", sa.String(36)),
    )
    op.create_index("ix_proposal_nip", "proposal", ["nip"])
    op.create_index("ix_proposal_plan_id", "proposal", ["plan_id"])
    op.create_index("ix_proposal_round_id", "proposal", ["round_id"])
    op.create_index("ix_proposal_state", "proposal", ["state"])
    op.create_table(
        "proposal_active",
        sa.Column("nip", sa.String(18), primary_key=True),
        sa.Column("proposal_id", sa.String(36), nullable=False),
    )
    op.create_table(
        "proposal_transition",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("proposal_id", sa.String(36), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_state", sa.String(16)),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_role", sa.String(40)),
        sa.Column("actor_nip", sa.String(18)),
        sa.Column("reason", sa.Text),
        sa.Column("eligibility", sa.Text),
        sa.Column("at", sa.String(40), nullable=False),
    )
    op.create_index("ix_proposal_transition_proposal_id", "proposal_transition", ["proposal_id"])
    op.create_table(
        "objection",
        sa.Column("objection_id", sa.String(36), primary_key=True),
        sa.Column("proposal_id", sa.String(36), nullable=False),
        sa.Column("round_id", sa.String(36)),
        sa.Column("nip", sa.String(18), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answer", sa.Text),
        sa.Column("answered_by", sa.String(200)),
        sa.Column("filed_at", sa.String(40), nullable=False),
        sa.Column("answered_at", sa.String(40)),
    )
    op.create_index("ix_objection_proposal_id", "objection", ["proposal_id"])
    op.create_index("ix_objection_round_id", "objection", ["round_id"])
    op.create_table(
        "delegation",
        sa.Column("delegation_id", sa.String(36), primary_key=True),
        sa.Column("delegator", sa.String(200), nullable=False),
        sa.Column("delegator_nip", sa.String(18)),
        sa.Column("delegate", sa.String(200), nullable=False),
        sa.Column("delegate_nip", sa.String(18)),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_delegation_delegate", "delegation", ["delegate"])
    op.create_table(
        "blackout",
        sa.Column("blackout_id", sa.String(36), primary_key=True),
        sa.Column("basis", sa.String(500), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("end", sa.Date, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "kinship",
        sa.Column("nip", sa.String(18), primary_key=True),
        sa.Column("other_nip", sa.String(18), primary_key=True),
        sa.Column("relation", sa.String(16), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
    )
    op.create_index("ix_kinship_other_nip", "kinship", ["other_nip"])
    op.create_table(
        "unit_directory",
        sa.Column("unit_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("parent_id", sa.String(64)),
        sa.Column("eselon_id", sa.String(4)),
        sa.Column("closed", sa.Boolean, nullable=False),
    )
    op.create_table(
        "flag_view",
        sa.Column("flag_id", sa.String(64), primary_key=True),
        sa.Column("rule_id", sa.String(8), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("proposal_id", sa.String(64)),
        sa.Column("round_id", sa.String(64)),
        sa.Column("explanation_id", sa.Text, nullable=False),
        sa.Column("explanation_en", sa.Text, nullable=False),
        sa.Column("citation", sa.String(300), nullable=False),
    )
    op.create_index("ix_flag_view_proposal_id", "flag_view", ["proposal_id"])


def downgrade() -> None:
    op.drop_table("flag_view")
    op.drop_table("unit_directory")
    op.drop_table("kinship")
    op.drop_table("blackout")
    op.drop_table("delegation")
    op.drop_table("objection")
    op.drop_table("proposal_transition")
    op.drop_table("proposal_active")
    op.drop_table("proposal")
    op.drop_table("mutasi_round")
