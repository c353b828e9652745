"""Purchase-order lines, extracted from the purchase order's envelope so they can be queried.

The lines stay in the purchase order's envelope too: that is what consumers see in the feed and
what change detection compares. The extracted rows are a query index ("which open purchase
orders include product X"), rewritten whole whenever their order changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from attrs import frozen

from atraxion.domain import money
from atraxion.domain.records import StoredRecord

# purchase.order.state values of an order that may still deliver (done and cancel are closed).
OPEN_STATES: frozenset[str] = frozenset({"draft", "sent", "to approve", "purchase"})


@frozen
class PurchaseOrderLine:
    """One line of a purchase order; quantities and prices are exact Decimals."""

    order_key: str
    line_no: int
    product_external_id: str
    quantity: Decimal
    price_unit: Decimal
    order_state: str


def lines_of(order: StoredRecord) -> list[PurchaseOrderLine]:
    """The lines of a stored purchase order, numbered from 1 in the order Odoo sent them."""
    state = str(order.envelope.get("state", ""))
    raw: Iterable[Any] = order.envelope.get("lines") or ()
    return [
        PurchaseOrderLine(
            order.key,
            number,
            str(line["productExternalId"]),
            money.to_decimal(line["quantity"]),
            money.to_decimal(line["priceUnit"]),
            state,
        )
        for number, line in enumerate(raw, start=1)
    ]
