"""webhooks: subscriptions of consumers and their deliveries

Revision ID: 0013
Revises: 0010

The consumer column compares byte for byte (the binary no-pad collation of 0006). Written out
rather than derived from ``tables.py`` so this revision keeps meaning what it means today.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from atraxion.adapters.sqlalchemy.collation import binary_collation

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql").with_variant(mysql.DATETIME(fsp=6), "mariadb")
    ident = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    json_text = sa.Text().with_variant(mysql.LONGTEXT(), "mysql").with_variant(mysql.LONGTEXT(), "mariadb")
    collation = binary_collation(op.get_bind())
    op.create_table(
        "webhooks",
        sa.Column("id", ident, autoincrement=True, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("consumer", sa.String(length=64, collation=collation), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("entities", json_text, nullable=False),
        sa.Column("events", sa.String(length=64), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("updated_at", stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    op.create_index(op.f("ix_webhooks_consumer"), "webhooks", ["consumer"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", ident, autoincrement=True, nullable=False),
        sa.Column("webhook_id", sa.BigInteger(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("body", json_text, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("retry_base", sa.Integer(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Double(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("next_attempt_at", stamp, nullable=False),
        sa.Column("last_attempt_at", stamp, nullable=True),
        sa.Column("claimed_at", stamp, nullable=True),
        sa.Column("published_at", stamp, nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index("ix_webhook_deliveries_webhook_id_id", "webhook_deliveries", ["webhook_id", "id"])
    op.create_index("ix_webhook_deliveries_status_next_attempt_at", "webhook_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_webhook_deliveries_created_at", "webhook_deliveries", ["created_at"])


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_index(op.f("ix_webhooks_consumer"), table_name="webhooks")
    op.drop_table("webhooks")
