"""Sale orders a webshop sends to Odoo: the order, the rules it must meet, and its Odoo form.

A webshop names partners and products by the external ids Odoo pushed them under; Odoo needs its
own ids. Both directions go through the stored records: a reference is valid only when the record
exists *and* carries an ``odooId``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from atraxion.domain.bounds import is_odoo_id
from atraxion.domain.errors import FieldError
from atraxion.domain.odoo_orders import OdooOrderLine, OdooSaleOrder
from atraxion.domain.types import OdooIds

SALE_ORDER = "sale_order"
"""The outbox ``entity_type`` of webshop sale orders."""


@frozen
class OrderLine:
    product_external_id: str
    quantity: Decimal
    price_unit: Decimal | None = None


def _lines(value: Iterable[OrderLine]) -> tuple[OrderLine, ...]:
    return tuple(value)


@frozen
class WebshopSaleOrder:
    """An order as the webshop placed it (shape already checked at the edge)."""

    external_id: str
    partner_external_id: str
    lines: tuple[OrderLine, ...] = field(converter=_lines)
    invoice_partner_external_id: str | None = None
    delivery_partner_external_id: str | None = None
    note: str | None = None

    def partner_references(self) -> dict[str, str]:
        """Contract field name → partner external id, for the partners the order names."""
        named = {
            "partnerExternalId": self.partner_external_id,
            "invoicePartnerExternalId": self.invoice_partner_external_id,
            "deliveryPartnerExternalId": self.delivery_partner_external_id,
        }
        return {name: key for name, key in named.items() if key is not None}

    def partner_keys(self) -> list[str]:
        return list(dict.fromkeys(self.partner_references().values()))

    def product_keys(self) -> list[str]:
        return list(dict.fromkeys(line.product_external_id for line in self.lines))


def reference_errors(order: WebshopSaleOrder, partners: OdooIds, products: OdooIds) -> list[FieldError]:
    """Every reference that does not resolve to an Odoo id, each named with its field path."""
    errors: list[FieldError] = []
    for name, key in order.partner_references().items():
        errors.extend(_check(name, "partner", key, partners))
    for index, line in enumerate(order.lines):
        errors.extend(_check(f"lines[{index}].productExternalId", "product", line.product_external_id, products))
    return errors


def _check(path: str, what: str, key: str, known: OdooIds) -> list[FieldError]:
    if key not in known:
        return [FieldError(None, path, f"unknown {what} {key!r}: Odoo has not pushed it")]
    if known[key] is None:
        return [FieldError(None, path, f"{what} {key!r} has no odooId yet: Odoo must push it with one")]
    return []


def to_odoo(order: WebshopSaleOrder, partners: OdooIds, products: OdooIds) -> OdooSaleOrder:
    """The ``sale.order`` Odoo must receive. Call only when :func:`reference_errors` found none."""

    def odoo_id(known: OdooIds, key: str) -> int:
        value = known.get(key)
        if value is None:
            raise ValueError(f"{key!r} does not resolve to an Odoo id")
        return value

    return OdooSaleOrder(
        client_order_ref=order.external_id,
        partner_id=odoo_id(partners, order.partner_external_id),
        lines=[
            OdooOrderLine(odoo_id(products, line.product_external_id), line.quantity, line.price_unit)
            for line in order.lines
        ],
        partner_invoice_id=(
            None if order.invoice_partner_external_id is None else odoo_id(partners, order.invoice_partner_external_id)
        ),
        partner_shipping_id=(
            None
            if order.delivery_partner_external_id is None
            else odoo_id(partners, order.delivery_partner_external_id)
        ),
        note=order.note,
    )


def odoo_ids(envelopes: Mapping[str, Mapping[str, Any]]) -> dict[str, int | None]:
    """External id → ``odooId`` from stored records' envelopes (only positive integers count)."""
    result: dict[str, int | None] = {}
    for key, envelope in envelopes.items():
        value = envelope.get("odooId")
        result[key] = value if is_odoo_id(value) else None
    return result


@frozen
class OutboundOrder:
    """A webshop order as stored: its content, the queue entry sending it, and (once sent) its Odoo id.

    ``external_id`` is unique among outbound orders: reusing one is a conflict.
    """

    external_id: str
    order: WebshopSaleOrder
    queue_id: int
    consumer: str
    created_at: datetime
    odoo_id: int | None = None
