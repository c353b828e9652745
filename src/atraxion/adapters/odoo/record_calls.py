"""The gateway port's record methods, written once over one primitive: calling a model's method.

JSON-2 names every argument (``domain=``, ``ids=``, ``vals_list=``); XML-RPC's ``execute_kw``
passes the first one by position. Each gateway implements :meth:`OdooRecordCalls.execute` (and
:meth:`OdooRecordCalls.create_one`) for its protocol; what is asked of Odoo, and how its answers
are checked, is here.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from atraxion.adapters.odoo.odoo_values import (
    ALL_RECORDS,
    PULL_ORDER,
    after_domain,
    as_count,
    as_ids,
    as_rows,
    order_values,
    with_cursor_fields,
)
from atraxion.domain.bounds import is_odoo_id
from atraxion.domain.odoo_orders import OdooSaleOrder, PermanentOdooError
from atraxion.domain.odoo_records import OdooPosition
from atraxion.domain.types import OdooDomain, OdooRow

logger = logging.getLogger(__name__)


class OdooRecordCalls(ABC):
    """Reverse sync's and pulling's methods of :class:`~atraxion.ports.odoo_gateway.OdooGateway`
    (the port's docstrings say what each returns)."""

    @abstractmethod
    def execute(self, model: str, method: str, first: tuple[str, Any], **options: Any) -> Any:
        """``model.method`` with ``first`` as Odoo's first argument (``(name, value)``: named as JSON-2
        names it, e.g. ``("domain", [...])``), and ``options`` as named arguments; the answer."""

    @abstractmethod
    def create_one(self, model: str, values: dict[str, Any]) -> Any:
        """Create one ``model`` record of ``values``; Odoo's answer, which should be its id."""

    def find_sale_order(self, *, client_order_ref: str) -> int | None:
        found = self.execute("sale.order", "search", ("domain", [("client_order_ref", "=", client_order_ref)]), limit=1)
        return next(iter(as_ids(found, "sale.order.search")), None)

    def create_sale_order(self, *, order: OdooSaleOrder) -> int:
        new_id = self.create_one("sale.order", order_values(order))
        if not is_odoo_id(new_id):
            raise PermanentOdooError(f"sale.order.create answered {new_id!r}, not an id")
        logger.debug("created sale.order %s for client_order_ref %r", new_id, order.client_order_ref)
        return new_id

    def can_read(self, *, model: str) -> bool:
        try:
            self.execute(model, "search_count", ("domain", []), limit=1, context=ALL_RECORDS)
        except PermanentOdooError:
            return False
        return True

    def read_after(
        self,
        *,
        model: str,
        fields: Sequence[str],
        after: OdooPosition | None,
        limit: int,
        domain: OdooDomain = (),
    ) -> list[OdooRow]:
        found = self.execute(
            model,
            "search_read",
            ("domain", after_domain(after, domain)),
            fields=with_cursor_fields(fields),
            order=PULL_ORDER,
            limit=limit,
            load=None,
            context=ALL_RECORDS,
        )
        return as_rows(found, f"{model}.search_read")

    def read_ids(self, *, model: str, ids: Sequence[int], fields: Sequence[str]) -> list[OdooRow]:
        if not ids:
            return []
        found = self.execute(
            model, "read", ("ids", list(ids)), fields=with_cursor_fields(fields), load=None, context=ALL_RECORDS
        )
        return as_rows(found, f"{model}.read")

    def search_ids(self, *, model: str, domain: OdooDomain = ()) -> list[int]:
        found = self.execute(model, "search", ("domain", list(domain)), order="id asc", context=ALL_RECORDS)
        return as_ids(found, f"{model}.search")

    def count(self, *, model: str, domain: OdooDomain = ()) -> int:
        total = self.execute(model, "search_count", ("domain", list(domain)), context=ALL_RECORDS)
        return as_count(total, f"{model}.search_count")
