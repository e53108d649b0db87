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
    sa.Column("subject", sa.String(200), nullable=True, index=True),
    sa.Column("time", sa.String(40), nullable=False, index=True),
    sa.Column("actor", sa.String(200), nullable=False, index=True),
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
    sa.Index("ix_ledger_mentions_idx", "idx"),
)

# Auditor query keys filled at append time (`ledger.index_keys`): which entries are about
# which unit, round, flag or proposal.
ledger_index_keys = sa.Table(
    "ledger_index_keys",
    metadata,
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("value", sa.String(200), primary_key=True),
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Index("ix_ledger_index_keys_idx", "idx"),
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


# -- integrity checks (red flags) ------------------------------------------------------------
# The events the integrity rules read (with their ledger index), names removed: the rules'
# read model, replayed through `integrity.events.FactsBuilder` for each evaluation.
integrity_events = sa.Table(
    "integrity_events",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("ledger_idx", sa.BigInteger, nullable=False, index=True),
    sa.Column("type", sa.String(100), nullable=False, index=True),
    sa.Column("time", sa.String(40), nullable=False),  # RFC 3339 UTC, as in the envelope
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("actor_role", sa.String(40), nullable=True),
    sa.Column("nip", sa.String(18), nullable=True, index=True),
    sa.Column("proposal_id", sa.String(64), nullable=True, index=True),
    sa.Column("round_id", sa.String(64), nullable=True, index=True),
    sa.Column("data", sa.Text, nullable=False),
)

# One row per raised flag; `finding_key` (rule + what it is about) makes raising idempotent.
integrity_flags = sa.Table(
    "integrity_flags",
    metadata,
    sa.Column("flag_id", sa.String(64), primary_key=True),
    sa.Column("finding_key", sa.String(400), nullable=False, unique=True),
    sa.Column("rule_id", sa.String(4), nullable=False, index=True),
    sa.Column("rule_version", sa.String(64), nullable=False),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("proposal_id", sa.String(64), nullable=True, index=True),
    sa.Column("round_id", sa.String(64), nullable=True, index=True),
    sa.Column("unor_id", sa.String(64), nullable=True),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("subjects", sa.Text, nullable=False),
    sa.Column("explanation_id", sa.Text, nullable=False),
    sa.Column("explanation_en", sa.Text, nullable=False),
    sa.Column("citation", sa.String(300), nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("raised_event_id", sa.String(64), nullable=False, unique=True),
    sa.Column("ledger_idx", sa.BigInteger, nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Subject index of the flags (NIPs; auditors filter by subject).
integrity_flag_subjects = sa.Table(
    "integrity_flag_subjects",
    metadata,
    sa.Column("nip", sa.String(18), primary_key=True),
    sa.Column("flag_id", sa.String(64), primary_key=True),
)

# Every status change of a flag, with its reason and who made it.
integrity_flag_history = sa.Table(
    "integrity_flag_history",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("flag_id", sa.String(64), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("previous_status", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ledger_idx", sa.BigInteger, nullable=True),
)

# Rule configuration changed by admins (defaults live in the rule catalogue).
integrity_rule_config = sa.Table(
    "integrity_rule_config",
    metadata,
    sa.Column("rule_id", sa.String(4), primary_key=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("thresholds", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
)
