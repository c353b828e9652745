"""Memory implementation of the extracted purchase-order lines."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from atraxion.adapters.memory.store import TableAccess
from atraxion.domain.purchase_order_lines import PurchaseOrderLine


class MemoryPurchaseOrderLineRepository(TableAccess):
    def replace(self, order_keys: Sequence[str], lines: Sequence[PurchaseOrderLine]) -> None:
        table = self.table("purchase_order_lines")
        dropped = set(order_keys)
        for position in [p for p in table if p[0] in dropped]:
            del table[position]
        for line in lines:
            table[(line.order_key, line.line_no)] = line

    def lines_of(self, order_keys: Sequence[str]) -> list[PurchaseOrderLine]:
        wanted = set(order_keys)
        table = self.table("purchase_order_lines")
        return [table[p] for p in sorted(table) if p[0] in wanted]

    def orders_with_product(self, product_external_id: str, states: Collection[str]) -> list[str]:
        lines = self.table("purchase_order_lines").values()
        return sorted(
            {
                line.order_key
                for line in lines
                if line.product_external_id == product_external_id and line.order_state in states
            }
        )
