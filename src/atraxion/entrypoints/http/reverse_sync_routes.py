"""Reverse sync over HTTP: webshops post sale orders and follow them; operators work the queue.

* ``POST /api/v1/webshop/sale-orders`` (scope webshop:orders) → 202, the order is queued;
* ``GET /api/v1/webshop/sale-orders/{externalId}/sync`` (webshop:read or webshop:orders);
* ``/api/v1/admin/failures…`` and ``/api/v1/admin/queue…`` (scope admin).

The OpenAPI paths are in ``reverse_sync_openapi.py``; ``paths`` is re-exported here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from atraxion.application import reverse_sync, sync_admin
from atraxion.domain.auth import ApiToken, Scope
from atraxion.domain.bounds import MAX_LIMIT, is_odoo_id
from atraxion.domain.errors import FieldError, InvalidBatch
from atraxion.domain.outbox import FailureStatus, OutboxEntry, OutboxStatus, SyncFailure
from atraxion.entrypoints.http.auth import require
from atraxion.entrypoints.http.body import json_body, optional_object, read_body
from atraxion.entrypoints.http.idempotency import answer, json_answer
from atraxion.entrypoints.http.params import page, page_answer, path_id, service, status_filter
from atraxion.entrypoints.http.problems import Problem
from atraxion.entrypoints.http.reverse_sync_openapi import paths
from atraxion.entrypoints.orders_in import parse_sale_order
from atraxion.entrypoints.views import timestamp
from atraxion.ports.idempotency import Answer

__all__ = ["paths", "routes"]


def entry_view(entry: OutboxEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "entityType": entry.entity_type,
        "entityKey": entry.entity_key,
        "status": entry.status.value,
        "attempts": entry.attempts,
        "nextAttemptAt": timestamp(entry.next_attempt_at),
        "claimedAt": timestamp(entry.claimed_at),
        "lastError": entry.last_error,
        "odooId": entry.odoo_id,
        "createdAt": timestamp(entry.created_at),
        "updatedAt": timestamp(entry.updated_at),
        "history": [
            {"number": a.number, "at": timestamp(a.at), "outcome": a.outcome.value, "error": a.error}
            for a in entry.history
        ],
    }


def failure_view(failure: SyncFailure) -> dict[str, Any]:
    return {
        "id": failure.id,
        "entityType": failure.entity_type,
        "externalId": failure.external_id,
        "source": failure.source.value,
        "status": failure.status.value,
        "errorMessage": failure.error_message,
        "queueId": failure.queue_id,
        "createdAt": timestamp(failure.created_at),
        "resolvedAt": timestamp(failure.resolved_at),
    }


async def submit_order(request: Request) -> Response:
    token = await require(request, Scope.WEBSHOP_ORDERS)
    app = service(request)
    body, raw = await json_body(request, app.settings.max_body_bytes)
    order = parse_sale_order(body)
    command = reverse_sync.order_submission(app.context, app.queue.publish, order, token.consumer)
    location = f"/api/v1/webshop/sale-orders/{quote(order.external_id, safe='')}/sync"
    return await answer(request, token, raw, command, _submitted_view, headers={"Location": location})


def _submitted_view(submitted: reverse_sync.Submitted) -> Answer:
    return json_answer(
        {"externalId": submitted.external_id, "status": "pending", "queueId": submitted.queue_id}, status=202
    )


async def order_sync(request: Request) -> Response:
    token = await _require_any(request, Scope.WEBSHOP_READ, Scope.WEBSHOP_ORDERS)
    status = await run_in_threadpool(
        reverse_sync.sync_status, service(request).context, request.path_params["key"], token.consumer
    )
    return JSONResponse(
        {
            "externalId": status.external_id,
            "status": "resolved" if status.resolved else status.status.value,
            "odooId": status.odoo_id,
            "attempts": status.attempts,
            "error": status.error,
        }
    )


async def _require_any(request: Request, first: Scope, second: Scope) -> ApiToken:
    try:
        return await require(request, first)
    except Problem as problem:
        if problem.status != 403:
            raise
    try:
        return await require(request, second)
    except Problem as problem:
        if problem.status != 403:
            raise
        raise Problem(
            403, f"this token lacks the scope {first.value!r} or {second.value!r}", kind="missing-scope"
        ) from None


async def list_failures(request: Request) -> Response:
    await require(request, Scope.ADMIN)
    status = status_filter(request, FailureStatus)
    after, limit = page(request)
    found = await run_in_threadpool(sync_admin.list_failures, service(request).context, status, after, limit)
    return page_answer(found, limit, failure_view)


async def retry_failure(request: Request) -> Response:
    token = await require(request, Scope.ADMIN)
    failure_id = path_id(request)
    app = service(request)

    command = sync_admin.failure_retry(app.context, app.queue.publish, failure_id)
    raw = await read_body(request, app.settings.max_body_bytes)
    return await answer(
        request,
        token,
        raw,
        command,
        lambda result: json_answer({"failure": failure_view(result.failure), "entry": entry_view(result.entry)}),
    )


async def resolve_failure(request: Request) -> Response:
    token = await require(request, Scope.ADMIN)
    failure_id = path_id(request)
    app = service(request)

    raw = await read_body(request, app.settings.max_body_bytes)
    body = optional_object(request, raw)
    _only(body, {"odooId"})
    command = sync_admin.failure_resolution(app.context, failure_id, _odoo_id(body))
    return await answer(request, token, raw, command, lambda failure: json_answer(failure_view(failure)))


async def retry_failures(request: Request) -> Response:
    """``POST /api/v1/admin/failures/retry`` with a filter: ``{"ids": [...]}`` or ``{"status", "kind"}``."""
    token = await require(request, Scope.ADMIN)
    app = service(request)
    raw = await read_body(request, app.settings.max_body_bytes)
    body = optional_object(request, raw)
    _only(body, {"ids", "status", "kind"})
    command = sync_admin.bulk_retry(app.context, app.queue.publish, _filter(body))
    return await answer(request, token, raw, command, lambda done: json_answer(_bulk_view(done, "retried")))


async def resolve_failures(request: Request) -> Response:
    """``POST /api/v1/admin/failures/resolve`` with a filter, and ``odooId`` with a single id."""
    token = await require(request, Scope.ADMIN)
    app = service(request)
    raw = await read_body(request, app.settings.max_body_bytes)
    body = optional_object(request, raw)
    _only(body, {"ids", "status", "kind", "odooId"})
    command = sync_admin.bulk_resolve(app.context, _filter(body), _odoo_id(body))
    return await answer(request, token, raw, command, lambda done: json_answer(_bulk_view(done, "resolved")))


def _bulk_view(outcome: sync_admin.BulkOutcome, done: str) -> dict[str, int]:
    return {"matched": outcome.matched, done: outcome.done, "skipped": outcome.matched - outcome.done}


def _only(body: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(body) - allowed)
    if extra:
        raise InvalidBatch([FieldError(None, name, "unknown field") for name in extra])


def _odoo_id(body: dict[str, Any]) -> int | None:
    if "odooId" not in body:
        return None
    value = body["odooId"]
    if not is_odoo_id(value):
        raise InvalidBatch([FieldError(None, "odooId", "must be a positive integer (the order's id in Odoo)")])
    return value


def _filter(body: dict[str, Any]) -> sync_admin.FailureFilter:
    """``{"ids": [...]}``, or ``{"status": ..., "kind"?: ...}``: a field given is given, null too."""
    ids, status, kind = body.get("ids"), body.get("status"), body.get("kind")
    errors: list[FieldError] = []
    if "ids" in body:
        if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_LIMIT or not all(is_odoo_id(i) for i in ids):
            errors.append(FieldError(None, "ids", f"must be a list of 1 to {MAX_LIMIT} failure ids"))
        if "status" in body or "kind" in body:
            errors.append(FieldError(None, "ids", "give ids, or status (and kind), not both"))
    elif "status" not in body:
        errors.append(FieldError(None, "status", 'give ids, or status ("open" or "resolved") and optionally kind'))
    if "status" in body and status not in [s.value for s in FailureStatus]:
        errors.append(FieldError(None, "status", "must be open or resolved"))
    if "kind" in body and (not isinstance(kind, str) or not 1 <= len(kind) <= 32):
        errors.append(FieldError(None, "kind", "must be an entity type (sale_order)"))
    if errors:
        raise InvalidBatch(errors)
    if isinstance(ids, list):
        return sync_admin.FailureFilter(ids=tuple(ids))
    return sync_admin.FailureFilter(status=FailureStatus(status), kind=kind)


async def list_queue(request: Request) -> Response:
    await require(request, Scope.ADMIN)
    status = status_filter(request, OutboxStatus)
    after, limit = page(request)
    found = await run_in_threadpool(sync_admin.list_entries, service(request).context, status, after, limit)
    return page_answer(found, limit, entry_view)


async def retry_queue_entry(request: Request) -> Response:
    token = await require(request, Scope.ADMIN)
    entry_id = path_id(request)
    app = service(request)

    command = sync_admin.entry_retry(app.context, app.queue.publish, entry_id)
    raw = await read_body(request, app.settings.max_body_bytes)
    return await answer(request, token, raw, command, lambda entry: json_answer(entry_view(entry)))


routes = [
    Route("/api/v1/webshop/sale-orders", submit_order, methods=["POST"]),
    Route("/api/v1/webshop/sale-orders/{key:path}/sync", order_sync, methods=["GET"]),
    Route("/api/v1/admin/failures", list_failures, methods=["GET"]),
    Route("/api/v1/admin/failures/retry", retry_failures, methods=["POST"]),
    Route("/api/v1/admin/failures/resolve", resolve_failures, methods=["POST"]),
    Route("/api/v1/admin/failures/{id:int}/retry", retry_failure, methods=["POST"]),
    Route("/api/v1/admin/failures/{id:int}/resolve", resolve_failure, methods=["POST"]),
    Route("/api/v1/admin/queue", list_queue, methods=["GET"]),
    Route("/api/v1/admin/queue/{id:int}/retry", retry_queue_entry, methods=["POST"]),
]
