"""connecting to Odoo: leases, webhook-queued pulls, reconcile runs

Revision ID: 0010
Revises: 0006

Written out rather than derived from ``tables.py`` so this revision keeps meaning what it means today.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0010"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql").with_variant(mysql.DATETIME(fsp=6), "mariadb")
    ident = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    json_text = sa.Text().with_variant(mysql.LONGTEXT(), "mysql").with_variant(mysql.LONGTEXT(), "mariadb")
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("expires_at", stamp, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )
    op.create_table(
        "odoo_queued_pulls",
        sa.Column("id", ident, autoincrement=True, nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column("odoo_id", sa.BigInteger(), nullable=False),
        sa.Column("requested_at", stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_odoo_queued_pulls")),
    )
    op.create_table(
        "reconcile_runs",
        sa.Column("id", ident, autoincrement=True, nullable=False),
        sa.Column("entities", json_text, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("differing", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("repaired", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("updated_at", stamp, nullable=False),
        sa.Column("finished_at", stamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconcile_runs")),
    )


def downgrade() -> None:
    op.drop_table("reconcile_runs")
    op.drop_table("odoo_queued_pulls")
    op.drop_table("leases")
