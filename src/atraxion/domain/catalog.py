"""The entities Odoo pushes, each described as a :class:`~atraxion.domain.records.Kind`.

Adding an entity means adding a Kind here (plus its input shape at the HTTP edge): the change
feed, acks and routes are shared.
"""

from __future__ import annotations

from typing import Any

from atraxion.domain import money, odoo_entities
from atraxion.domain.records import Incoming, Kind, StoredRecord
from atraxion.domain.types import JsonObject


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


PRODUCTS = Kind("products", "product", odoo=odoo_entities.PRODUCTS)
PARTNERS = Kind("partners", "partner", odoo=odoo_entities.PARTNERS)
SALE_ORDERS = Kind("sale-orders", "sale_order")
PURCHASE_ORDERS = Kind("purchase-orders", "purchase_order", odoo=odoo_entities.PURCHASE_ORDERS)
STOCK = Kind(
    "stock",
    "stock",
    tracks_fields=False,
    keyed_by_external_id=False,
    comparable=_stock_comparable,
    derive=_stock_derived,
    odoo=odoo_entities.STOCK,
)
PRICES = Kind(
    "prices",
    "pricelist_item",
    tracks_fields=False,
    keyed_by_external_id=False,
    comparable=_price_comparable,
    derive=_price_derived,
    odoo=odoo_entities.PRICES,
)

ALL_KINDS: tuple[Kind, ...] = (PRODUCTS, PARTNERS, SALE_ORDERS, PURCHASE_ORDERS, STOCK, PRICES)


def kinds_by_name() -> dict[str, Kind]:
    return {kind.name: kind for kind in ALL_KINDS}
