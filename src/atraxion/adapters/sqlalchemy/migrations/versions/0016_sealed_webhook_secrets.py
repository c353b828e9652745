"""webhooks.secret holds a sealed secret: widened from 128 to 512 characters

Revision ID: 0016
Revises: 0014

A sealed secret is ``enc:v1:`` and a Fernet token (about 210 characters for the longest secret).
No data changes here: a migration cannot know ATRAXION_SECRET_KEY, so secrets stored in clear by 0013
are read as they are and sealed on their webhook's next write (docs/deploying.md, "Secrets").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhooks") as batch:
        batch.alter_column(
            "secret", existing_type=sa.String(length=128), type_=sa.String(length=512), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("webhooks") as batch:
        batch.alter_column(
            "secret", existing_type=sa.String(length=512), type_=sa.String(length=128), existing_nullable=False
        )
