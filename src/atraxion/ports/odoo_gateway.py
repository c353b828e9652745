"""What the use cases need from Odoo, in domain terms.

Only named arguments and domain objects cross this port, never a protocol's types, so the JSON-2
adapter (Odoo 19's ``POST /json/2/<model>/<method>``) and the XML-RPC one are interchangeable, and
the same gateway contract tests run against both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from atraxion.domain.odoo_orders import OdooSaleOrder
from atraxion.domain.odoo_records import OdooIdentity, OdooPosition
from atraxion.domain.types import OdooDomain, OdooRow


class OdooGateway(Protocol):
    """A connection to one Odoo database, shared by worker threads (implementations are thread-safe).

    Every method raises :class:`~atraxion.domain.odoo_orders.TransientOdooError` when a retry may
    succeed (network, timeout, 5xx/429, lock or serialization conflict) and
    :class:`~atraxion.domain.odoo_orders.PermanentOdooError` when it cannot (bad credentials,
    access rights, validation, missing records). Every read sees archived records too (Odoo's
    context ``active_test`` is off) and reads many2one fields as bare ids (``load=None``).
    """

    # -- reverse sync ------------------------------------------------------------------------------

    def find_sale_order(self, *, client_order_ref: str) -> int | None:
        """The id of the ``sale.order`` whose ``client_order_ref`` is this, or None.

        Call it before every (re)try of :meth:`create_sale_order`: a create whose answer was lost
        may have been committed.
        """

    def create_sale_order(self, *, order: OdooSaleOrder) -> int:
        """Create the order with its lines in one call and return its id.

        Not idempotent: on a :class:`TransientOdooError` the order may exist anyway.
        """

    # -- the server and the credentials ------------------------------------------------------------

    def version(self) -> dict[str, Any]:
        """The server's version info (``server_version``, ``server_version_info``, ``server_serie``,
        ``protocol_version``), without authenticating: a readiness check."""

    def identity(self) -> OdooIdentity:
        """Check the credentials: who they are, on which server, over which protocol.

        Raises :class:`PermanentOdooError` with one clear sentence when they are wrong.
        """

    def can_read(self, *, model: str) -> bool:
        """Whether these credentials may read ``model`` (False for a model the server lacks)."""

    # -- pulling -----------------------------------------------------------------------------------

    def read_after(
        self,
        *,
        model: str,
        fields: Sequence[str],
        after: OdooPosition | None,
        limit: int,
        domain: OdooDomain = (),
    ) -> list[OdooRow]:
        """Up to ``limit`` records matching ``domain`` strictly after ``after`` (from the start when
        None), ordered by ``write_date, id``. Each row carries ``id`` and ``write_date`` besides
        ``fields``."""

    def read_ids(self, *, model: str, ids: Sequence[int], fields: Sequence[str]) -> list[OdooRow]:
        """The records of ``ids`` that still exist (deleted ids are silently absent, as Odoo's
        ``read`` does), each with ``id`` and ``write_date`` besides ``fields``."""

    def search_ids(self, *, model: str, domain: OdooDomain = ()) -> list[int]:
        """Every id matching ``domain``, archived records included, ascending."""

    def count(self, *, model: str, domain: OdooDomain = ()) -> int:
        """How many records match ``domain``, archived included (a progress bar's total)."""
