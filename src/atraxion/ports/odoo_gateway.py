"""What the use cases need from Odoo, in domain terms.

Only named arguments and domain objects cross this port, never XML-RPC types, so that a JSON-2
adapter (Odoo 19's ``POST /json/2/<model>/<method>`` with named arguments, bearer API key, and
HTTP 403/404/409/422 errors) is a drop-in replacement for the XML-RPC one.
"""

from __future__ import annotations

from typing import Any, Protocol

from atraxion.domain.odoo_orders import OdooSaleOrder


class OdooGateway(Protocol):
    """A connection to one Odoo database, shared by worker threads (implementations are thread-safe).

    Every method raises :class:`~atraxion.domain.odoo_orders.TransientOdooError` when a retry may
    succeed (network, timeout, 5xx/429, lock or serialization conflict) and
    :class:`~atraxion.domain.odoo_orders.PermanentOdooError` when it cannot (bad credentials,
    access rights, validation, missing records).
    """

    def find_sale_order(self, *, client_order_ref: str) -> int | None:
        """The id of the ``sale.order`` whose ``client_order_ref`` is this, or None.

        Call it before every (re)try of :meth:`create_sale_order`: a create whose answer was lost
        may have been committed.
        """

    def create_sale_order(self, *, order: OdooSaleOrder) -> int:
        """Create the order with its lines in one call and return its id.

        Not idempotent: on a :class:`TransientOdooError` the order may exist anyway.
        """

    def version(self) -> dict[str, Any]:
        """The server's version info (``server_version``, ``server_version_info``, ``server_serie``,
        ``protocol_version``), without authenticating: a readiness check."""
