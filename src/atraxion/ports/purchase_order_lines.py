"""Storage of purchase-order lines extracted from purchase orders, queried by product."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from atraxion.domain.purchase_order_lines import PurchaseOrderLine


class PurchaseOrderLineRepository(Protocol):
    def replace(self, order_keys: Sequence[str], lines: Sequence[PurchaseOrderLine]) -> None:
        """Drop every line of ``order_keys`` and store ``lines`` (a set-based rewrite)."""

    def lines_of(self, order_keys: Sequence[str]) -> list[PurchaseOrderLine]:
        """Lines of the given orders, by order key then line number."""

    def orders_with_product(self, product_external_id: str, states: Collection[str]) -> list[str]:
        """Keys of the orders in one of ``states`` with a line for the product, sorted."""
