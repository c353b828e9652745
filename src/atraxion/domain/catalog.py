"""The entities Odoo pushes, each declared once as a :class:`~atraxion.domain.records.Kind`.

Adding an entity means adding its shapes (``domain/shapes.py``) and a Kind here, plus the migration
of its table: routes, validation, keying, tables, views and the OpenAPI document read the Kind
(see docs/architecture.md, "Adding an entity").
"""

from __future__ import annotations

from typing import Any

from atraxion.domain import money, odoo_entities, shapes
from atraxion.domain.partners import derive_partner_type
from atraxion.domain.records import Embed, Incoming, JsonObject, Kind, StoredRecord


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
    shapes.ProductIn,
    shapes.DocumentOut,
    embeds=(
        Embed("prices", "prices", inherit={"productExternalId": "externalId"}),
        Embed("purchaseOrders", "purchase-orders"),
    ),
    indexed=("odooId",),
    odoo=odoo_entities.PRODUCTS,
)
PARTNERS = Kind(
    "partners",
    shapes.PartnerIn,
    shapes.PartnerOut,
    complete=_partner_type,
    indexed=("odooId", "type", "externalParentId"),
    odoo=odoo_entities.PARTNERS,
)
SALE_ORDERS = Kind("sale-orders", shapes.OdooSaleOrderIn, shapes.DocumentOut, indexed=("odooId",))
PURCHASE_ORDERS = Kind(
    "purchase-orders",
    shapes.PurchaseOrderIn,
    shapes.PurchaseOrderOut,
    indexed=("odooId",),
    odoo=odoo_entities.PURCHASE_ORDERS,
)
STOCK = Kind(
    "stock",
    shapes.StockIn,
    shapes.StockOut,
    key_fields=("supplierExternalId", "productExternalId"),
    indexed=("supplierExternalId", "productExternalId"),
    tracks_fields=False,
    comparable=_stock_comparable,
    derive=_stock_derived,
    odoo=odoo_entities.STOCK,
)
PRICES = Kind(
    "prices",
    shapes.PriceIn,
    shapes.PriceOut,
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
