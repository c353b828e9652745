"""Byte-for-byte keys on every database: the binary, no-pad collation of key columns.

MariaDB's and MySQL's usual collations fold case (``utf8mb4_general_ci``) or ignore trailing
spaces (``utf8mb4_bin`` is PAD SPACE), so two keys Python holds apart would be one row to the
database: a push of ``"SKU-abc"`` then ``"SKU-ABC"`` failed on the unique index, and the consumers
``webshop`` and ``WebShop`` shared one feed. Migration 0006 gives every key and consumer column a
binary collation that pads nothing; :func:`refuse_unless_binary_keys` checks it at every start.
PostgreSQL's equality is already byte-wise under a deterministic collation, but its order follows the
database's locale (``en_US``: ``"a" < "B"``), while the feed's keyset pages and every sorted write
assume the order of the bytes: its key columns get ``"C"``. SQLite compares with ``BINARY`` (memcmp,
no padding) unless told otherwise.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

from atraxion.adapters.sqlalchemy.tables import RECORD_KEY_COLUMNS

MARIADB = "utf8mb4_nopad_bin"
MYSQL = "utf8mb4_0900_bin"
POSTGRESQL = "C"

KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    **RECORD_KEY_COLUMNS,  # each entity's table: its key, and the keys it copies (a price's product)
    "purchase_order_lines": ("purchase_order_key", "product_external_id"),
    "consumers": ("name",),
    "feed_acks": ("consumer", "key"),
    "feed_pending": ("consumer", "key"),
    "api_tokens": ("consumer",),
    "outbox": ("entity_key",),
    "sale_orders_out": ("external_id", "consumer"),
    "sync_failures": ("external_id",),
    "record_history": ("key",),
    "webhooks": ("consumer",),
}
"""The columns whose values are keys or consumer names: each must compare byte for byte."""


class UnsupportedCollation(RuntimeError):
    """The database cannot, or does not, compare keys byte for byte. The message is one line
    naming the collation, for ``db upgrade`` and ``serve`` to print."""


def binary_collation(connection: Connection) -> str | None:
    """The binary no-pad collation this database offers for key columns (None for SQLite, whose
    default is already that). Raises UnsupportedCollation when it has none."""
    dialect = connection.dialect
    if dialect.name == "sqlite":
        return None
    if dialect.name == "postgresql":
        return POSTGRESQL
    if dialect.name in ("mysql", "mariadb"):
        wanted = MARIADB if getattr(dialect, "is_mariadb", False) else MYSQL
        found = connection.execute(text("SHOW COLLATION WHERE Collation = :name"), {"name": wanted}).first()
        if found is None:
            raise UnsupportedCollation(
                f"the database server has no collation {wanted}: keys must compare byte for byte "
                f"(MariaDB 10.2+ or MySQL 8.0+ is needed)"
            )
        return wanted
    raise UnsupportedCollation(f"no binary no-pad collation is known for the {dialect.name} database")


_MYSQL_COLUMNS = text(
    "SELECT table_name, column_name, collation_name FROM information_schema.columns "
    "WHERE table_schema = DATABASE() AND collation_name IS NOT NULL"
)
# information_schema leaves a column under the database's default collation NULL: read the
# catalogue, where that column says "default" (and is refused: the default is a locale's order).
_POSTGRESQL_COLUMNS = text(
    "SELECT c.relname, a.attname, coll.collname FROM pg_attribute a "
    "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_collation coll ON coll.oid = a.attcollation "
    "WHERE c.relnamespace = current_schema()::regnamespace AND a.attnum > 0 AND NOT a.attisdropped"
)


def column_collations(connection: Connection) -> dict[tuple[str, str], str]:
    """(table, column) → collation of every text column of the current MySQL/MariaDB database or
    PostgreSQL schema."""
    query = _POSTGRESQL_COLUMNS if connection.dialect.name == "postgresql" else _MYSQL_COLUMNS
    rows = connection.execute(query).all()
    return {(str(table).lower(), str(column).lower()): str(collation) for table, column, collation in rows}


def refuse_unless_binary_keys(engine: Engine) -> None:
    """Raise UnsupportedCollation naming the first key column of a MySQL/MariaDB or PostgreSQL
    database whose collation folds case, pads spaces or orders by a locale (changed by hand after
    the migration, say)."""
    if engine.dialect.name not in ("mysql", "mariadb", "postgresql"):
        return
    with engine.connect() as connection:
        wanted = binary_collation(connection)
        found = column_collations(connection)
    for table, columns in KEY_COLUMNS.items():
        for column in columns:
            collation = found.get((table, column))
            if collation is not None and collation != wanted:
                raise UnsupportedCollation(
                    f"column {table}.{column} has the collation {collation}, which does not compare keys "
                    f"byte for byte; run `atraxion db upgrade` (it sets {wanted})"
                )
