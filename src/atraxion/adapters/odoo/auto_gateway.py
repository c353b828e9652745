"""``ODOO_PROTOCOL=auto``: JSON-2 when the server offers it, else XML-RPC, decided on first use.

The probe is ``GET /web/version``, which exists from Odoo 19 on, exactly where JSON-2 does: a JSON
answer with ``version_info`` [19, …] or later means JSON-2; a 404 (Odoo 17/18) means XML-RPC. The
choice is made lazily, so starting up never waits for Odoo, and kept once made; a probe that
fails on the network is transient and tried again on the next call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import httpx

from atraxion.adapters.odoo.json2_gateway import Json2OdooGateway
from atraxion.adapters.odoo.odoo_values import check_url
from atraxion.adapters.odoo.xmlrpc_gateway import XmlRpcOdooGateway
from atraxion.domain.odoo_orders import OdooSaleOrder, PermanentOdooError, TransientOdooError
from atraxion.domain.odoo_records import OdooIdentity, OdooPosition
from atraxion.domain.types import OdooDomain, OdooRow
from atraxion.ports.odoo_gateway import OdooGateway

logger = logging.getLogger(__name__)

JSON2_SINCE = 19


class AutoOdooGateway:
    """An :class:`~atraxion.ports.odoo_gateway.OdooGateway` that picks its protocol on first use.

    XML-RPC needs ``db`` and ``username``; JSON-2 only the API key (and ``db`` on a server with
    several databases). Thread-safe.
    """

    def __init__(
        self, url: str, api_key: str, db: str | None = None, username: str | None = None, timeout: float = 30.0
    ) -> None:
        check_url(url, timeout)
        self._url = url.rstrip("/")
        self._api_key = api_key
        self._db = db
        self._username = username
        self._timeout = timeout
        self._chosen: OdooGateway | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"AutoOdooGateway(url={self._url!r}, db={self._db!r}, chosen={type(self._chosen).__name__})"

    def resolve(self) -> OdooGateway:
        """The gateway for this server, probing it the first time."""
        with self._lock:
            if self._chosen is None:
                self._chosen = self._choose()
            return self._chosen

    def close(self) -> None:
        chosen = self._chosen
        if isinstance(chosen, Json2OdooGateway):
            chosen.close()

    def _choose(self) -> OdooGateway:
        major = probe_json2(self._url, self._timeout)
        if major is not None:
            logger.info("Odoo %s at %s offers JSON-2: using it", major, self._url)
            return Json2OdooGateway(self._url, self._api_key, self._db, self._timeout, username=self._username)
        if not self._db or not self._username:
            raise PermanentOdooError(
                f"Odoo at {self._url} has no JSON-2 API (it is older than {JSON2_SINCE}.0), and XML-RPC needs "
                "ODOO_DB and ODOO_USERNAME"
            )
        logger.info("Odoo at %s has no JSON-2 API: using XML-RPC", self._url)
        return XmlRpcOdooGateway(self._url, self._db, self._username, self._api_key, self._timeout)

    # -- the port, delegated -----------------------------------------------------------------------

    def find_sale_order(self, *, client_order_ref: str) -> int | None:
        return self.resolve().find_sale_order(client_order_ref=client_order_ref)

    def create_sale_order(self, *, order: OdooSaleOrder) -> int:
        return self.resolve().create_sale_order(order=order)

    def version(self) -> dict[str, Any]:
        return self.resolve().version()

    def identity(self) -> OdooIdentity:
        return self.resolve().identity()

    def can_read(self, *, model: str) -> bool:
        return self.resolve().can_read(model=model)

    def read_after(
        self,
        *,
        model: str,
        fields: Sequence[str],
        after: OdooPosition | None,
        limit: int,
        domain: OdooDomain = (),
    ) -> list[OdooRow]:
        return self.resolve().read_after(model=model, fields=fields, after=after, limit=limit, domain=domain)

    def read_ids(self, *, model: str, ids: Sequence[int], fields: Sequence[str]) -> list[OdooRow]:
        return self.resolve().read_ids(model=model, ids=ids, fields=fields)

    def search_ids(self, *, model: str, domain: OdooDomain = ()) -> list[int]:
        return self.resolve().search_ids(model=model, domain=domain)

    def count(self, *, model: str, domain: OdooDomain = ()) -> int:
        return self.resolve().count(model=model, domain=domain)


def probe_json2(url: str, timeout: float) -> int | None:
    """The server's major version when it offers JSON-2 (``GET /web/version`` answers, 19+), else None.

    Raises TransientOdooError when the server cannot be reached or answers 5xx, PermanentOdooError
    for a redirect (naming its target).
    """
    target = f"{url.rstrip('/')}/web/version"
    try:
        response = httpx.get(target, timeout=timeout, follow_redirects=False)
    except httpx.TimeoutException as error:
        raise TransientOdooError(f"GET /web/version: timed out ({type(error).__name__})") from error
    except httpx.RequestError as error:
        raise TransientOdooError(f"GET /web/version: {type(error).__name__}: {error}") from error
    if 300 <= response.status_code < 400:
        location = response.headers.get("Location") or "an unnamed address"
        raise PermanentOdooError(
            f"GET /web/version: HTTP {response.status_code}: Odoo redirects to {location}; set ODOO_URL to that address"
        )
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientOdooError(f"GET /web/version: HTTP {response.status_code} {response.reason_phrase}")
    if response.status_code != 200:
        return None
    try:
        info = response.json().get("version_info")
        major = int(info[0])
    except (ValueError, AttributeError, TypeError, IndexError):
        return None  # a 200 that is not Odoo's version (a web page): no JSON-2 here
    return major if major >= JSON2_SINCE else None
