"""reverse sync: outbox, outbound sale orders, sync failures

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 18:30:00

Written out rather than derived from ``tables.py`` so this revision keeps meaning what it means today.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_KEY = 255


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False)


def _json(name: str) -> sa.Column[str]:
    kind = sa.Text().with_variant(mysql.LONGTEXT(), "mysql").with_variant(mysql.LONGTEXT(), "mariadb")
    return sa.Column(name, kind, nullable=False)


def _stamp(name: str, *, nullable: bool) -> sa.Column[object]:
    kind = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql").with_variant(mysql.DATETIME(fsp=6), "mariadb")
    return sa.Column(name, kind, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "outbox",
        _id(),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_key", sa.String(length=_KEY), nullable=False),
        _json("payload"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("retry_base", sa.Integer(), nullable=False),
        _stamp("next_attempt_at", nullable=False),
        _stamp("claimed_at", nullable=True),
        _stamp("published_at", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("odoo_id", sa.BigInteger(), nullable=True),
        _json("history"),
        sa.Column("revision", sa.Integer(), nullable=False),
        _stamp("created_at", nullable=False),
        _stamp("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_status_claimed_at", "outbox", ["status", "claimed_at"])
    op.create_index("ix_outbox_entity", "outbox", ["entity_type", "entity_key"])

    op.create_table(
        "sale_orders_out",
        _id(),
        sa.Column("external_id", sa.String(length=_KEY), nullable=False),
        sa.Column("consumer", sa.String(length=64), nullable=False),
        _json("payload"),
        sa.Column("queue_id", sa.BigInteger(), nullable=False),
        sa.Column("odoo_id", sa.BigInteger(), nullable=True),
        _stamp("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sale_orders_out")),
        sa.UniqueConstraint("external_id", name=op.f("uq_sale_orders_out_external_id")),
    )

    op.create_table(
        "sync_failures",
        _id(),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=_KEY), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=False),
        sa.Column("queue_id", sa.BigInteger(), nullable=True),
        _stamp("created_at", nullable=False),
        _stamp("resolved_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_failures")),
    )
    op.create_index(op.f("ix_sync_failures_queue_id"), "sync_failures", ["queue_id"])
    op.create_index("ix_sync_failures_status_id", "sync_failures", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_sync_failures_status_id", table_name="sync_failures")
    op.drop_index(op.f("ix_sync_failures_queue_id"), table_name="sync_failures")
    op.drop_table("sync_failures")
    op.drop_table("sale_orders_out")
    op.drop_index("ix_outbox_entity", table_name="outbox")
    op.drop_index("ix_outbox_status_claimed_at", table_name="outbox")
    op.drop_index("ix_outbox_status_next_attempt_at", table_name="outbox")
    op.drop_table("outbox")
