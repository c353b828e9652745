"""``ODOO_PROTOCOL=auto``: JSON-2 when the server offers it, else XML-RPC, decided on first use.

The probe is ``GET /web/version``, which exists from Odoo 19 on, exactly where JSON-2 does: a JSON
answer with ``version_info`` [19, …] or later means JSON-2; a 404 (Odoo 17/18) means XML-RPC. The
choice is made lazily, so starting up never waits for Odoo, and kept once made; a probe that
fails on the network is transient and tried again on the next call.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import httpx

from atraxion.adapters.odoo.json2_gateway import Json2OdooGateway
from atraxion.adapters.odoo.odoo_values import check_url, describe, redirected
from atraxion.adapters.odoo.record_calls import OdooRecordCalls
from atraxion.adapters.odoo.xmlrpc_gateway import XmlRpcOdooGateway
from atraxion.domain.odoo_orders import PermanentOdooError, TransientOdooError
from atraxion.domain.odoo_records import OdooIdentity

logger = logging.getLogger(__name__)

JSON2_SINCE = 19


class AutoOdooGateway(OdooRecordCalls):
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
        self._chosen: Json2OdooGateway | XmlRpcOdooGateway | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"AutoOdooGateway(url={self._url!r}, db={self._db!r}, chosen={type(self._chosen).__name__})"

    def resolve(self) -> Json2OdooGateway | XmlRpcOdooGateway:
        """The gateway for this server, probing it the first time."""
        with self._lock:
            if self._chosen is None:
                self._chosen = self._choose()
            return self._chosen

    def close(self) -> None:
        chosen = self._chosen
        if isinstance(chosen, Json2OdooGateway):
            chosen.close()

    def _choose(self) -> Json2OdooGateway | XmlRpcOdooGateway:
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

    # -- the port, delegated (reverse sync's and pulling's methods are in OdooRecordCalls) ----------

    def execute(self, model: str, method: str, first: tuple[str, Any], **options: Any) -> Any:
        return self.resolve().execute(model, method, first, **options)

    def create_one(self, model: str, values: dict[str, Any]) -> Any:
        return self.resolve().create_one(model, values)

    def version(self) -> dict[str, Any]:
        return self.resolve().version()

    def identity(self) -> OdooIdentity:
        return self.resolve().identity()


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
        raise TransientOdooError(f"GET /web/version: {describe(error)}") from error
    if 300 <= response.status_code < 400:
        raise redirected(f"GET /web/version: HTTP {response.status_code}", response.headers.get("Location"))
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
