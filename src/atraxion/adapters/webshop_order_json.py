"""A webshop sale order as JSON in the contract's names, amounts as exact decimal strings: how
the SQL adapter stores it (``sale_orders_out.payload``) and how the admin UI shows it, the shape
the webshop posted."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from atraxion.domain.webshop_orders import OrderLine, WebshopSaleOrder


def order_document(order: WebshopSaleOrder) -> dict[str, Any]:
    """The order as JSON (amounts as strings: they round-trip exactly)."""
    return {
        "externalId": order.external_id,
        "partnerExternalId": order.partner_external_id,
        "invoicePartnerExternalId": order.invoice_partner_external_id,
        "deliveryPartnerExternalId": order.delivery_partner_external_id,
        "lines": [
            {
                "productExternalId": line.product_external_id,
                "quantity": str(line.quantity),
                "priceUnit": None if line.price_unit is None else str(line.price_unit),
            }
            for line in order.lines
        ],
        "note": order.note,
    }


def order_from_document(document: Mapping[str, Any]) -> WebshopSaleOrder:
    """The order :func:`order_document` wrote."""
    return WebshopSaleOrder(
        document["externalId"],
        document["partnerExternalId"],
        [
            OrderLine(
                line["productExternalId"],
                Decimal(line["quantity"]),
                None if line.get("priceUnit") is None else Decimal(line["priceUnit"]),
            )
            for line in document["lines"]
        ],
        document.get("invoicePartnerExternalId"),
        document.get("deliveryPartnerExternalId"),
        document.get("note"),
    )
