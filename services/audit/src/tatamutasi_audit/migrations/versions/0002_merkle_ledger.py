"""RFC 9162 Merkle ledger: node hashes, signed checkpoints, pseudonym index, producer
progress (completeness).

Replaces the foundation's hash chain. The foundation ledger held plain (not pseudonymised)
entries and no Merkle nodes, so it is dropped, and the ledger consumer's processed-event
records with it: the new ledger starts empty and is filled by new and replayed events.

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
    op.drop_table("ledger_head")
    op.drop_table("ledger_entries")
    op.execute(sa.text("DELETE FROM processed_events WHERE consumer = 'audit-ledger'"))
    op.create_table(
        "ledger_entries",
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("time", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("entry", sa.LargeBinary, nullable=False),
        sa.Column("appended_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("idx", name="pk_ledger_entries"),
        sa.UniqueConstraint("event_id", name="uq_ledger_entries_event_id"),
        sa.UniqueConstraint("source", "sequence", name="uq_ledger_entries_source_sequence"),
    )
    op.create_index("ix_ledger_entries_type", "ledger_entries", ["type"])
    op.create_table(
        "ledger_nodes",
        sa.Column("level", sa.SmallInteger, nullable=False, autoincrement=False),
        sa.Column("idx", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_ledger_nodes"),
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("size", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size", name="pk_ledger_checkpoints"),
    )
    op.create_table(
        "ledger_tree",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_tree"),
    )
    op.create_table(
        "ledger_mentions",
        sa.Column("pseudonym", sa.String(64), nullable=False),
        sa.Column("idx", sa.BigInteger, nullable=False, autoincrement=False),
        sa.PrimaryKeyConstraint("pseudonym", "idx", name="pk_ledger_mentions"),
    )
    op.create_table(
        "producer_progress",
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("contiguous", sa.BigInteger, nullable=False),
        sa.Column("max_seen", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_producer_progress"),
    )


def downgrade() -> None:
    for table in (
        "producer_progress",
        "ledger_mentions",
        "ledger_tree",
        "ledger_checkpoints",
        "ledger_nodes",
        "ledger_entries",
    ):
        op.drop_table(table)
    op.create_table(
        "ledger_entries",
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("time", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("entry", sa.LargeBinary, nullable=False),
        sa.Column("chain_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("appended_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("source", "sequence", name="uq_ledger_entries_source_sequence"),
    )
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("head", sa.LargeBinary(32), nullable=False),
    )
