"""feed_pending.changed_fields: what a pending record changed since the consumer's ack, computed
when the change is written so that a poll needs no diff.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feed_pending") as batch:
        batch.add_column(sa.Column("changed_fields", sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")))
    # Rows written before this revision get their changedFields at the next change; until then
    # they read as new (every field), which never hides a change.


def downgrade() -> None:
    with op.batch_alter_table("feed_pending") as batch:
        batch.drop_column("changed_fields")
