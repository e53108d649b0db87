"""Tables of the opt-in webhook feature (see `webhooks.py`): subscriptions, one delivery per
(subscription, event), and the log of every attempt. A service opts in with
`add_webhook_tables(metadata)` in its `adapters/orm.py` and `create_webhook_tables(op)` in one
of its Alembic revisions."""

from dataclasses import dataclass

import sqlalchemy as sa
from alembic.operations import Operations


@dataclass(frozen=True)
class WebhookTables:
    subscription: sa.Table
    delivery: sa.Table
    attempt: sa.Table


def _id() -> sa.Column[int]:
    return sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    )


def webhook_columns() -> dict[str, list[sa.schema.SchemaItem]]:
    """Column lists, shared by the table definitions and the Alembic helper."""
    ts = sa.DateTime(timezone=True)
    return {
        "webhook_subscription": [
            sa.Column("subscription_id", sa.String(36), primary_key=True),
            sa.Column("url", sa.String(2000), nullable=False),
            sa.Column("description", sa.String(500), nullable=True),
            sa.Column("event_types", sa.Text, nullable=False),  # JSON list of patterns
            sa.Column(
                "secret", sa.String(100), nullable=False
            ),  # never returned again, never logged
            sa.Column("status", sa.String(16), nullable=False),  # active | disabled | deleted
            sa.Column("disabled_code", sa.String(40), nullable=True),
            sa.Column("disabled_reason_en", sa.String(500), nullable=True),
            sa.Column("disabled_reason_id", sa.String(500), nullable=True),
            sa.Column("disabled_at", ts, nullable=True),
            sa.Column("consecutive_failures", sa.Integer, nullable=False),
            sa.Column("cursor", sa.BigInteger, nullable=False),  # last outbox sequence fanned out
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("created_by", sa.String(200), nullable=False),
            sa.Column("created_at", ts, nullable=False),
            sa.Column("updated_by", sa.String(200), nullable=False),
            sa.Column("updated_at", ts, nullable=False),
        ],
        "webhook_delivery": [
            sa.Column("delivery_id", sa.String(36), primary_key=True),
            sa.Column("subscription_id", sa.String(36), nullable=False),
            sa.Column("event_id", sa.String(64), nullable=False),
            sa.Column("sequence", sa.BigInteger, nullable=False),
            sa.Column("event_type", sa.String(100), nullable=False),
            sa.Column("status", sa.String(16), nullable=False),  # pending | succeeded | failed
            sa.Column("attempts", sa.Integer, nullable=False),  # all attempts ever
            sa.Column("run_attempts", sa.Integer, nullable=False),  # since last (re)queue
            sa.Column("next_attempt_at", ts, nullable=True),
            sa.Column("last_status_code", sa.Integer, nullable=True),
            sa.Column("last_error", sa.String(500), nullable=True),
            sa.Column("last_latency_ms", sa.Integer, nullable=True),
            sa.Column("last_attempt_at", ts, nullable=True),
            sa.Column("delivered_at", ts, nullable=True),
            sa.Column("created_at", ts, nullable=False),
            sa.UniqueConstraint("subscription_id", "event_id"),
        ],
        "webhook_attempt": [
            _id(),
            sa.Column("delivery_id", sa.String(36), nullable=False),
            sa.Column("subscription_id", sa.String(36), nullable=False),
            sa.Column("attempt", sa.Integer, nullable=False),
            sa.Column("attempted_at", ts, nullable=False),
            sa.Column("status_code", sa.Integer, nullable=True),
            sa.Column("latency_ms", sa.Integer, nullable=False),
            sa.Column("error", sa.String(500), nullable=True),
            sa.Column("succeeded", sa.Boolean, nullable=False),
            sa.Column(
                "trigger", sa.String(16), nullable=False
            ),  # event | retry | redeliver | replay
        ],
    }


_INDEXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ix_webhook_delivery_due", "webhook_delivery", ("status", "next_attempt_at")),
    ("ix_webhook_delivery_subscription", "webhook_delivery", ("subscription_id", "sequence")),
    ("ix_webhook_attempt_delivery", "webhook_attempt", ("delivery_id", "attempt")),
)


def add_webhook_tables(metadata: sa.MetaData) -> WebhookTables:
    tables = {name: sa.Table(name, metadata, *cols) for name, cols in webhook_columns().items()}
    for index, table, columns in _INDEXES:
        sa.Index(index, *(tables[table].c[c] for c in columns))
    return WebhookTables(
        subscription=tables["webhook_subscription"],
        delivery=tables["webhook_delivery"],
        attempt=tables["webhook_attempt"],
    )


def create_webhook_tables(op: Operations) -> None:
    """For a service's Alembic revision: `create_webhook_tables(op)` in `upgrade()`."""
    for name, columns in webhook_columns().items():
        op.create_table(name, *columns)
    for index, table, cols in _INDEXES:
        op.create_index(index, table, list(cols))


def drop_webhook_tables(op: Operations) -> None:
    """For the same revision's `downgrade()`."""
    for index, table, _ in reversed(_INDEXES):
        op.drop_index(index, table_name=table)
    for name in reversed(list(webhook_columns())):
        op.drop_table(name)
