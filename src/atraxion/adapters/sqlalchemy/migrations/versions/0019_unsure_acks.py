"""feed_acks.unsure_fields: the fields a consumer may hold otherwise than it acknowledged.

Revision ID: 0019
Revises: 0017

A stale ack (of a version between the acknowledged one and the current one) tells that the
consumer processed content Atraxion no longer serves; those fields stay in its ``changedFields``,
and the record stays pending, until it acknowledges a current version (see ``domain/feed.py``).
Existing acks are exact (NULL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feed_acks") as batch:
        batch.add_column(sa.Column("unsure_fields", sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")))


def downgrade() -> None:
    with op.batch_alter_table("feed_acks") as batch:
        batch.drop_column("unsure_fields")
