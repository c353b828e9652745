"""pull_cursors: how far each entity's pull from Odoo got

Revision ID: 0008
Revises: 0007

Written out rather than derived from ``tables.py`` so this revision keeps meaning what it means today.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pull_cursors",
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("write_date", sa.String(length=19), nullable=False),
        sa.Column("odoo_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("entity", name=op.f("pk_pull_cursors")),
    )


def downgrade() -> None:
    op.drop_table("pull_cursors")
