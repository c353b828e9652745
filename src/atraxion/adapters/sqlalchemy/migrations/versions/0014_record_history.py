"""record_history: the newest versions of each record, with when and which fields changed

Revision ID: 0014
Revises: 0013

Written out rather than derived from ``tables.py`` so this revision keeps meaning what it means today.
The key column compares byte for byte, like every key column since 0006.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from atraxion.adapters.sqlalchemy.collation import binary_collation

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

RECORD_KEY = 511  # 255 + "/" + 255


def upgrade() -> None:
    collation = binary_collation(op.get_bind())
    op.create_table(
        "record_history",
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=RECORD_KEY, collation=collation), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("changed_fields", sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb"), nullable=False),
        sa.Column("at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=False),
        sa.PrimaryKeyConstraint("entity", "key", "version", name=op.f("pk_record_history")),
    )


def downgrade() -> None:
    op.drop_table("record_history")
