"""request log: api_logs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 12:00:00

Written out rather than derived from ``tables.py`` so this revision keeps meaning what it means today.
No bodies and no header values are stored (see domain/request_log.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql").with_variant(mysql.DATETIME(fsp=6), "mariadb")
    path = (
        sa.String(length=512)
        .with_variant(mysql.VARCHAR(512, collation="utf8mb4_bin"), "mysql")
        .with_variant(mysql.VARCHAR(512, collation="utf8mb4_bin"), "mariadb")
    )
    op.create_table(
        "api_logs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", stamp, nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("path", path, nullable=False),
        sa.Column("query", sa.String(length=500), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Double(), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("token_id", sa.BigInteger(), nullable=True),
        sa.Column("consumer", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_logs")),
    )
    with op.batch_alter_table("api_logs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_logs_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_logs_path"), ["path"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_logs_status_code"), ["status_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_logs_status_code"))
        batch_op.drop_index(batch_op.f("ix_api_logs_path"))
        batch_op.drop_index(batch_op.f("ix_api_logs_at"))
    op.drop_table("api_logs")
