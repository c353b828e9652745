"""The Odoo gateway over Odoo 19's JSON-2 API (``POST /json/2/<model>/<method>``), on httpx.

Each call sends ``Authorization: bearer <API key>``, ``X-Odoo-Database`` when a database is named,
and a JSON object of named arguments (``ids`` and ``context`` build the recordset). Odoo answers
the bare result, or an error object with the exception's HTTP status, mapped here as:

========================  ===========================================================
401                       :class:`OdooCredentialsRefused` (the key was refused)
403                       :class:`PermanentOdooError` (access rights)
404                       :class:`PermanentOdooError` (missing record, model, database)
409, 429, 5xx, network    :class:`TransientOdooError` (lock, overload, outage, timeout)
422, other 4xx            :class:`PermanentOdooError` (validation, user error, bad argument)
3xx                       :class:`PermanentOdooError` naming the redirect's target
========================  ===========================================================

The API key never appears in a message, a log line or ``repr``.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from atraxion.adapters.odoo.odoo_values import as_ids, check_url, describe, redirected, shorten
from atraxion.adapters.odoo.record_calls import OdooRecordCalls
from atraxion.domain.bounds import is_odoo_id
from atraxion.domain.odoo_orders import (
    OdooCredentialsRefused,
    OdooError,
    PermanentOdooError,
    TransientOdooError,
)
from atraxion.domain.odoo_records import OdooIdentity

logger = logging.getLogger(__name__)


class Json2OdooGateway(OdooRecordCalls):
    """An :class:`~atraxion.ports.odoo_gateway.OdooGateway` on Odoo's JSON-2 API (Odoo 19+).

    ``api_key`` must be an API key (JSON-2 takes no password); ``db`` is sent as
    ``X-Odoo-Database`` when given (a server with one database needs none). Safe to share between
    threads (one pooled httpx client). ``transport`` replaces httpx's (tests).
    """

    def __init__(
        self,
        url: str,
        api_key: str,
        db: str | None = None,
        timeout: float = 30.0,
        *,
        username: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        check_url(url, timeout)
        self._url = url.rstrip("/")
        self._db = db
        self._username = username
        headers = {"Authorization": f"bearer {api_key}"}
        if db:
            headers["X-Odoo-Database"] = db
        # No redirects followed (a POST must not silently become a GET elsewhere), no retries:
        # deciding to re-send a create is the caller's job, after a lookup.
        self._client = httpx.Client(
            base_url=self._url, headers=headers, timeout=timeout, follow_redirects=False, transport=transport
        )

    def __repr__(self) -> str:
        return f"Json2OdooGateway(url={self._url!r}, db={self._db!r})"

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()

    # -- what reverse sync and pulling call (their methods are in OdooRecordCalls) ------------------

    def execute(self, model: str, method: str, first: tuple[str, Any], **options: Any) -> Any:
        name, value = first
        return self.call(model, method, **{name: value}, **options)

    def create_one(self, model: str, values: dict[str, Any]) -> Any:
        created = self.call(model, "create", vals_list=[values])
        return created[0] if isinstance(created, list) and len(created) == 1 else created

    # -- the server and the credentials ------------------------------------------------------------

    def version(self) -> dict[str, Any]:
        answer = self._send("GET", "/web/version", None, what="GET /web/version")
        if not isinstance(answer, dict) or not isinstance(answer.get("version_info"), list):
            raise PermanentOdooError(f"GET /web/version answered {type(answer).__name__}, not Odoo's version")
        serie = str(answer.get("version", "?"))
        return {
            "server_version": serie,
            "server_version_info": answer["version_info"],
            "server_serie": serie,
            "protocol_version": 1,
        }

    def identity(self) -> OdooIdentity:
        context = self.call("res.users", "context_get")
        uid = context.get("uid") if isinstance(context, dict) else None
        if not is_odoo_id(uid) and self._username:
            # context_get of some versions carries no uid: find the user by login instead.
            by_login = self.call("res.users", "search", domain=[("login", "=", self._username)], limit=1)
            found = as_ids(by_login, "res.users.search")
            uid = found[0] if found else None
        users = self.call("res.users", "read", ids=[uid], fields=["login", "name"]) if is_odoo_id(uid) else []
        user = users[0] if isinstance(users, list) and users and isinstance(users[0], dict) else {}
        return OdooIdentity(
            url=self._url,
            database=self._db,
            protocol="json2",
            server_version=str(self.version().get("server_version", "?")),
            uid=uid if is_odoo_id(uid) else 0,
            login=str(user.get("login") or self._username or "?"),
            name=str(user.get("name") or "?"),
        )

    # -- the wire ----------------------------------------------------------------------------------

    def call(self, model: str, method: str, **arguments: Any) -> Any:
        """``POST /json/2/<model>/<method>`` with ``arguments`` as the JSON body; the answer."""
        return self._send("POST", f"/json/2/{model}/{method}", arguments, what=f"{model}.{method}")

    def _send(self, verb: str, path: str, body: dict[str, Any] | None, *, what: str) -> Any:
        try:
            response = self._client.request(verb, path, json=body)
        except httpx.TimeoutException as error:
            raise TransientOdooError(f"{what}: timed out ({type(error).__name__})") from error
        except httpx.RequestError as error:
            # Refused/reset connections, DNS, a connection closed before the answer, an undecodable
            # body: a write may or may not have happened.
            raise TransientOdooError(f"{what}: {describe(error)}") from error
        if response.status_code == 200:
            try:
                return response.json()
            except ValueError as error:
                raise TransientOdooError(f"{what}: unreadable answer (not JSON)") from error
        raise _from_status(response, what)


def _from_status(response: httpx.Response, what: str) -> OdooError:
    status = response.status_code
    if 300 <= status < 400:
        return redirected(f"{what}: HTTP {status}", response.headers.get("Location"))
    detail = _error_detail(response)
    if status == 401:
        return OdooCredentialsRefused(f"{what}: the API key was refused (HTTP 401); check ODOO_API_KEY")
    if status == 404 and not detail:
        return PermanentOdooError(
            f"{what}: HTTP 404: no JSON-2 API there (Odoo 19+ needed) or the database is not served"
        )
    message = f"{what}: {detail or response.reason_phrase} (HTTP {status})"
    if status in (409, 429) or status >= 500:
        return TransientOdooError(message)
    return PermanentOdooError(message)


def _error_detail(response: httpx.Response) -> str:
    """``"<message> [<exception class>]"`` from Odoo's JSON error object, "" for another body."""
    try:
        error = response.json()
    except ValueError:
        return ""
    if not isinstance(error, dict) or "message" not in error:
        return ""
    name = str(error.get("name") or "").rpartition(".")[2]
    message = shorten(" ".join(str(error["message"]).split()))
    return f"{message} [{name}]" if name else message
