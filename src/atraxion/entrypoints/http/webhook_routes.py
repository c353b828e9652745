"""``/api/v1/admin/webhooks…`` (scope admin): subscribe consumers, follow and redeliver deliveries.

The secret is in the creation's answer only: never in a list, a replay, a log or the request log.
The OpenAPI paths are in ``webhook_openapi.py``; ``paths`` is re-exported here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from atraxion.application import webhooks
from atraxion.domain.auth import Scope
from atraxion.domain.bounds import is_odoo_id
from atraxion.domain.errors import FieldError, InvalidBatch
from atraxion.domain.webhook_signing import secret_key
from atraxion.domain.webhooks import DeliveryStatus, Webhook, WebhookDelivery, WebhookEvent
from atraxion.entrypoints.http.auth import require
from atraxion.entrypoints.http.body import json_body, read_body
from atraxion.entrypoints.http.idempotency import answer, json_answer
from atraxion.entrypoints.http.params import page, page_answer, path_id, service
from atraxion.entrypoints.http.webhook_openapi import MAX_IDS, MAX_URL, SECRET_PATTERN, URL_PATTERN, paths
from atraxion.entrypoints.inbound_fast import BLANK
from atraxion.entrypoints.views import timestamp
from atraxion.ports.idempotency import Answer

__all__ = ["paths", "routes"]

MAX_CONSUMER = 64
_URL = re.compile(URL_PATTERN.strip("^$"))
_SECRET = re.compile(SECRET_PATTERN.strip("^$"))


def webhook_view(webhook: Webhook) -> dict[str, Any]:
    """A webhook as answered: never its secret."""
    return {
        "id": webhook.id,
        "url": webhook.url,
        "consumer": webhook.consumer,
        "entities": list(webhook.entities),
        "events": sorted(e.value for e in webhook.events),
        "isActive": webhook.is_active,
        "disabledReason": webhook.disabled_reason,
        "createdAt": timestamp(webhook.created_at),
        "updatedAt": timestamp(webhook.updated_at),
    }


def delivery_view(delivery: WebhookDelivery) -> dict[str, Any]:
    waiting = delivery.status is DeliveryStatus.PENDING
    return {
        "id": delivery.id,
        "event": delivery.event,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "responseStatus": delivery.response_status,
        "latencyMs": delivery.latency_ms,
        "createdAt": timestamp(delivery.created_at),
        "lastAttemptAt": timestamp(delivery.last_attempt_at),
        "nextAttemptAt": timestamp(delivery.next_attempt_at) if waiting else None,
        "error": delivery.last_error,
    }


# -- parsing -------------------------------------------------------------------------------------

_CREATE_FIELDS = {"url", "consumer", "entities", "events", "secret"}
_PATCH_FIELDS = {"url", "entities", "events", "isActive"}


def _object(body: Any, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(body, dict):
        raise InvalidBatch([FieldError(None, "", "the body must be a JSON object")])
    unknown = sorted(set(body) - allowed)
    if unknown:
        names = ", ".join(repr(n[:40]) for n in unknown[:5])
        raise InvalidBatch([FieldError(None, "", f"unknown field(s) {names}; known: {', '.join(sorted(allowed))}")])
    return body


def _url(value: Any, problems: list[FieldError]) -> str | None:
    if not isinstance(value, str) or len(value) > MAX_URL or _URL.fullmatch(value) is None:
        problems.append(
            FieldError(
                None, "url", "must be an http:// or https:// URL with a host name or IPv4 address (no credentials)"
            )
        )
        return None
    return value


def _entities(value: Any, known: Mapping[str, object], problems: list[FieldError]) -> list[str] | None:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(FieldError(None, "entities", "must be a list of entity names"))
        return None
    unknown = [v for v in value if v not in known]
    if unknown:
        problems.append(FieldError(None, "entities", f"unknown entity {unknown[0][:64]!r}; known: {', '.join(known)}"))
        return None
    return list(value)


def _events(value: Any, problems: list[FieldError]) -> frozenset[WebhookEvent] | None:
    if value is None:
        return frozenset(WebhookEvent)
    known = [e.value for e in WebhookEvent]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v in known for v in value):
        problems.append(FieldError(None, "events", f"must be a non-empty list of {', '.join(known)}"))
        return None
    return frozenset(WebhookEvent(v) for v in value)


def _consumer(value: Any, problems: list[FieldError]) -> str | None:
    if not isinstance(value, str) or not value.strip(BLANK) or len(value) > MAX_CONSUMER:
        problems.append(FieldError(None, "consumer", f"must be 1 to {MAX_CONSUMER} characters"))
        return None
    return value


def _secret(value: Any, problems: list[FieldError]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or _SECRET.fullmatch(value) is None:
        # The message never repeats the value: a secret must not reach an answer or the request log.
        problems.append(FieldError(None, "secret", "must be whsec_ followed by the base64 of 24 to 48 random bytes"))
        return None
    secret_key(value)  # the pattern admits only what decodes to a key
    return value


# -- handlers ------------------------------------------------------------------------------------


async def list_webhooks(request: Request) -> Response:
    await require(request, Scope.ADMIN)
    found = await run_in_threadpool(webhooks.list_webhooks, service(request).context)
    return JSONResponse({"items": [webhook_view(w) for w in found]})


async def create_webhook(request: Request) -> Response:
    caller = await require(request, Scope.ADMIN)
    app = service(request)
    body, raw = await json_body(request, app.settings.max_body_bytes)
    fields = _object(body, _CREATE_FIELDS)
    problems: list[FieldError] = []
    if "url" not in fields:
        problems.append(FieldError(None, "url", "is required"))
    if "consumer" not in fields:
        problems.append(FieldError(None, "consumer", "is required"))
    url = _url(fields.get("url"), problems) if "url" in fields else None
    consumer = _consumer(fields.get("consumer"), problems) if "consumer" in fields else None
    entities = _entities(fields.get("entities"), app.context.kinds, problems)
    events = _events(fields.get("events"), problems)
    secret = _secret(fields.get("secret"), problems)
    if problems or url is None or consumer is None or entities is None or events is None:
        raise InvalidBatch(problems)
    command = webhooks.webhook_creation(app.context, url, consumer, entities, events, secret)

    def created(webhook: Webhook, shown: str | None) -> Answer:
        return json_answer({**webhook_view(webhook), "secret": shown}, 201)

    # A replay answers the webhook without its secret: it is shown once, and never stored with the answer.
    return await answer(
        request,
        caller,
        raw,
        command,
        lambda webhook: created(webhook, webhook.secret),
        stored_view=lambda webhook: created(webhook, None),
    )


async def update_webhook(request: Request) -> Response:
    await require(request, Scope.ADMIN)
    app = service(request)
    webhook_id = path_id(request)
    body, _ = await json_body(request, app.settings.max_body_bytes)
    fields = _object(body, _PATCH_FIELDS)
    problems: list[FieldError] = []
    url = _url(fields["url"], problems) if "url" in fields else None
    entities = _entities(fields["entities"], app.context.kinds, problems) if "entities" in fields else None
    events = _events(fields["events"], problems) if "events" in fields else None
    active = fields.get("isActive")
    if active is not None and not isinstance(active, bool):
        problems.append(FieldError(None, "isActive", "must be true or false"))
    if problems:
        raise InvalidBatch(problems)
    changes = webhooks.WebhookChanges(url, entities, events, active)
    updated = await run_in_threadpool(webhooks.update_webhook, app.context, webhook_id, changes)
    return JSONResponse(webhook_view(updated))


async def delete_webhook(request: Request) -> Response:
    await require(request, Scope.ADMIN)
    webhook_id = path_id(request)
    await run_in_threadpool(webhooks.remove_webhook, service(request).context, webhook_id)
    return Response(status_code=204)


async def list_deliveries(request: Request) -> Response:
    await require(request, Scope.ADMIN)
    webhook_id = path_id(request)
    before, limit = page(request)
    found = await run_in_threadpool(webhooks.list_deliveries, service(request).context, webhook_id, before, limit)
    return page_answer(found, limit, delivery_view)


async def redeliver(request: Request) -> Response:
    token = await require(request, Scope.ADMIN)
    app = service(request)
    webhook_id, delivery_id = path_id(request), path_id(request, "deliveryId")
    command = webhooks.redelivery(app.context, webhook_id, delivery_id)
    raw = await read_body(request, app.settings.max_body_bytes)
    return await answer(request, token, raw, command, lambda d: json_answer(delivery_view(d), 202))


async def redeliver_many(request: Request) -> Response:
    token = await require(request, Scope.ADMIN)
    app = service(request)
    webhook_id = path_id(request)
    body, raw = await json_body(request, app.settings.max_body_bytes)
    fields = _object(body, {"ids", "status"})
    problems: list[FieldError] = []
    ids = fields.get("ids")
    if "ids" in fields and (
        not isinstance(ids, list) or not 1 <= len(ids) <= MAX_IDS or not all(is_odoo_id(i) for i in ids)
    ):
        problems.append(FieldError(None, "ids", f"must be a list of 1 to {MAX_IDS} delivery ids"))
    status_text = fields.get("status")
    status = None
    if "status" in fields:
        try:
            status = DeliveryStatus(status_text) if isinstance(status_text, str) else None
        except ValueError:
            status = None
        if status is None:
            problems.append(FieldError(None, "status", "must be one of pending, delivered, failed"))
    if "ids" not in fields and "status" not in fields:
        problems.append(FieldError(None, "", 'give "ids", "status" or both'))
    if problems:
        raise InvalidBatch(problems)
    command = webhooks.bulk_redelivery(app.context, webhook_id, ids, status)
    return await answer(
        request, token, raw, command, lambda taken: json_answer({"redelivered": len(taken), "ids": taken}, 202)
    )


routes = [
    Route("/api/v1/admin/webhooks", list_webhooks, methods=["GET"]),
    Route("/api/v1/admin/webhooks", create_webhook, methods=["POST"]),
    Route("/api/v1/admin/webhooks/{id:int}", update_webhook, methods=["PATCH"]),
    Route("/api/v1/admin/webhooks/{id:int}", delete_webhook, methods=["DELETE"]),
    Route("/api/v1/admin/webhooks/{id:int}/deliveries", list_deliveries, methods=["GET"]),
    Route("/api/v1/admin/webhooks/{id:int}/deliveries/redeliver", redeliver_many, methods=["POST"]),
    Route("/api/v1/admin/webhooks/{id:int}/deliveries/{deliveryId:int}/redeliver", redeliver, methods=["POST"]),
]
