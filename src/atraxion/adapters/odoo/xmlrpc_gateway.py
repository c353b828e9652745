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
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from xml.parsers.expat import ExpatError

from atraxion.adapters.odoo.odoo_values import check_url, describe, last_line, redirected, shorten
from atraxion.adapters.odoo.record_calls import OdooRecordCalls
from atraxion.domain.bounds import is_odoo_id
from atraxion.domain.odoo_orders import (
    OdooCredentialsRefused,
    OdooError,
    PermanentOdooError,
    TransientOdooError,
)
from atraxion.domain.odoo_records import OdooIdentity

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


class XmlRpcOdooGateway(OdooRecordCalls):
    """An :class:`~atraxion.ports.odoo_gateway.OdooGateway` on Odoo's XML-RPC API.

    ``api_key`` may be an API key or the user's password. Authenticates once, on first use, and
    keeps the uid. Safe to share between threads: each call opens its own connection.
    """

    def __init__(self, url: str, db: str, username: str, api_key: str, timeout: float = 30.0) -> None:
        check_url(url, timeout)
        parts = urlsplit(url)
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

    # -- the credentials (reverse sync's and pulling's methods are in OdooRecordCalls) -------------

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

    def execute(self, model: str, method: str, first: tuple[str, Any], **options: Any) -> Any:
        return self._execute_kw(model, method, [first[1]], options)

    def create_one(self, model: str, values: dict[str, Any]) -> Any:
        return self._execute_kw(model, "create", [values])

    def _authenticated_uid(self) -> int:
        with self._auth_lock:
            if self._uid is None:
                uid = self._call(
                    "common",
                    "authenticate",
                    (self._db, self._username, self._api_key, {}),
                    what="common.authenticate",
                )
                if not is_odoo_id(uid):
                    # Odoo answers False, not a fault, to a wrong login or key.
                    raise OdooCredentialsRefused(
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
            raise TransientOdooError(f"{what}: {describe(error)}") from error


def _from_fault(fault: xmlrpc.client.Fault, what: str) -> OdooError:
    code: object = fault.faultCode
    text = str(fault.faultString)
    if code == _ACCESS_DENIED:
        return OdooCredentialsRefused(f"{what}: access denied (Fault 3)")
    if code in (_ACCESS_ERROR, _WARNING):
        return PermanentOdooError(f"{what}: {shorten(text)} (Fault {code})")
    if code == _APPLICATION_ERROR:
        summary = last_line(text)
        if any(marker in text.lower() for marker in _CONCURRENCY_MARKERS):
            return TransientOdooError(f"{what}: concurrency conflict: {summary} (Fault 1)")
        return PermanentOdooError(f"{what}: {summary} (Fault 1)")
    if isinstance(code, int):
        # A code Odoo's /xmlrpc/2 does not use (a proxy, a customised server): say what it said.
        return PermanentOdooError(f"{what}: {last_line(text) or 'no message'} (unexpected Fault {code})")
    # A string code means a legacy /xmlrpc route; its text is in faultCode itself.
    legacy = f"{code} {text}"
    if any(marker in legacy.lower() for marker in _CONCURRENCY_MARKERS):
        return TransientOdooError(f"{what}: concurrency conflict: {shorten(str(code))}")
    return PermanentOdooError(f"{what}: {shorten(str(code))}")


def _from_protocol_error(error: xmlrpc.client.ProtocolError, what: str) -> OdooError:
    message = f"{what}: HTTP {error.errcode} {error.errmsg}"
    if 300 <= error.errcode < 400:
        # XML-RPC cannot follow a redirect (a POST body is not re-sent): http -> https, say.
        return redirected(message, error.headers.get("Location") if error.headers else None)
    if error.errcode >= 500 or error.errcode == 429:
        return TransientOdooError(message)
    return PermanentOdooError(message)
