"""The Odoo gateway over XML-RPC (``/xmlrpc/2/common`` and ``/xmlrpc/2/object``), standard library only.

Every failure ends as a :class:`TransientOdooError` (retry) or a :class:`PermanentOdooError`
(don't); the API key never appears in a message, a log line or ``repr``.
"""

from __future__ import annotations

import http.client
import logging
import threading
import xmlrpc.client
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeGuard
from urllib.parse import urlsplit
from xml.parsers.expat import ExpatError

from atraxion.domain.odoo_orders import (
    OdooError,
    OdooOrderLine,
    OdooSaleOrder,
    PermanentOdooError,
    TransientOdooError,
)
from atraxion.domain.odoo_records import OdooDomain, OdooIdentity, OdooPosition, OdooRow

if TYPE_CHECKING:
    from _typeshed import SizedBuffer

logger = logging.getLogger(__name__)

# Odoo's fault codes on /xmlrpc/2 (odoo/addons/base/controllers/rpc.py).
_APPLICATION_ERROR = 1
_WARNING = 2  # UserError, ValidationError, MissingError
_ACCESS_DENIED = 3
_ACCESS_ERROR = 4

# Odoo retries these itself (odoo/service/model.py) and gives up with Fault 1 after 5 tries;
# a later retry from us usually succeeds. Matched against the lower-cased traceback text.
_CONCURRENCY_MARKERS = (
    "could not serialize",
    "serialization failure",
    "serializationfailure",
    "concurrent update",
    "deadlock",
    "could not obtain lock",
    "lock_not_available",
    "locknotavailable",
    "concurrencyerror",
)


class _Transport(xmlrpc.client.Transport):
    """Plain HTTP with a socket timeout and no silent re-send."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        connection = super().make_connection(host)
        connection.timeout = self._timeout
        return connection

    def request(self, host: Any, handler: str, request_body: SizedBuffer, verbose: bool = False) -> tuple[Any, ...]:
        # The stock Transport sends the request a second time when the server closes the
        # connection without answering. For a create whose first try was committed that is a
        # duplicate order; deciding whether to retry is the caller's job, after a lookup.
        return self.single_request(host, handler, request_body, verbose)


class _SafeTransport(xmlrpc.client.SafeTransport):
    """HTTPS with the same timeout and no silent re-send."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host: Any) -> http.client.HTTPSConnection:
        connection = super().make_connection(host)
        connection.timeout = self._timeout
        return connection

    def request(self, host: Any, handler: str, request_body: SizedBuffer, verbose: bool = False) -> tuple[Any, ...]:
        return self.single_request(host, handler, request_body, verbose)


