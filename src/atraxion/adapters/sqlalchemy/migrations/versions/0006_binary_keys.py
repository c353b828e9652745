"""Keys compare byte for byte: a binary, no-pad collation on every key and consumer column, and
record keys wide enough for a stock or price key ``{a}/{b}`` of two 255-character parts.

Revision ID: 0006
Revises: 0009

MariaDB gets ``utf8mb4_nopad_bin``, MySQL 8 ``utf8mb4_0900_bin``, PostgreSQL ``"C"``, whatever the
database's default collation; a server with none of them is refused with one line naming the
collation. SQLite already compares with ``BINARY`` and does not enforce VARCHAR lengths. Written out
rather than derived from ``tables.py`` so this revision keeps meaning what it means today.
"""

from __future__ import annotations

from alembic import op

from atraxion.adapters.sqlalchemy.collation import binary_collation

revision = "0006"
down_revision = "0009"
branch_labels = None
depends_on = None

RECORD_KEY = 511  # 255 + "/" + 255
OLD_RECORD_KEY = 255

# table → [(column, length, nullable)]; record keys get their new length.
COLUMNS: dict[str, list[tuple[str, int, bool]]] = {
    "products": [("key", RECORD_KEY, False)],
    "partners": [("key", RECORD_KEY, False), ("external_parent_id", 255, True)],
    "sale_orders": [("key", RECORD_KEY, False)],
    "purchase_orders": [("key", RECORD_KEY, False)],
    "stock": [("key", RECORD_KEY, False), ("supplier_external_id", 255, True), ("product_external_id", 255, True)],
    "pricelist_items": [
        ("key", RECORD_KEY, False),
        ("pricelist_external_id", 255, True),
        ("product_external_id", 255, True),
    ],
    "purchase_order_lines": [("purchase_order_key", 255, False), ("product_external_id", 255, False)],
    "consumers": [("name", 64, False)],
    "feed_acks": [("consumer", 64, False), ("key", RECORD_KEY, False)],
    "feed_pending": [("consumer", 64, False), ("key", RECORD_KEY, False)],
    "api_tokens": [("consumer", 64, False)],
    "outbox": [("entity_key", 255, False)],
    "sale_orders_out": [("external_id", 255, False), ("consumer", 64, False)],
    "sync_failures": [("external_id", 255, False)],
}


def _alter(collation: str | None, length_of: dict[int, int]) -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    for table, columns in COLUMNS.items():
        if dialect in ("mysql", "mariadb"):
            changes = ", ".join(
                f"MODIFY `{name}` VARCHAR({length_of.get(length, length)}) CHARACTER SET utf8mb4 "
                f"COLLATE {collation} {'NULL' if nullable else 'NOT NULL'}"
                for name, length, nullable in columns
            )
            op.execute(f"ALTER TABLE `{table}` {changes}")
        elif dialect == "postgresql":
            changes = ", ".join(
                f'ALTER COLUMN "{name}" TYPE VARCHAR({length_of.get(length, length)})'
                + (f' COLLATE "{collation}"' if collation else "")
                for name, length, _ in columns
            )
            op.execute(f'ALTER TABLE "{table}" {changes}')
        # SQLite: BINARY comparison already, and lengths are not enforced.


def upgrade() -> None:
    _alter(binary_collation(op.get_bind()), {})


def downgrade() -> None:
    # Back to the lengths before this revision, comparing as the tests' databases did (utf8mb4_bin).
    bind = op.get_bind()
    previous = "utf8mb4_bin" if bind.dialect.name in ("mysql", "mariadb") else None
    _alter(previous, {RECORD_KEY: OLD_RECORD_KEY})
