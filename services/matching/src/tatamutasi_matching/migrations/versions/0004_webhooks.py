"""Webhook subscriptions and deliveries.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from alembic import op

from tatamutasi_platform.webhooks_tables import create_webhook_tables, drop_webhook_tables

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_webhook_tables(op)


def downgrade() -> None:
    drop_webhook_tables(op)
