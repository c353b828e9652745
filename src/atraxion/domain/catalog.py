"""The entities Odoo pushes, each declared once as a :class:`~atraxion.domain.records.Kind`.

Each entity declares here its input and output shapes (attrs classes, in the vocabulary of
``domain/shapes.py``) and its Kind. Adding an entity means adding those, plus the migration of its
table: routes, validation, keying, tables, views and the OpenAPI document read the Kind
(see docs/architecture.md, "Adding an entity").
"""

from __future__ import annotations

from typing import Any

from attrs import frozen

from atraxion.domain import money, odoo_entities
from atraxion.domain.partners import derive_partner_type
from atraxion.domain.records import Embed, Incoming, Kind, StoredRecord
from atraxion.domain.shapes import Document, Key, Number, PartnerType, sometimes
from atraxion.domain.types import JsonObject

# --- Input shapes: what Odoo pushes -----------------------------------------------------------------


@frozen
class PriceIn:
    pricelistExternalId: Key
    price: Number
    productExternalId: Key | None = None
    """Required at the top level (a key field); a product's embedded price inherits the product's."""
    currency: str | None = None
    minQuantity: Number | None = None


@frozen
class PurchaseOrderLineIn:
    productExternalId: Key
    quantity: Number
    priceUnit: Number


@frozen
class PurchaseOrderIn:
    externalId: Key
    name: str
    vendor: str
    state: str
    lines: list[PurchaseOrderLineIn]
    odooId: int | None = None
    data: Document | None = None


@frozen
class ProductIn:
    externalId: Key
    data: Document
    odooId: int | None = None
    prices: list[PriceIn] | None = None
    purchaseOrders: list[PurchaseOrderIn] | None = None


@frozen
class PartnerIn:
    externalId: Key
    data: Document
    odooId: int | None = None
    type: PartnerType | None = None
    externalParentId: Key | None = None


@frozen
class OdooSaleOrderIn:
    externalId: Key
    data: Document
    odooId: int | None = None


@frozen
class StockIn:
    supplierExternalId: Key
    productExternalId: Key
    quantity: Number


# --- Output: a feed item's fields of each entity (beyond key, version, deleted and, for the
# entities tracking fields, isNew, changedFields and data) ---------------------------------------------


@frozen
class DocumentOut:
    """A product or a sale order."""

    externalId: str
    odooId: int | None = None


@frozen
class PartnerOut:
    externalId: str
    odooId: int | None = None
    type: str | None = None
    externalParentId: str | None = None
    parentResolved: bool = True


@frozen
class PurchaseOrderOut:
    externalId: str
    name: str
    vendor: str
    state: str
    lines: list[PurchaseOrderLineIn]
    odooId: int | None = None


@frozen
class StockOut:
    supplierExternalId: str
    productExternalId: str
    quantity: float
    previousQuantity: float | None = None
    isQuantityChanged: bool = sometimes("The last change moved the quantity")


@frozen
class PriceOut:
    pricelistExternalId: str
    productExternalId: str
    price: float
    previousPrice: float | None = None
    currency: str | None = None
    minQuantity: float | None = sometimes()
    priceChanged: bool = sometimes("The last change moved the price")


# --- Rules ---------------------------------------------------------------------------------------------


def _partner_type(envelope: dict[str, Any], data: JsonObject) -> None:
    """A partner pushed without a type gets the one its Odoo document implies."""
    if envelope.get("type") is None:
        has_parent = envelope.get("externalParentId") is not None or bool(data.get("parent_id"))
        envelope["type"] = derive_partner_type(data, has_parent=has_parent)


def _price_comparable(envelope: JsonObject) -> JsonObject:
    currency = envelope.get("currency")
    return {
        **envelope,
        "price": str(money.quantize(envelope["price"], currency)),
        "minQuantity": _number(envelope.get("minQuantity")),
    }


def _price_derived(old: StoredRecord | None, new: Incoming, changed: bool) -> JsonObject:
    if old is None:
        return {"previousPrice": None, "priceChanged": False}
    old_price = money.quantize(old.envelope["price"], old.envelope.get("currency"))
    new_price = money.quantize(new.envelope["price"], new.envelope.get("currency"))
    if old_price != new_price:
        return {"previousPrice": old.envelope["price"], "priceChanged": True}
    return {"previousPrice": old.derived.get("previousPrice"), "priceChanged": False}


def _stock_comparable(envelope: JsonObject) -> JsonObject:
    return {**envelope, "quantity": _number(envelope["quantity"])}


def _stock_derived(old: StoredRecord | None, new: Incoming, changed: bool) -> JsonObject:
    if old is None:
        return {"previousQuantity": None, "isQuantityChanged": False}
    if _number(old.envelope["quantity"]) != _number(new.envelope["quantity"]):
        return {"previousQuantity": old.envelope["quantity"], "isQuantityChanged": True}
    return {"previousQuantity": old.derived.get("previousQuantity"), "isQuantityChanged": False}


def _number(value: Any) -> str | None:
    return None if value is None else str(money.to_decimal(value).normalize())


PRODUCTS = Kind(
    "products",
    ProductIn,
    DocumentOut,
    embeds=(
        Embed("prices", "prices", inherit={"productExternalId": "externalId"}),
        Embed("purchaseOrders", "purchase-orders"),
    ),
    indexed=("odooId",),
    odoo=odoo_entities.PRODUCTS,
)
PARTNERS = Kind(
    "partners",
    PartnerIn,
    PartnerOut,
    complete=_partner_type,
    indexed=("odooId", "type", "externalParentId"),
    odoo=odoo_entities.PARTNERS,
)
SALE_ORDERS = Kind("sale-orders", OdooSaleOrderIn, DocumentOut, indexed=("odooId",))
PURCHASE_ORDERS = Kind(
    "purchase-orders",
    PurchaseOrderIn,
    PurchaseOrderOut,
    indexed=("odooId",),
    odoo=odoo_entities.PURCHASE_ORDERS,
)
STOCK = Kind(
    "stock",
    StockIn,
    StockOut,
    key_fields=("supplierExternalId", "productExternalId"),
    indexed=("supplierExternalId", "productExternalId"),
    tracks_fields=False,
    comparable=_stock_comparable,
    derive=_stock_derived,
    odoo=odoo_entities.STOCK,
)
PRICES = Kind(
    "prices",
    PriceIn,
    PriceOut,
    key_fields=("pricelistExternalId", "productExternalId"),
    indexed=("pricelistExternalId", "productExternalId"),
    table="pricelist_items",
    tracks_fields=False,
    comparable=_price_comparable,
    derive=_price_derived,
    odoo=odoo_entities.PRICES,
)

ALL_KINDS: tuple[Kind, ...] = (PRODUCTS, PARTNERS, SALE_ORDERS, PURCHASE_ORDERS, STOCK, PRICES)


def kinds_by_name() -> dict[str, Kind]:
    return {kind.name: kind for kind in ALL_KINDS}
