"""Odoo's JSON routes: JSON-2 (``POST /json/2/<model>/<method>``, Odoo 19), ``POST /jsonrpc`` and
``GET /web/version`` (19), over the same services, store and injected faults as XML-RPC.

Mirrors ``addons/rpc/controllers/json2.py`` and the JSON dispatchers of ``odoo/http.py``: JSON-2 takes
``Authorization: bearer <API key>``, an optional ``X-Odoo-Database`` and a JSON object whose ``ids``
and ``context`` build the recordset and whose other keys bind *by name* to the method; it answers
the bare result, or an error object ``{name, message, arguments, context, debug}`` with the status
of the exception (422 user/validation and argument errors, 403 access, 404 missing/unknown, 409
lock, 500 anything else). ``/jsonrpc`` always answers 200 with a JSON-RPC envelope.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import traceback
from collections.abc import Callable
from typing import Any, Protocol

from attrs import frozen

from atraxion.testing.odoo_sim import _errors as errors
from atraxion.testing.odoo_sim import _methods as methods
from atraxion.testing.odoo_sim._errors import AccessDenied, AccessError, LockError, MissingError, SerializationFailure
from atraxion.testing.odoo_sim._faults import SERIALIZATION_MESSAGE, FaultPlan
from atraxion.testing.odoo_sim._services import Services

logger = logging.getLogger(__name__)

_JSON2 = re.compile(r"^/json/2/(?P<model>[A-Za-z0-9_.]+)/(?P<method>[A-Za-z0-9_]+)/?$")
_JSON = "application/json; charset=utf-8"


class Headers(Protocol):
    """Request headers looked up case-insensitively (``http.server``'s ``email.message.Message``)."""

    def get(self, name: str, /) -> str | None: ...


@frozen
class WebReply:
    """An HTTP answer; ``body`` None means: close the connection without answering."""

    status: int
    body: bytes | None
    content_type: str = _JSON
    headers: tuple[tuple[str, str], ...] = ()


def is_web_path(path: str) -> bool:
    """Whether ``path`` is one of the routes this module answers (any verb)."""
    return path in ("/jsonrpc", "/web/version", "/json/2") or path.startswith("/json/2/")


class NotFound(Exception):
    """``werkzeug.exceptions.NotFound``: an unknown model or method on JSON-2."""

    __module__ = "werkzeug.exceptions"


class UnprocessableEntity(Exception):
    """``werkzeug.exceptions.UnprocessableEntity``: arguments that don't bind to the method."""

    __module__ = "werkzeug.exceptions"


class WebRoutes:
    """The JSON routes of one simulator; thread-safe."""

    def __init__(
        self,
        services: Services,
        faults: FaultPlan,
        stopping: threading.Event,
        count: Callable[[list[str]], None],
    ) -> None:
        self.services = services
        self.faults = faults
        self._stopping = stopping
        self._count = count

    def handle(self, verb: str, path: str, headers: Headers, body: bytes) -> WebReply:
        """Answer one request."""
        recent = self.services.major >= 19
        if path == "/web/version":
            if verb != "GET" or not recent:  # /web/version exists from Odoo 19 on
                return _page(404, "Not Found")
            info = self.services.version()["server_version_info"]
            return _json(200, {"version_info": info, "version": self.services.server_version})
        if path == "/jsonrpc":
            if verb != "POST":
                return _page(405, "Method Not Allowed")
            return self._jsonrpc(body)
        match = _JSON2.match(path)
        if not recent or verb != "POST" or match is None:  # any other verb or path: 404, not 405
            return _page(404, "Not Found")
        return self._json2(match["model"], match["method"], headers, body)

    # -- JSON-2 ---------------------------------------------------------------------------------

    def _json2(self, model: str, method: str, headers: Headers, body: bytes) -> WebReply:
        database = headers.get("X-Odoo-Database")
        if database is not None and database != self.services.db:
            return _page(404, "Not Found")  # the database does not pass the dbfilter
        scheme, _, key = (headers.get("Authorization") or "").strip().partition(" ")
        uid = self.services.bearer_uid(key.strip()) if scheme.lower() == "bearer" else None
        if uid is None:
            reply = _error(401, AccessDenied("Invalid apikey"), "werkzeug.exceptions.Unauthorized")
            return WebReply(reply.status, reply.body, headers=(("WWW-Authenticate", "bearer"),))
        if (headers.get("Content-Type") or "").split(";")[0].strip().lower() != "application/json":
            return _page(415, "Unsupported Media Type")
        try:
            arguments = json.loads(body)
        except ValueError:
            return _page(400, "Bad Request")
        if not isinstance(arguments, dict):
            return _page(400, "Bad Request")
        self._count(["json2", f"{model}.{method}"])
        self._wait()
        failure = self.faults.next_failure()
        if failure == "http503":
            return _page(503, "Service Unavailable")
        if failure == "lock":
            return _error(409, LockError())
        if failure == "fault":
            return _error(500, SerializationFailure(SERIALIZATION_MESSAGE))
        try:
            result = self._call(uid, model, method, arguments)
            answer = json.dumps(result).encode()
        except (NotFound, MissingError) as error:
            return _error(404, error)
        except (AccessError, AccessDenied) as error:
            return _error(403, error)
        except LockError as error:
            return _error(409, error)
        except (errors.UserError, UnprocessableEntity) as error:
            return _error(422, error)
        except Exception as error:
            return _error(500, error)
        if method in methods.MUTATING and self.faults.next_drop():
            logger.debug("dropping the answer to a committed %s.%s", model, method)
            return WebReply(200, None)
        return WebReply(200, answer)

    def _call(self, uid: int, model: str, method: str, arguments: dict[str, Any]) -> Any:
        if method.startswith("_"):
            raise AccessError(f"Private methods (such as '{model}.{method}') cannot be called remotely.")
        store = self.services.store
        with store.transaction(uid):
            try:
                store.spec(model)
            except errors.UserError:
                raise NotFound(f"the model {model!r} does not exist") from None
        ids = arguments.pop("ids", None)
        context = arguments.pop("context", None)
        try:
            args, kwargs = methods.bind_named(model, method, ids, arguments)
        except LookupError as error:
            raise NotFound(str(error)) from None
        except TypeError as error:
            raise UnprocessableEntity(str(error)) from None
        if context is not None:
            kwargs["context"] = context
        return methods.call(store, uid, model, method, args, kwargs)

    # -- /jsonrpc -------------------------------------------------------------------------------

    def _jsonrpc(self, body: bytes) -> WebReply:
        try:
            request = json.loads(body)
            params = request["params"]
            service, method, args = params["service"], params["method"], params.get("args") or []
            if not isinstance(service, str) or not isinstance(method, str) or not isinstance(args, list):
                raise ValueError("bad params")
        except (ValueError, KeyError, TypeError):
            return _page(400, "Bad Request")
        request_id = request.get("id")
        names = [f"{service}.{method}"]
        is_object_call = service == "object" and method in ("execute", "execute_kw")
        if is_object_call and len(args) > 4:
            names.append(f"{args[3]}.{args[4]}")
        self._count(names)
        self._wait()
        if is_object_call:
            failure = self.faults.next_failure()
            if failure == "http503":
                return _page(503, "Service Unavailable")
            if failure == "lock":
                return self._rpc_error(request_id, LockError())
            if failure == "fault":
                return self._rpc_error(request_id, SerializationFailure(SERIALIZATION_MESSAGE))
        try:
            result = self.services.dispatch(service, method, args)
            answer = {"jsonrpc": "2.0", "id": request_id, **({} if result is None else {"result": result})}
            encoded = json.dumps(answer).encode()
        except Exception as error:
            return self._rpc_error(request_id, error)
        model_method = args[4] if is_object_call and len(args) > 4 else None
        if model_method in methods.MUTATING and self.faults.next_drop():
            return WebReply(200, None)
        return WebReply(200, encoded)

    def _rpc_error(self, request_id: Any, error: BaseException) -> WebReply:
        code = 0 if self.services.major >= 19 else 200
        envelope = {
            "jsonrpc": "2.0",
            "id": request_id,
            "error": {"code": code, "message": "Odoo Server Error", "data": _serialize(error)},
        }
        return WebReply(200, json.dumps(envelope, default=str).encode())

    def _wait(self) -> None:
        delay = self.faults.delay
        if delay:
            self._stopping.wait(delay)


def _serialize(error: BaseException, name: str | None = None) -> dict[str, Any]:
    # odoo.http.serialize_exception
    return {
        "name": name or _qualified_name(error),
        "message": str(error),
        "arguments": list(error.args),
        "context": {},
        "debug": "".join(traceback.format_exception(error)),
    }


def _qualified_name(error: BaseException) -> str:
    kind = type(error)
    if kind.__module__ == errors.__name__:
        return f"odoo.exceptions.{kind.__qualname__}"
    return f"{kind.__module__}.{kind.__qualname__}"


def _error(status: int, error: BaseException, name: str | None = None) -> WebReply:
    return WebReply(status, json.dumps(_serialize(error, name), default=str).encode())


def _json(status: int, value: Any) -> WebReply:
    return WebReply(status, json.dumps(value).encode())


def _page(status: int, reason: str) -> WebReply:
    body = f"<html><body><h1>{status} {reason}</h1></body></html>".encode()
    return WebReply(status, body, "text/html; charset=utf-8")
