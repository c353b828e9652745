"""records deleted in Odoo: a ``deleted`` flag on every record table (tombstones)

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01 22:00:00

A deleted record keeps its row, last known content and version, so a later re-creation goes on
counting versions. Existing rows are live (``deleted`` false).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

_RECORD_TABLES = ("products", "partners", "sale_orders", "purchase_orders", "stock", "pricelist_items")


def upgrade() -> None:
    for table in _RECORD_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    for table in _RECORD_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("deleted")
