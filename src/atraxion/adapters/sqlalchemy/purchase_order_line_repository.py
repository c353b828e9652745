"""Extracted purchase-order lines: rewritten a set of orders at a time, queried by product."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection, Row, select

from atraxion.adapters.sqlalchemy._sql import chunks
from atraxion.adapters.sqlalchemy.tables import KEY_LENGTH, purchase_order_lines
from atraxion.domain.purchase_order_lines import PurchaseOrderLine


def _line(row: Row[Any]) -> PurchaseOrderLine:
    return PurchaseOrderLine(
        row.purchase_order_key, row.line_no, row.product_external_id, row.quantity, row.price_unit, row.order_state
    )


class SqlPurchaseOrderLineRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def replace(self, order_keys: Sequence[str], lines: Sequence[PurchaseOrderLine]) -> None:
        t = purchase_order_lines
        for chunk in chunks(sorted(set(order_keys))):
            self.conn.execute(t.delete().where(t.c.purchase_order_key.in_(chunk)))
        rows = [
            {
                "purchase_order_key": line.order_key,
                "line_no": line.line_no,
                "product_external_id": line.product_external_id,
                "quantity": line.quantity,
                "price_unit": line.price_unit,
                # Odoo's states are short words; an over-long one cannot be an open state anyway.
                "order_state": line.order_state[:KEY_LENGTH],
            }
            for line in lines
        ]
        if rows:  # one executemany (PyMySQL sends it as multi-row INSERTs)
            self.conn.execute(t.insert(), rows)

    def lines_of(self, order_keys: Sequence[str]) -> list[PurchaseOrderLine]:
        t = purchase_order_lines
        found: list[PurchaseOrderLine] = []
        for chunk in chunks(sorted(set(order_keys))):
            query = select(t).where(t.c.purchase_order_key.in_(chunk))
            found.extend(_line(row) for row in self.conn.execute(query))
        return sorted(found, key=lambda line: (line.order_key, line.line_no))

    def orders_with_product(self, product_external_id: str, states: Collection[str]) -> list[str]:
        t = purchase_order_lines
        query = (
            select(t.c.purchase_order_key)
            .where(t.c.product_external_id == product_external_id, t.c.order_state.in_(sorted(states)))
            .distinct()
            .order_by(t.c.purchase_order_key)
        )
        return list(self.conn.execute(query).scalars())
