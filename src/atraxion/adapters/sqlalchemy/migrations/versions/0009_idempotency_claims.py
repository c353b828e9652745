"""idempotency_keys: one row per (owner, key) digest, claimed in the command's own transaction

Revision ID: 0009
Revises: 0008

The key a client sent was a VARCHAR compared under the database's collation (where "K" may equal
"k", and "k" equal "k "); it becomes the sha256 of the owner and the key, which also keeps the
client's key itself out of the database. The answer columns become nullable: a row is inserted
when its key is claimed and completed before that transaction commits. Existing rows are carried
over (their replays keep working). A downgrade cannot recover the keys from their digests: it
leaves the old table empty.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PAGE = 500


def _blob() -> Any:
    return sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql").with_variant(mysql.LONGBLOB(), "mariadb")


def upgrade() -> None:
    # PostgreSQL names constraints per schema, not per table: the new primary key takes the old
    # one's name only once the old table is gone.
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "idempotency_claims",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=128), nullable=True),
        sa.Column("body", _blob(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name="pk_idempotency_claims" if postgresql else "pk_idempotency_keys"),
    )
    old = sa.table(
        "idempotency_keys",
        *(sa.column(c) for c in ("scope", "key", "request_hash", "status", "content_type", "body", "created_at")),
    )
    new = sa.table(
        "idempotency_claims",
        *(sa.column(c) for c in ("digest", "fingerprint", "status", "content_type", "body", "created_at")),
    )
    conn = op.get_bind()
    after: tuple[str, str] | None = None
    while True:  # keyset pages: the old table may hold many large answers
        query = sa.select(old).order_by(old.c.scope, old.c.key).limit(PAGE)
        if after is not None:
            query = query.where(sa.tuple_(old.c.scope, old.c.key) > after)
        rows = conn.execute(query).all()
        if not rows:
            break
        conn.execute(
            new.insert(),
            [
                {
                    "digest": hashlib.sha256(json.dumps([r.scope, r.key]).encode()).hexdigest(),
                    "fingerprint": r.request_hash,
                    "status": r.status,
                    "content_type": r.content_type,
                    "body": r.body,
                    "created_at": r.created_at,
                }
                for r in rows
            ],
        )
        after = (rows[-1].scope, rows[-1].key)
    op.drop_table("idempotency_keys")
    op.rename_table("idempotency_claims", "idempotency_keys")
    if postgresql:
        op.execute("ALTER TABLE idempotency_keys RENAME CONSTRAINT pk_idempotency_claims TO pk_idempotency_keys")


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("body", _blob(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_idempotency_keys"),
    )
