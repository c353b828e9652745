"""Pure ASGI middleware: request ids, request metrics, NUL characters refused, unexpected errors
(no BaseHTTPMiddleware)."""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections import Counter
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atraxion.domain.api_log import safe_path
from atraxion.entrypoints.http.problems import NUL, Problem, nul_character

log = logging.getLogger("atraxion.http")

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Method label values; any other method (a client may invent one per request) is ``other``, so
unauthenticated requests cannot grow the metrics without bound."""


class RequestIdMiddleware:
    """Echo the caller's ``X-Request-ID`` (if sane) or make one; put it on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)


class Metrics:
    """Counters and durations per route template and status, rendered as Prometheus text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[tuple[str, str, int]] = Counter()
        self.seconds: dict[tuple[str, str], float] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(method, route, status)] += 1
            self.seconds[(method, route)] = self.seconds.get((method, route), 0.0) + seconds

    def render(self) -> str:
        lines = [
            "# HELP atraxion_http_requests_total HTTP requests by method, route and status.",
            "# TYPE atraxion_http_requests_total counter",
        ]
        with self._lock:
            for (method, route, status), count in sorted(self.requests.items()):
                lines.append(
                    f'atraxion_http_requests_total{{method="{method}",route="{route}",status="{status}"}} {count}'
                )
            lines += [
                "# HELP atraxion_http_request_seconds_total Time spent answering, by method and route.",
                "# TYPE atraxion_http_request_seconds_total counter",
            ]
            for (method, route), total in sorted(self.seconds.items()):
                lines.append(f'atraxion_http_request_seconds_total{{method="{method}",route="{route}"}} {total:.6f}')
        return "\n".join(lines) + "\n"


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
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
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            method = scope["method"] if scope["method"] in METHODS else "other"
            self.metrics.observe(method, template, status, time.perf_counter() - started)


class RefuseNulMiddleware:
    """Answer 422 (``nul-character``) to a request whose path or query string holds a NUL
    character, percent-encoded or not, before any route reads it: keys, consumer names and query
    values reach the database, and PostgreSQL stores no text holding one. Bodies are checked where
    they are parsed (``body.parse_json``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            where = None
            if NUL in scope["path"]:
                where = "the path"
            elif b"\x00" in unquote_to_bytes(scope.get("query_string", b"")):
                where = "the query string"
            if where is not None:
                await nul_character(where).response(safe_path(scope["path"]))(scope, receive, send)
                return
        await self.app(scope, receive, send)


class UnexpectedErrorMiddleware:
    """Answer an exception nothing else handled with a 500 problem, logged once with the request
    id. It sits inside RequestIdMiddleware (the answer carries ``X-Request-ID``) and the metrics
    and request log (they count the 500); the exception goes no further, so neither Starlette's
    ServerErrorMiddleware nor the ASGI server logs it a second time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
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
