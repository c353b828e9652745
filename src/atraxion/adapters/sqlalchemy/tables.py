"""The schema, in SQLAlchemy Core. Domain objects are mapped to rows explicitly (see *_rows.py).

Every entity has its own table with the shared record columns, plus a few of its envelope fields
copied into indexed columns so they can be queried (a price's product, a partner's parent).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Double,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
    true,
)
from sqlalchemy.dialects import mysql

from atraxion.adapters.sqlalchemy._decimal import ExactDecimal
from atraxion.domain.catalog import ALL_KINDS
from atraxion.domain.records import Kind
from atraxion.domain.shapes import Key

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

JsonText = Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
Blob = LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")
Id = BigInteger().with_variant(Integer(), "sqlite")
KEY_LENGTH = 255
RECORD_KEY_LENGTH = 2 * KEY_LENGTH + 1
"""A record key: an externalId, or ``{a}/{b}`` of two externalIds for stock and prices."""
# Key and consumer columns compare byte for byte: migration 0006 gives them a binary, no-pad
# collation on MariaDB/MySQL/PostgreSQL (see collation.py); SQLite's BINARY already is one.


def _record_table(name: str, *extra: Column[Any]) -> Table:
    return Table(
        name,
        metadata,
        Column("id", Id, primary_key=True, autoincrement=True),
        Column("key", String(RECORD_KEY_LENGTH), nullable=False, unique=True),
        Column("version", Integer, nullable=False),
        Column("envelope", JsonText, nullable=False),
        Column("data", JsonText, nullable=False),
        Column("derived", JsonText, nullable=False),
        Column("content_hash", String(32), nullable=False),
        Column("full_hash", String(32), nullable=False),
        Column("change_seq", BigInteger, nullable=False),
        Column("created_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
        # A tombstone: deleted in Odoo, last known content kept (migration 0007).
        Column("deleted", Boolean, nullable=False, server_default=false()),
        *extra,
    )


def _ref(name: str) -> Column[Any]:
    return Column(name, String(KEY_LENGTH), nullable=True, index=True)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _hint(kind: Kind, name: str) -> Any:
    """The type of an input field (``X`` of ``X | None``)."""
    hint = typing.get_type_hints(kind.shape)[name]
    (hint,) = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
    return hint


def _indexed_column(kind: Kind, name: str) -> Column[Any]:
    """The column of an indexed envelope field, typed by the input shape's hint: an id, a key
    (indexed, to find records by it) or one of a few values (not selective enough to index)."""
    hint = _hint(kind, name)
    if hint is int:
        return Column(_snake(name), BigInteger, index=True)
    if hint is Key:
        return _ref(_snake(name))
    if typing.get_origin(hint) is Literal:
        return Column(_snake(name), String(16))
    raise TypeError(f"{kind.name}.{name}: no column type for {hint!r}")


_DERIVED_COLUMNS: dict[str, tuple[Callable[[], Column[Any]], ...]] = {
    # Is the parent stored? (migration 0003) Written only by the partner repository.
    "partners": (lambda: Column("parent_resolved", Boolean, nullable=False, server_default=true()),),
}

Extract = Callable[[Mapping[str, Any]], dict[str, Any]]


def _extract(kind: Kind) -> Extract:
    pairs = [(_snake(name), name) for name in kind.indexed]

    def extract(envelope: Mapping[str, Any]) -> dict[str, Any]:
        return {column: envelope.get(name) for column, name in pairs}

    return extract


def _entity_table(kind: Kind) -> tuple[Table, Extract]:
    """The table of an entity (its Kind's ``table``, else its name with ``_`` for ``-``): the shared
    record columns, plus a copy of each ``indexed`` envelope field."""
    columns = [_indexed_column(kind, name) for name in kind.indexed]
    columns += [make() for make in _DERIVED_COLUMNS.get(kind.name, ())]
    return _record_table(kind.table or kind.name.replace("-", "_"), *columns), _extract(kind)


RECORD_TABLES: dict[str, tuple[Table, Extract]] = {kind.name: _entity_table(kind) for kind in ALL_KINDS}
RECORD_KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    RECORD_TABLES[kind.name][0].name: ("key", *(_snake(n) for n in kind.indexed if _hint(kind, n) is Key))
    for kind in ALL_KINDS
}
"""Per record table, the columns holding keys: each compares byte for byte (collation.KEY_COLUMNS)."""
products = RECORD_TABLES["products"][0]
partners = RECORD_TABLES["partners"][0]

# Lines of purchase orders, extracted from their envelopes (migration 0003): a query index by product.
purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    Column("purchase_order_key", String(KEY_LENGTH), primary_key=True),
    Column("line_no", Integer, primary_key=True, autoincrement=False),
    Column("product_external_id", String(KEY_LENGTH), nullable=False, index=True),
    Column("quantity", ExactDecimal, nullable=False),
    Column("price_unit", ExactDecimal, nullable=False),
    Column("order_state", String(KEY_LENGTH), nullable=False),
)

consumers = Table(
    "consumers",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("created_at", DateTime, nullable=False),
)

feed_acks = Table(
    "feed_acks",
    metadata,
    Column("entity", String(32), primary_key=True),
    Column("consumer", String(64), primary_key=True),
    Column("key", String(RECORD_KEY_LENGTH), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(32), nullable=False),
    Column("envelope", JsonText, nullable=False),
    Column("data", JsonText, nullable=False),
    Column("unsure_fields", JsonText, nullable=True),  # JSON list; NULL: the ack is exact
)

feed_pending = Table(
    "feed_pending",
    metadata,
    Column("entity", String(32), primary_key=True),
    Column("consumer", String(64), primary_key=True),
    Column("key", String(RECORD_KEY_LENGTH), primary_key=True),
    Column("change_seq", BigInteger, nullable=False),
    Column("changed_fields", JsonText, nullable=True),  # JSON list; NULL: never acknowledged (new)
    Index("ix_feed_pending_position", "entity", "consumer", "change_seq", "key"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scopes", String(255), nullable=False),
    Column("consumer", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=True),
    Column("revoked_at", DateTime, nullable=True),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    # sha256 (hex) of the owner and the client's key (migration 0009): fixed-length ASCII, so no
    # collation, case or trailing-space rule can make two keys one, and the key a client sent (which
    # may be anything) is not kept.
    Column("digest", String(64), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    # The answer: null only while the claiming unit of work runs, which nobody else ever sees.
    Column("status", Integer, nullable=True),
    Column("content_type", String(128), nullable=True),
    Column("body", Blob, nullable=True),
    Column("created_at", DateTime, nullable=False),
)

# Reverse sync (migration 0002). Microsecond times on MariaDB: backoff and stale-claim decisions
# compare instants less than a second apart.
Stamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("entity_type", String(32), nullable=False),
    Column("entity_key", String(KEY_LENGTH), nullable=False),
    Column("payload", JsonText, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("retry_base", Integer, nullable=False),
    Column("next_attempt_at", Stamp, nullable=False),
    Column("claimed_at", Stamp, nullable=True),
    Column("published_at", Stamp, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("odoo_id", BigInteger, nullable=True),
    Column("history", JsonText, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("updated_at", Stamp, nullable=False),
    Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_outbox_status_claimed_at", "status", "claimed_at"),
    Index("ix_outbox_entity", "entity_type", "entity_key"),
)

sale_orders_out = Table(
    "sale_orders_out",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("external_id", String(KEY_LENGTH), nullable=False, unique=True),
    Column("consumer", String(64), nullable=False),
    Column("payload", JsonText, nullable=False),
    Column("queue_id", BigInteger, nullable=False),
    Column("odoo_id", BigInteger, nullable=True),
    Column("created_at", Stamp, nullable=False),
)

sync_failures = Table(
    "sync_failures",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("entity_type", String(32), nullable=False),
    Column("external_id", String(KEY_LENGTH), nullable=False),
    Column("source", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("error_message", Text, nullable=False),
    Column("queue_id", BigInteger, nullable=True, index=True),
    Column("created_at", Stamp, nullable=False),
    Column("resolved_at", Stamp, nullable=True),
    Index("ix_sync_failures_status_id", "status", "id"),
)

# The request log (migration 0004): no bodies, no header values (see domain/request_log.py). Paths compare
# byte for byte on MariaDB (utf8mb4_bin whatever the database's default), so prefix search is exact.
LogPath = String(512).with_variant(mysql.VARCHAR(512, collation="utf8mb4_bin"), "mysql", "mariadb")

api_logs = Table(
    "api_logs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", Stamp, nullable=False, index=True),
    Column("method", String(16), nullable=False),
    Column("path", LogPath, nullable=False, index=True),
    Column("query", String(500), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("status_code", Integer, nullable=False, index=True),
    Column("duration_ms", Double, nullable=False),
    Column("request_id", String(128), nullable=True),
    Column("token_id", BigInteger, nullable=True),
    Column("consumer", String(64), nullable=True),
    Column("error", String(500), nullable=True),
)

# Connecting to Odoo (migration 0010). A lease: one named job held by one replica at a time.
leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("expires_at", Stamp, nullable=False),
)

# Records an Odoo webhook asked to pull: one row per webhook, drained (and coalesced) in batches.
odoo_queued_pulls = Table(
    "odoo_queued_pulls",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("entity", String(32), nullable=False),
    Column("model", String(128), nullable=False),
    Column("odoo_id", BigInteger, nullable=False),
    Column("requested_at", Stamp, nullable=False),
)

# Runs of reconcile started over HTTP: their state outlives the thread that runs them.
reconcile_runs = Table(
    "reconcile_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("entities", JsonText, nullable=False),
    Column("status", String(16), nullable=False),
    Column("checked", Integer, nullable=False),
    Column("missing", Integer, nullable=False),
    Column("differing", Integer, nullable=False),
    Column("deleted", Integer, nullable=False),
    Column("repaired", Integer, nullable=False),
    Column("error", Text, nullable=True),
    Column("created_at", Stamp, nullable=False),
    Column("updated_at", Stamp, nullable=False),
    Column("finished_at", Stamp, nullable=True),
)

# How far each entity's pull from Odoo got (migration 0008): a position in (write_date, id) order.
pull_cursors = Table(
    "pull_cursors",
    metadata,
    Column("entity", String(32), primary_key=True),
    Column("write_date", String(19), nullable=False),
    Column("odoo_id", BigInteger, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# People of the admin UI (migration 0015). Addresses and domains are stored normalized (lower case).
users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("verified", Boolean, nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("disabled_at", Stamp, nullable=True),
    # The times of recent failed logins (a JSON list of ISO 8601 times, at most the lockout's limit).
    Column("recent_failures", Text, nullable=False),
    Column("locked_until", Stamp, nullable=True),
)

allowed_domains = Table("allowed_domains", metadata, Column("domain", String(253), primary_key=True))

# Single-use e-mail verification tokens, stored hashed.
email_verifications = Table(
    "email_verifications",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Id, nullable=False, index=True),
    Column("expires_at", Stamp, nullable=False),
    Column("used_at", Stamp, nullable=True),
)

# Admin UI sessions, server-side so that every replica knows them; the cookie holds the id, the row its hash.
admin_sessions = Table(
    "admin_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Id, nullable=False, index=True),
    Column("created_at", Stamp, nullable=False),
    Column("expires_at", Stamp, nullable=False, index=True),
)

# Version history (migration 0014): the newest ATRAXION_HISTORY_VERSIONS versions of each record.
record_history = Table(
    "record_history",
    metadata,
    Column("entity", String(32), primary_key=True),
    Column("key", String(RECORD_KEY_LENGTH), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("changed_fields", JsonText, nullable=False),  # JSON list
    Column("at", Stamp, nullable=False),
)

# Webhooks (migration 0013): a consumer's subscription, and each message sent to it. The consumer
# compares byte for byte (collation.KEY_COLUMNS). ``secret`` is kept to sign with, sealed (0016,
# adapters/secret_box.py; docs/deploying.md, "Secrets").
webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False),
    Column("consumer", String(64), nullable=False, index=True),
    Column("secret", String(512), nullable=False),
    Column("entities", JsonText, nullable=False),
    Column("events", String(64), nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("disabled_reason", Text, nullable=True),
    Column("created_at", Stamp, nullable=False),
    Column("updated_at", Stamp, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("webhook_id", BigInteger, nullable=False),
    Column("event", String(32), nullable=False),
    Column("message_id", String(64), nullable=False),
    Column("body", JsonText, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("retry_base", Integer, nullable=False),
    Column("response_status", Integer, nullable=True),
    Column("latency_ms", Double, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", Stamp, nullable=False),
    Column("next_attempt_at", Stamp, nullable=False),
    Column("last_attempt_at", Stamp, nullable=True),
    Column("claimed_at", Stamp, nullable=True),
    Column("published_at", Stamp, nullable=True),
    Column("revision", Integer, nullable=False),
    Index("ix_webhook_deliveries_webhook_id_id", "webhook_id", "id"),
    Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_created_at", "created_at"),
)
