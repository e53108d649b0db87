import sqlalchemy as sa

from tatamutasi_platform.db import new_metadata
from tatamutasi_platform.tables import add_platform_tables

metadata = new_metadata()
platform = add_platform_tables(metadata)

# One row per leaf, in index order. `entry` holds the exact (pseudonymised, RFC 8785) bytes
# whose SHA-256(0x00 || entry) is the leaf hash; the other columns are copies for queries.
ledger_entries = sa.Table(
    "ledger_entries",
    metadata,
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("event_id", sa.String(64), nullable=False, unique=True),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("type", sa.String(100), nullable=False, index=True),
    sa.Column("subject", sa.String(200), nullable=True),
    sa.Column("time", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("entry", sa.LargeBinary, nullable=False),
    sa.Column("appended_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("source", "sequence", name="uq_ledger_entries_source_sequence"),
)

# Every perfect subtree hash of the RFC 9162 tree, keyed as in tlog-tiles: node (level, idx)
# covers leaves [idx * 2**level, (idx + 1) * 2**level). Level 0 holds the leaf hashes.
ledger_nodes = sa.Table(
    "ledger_nodes",
    metadata,
    sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.LargeBinary(32), nullable=False),
)

# Every signed checkpoint ever published (one per appended batch).
ledger_checkpoints = sa.Table(
    "ledger_checkpoints",
    metadata,
    sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("root", sa.LargeBinary(32), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# One row: the tree's size and root. Appenders lock it, so indexes are handed out in one
# total order even with several audit instances.
ledger_tree = sa.Table(
    "ledger_tree",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("root", sa.LargeBinary(32), nullable=False),
)

# Access-controlled index (auditor): which entries mention which pseudonym.
ledger_mentions = sa.Table(
    "ledger_mentions",
    metadata,
    sa.Column("pseudonym", sa.String(64), primary_key=True),
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
)

# Completeness: per producer (CloudEvents `source`), the highest sequence up to which every
# event is in the ledger, and the highest sequence seen. A difference is a gap (lost events).
producer_progress = sa.Table(
    "producer_progress",
    metadata,
    sa.Column("source", sa.String(200), primary_key=True),
    sa.Column("contiguous", sa.BigInteger, nullable=False),
    sa.Column("max_seen", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
