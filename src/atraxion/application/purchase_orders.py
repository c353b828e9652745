"""Purchase-order lines, extracted into their own table so they can be queried by product."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from atraxion.application.context import Context
from atraxion.domain.purchase_order_lines import OPEN_STATES, PurchaseOrderLine, lines_of
from atraxion.domain.records import StoredRecord
from atraxion.ports.unit_of_work import IngestUnitOfWork


def extract_lines(ctx: Context[IngestUnitOfWork], uow: IngestUnitOfWork, changed: Sequence[StoredRecord]) -> None:
    """After-ingest hook of ``purchase-orders``: rewrite the lines of every changed order at once.

    The lines stay in the order's envelope (the feed shows them and change detection compares
    them); an order whose push changes nothing keeps its extracted lines untouched. A deleted
    order loses its lines (its tombstone keeps them in the envelope).
    """
    if changed:
        lines = [line for r in changed if not r.deleted for line in lines_of(r)]
        uow.purchase_order_lines.replace([r.key for r in changed], lines)


def orders_with_product(
    ctx: Context[IngestUnitOfWork], product_external_id: str, states: Collection[str] = OPEN_STATES
) -> list[str]:
    """Keys of the purchase orders in ``states`` (open ones by default) with a line for the product."""
    return ctx.transaction(lambda uow: uow.purchase_order_lines.orders_with_product(product_external_id, states))


def purchase_order_lines(ctx: Context[IngestUnitOfWork], order_keys: Sequence[str]) -> list[PurchaseOrderLine]:
    """The extracted lines of the given purchase orders, by order then line number."""
    return ctx.transaction(lambda uow: uow.purchase_order_lines.lines_of(order_keys))
