"""One XML-RPC request, from body to outcome: decode, inject faults, dispatch, encode. The JSON
routes (JSON-2, ``/jsonrpc``, ``/web/version``) are ``web.py``'s, reached through :attr:`RpcApp.web`.

Kept apart from HTTP so the rules read in one place; ``server.py`` turns an outcome into bytes on
the socket (or into a closed socket).
"""

from __future__ import annotations

import logging
import threading
import xmlrpc.client
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from attrs import frozen

from atraxion.testing.odoo_sim._errors import FaultStyle, LockError, SerializationFailure, to_fault
from atraxion.testing.odoo_sim._faults import SERIALIZATION_MESSAGE, FaultPlan
from atraxion.testing.odoo_sim._methods import MUTATING
from atraxion.testing.odoo_sim._services import Services
from atraxion.testing.odoo_sim._web import WebRoutes

logger = logging.getLogger(__name__)


@frozen
class Reply:
    """An XML-RPC answer (a result or a fault), HTTP 200."""

    body: bytes


@frozen
class HttpError:
    status: int
    reason: str


@frozen
class Drop:
    """Close the connection without answering."""


Outcome = Reply | HttpError | Drop
ControlDispatch = Callable[[str, Sequence[Any]], Any]

# The service of the simulator's own control route (POST /simulator); no /xmlrpc/<service> can be
# named so, since service names there are letters and underscores.
CONTROL_SERVICE = "simulator-control"


class RpcApp:
    def __init__(
        self, services: Services, faults: FaultPlan, stopping: threading.Event, control: ControlDispatch | None = None
    ) -> None:
        self.services = services
        self.faults = faults
        self.control = control
        self._stopping = stopping
        self._calls: Counter[str] = Counter()
        self._calls_lock = threading.Lock()
        self.web = WebRoutes(services, faults, stopping, self._count_names)

    def calls(self, name: str) -> int:
        """How many requests named ``name`` arrived: ``"common.authenticate"``, ``"sale.order.create"``."""
        with self._calls_lock:
            return self._calls[name]

    def handle(self, style: FaultStyle, service: str, body: bytes) -> Outcome:
        try:
            params, method = xmlrpc.client.loads(body, use_datetime=True)
        except Exception as error:  # a body that is not XML-RPC: Odoo answers a fault too
            return Reply(_fault(error, style))
        method = method or ""
        if service == CONTROL_SERVICE:
            return self._steer(method, params)
        self._count(service, method, params)
        delay = self.faults.delay
        if delay:
            self._stopping.wait(delay)
        is_object_call = service == "object" and method in ("execute", "execute_kw")
        if is_object_call:
            failure = self.faults.next_failure()
            if failure == "http503":
                return HttpError(503, "Service Unavailable")
            if failure == "fault":
                return Reply(_fault(SerializationFailure(SERIALIZATION_MESSAGE), style))
            if failure == "lock":
                return Reply(_fault(LockError(), style))
        logger.debug("rpc %s.%s %s", service, method, _describe(service, params))
        try:
            result = self.services.dispatch(service, method, params)
            answer = _dumps((result,))
        except Exception as error:
            # Marshalling a None result fails here too, and becomes Fault 1 as in Odoo.
            return Reply(_fault(error, style))
        if is_object_call and _model_method(params) in MUTATING and self.faults.next_drop():
            logger.debug("dropping the answer to a committed %s", _model_method(params))
            return Drop()
        return Reply(answer)

    def _steer(self, method: str, params: tuple[Any, ...]) -> Outcome:
        if self.control is None:
            return HttpError(404, "Not Found")
        try:
            return Reply(_dumps((self.control(method, params),)))
        except Exception as error:
            return Reply(_fault(error, "int"))

    def _count(self, service: str, method: str, params: tuple[Any, ...]) -> None:
        names = [f"{service}.{method}"]
        if service == "object" and _model_method(params) is not None:
            names.append(f"{params[3]}.{params[4]}")
        self._count_names(names)

    def _count_names(self, names: list[str]) -> None:
        with self._calls_lock:
            self._calls.update(names)


def _dumps(params: tuple[Any, ...] | xmlrpc.client.Fault) -> bytes:
    return xmlrpc.client.dumps(params, methodresponse=True, allow_none=False).encode()


def _fault(error: BaseException, style: FaultStyle) -> bytes:
    return _dumps(to_fault(error, style))


def _model_method(params: tuple[Any, ...]) -> str | None:
    method = params[4] if len(params) > 4 else None
    return method if isinstance(method, str) else None


def _describe(service: str, params: tuple[Any, ...]) -> str:
    # Never the password or API key (the third parameter of object calls, of login/authenticate).
    if service == "object" and len(params) > 4:
        return f"{params[3]}.{params[4]} uid={params[1]!r}"
    if service == "common" and params:
        return f"db={params[0]!r} login={params[1]!r}" if len(params) > 1 else ""
    return ""
