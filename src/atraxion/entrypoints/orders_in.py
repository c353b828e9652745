"""The sale order a webshop posts (``POST /api/v1/webshop/sale-orders``), validated strictly.

Same converter and error reporting as the inbound shapes (``inbound.py``): every problem becomes a
:class:`~atraxion.domain.errors.FieldError` with the field's path, all of them at once.
"""

from __future__ import annotations

from typing import Any

from attrs import frozen

from atraxion.domain.errors import FieldError, InvalidBatch
from atraxion.domain.money import to_decimal
from atraxion.domain.shapes import Key, Number
from atraxion.domain.webshop_orders import OrderLine, WebshopSaleOrder
from atraxion.entrypoints.inbound import structure_each

MAX_LINES = 1000
MAX_NOTE = 10_000
"""Characters of an order's note: far above a delivery instruction, far below a body limit."""
MIN_QUANTITY = 0.000001
"""The smallest line quantity: Odoo rounds quantities to a few decimals, so anything smaller (a
denormal like 5e-324 is "> 0") would reach it as zero."""


@frozen
class WebshopOrderLineIn:
    productExternalId: Key
    quantity: Number
    priceUnit: Number | None = None


@frozen
class WebshopOrderIn:
    externalId: Key
    partnerExternalId: Key
    lines: list[WebshopOrderLineIn]
    invoicePartnerExternalId: Key | None = None
    deliveryPartnerExternalId: Key | None = None
    note: str | None = None


def parse_sale_order(body: Any) -> WebshopSaleOrder:
    """The order in ``body``, or InvalidBatch listing every problem (index None: one document)."""
    if not isinstance(body, dict):
        raise InvalidBatch([FieldError(None, "", "the body must be a JSON object")])
    (parsed,), errors = structure_each([body], WebshopOrderIn)
    problems = [FieldError(None, e.field, e.message) for e in errors]
    if parsed is not None:
        if not parsed.lines:
            problems.append(FieldError(None, "lines", "an order needs at least one line"))
        if len(parsed.lines) > MAX_LINES:
            problems.append(FieldError(None, "lines", f"at most {MAX_LINES} lines per order"))
        problems += [
            FieldError(None, f"lines[{i}].quantity", f"must be at least {MIN_QUANTITY:f}")
            for i, line in enumerate(parsed.lines)
            if line.quantity < MIN_QUANTITY
        ]
        if parsed.note is not None and len(parsed.note) > MAX_NOTE:
            problems.append(FieldError(None, "note", f"must be at most {MAX_NOTE} characters"))
    if problems or parsed is None:
        raise InvalidBatch(problems)
    return WebshopSaleOrder(
        parsed.externalId,
        parsed.partnerExternalId,
        [
            OrderLine(
                line.productExternalId,
                to_decimal(line.quantity),
                None if line.priceUnit is None else to_decimal(line.priceUnit),
            )
            for line in parsed.lines
        ],
        parsed.invoicePartnerExternalId,
        parsed.deliveryPartnerExternalId,
        parsed.note,
    )
