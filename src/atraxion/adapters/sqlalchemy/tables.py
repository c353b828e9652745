"""The schema, in SQLAlchemy Core. Domain objects are mapped to rows explicitly (see *_rows.py).

Every entity has its own table with the shared record columns, plus a few of its envelope fields
copied into indexed columns so they can be queried (a price's product, a partner's parent).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import mysql

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


def _record_table(name: str, *extra: Column[Any]) -> Table:
    return Table(
        name,
        metadata,
        Column("id", Id, primary_key=True, autoincrement=True),
        Column("key", String(KEY_LENGTH), nullable=False, unique=True),
        Column("version", Integer, nullable=False),
        Column("envelope", JsonText, nullable=False),
        Column("data", JsonText, nullable=False),
        Column("derived", JsonText, nullable=False),
        Column("content_hash", String(32), nullable=False),
        Column("full_hash", String(32), nullable=False),
        Column("change_seq", BigInteger, nullable=False),
        Column("created_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
        *extra,
    )


def _ref(name: str) -> Column[Any]:
    return Column(name, String(KEY_LENGTH), nullable=True, index=True)


products = _record_table("products", Column("odoo_id", BigInteger, index=True))
partners = _record_table(
    "partners",
    Column("odoo_id", BigInteger, index=True),
    Column("type", String(16)),
    _ref("external_parent_id"),
)
sale_orders = _record_table("sale_orders", Column("odoo_id", BigInteger, index=True))
purchase_orders = _record_table("purchase_orders", Column("odoo_id", BigInteger, index=True))
stock = _record_table("stock", _ref("supplier_external_id"), _ref("product_external_id"))
pricelist_items = _record_table("pricelist_items", _ref("pricelist_external_id"), _ref("product_external_id"))

Extract = Callable[[Mapping[str, Any]], dict[str, Any]]


def _odoo_id(envelope: Mapping[str, Any]) -> dict[str, Any]:
    return {"odoo_id": envelope.get("odooId")}


RECORD_TABLES: dict[str, tuple[Table, Extract]] = {
    "products": (products, _odoo_id),
    "partners": (
        partners,
        lambda e: {"odoo_id": e.get("odooId"), "type": e.get("type"), "external_parent_id": e.get("externalParentId")},
    ),
    "sale-orders": (sale_orders, _odoo_id),
    "purchase-orders": (purchase_orders, _odoo_id),
    "stock": (
        stock,
        lambda e: {"supplier_external_id": e["supplierExternalId"], "product_external_id": e["productExternalId"]},
    ),
    "prices": (
        pricelist_items,
        lambda e: {"pricelist_external_id": e["pricelistExternalId"], "product_external_id": e["productExternalId"]},
    ),
}

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
    Column("key", String(KEY_LENGTH), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(32), nullable=False),
    Column("envelope", JsonText, nullable=False),
    Column("data", JsonText, nullable=False),
)

feed_pending = Table(
    "feed_pending",
    metadata,
    Column("entity", String(32), primary_key=True),
    Column("consumer", String(64), primary_key=True),
    Column("key", String(KEY_LENGTH), primary_key=True),
    Column("change_seq", BigInteger, nullable=False),
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
    Column("scope", String(128), primary_key=True),
    Column("key", String(KEY_LENGTH), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("content_type", String(128), nullable=False),
    Column("body", Blob, nullable=False),
    Column("created_at", DateTime, nullable=False),
)
