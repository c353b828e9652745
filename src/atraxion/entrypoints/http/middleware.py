"""Pure ASGI middleware: request ids, the latency histogram and the access log, NUL characters
refused, the last line of defence against unexpected errors (no BaseHTTPMiddleware)."""

from __future__ import annotations

import logging
import re
import time
import uuid
from urllib.parse import parse_qsl, unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atraxion.domain.request_log import safe_path, safe_query
from atraxion.entrypoints.http.problems import NUL, Problem, nul_character
from atraxion.observability import log_context, metrics

log = logging.getLogger("atraxion.http")
access_log = logging.getLogger("atraxion.access")

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class _HttpMiddleware:
    """An ASGI middleware of HTTP requests: anything else (lifespan) passes through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one HTTP request."""
        raise NotImplementedError


class RequestIdMiddleware(_HttpMiddleware):
    """Echo the caller's ``X-Request-ID`` (if sane) or make one; put it on every response."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        log_context.bind(request_id=request_id)  # every log line of this request names it

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)


class AccessMiddleware(_HttpMiddleware):
    """Per request: its latency in the histogram (by route template, never the raw path) and one
    access-log line. The line shows what the request log may store and nothing more: the path with
    a webhook's token masked, of the query only the harmless parameters (``domain/request_log.py``);
    never a header or a body."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            seconds = time.perf_counter() - started
            template = getattr(scope.get("route"), "path", metrics.UNMATCHED)
            metrics.observe_request(template, scope["method"], status, seconds)
            level = logging.DEBUG if scope["path"] in PROBES else logging.INFO
            if access_log.isEnabledFor(level):
                _log_access(scope, status, seconds, level)


PROBES = frozenset({"/health", "/ready", "/metrics"})
"""Paths that load balancers and Prometheus call every few seconds: their access lines are DEBUG."""


def _log_access(scope: Scope, status: int, seconds: float, level: int) -> None:
    query = safe_query(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
    token = (scope.get("state") or {}).get("token")
    access_log.log(
        level,
        "%s %s%s %d %.1f ms",
        metrics.method_label(scope["method"]),
        safe_path(scope["path"]),
        f"?{query}" if query else "",
        status,
        seconds * 1000,
        extra={"consumer": getattr(token, "consumer", None), "status": status},
    )


class RefuseNulMiddleware(_HttpMiddleware):
    """Answer 422 (``nul-character``) to a request whose path or query string holds a NUL
    character, percent-encoded or not, before any route reads it: keys, consumer names and query
    values reach the database, and PostgreSQL stores no text holding one. Bodies are checked where
    they are parsed (``body.parse_json``)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        where = None
        if NUL in scope["path"]:
            where = "the path"
        elif b"\x00" in unquote_to_bytes(scope.get("query_string", b"")):
            where = "the query string"
        if where is not None:
            await nul_character(where).response(safe_path(scope["path"]))(scope, receive, send)
            return
        await self.app(scope, receive, send)


class UnexpectedErrorMiddleware(_HttpMiddleware):
    """Answer an exception nothing else handled with a 500 problem, logged once with the request
    id. It sits inside RequestIdMiddleware (the answer carries ``X-Request-ID``) and the metrics
    and request log (they count the 500); the exception goes no further, so neither Starlette's
    ServerErrorMiddleware nor the ASGI server logs it a second time."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as error:  # noqa: BLE001 - the last line of defence: log it, answer 500
            request_id = scope.get("state", {}).get("request_id")
            log.error(
                "unhandled error on %s %s (request id %s)",
                scope["method"],
                safe_path(scope["path"]),  # a webhook's path carries its token
                request_id,
                exc_info=error,
            )
            if started:  # the answer is half sent: all that is left is to end the connection
                raise
            problem = Problem(500, "an unexpected error occurred; it has been logged under this request id")
            await problem.response(scope["path"])(scope, receive, send)