class XmlRpcOdooGateway:
    """An :class:`~atraxion.ports.odoo_gateway.OdooGateway` on Odoo's XML-RPC API.

    ``api_key`` may be an API key or the user's password. Authenticates once, on first use, and
    keeps the uid. Safe to share between threads: each call opens its own connection.
    """

    def __init__(self, url: str, db: str, username: str, api_key: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"Odoo URL must be http(s)://host[:port], got scheme {parts.scheme!r}")
        if parts.username or parts.password:
            raise ValueError("Odoo URL must not carry credentials; pass username and api_key")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self._url = url.rstrip("/")
        self._https = parts.scheme == "https"
        self._db = db
        self._username = username
        self._api_key = api_key
        self._timeout = timeout
        self._uid: int | None = None
        self._auth_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"XmlRpcOdooGateway(url={self._url!r}, db={self._db!r}, username={self._username!r})"

    def version(self) -> dict[str, Any]:
        result = self._call("common", "version", (), what="common.version")
        if not isinstance(result, dict):
            raise PermanentOdooError(f"common.version answered {type(result).__name__}, not a struct")
        return result

    def find_sale_order(self, *, client_order_ref: str) -> int | None:
        ids = self._execute_kw("sale.order", "search", [[("client_order_ref", "=", client_order_ref)]], {"limit": 1})
        if not isinstance(ids, list) or not all(_is_id(i) for i in ids):
            raise PermanentOdooError(f"sale.order.search answered {ids!r}, not a list of ids")
        if not ids:
            return None
        first: int = ids[0]
        return first

    def create_sale_order(self, *, order: OdooSaleOrder) -> int:
        new_id = self._execute_kw("sale.order", "create", [_order_values(order)])
        if not _is_id(new_id):
            raise PermanentOdooError(f"sale.order.create answered {new_id!r}, not an id")
        logger.debug("created sale.order %s for client_order_ref %r", new_id, order.client_order_ref)
        return new_id

    # -- the server, the credentials and pulling (the port's docstrings say what each returns) ------

    def identity(self) -> OdooIdentity:
        uid = self._authenticated_uid()
        version = self.version()
        users = self._execute_kw("res.users", "read", [[uid]], {"fields": ["login", "name"]})
        user = users[0] if isinstance(users, list) and users and isinstance(users[0], dict) else {}
        return OdooIdentity(
            url=self._url,
            database=self._db,
            protocol="xmlrpc",
            server_version=str(version.get("server_version", "?")),
            uid=uid,
            login=str(user.get("login") or self._username),
            name=str(user.get("name") or self._username),
        )

    def can_read(self, *, model: str) -> bool:
        try:
            self._execute_kw(model, "search_count", [[]], {"limit": 1, "context": _ALL_RECORDS})
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
        where = [*(after.domain() if after is not None else []), *domain]
        if after is not None and domain:
            where = ["&", *where]
        rows = self._execute_kw(
            model,
            "search_read",
            [where],
            {
                "fields": _with_cursor_fields(fields),
                "order": "write_date asc, id asc",
                "limit": limit,
                "load": None,
                "context": _ALL_RECORDS,
            },
        )
        return _rows(rows, f"{model}.search_read")

    def read_ids(self, *, model: str, ids: Sequence[int], fields: Sequence[str]) -> list[OdooRow]:
        if not ids:
            return []
        rows = self._execute_kw(
            model, "read", [list(ids)], {"fields": _with_cursor_fields(fields), "load": None, "context": _ALL_RECORDS}
        )
        return _rows(rows, f"{model}.read")

    def search_ids(self, *, model: str, domain: OdooDomain = ()) -> list[int]:
        ids = self._execute_kw(model, "search", [list(domain)], {"order": "id asc", "context": _ALL_RECORDS})
        if not isinstance(ids, list) or not all(_is_id(i) for i in ids):
            raise PermanentOdooError(f"{model}.search answered {type(ids).__name__}, not a list of ids")
        return ids

    def count(self, *, model: str, domain: OdooDomain = ()) -> int:
        total = self._execute_kw(model, "search_count", [list(domain)], {"context": _ALL_RECORDS})
        if isinstance(total, bool) or not isinstance(total, int):
            raise PermanentOdooError(f"{model}.search_count answered {type(total).__name__}, not an integer")
        return total

    def _authenticated_uid(self) -> int:
        with self._auth_lock:
            if self._uid is None:
                uid = self._call(
                    "common",
                    "authenticate",
                    (self._db, self._username, self._api_key, {}),
                    what="common.authenticate",
                )
                if not _is_id(uid):
                    # Odoo answers False, not a fault, to a wrong login or key.
                    raise PermanentOdooError(
                        f"authentication failed for user {self._username!r} on database {self._db!r}"
                    )
                logger.info("authenticated to Odoo %s (db %r) as uid %s", self._url, self._db, uid)
                self._uid = uid
            return self._uid

    def _execute_kw(self, model: str, method: str, args: Sequence[Any], kwargs: dict[str, Any] | None = None) -> Any:
        params = (self._db, self._authenticated_uid(), self._api_key, model, method, list(args), kwargs or {})
        return self._call("object", "execute_kw", params, what=f"{model}.{method}")

    def _call(self, service: str, method: str, params: tuple[Any, ...], *, what: str) -> Any:
        transport = _SafeTransport(self._timeout) if self._https else _Transport(self._timeout)
        try:
            with xmlrpc.client.ServerProxy(
                f"{self._url}/xmlrpc/2/{service}", transport=transport, allow_none=True
            ) as proxy:
                return getattr(proxy, method)(*params)
        except xmlrpc.client.Fault as fault:
            raise _from_fault(fault, what) from fault
        except xmlrpc.client.ProtocolError as error:
            raise _from_protocol_error(error, what) from error
        except (xmlrpc.client.ResponseError, ExpatError) as error:
            # Something between us and Odoo answered with garbage; the write may have happened.
            raise TransientOdooError(f"{what}: unreadable answer ({type(error).__name__})") from error
        except (OSError, http.client.HTTPException) as error:
            # OSError covers refused/reset connections, timeouts and DNS; HTTPException a
            # connection closed before the status line. A write may or may not have happened.
            raise TransientOdooError(f"{what}: {_describe(error)}") from error


