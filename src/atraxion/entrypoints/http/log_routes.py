"""``GET /api/v1/admin/logs``: the request log, newest first (scope admin).

Filters: ``path`` (a path prefix, exact and case-sensitive), ``status`` (one status code); paging
with ``limit`` and ``before`` (the ``nextBefore`` of the previous page).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from atraxion.application import request_log
from atraxion.domain.auth import Scope
from atraxion.domain.bounds import MAX_ID
from atraxion.domain.errors import FieldError, InvalidBatch
from atraxion.domain.request_log import MAX_PATH, ApiLogEntry
from atraxion.entrypoints.http import openapi
from atraxion.entrypoints.http.auth import require
from atraxion.entrypoints.http.body import bounded_int
from atraxion.entrypoints.http.params import LIMIT_PARAMETER, SECURED, query_limit, service
from atraxion.entrypoints.views import timestamp


def _view(entry: ApiLogEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": timestamp(entry.at),
        "method": entry.method,
        "path": entry.path,
        "query": entry.query,
        "direction": entry.direction.value,
        "statusCode": entry.status_code,
        "durationMs": entry.duration_ms,
        "requestId": entry.request_id,
        "tokenId": entry.token_id,
        "consumer": entry.consumer,
        "error": entry.error,
    }


def _filters(request: Request) -> tuple[str | None, int | None, int, int | None]:
    query = request.query_params
    errors: list[FieldError] = []
    path = query.get("path") or None
    if path is not None and len(path) > MAX_PATH:
        errors.append(FieldError(None, "path", f"must be at most {MAX_PATH} characters"))
    status = bounded_int(query.get("status"), 100, 599)
    if query.get("status") and status is None:
        errors.append(FieldError(None, "status", "must be a status code between 100 and 599"))
    limit = query_limit(request, errors)
    before = bounded_int(query.get("before"), 1, MAX_ID)
    if query.get("before") and before is None:
        errors.append(FieldError(None, "before", "must be the nextBefore of a previous page"))
    if errors:
        raise InvalidBatch(errors)
    assert limit is not None
    return path, status, limit, before


async def list_logs(request: Request) -> Response:
    await require(request, Scope.ADMIN)
    path, status, limit, before = _filters(request)
    ctx = service(request).context
    # One more than asked: a full page says whether another one follows.
    found = await run_in_threadpool(request_log.search, ctx, path, status, limit + 1, before)
    page = found[:limit]
    next_before = page[-1].id if len(found) > limit else None
    return JSONResponse({"items": [_view(e) for e in page], "nextBefore": next_before})


routes = [Route("/api/v1/admin/logs", list_logs, methods=["GET"])]

_ENTRY = {
    "type": "object",
    "required": ["id", "at", "method", "path", "query", "direction", "statusCode", "durationMs"],
    "properties": {
        "id": {"type": "integer"},
        "at": {"type": "string", "format": "date-time"},
        "method": {"type": "string"},
        "path": {"type": "string"},
        "query": {"type": "string", "description": "only limit, cursor, status, path, version and before"},
        "direction": {"enum": ["inbound", "outbound"]},
        "statusCode": {"type": "integer"},
        "durationMs": {"type": "number"},
        "requestId": {"type": ["string", "null"]},
        "tokenId": {"type": ["integer", "null"]},
        "consumer": {"type": ["string", "null"]},
        "error": {"type": ["string", "null"], "description": "the problem detail of a 4xx/5xx answer"},
    },
}
paths: dict[str, Any] = {
    "/api/v1/admin/logs": {
        "get": {
            "summary": "The request log, newest first; no bodies, no header values (scope admin)",
            "security": SECURED,
            "parameters": [
                {
                    "name": "path",
                    "in": "query",
                    "schema": {"type": "string", "maxLength": MAX_PATH},
                    "description": "path prefix, e.g. /api/v1/odoo",
                },
                {"name": "status", "in": "query", "schema": {"type": "integer", "minimum": 100, "maximum": 599}},
                LIMIT_PARAMETER,
                {
                    "name": "before",
                    "in": "query",
                    "schema": {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID},
                    "description": "nextBefore of the previous page",
                },
            ],
            "responses": {
                "200": openapi.ok(
                    "A page of the request log",
                    {
                        "type": "object",
                        "required": ["items", "nextBefore"],
                        "properties": {
                            "items": {"type": "array", "items": _ENTRY},
                            "nextBefore": {"type": ["integer", "null"]},
                        },
                    },
                ),
                **openapi.problems(401, 403, 422),
            },
        }
    }
}
