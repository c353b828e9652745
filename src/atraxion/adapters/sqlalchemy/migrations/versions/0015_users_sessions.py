"""admin UI: users, allowed domains, e-mail verifications, sessions

Revision ID: 0015
Revises: 0016

Written out rather than derived from ``tables.py`` so this revision keeps meaning what it means today.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0015"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql").with_variant(mysql.DATETIME(fsp=6), "mariadb")
    ident = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "users",
        sa.Column("id", ident, autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("disabled_at", stamp, nullable=True),
        sa.Column("recent_failures", sa.Text(), nullable=False),
        sa.Column("locked_until", stamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "allowed_domains",
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_allowed_domains")),
    )
    op.create_table(
        "email_verifications",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", ident, nullable=False),
        sa.Column("expires_at", stamp, nullable=False),
        sa.Column("used_at", stamp, nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_email_verifications")),
    )
    op.create_index(op.f("ix_email_verifications_user_id"), "email_verifications", ["user_id"])
    op.create_table(
        "admin_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", ident, nullable=False),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("expires_at", stamp, nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_admin_sessions")),
    )
    op.create_index(op.f("ix_admin_sessions_user_id"), "admin_sessions", ["user_id"])
    op.create_index(op.f("ix_admin_sessions_expires_at"), "admin_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_table("admin_sessions")
    op.drop_table("email_verifications")
    op.drop_table("allowed_domains")
    op.drop_table("users")