_ALL_RECORDS = {"active_test": False}


def _with_cursor_fields(fields: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(["write_date", *fields]))


def _rows(rows: Any, what: str) -> list[OdooRow]:
    if not isinstance(rows, list) or not all(isinstance(r, dict) and _is_id(r.get("id")) for r in rows):
        raise PermanentOdooError(f"{what} answered {type(rows).__name__}, not a list of records")
    return rows


def _order_values(order: OdooSaleOrder) -> dict[str, Any]:
    values: dict[str, Any] = {
        "client_order_ref": order.client_order_ref,
        "partner_id": order.partner_id,
        "order_line": [(0, 0, _line_values(line)) for line in order.lines],
    }
    if order.partner_invoice_id is not None:
        values["partner_invoice_id"] = order.partner_invoice_id
    if order.partner_shipping_id is not None:
        values["partner_shipping_id"] = order.partner_shipping_id
    if order.note is not None:
        values["note"] = order.note
    return values


def _line_values(line: OdooOrderLine) -> dict[str, Any]:
    # XML-RPC has no decimal type: Odoo's float fields receive doubles either way.
    values: dict[str, Any] = {"product_id": line.product_id, "product_uom_qty": float(line.quantity)}
    if line.price_unit is not None:
        values["price_unit"] = float(line.price_unit)
    return values


def _is_id(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _from_fault(fault: xmlrpc.client.Fault, what: str) -> OdooError:
    code: object = fault.faultCode
    text = str(fault.faultString)
    if code == _ACCESS_DENIED:
        return PermanentOdooError(f"{what}: access denied (Fault 3)")
    if code in (_ACCESS_ERROR, _WARNING):
        return PermanentOdooError(f"{what}: {_shorten(text)} (Fault {code})")
    if code == _APPLICATION_ERROR:
        summary = _last_line(text)
        if any(marker in text.lower() for marker in _CONCURRENCY_MARKERS):
            return TransientOdooError(f"{what}: concurrency conflict: {summary} (Fault 1)")
        return PermanentOdooError(f"{what}: {summary} (Fault 1)")
    # A string code means a legacy /xmlrpc route; its text is in faultCode itself.
    legacy = f"{code} {text}"
    if any(marker in legacy.lower() for marker in _CONCURRENCY_MARKERS):
        return TransientOdooError(f"{what}: concurrency conflict: {_shorten(str(code))}")
    return PermanentOdooError(f"{what}: {_shorten(str(code))}")


def _from_protocol_error(error: xmlrpc.client.ProtocolError, what: str) -> OdooError:
    message = f"{what}: HTTP {error.errcode} {error.errmsg}"
    if error.errcode >= 500 or error.errcode == 429:
        return TransientOdooError(message)
    return PermanentOdooError(message)


def _describe(error: BaseException) -> str:
    detail = str(error)
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return _shorten(lines[-1] if lines else text)


def _shorten(text: str, limit: int = 500) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
