"""Tables every service has: the outbox, its per-producer sequence counter, the consumer's
processed-event record (inbox) and stored responses for Idempotency-Key."""

from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True)
class PlatformTables:
    outbox: sa.Table
    outbox_counter: sa.Table
    processed_events: sa.Table
    idempotency_keys: sa.Table


def platform_columns() -> dict[str, list[sa.Column[object]]]:
    """Column lists, shared by the table definitions and the Alembic migrations."""
    return {
        "outbox": [
            sa.Column(
                "id",
                sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                primary_key=True,
                autoincrement=True,
            ),
            sa.Column("event_id", sa.String(64), nullable=False, unique=True),
            sa.Column("topic", sa.String(200), nullable=False),
            sa.Column("key", sa.String(200), nullable=True),
            sa.Column("type", sa.String(100), nullable=False),
            sa.Column("subject", sa.String(200), nullable=True),
            sa.Column("time", sa.String(40), nullable=False),
            sa.Column("actor", sa.String(200), nullable=False),
            sa.Column("actorrole", sa.String(40), nullable=True),
            sa.Column("traceparent", sa.String(60), nullable=True),
            sa.Column("data", sa.Text, nullable=False),
            sa.Column("sequence", sa.BigInteger, nullable=True, unique=True),
            sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        ],
        "outbox_counter": [
            sa.Column("source", sa.String(200), primary_key=True),
            sa.Column("last_sequence", sa.BigInteger, nullable=False),
        ],
        "processed_events": [
            sa.Column("consumer", sa.String(100), primary_key=True),
            sa.Column("event_id", sa.String(64), primary_key=True),
            sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        ],
        "idempotency_keys": [
            sa.Column("principal", sa.String(200), primary_key=True),
            sa.Column("key", sa.String(200), primary_key=True),
            sa.Column("request_hash", sa.String(64), nullable=False),
            sa.Column("status_code", sa.Integer, nullable=False),
            sa.Column("headers", sa.Text, nullable=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        ],
    }


def add_platform_tables(metadata: sa.MetaData) -> PlatformTables:
    cols = platform_columns()
    outbox = sa.Table("outbox", metadata, *cols["outbox"])
    sa.Index("ix_outbox_unpublished", outbox.c.published_at, outbox.c.id)
    return PlatformTables(
        outbox=outbox,
        outbox_counter=sa.Table("outbox_counter", metadata, *cols["outbox_counter"]),
        processed_events=sa.Table("processed_events", metadata, *cols["processed_events"]),
        idempotency_keys=sa.Table("idempotency_keys", metadata, *cols["idempotency_keys"]),
    )
