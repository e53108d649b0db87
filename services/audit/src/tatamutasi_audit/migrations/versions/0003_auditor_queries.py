"""Auditor query indexes: the units, rounds, flags and proposals each entry is about (a side
table filled at append time), and indexes on the entry columns auditors filter by. Existing
entries are indexed from their stored bytes, and their pseudonym index rows recomputed (it
now lists every pseudonym in an entry, which the self-check verifies).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import orjson
import sqlalchemy as sa
from alembic import op

from tatamutasi_audit.ledger.entries import iter_pseudonyms
from tatamutasi_audit.ledger.index_keys import index_keys

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    op.create_table(
        "ledger_index_keys",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("idx", sa.BigInteger, nullable=False, autoincrement=False),
        sa.PrimaryKeyConstraint("kind", "value", "idx", name="pk_ledger_index_keys"),
    )
    # the self-check reads index rows by entry range
    op.create_index("ix_ledger_index_keys_idx", "ledger_index_keys", ["idx"])
    op.create_index("ix_ledger_mentions_idx", "ledger_mentions", ["idx"])
    op.create_index("ix_ledger_entries_actor", "ledger_entries", ["actor"])
    op.create_index("ix_ledger_entries_subject", "ledger_entries", ["subject"])
    op.create_index("ix_ledger_entries_time", "ledger_entries", ["time"])
    _backfill()


def _backfill() -> None:
    bind = op.get_bind()
    entries = sa.table("ledger_entries", sa.column("idx"), sa.column("entry"))
    keys = sa.table("ledger_index_keys", sa.column("kind"), sa.column("value"), sa.column("idx"))
    mentions = sa.table("ledger_mentions", sa.column("pseudonym"), sa.column("idx"))
    last = -1
    while True:
        rows = bind.execute(
            sa.select(entries.c.idx, entries.c.entry)
            .where(entries.c.idx > last)
            .order_by(entries.c.idx)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        found = []
        mentioned = []
        for idx, entry in rows:
            try:
                env = orjson.loads(bytes(entry))
            except orjson.JSONDecodeError:
                continue  # the self-check reports damaged entries; nothing to index here
            if isinstance(env, dict):
                found += [{"kind": k, "value": v, "idx": idx} for k, v in index_keys(env)]
                mentioned += [{"pseudonym": p, "idx": idx} for p in set(iter_pseudonyms(env))]
        if found:
            bind.execute(keys.insert(), found)
        first = int(rows[0][0])
        bind.execute(
            mentions.delete().where(mentions.c.idx >= first, mentions.c.idx <= int(rows[-1][0]))
        )
        if mentioned:
            bind.execute(mentions.insert(), mentioned)
        last = int(rows[-1][0])


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_time", "ledger_entries")
    op.drop_index("ix_ledger_entries_subject", "ledger_entries")
    op.drop_index("ix_ledger_entries_actor", "ledger_entries")
    op.drop_index("ix_ledger_mentions_idx", "ledger_mentions")
    op.drop_index("ix_ledger_index_keys_idx", "ledger_index_keys")
    op.drop_table("ledger_index_keys")
