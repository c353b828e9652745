"""Recording the request log without slowing requests down.

:class:`ApiLogMiddleware` (pure ASGI: it only watches ``send``) builds one
:class:`~atraxion.domain.request_log.ApiLogEntry` per ``/api/`` request and hands it to an
:class:`ApiLogRecorder`: a bounded in-memory buffer that a background thread writes in batches
(every :data:`INTERVAL` seconds, or as soon as :data:`BATCH` entries wait). A request pays for one
append under a lock, never for a database write. When the buffer is full the oldest entry is
dropped and counted (``atraxion_api_log_dropped_total`` in ``/metrics``, see ``metrics.py``): the log must never hold
requests up or grow without bound when the database is slow or down.

The thread runs with the application's lifespan (:func:`lifespan`); the rest of the buffer is
written synchronously at shutdown. Without a lifespan (a ``TestClient`` used without ``with``)
entries wait in the buffer until :meth:`ApiLogRecorder.flush` is called.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atraxion.application import request_log as use_case
from atraxion.application.context import Context
from atraxion.domain import request_log
from atraxion.domain.auth import ApiToken
from atraxion.ports.unit_of_work import UnitOfWork

log = logging.getLogger("atraxion.http.api_log")

CAPACITY = 10_000
BATCH = 200
INTERVAL = 0.5
MAX_ATTEMPTS = 3  # a batch the database refused this many times in a row is dropped (and counted)
_MAX_CAPTURE = 16 * 1024  # bytes of an error answer read for its ``detail``; problem documents are small
_UNHANDLED = "unhandled error; the service log has the details under this request id"


class ApiLogRecorder:
    """The buffer between requests and the database, and the thread that empties it."""

    def __init__(
        self, ctx: Context[UnitOfWork], *, capacity: int = CAPACITY, batch_size: int = BATCH, interval: float = INTERVAL
    ) -> None:
        self.ctx = ctx
        self.capacity = capacity
        self.batch_size = batch_size
        self.interval = interval
        self.dropped = 0
        self._buffer: deque[request_log.ApiLogEntry] = deque()
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._failures = 0
        self._thread: threading.Thread | None = None

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def add(self, entry: request_log.ApiLogEntry) -> None:
        """Queue ``entry``; if the buffer is full, the oldest entry makes room (and is counted)."""
        with self._lock:
            if len(self._buffer) >= self.capacity:
                self._buffer.popleft()
                self.dropped += 1
            self._buffer.append(entry)
            full = len(self._buffer) >= self.batch_size
        if full:
            self._wake.set()

    def flush(self) -> int:
        """Write what is buffered now, in batches; returns how many entries were stored. A batch the
        database refuses goes back to the front of the buffer (dropped after MAX_ATTEMPTS) and the
        error is raised."""
        stored = 0
        with self._flushing:
            while batch := self._take():
                try:
                    use_case.record(self.ctx, batch)
                except Exception:
                    self._give_back(batch)
                    raise
                self._failures = 0
                stored += len(batch)
        return stored

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="atraxion-api-log", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread and write the rest of the buffer (synchronously, in the caller's thread)."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stopping.set()
            self._wake.set()
            thread.join(timeout)
        try:
            self.flush()
        except Exception as error:  # noqa: BLE001 - shutting down: report, never raise
            log.warning("request log: %d entries not stored at shutdown (%s)", self.pending, type(error).__name__)

    def _take(self) -> list[request_log.ApiLogEntry]:
        with self._lock:
            count = min(self.batch_size, len(self._buffer))
            return [self._buffer.popleft() for _ in range(count)]

    def _give_back(self, batch: Sequence[request_log.ApiLogEntry]) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= MAX_ATTEMPTS:
                self._failures = 0
                self.dropped += len(batch)
                return
            self._buffer.extendleft(reversed(batch))
            while len(self._buffer) > self.capacity:
                self._buffer.popleft()
                self.dropped += 1

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            stopping = self._stopping.is_set()
            try:
                self.flush()
            except Exception as error:  # noqa: BLE001 - the next round retries; requests go on
                # The class only: a driver's message may quote the statement's parameters.
                log.warning("request log: could not store a batch (%s); retrying", type(error).__name__)
            if stopping:
                return


class ApiLogMiddleware:
    """One entry per ``/api/`` request: method, path, safe query, status, duration, token id and
    consumer (from ``scope["state"]["token"]``, set by ``auth.require``), and for an error answer its
    problem ``detail``. Bodies and header values are never looked at, except an error answer's body."""

    def __init__(self, app: ASGIApp, recorder: ApiLogRecorder) -> None:
        self.app = app
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        at = self.recorder.ctx.clock.now()
        started = time.perf_counter()
        status = 500
        capture: bytearray | None = None

        async def watch(message: Message) -> None:
            nonlocal status, capture
            if message["type"] == "http.response.start":
                status = message["status"]
                capture = bytearray() if status >= 400 and _is_json(message.get("headers", [])) else None
            elif message["type"] == "http.response.body" and capture is not None:
                capture.extend(message.get("body", b"")[: max(0, _MAX_CAPTURE - len(capture))])
            await send(message)

        answered = False
        try:
            await self.app(scope, receive, watch)
            answered = True
        finally:
            duration_ms = (time.perf_counter() - started) * 1000
            error = _detail(capture) if answered else _UNHANDLED
            try:
                self.recorder.add(_entry(scope, at, status, duration_ms, error))
            except Exception:  # noqa: BLE001 - the log must never break the answer
                log.exception("request log: could not build an entry")


def _is_json(headers: Sequence[tuple[bytes, bytes]]) -> bool:
    return any(k.lower() == b"content-type" and b"json" in v.lower() for k, v in headers)


def _detail(body: bytearray | None) -> str | None:
    if not body:
        return None
    try:
        document = json.loads(bytes(body))
    except ValueError:
        return None
    detail = document.get("detail") if isinstance(document, dict) else None
    return detail if isinstance(detail, str) else None


def _entry(scope: Scope, at: datetime, status: int, duration_ms: float, error: str | None) -> request_log.ApiLogEntry:
    state = scope.get("state") or {}
    token = state.get("token")
    token = token if isinstance(token, ApiToken) else None
    request_id = state.get("request_id")
    return request_log.inbound(
        at=at,
        method=scope["method"],
        path=scope["path"],
        query=parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True),
        status_code=status,
        duration_ms=duration_ms,
        request_id=request_id if isinstance(request_id, str) else None,
        token_id=token.id if token else None,
        consumer=token.consumer if token else None,
        error=error,
    )


def recorder_for(ctx: Context[UnitOfWork], enabled: bool) -> ApiLogRecorder | None:
    return ApiLogRecorder(ctx) if enabled else None


def middleware(recorder: ApiLogRecorder | None) -> list[Middleware]:
    """The middleware to list after the request-id one (it reads the request id), or none."""
    return [] if recorder is None else [Middleware(ApiLogMiddleware, recorder=recorder)]


def lifespan(recorder: ApiLogRecorder | None) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """Starlette ``lifespan``: the flusher thread runs while the application does."""

    @contextlib.asynccontextmanager
    async def run(app: Any) -> AsyncIterator[None]:
        if recorder is not None:
            recorder.start()
        try:
            yield
        finally:
            if recorder is not None:
                await run_in_threadpool(recorder.stop)

    return run
