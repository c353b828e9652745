"""One XML-RPC request, from body to outcome: decode, inject faults, dispatch, encode.

Kept apart from HTTP so the rules read in one place; ``server.py`` turns an outcome into bytes on
the socket (or into a closed socket).
"""

from __future__ import annotations

import logging
import threading
import xmlrpc.client
from typing import Any

from attrs import frozen

from atraxion.adapters.odoo.sim.errors import FaultStyle, SerializationFailure, to_fault
from atraxion.adapters.odoo.sim.faults import SERIALIZATION_MESSAGE, FaultPlan
from atraxion.adapters.odoo.sim.methods import MUTATING
from atraxion.adapters.odoo.sim.services import Services

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


class RpcApp:
    def __init__(self, services: Services, faults: FaultPlan, stopping: threading.Event) -> None:
        self.services = services
        self.faults = faults
        self._stopping = stopping

    def handle(self, style: FaultStyle, service: str, body: bytes) -> Outcome:
        try:
            params, method = xmlrpc.client.loads(body, use_datetime=True)
        except Exception as error:  # a body that is not XML-RPC: Odoo answers a fault too
            return Reply(_fault(error, style))
        method = method or ""
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
