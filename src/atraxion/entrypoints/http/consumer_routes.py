"""Consumers over HTTP: ``/api/v1/admin/consumers…`` (scope admin) and a consumer's own backlog at
``GET /api/v1/webshop/{entity}/changes/summary`` (scope webshop:read). See docs/consumers.md."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from atraxion.application import consumers
from atraxion.domain.auth import Scope
from atraxion.domain.consumers import Backlog, ConsumerBacklog
from atraxion.domain.errors import FieldError, InvalidBatch
from atraxion.entrypoints.http import openapi
from atraxion.entrypoints.http.auth import require
from atraxion.entrypoints.http.body import optional_object, read_body
from atraxion.entrypoints.http.idempotency import answer, json_answer
from atraxion.entrypoints.http.params import NULLABLE_TIME, SECURED, optional_body, service
from atraxion.entrypoints.views import timestamp


def consumer_view(consumer: ConsumerBacklog) -> dict[str, Any]:
    return {
        "name": consumer.name,
        "pending": {entity: b.pending for entity, b in consumer.entities.items()},
        "oldestPendingAt": {entity: timestamp(b.oldest_pending_at) for entity, b in consumer.entities.items()},
    }


def summary_view(backlog: Backlog) -> dict[str, Any]:
    return {"pending": backlog.pending, "oldestPendingAt": timestamp(backlog.oldest_pending_at)}


async def list_consumers(request: Request) -> Response:
    await require(request, Scope.ADMIN)
    found = await run_in_threadpool(consumers.list_consumers, service(request).context)
    return JSONResponse({"items": [consumer_view(c) for c in found]})


async def show_consumer(request: Request) -> Response:
    await require(request, Scope.ADMIN)
    found = await run_in_threadpool(consumers.show_consumer, service(request).context, request.path_params["name"])
    return JSONResponse(consumer_view(found))


async def refeed_consumer(request: Request) -> Response:
    token = await require(request, Scope.ADMIN)
    name = request.path_params["name"]
    raw = await read_body(request, service(request).settings.max_body_bytes)
    entities = _entities(request, raw)
    command = consumers.refeeding(service(request).context, name, entities)
    return await answer(
        request,
        token,
        raw,
        command,
        lambda done: json_answer(
            {"consumer": done.name, "pending": {entity: b.pending for entity, b in done.entities.items()}}
        ),
    )


def _entities(request: Request, raw: bytes) -> list[str]:
    """The optional body ``{"entities": [...]}``: none (or ``{}``) means every entity."""
    body = optional_object(request, raw)
    if set(body) - {"entities"}:
        raise InvalidBatch([FieldError(None, "body", 'must be an object with at most "entities"')])
    entities = body.get("entities", [])
    if not isinstance(entities, list) or not all(isinstance(e, str) for e in entities):
        raise InvalidBatch([FieldError(None, "entities", "must be a list of entity names")])
    if len(set(entities)) != len(entities):
        raise InvalidBatch([FieldError(None, "entities", "names an entity twice")])
    known = service(request).context.kinds
    unknown = [e for e in entities if e not in known]
    if unknown:
        names = ", ".join(sorted(known))
        raise InvalidBatch([FieldError(None, "entities", f"unknown entity {e!r}; known: {names}") for e in unknown])
    return entities


async def remove_consumer(request: Request) -> Response:
    await require(request, Scope.ADMIN)
    await run_in_threadpool(consumers.remove, service(request).context, request.path_params["name"])
    return Response(status_code=204)


async def changes_summary(request: Request) -> Response:
    token = await require(request, Scope.WEBSHOP_READ)
    found = await run_in_threadpool(
        consumers.backlog, service(request).context, request.path_params["entity"], token.consumer
    )
    return JSONResponse(summary_view(found))


routes = [
    Route("/api/v1/admin/consumers", list_consumers, methods=["GET"]),
    Route("/api/v1/admin/consumers/{name}", show_consumer, methods=["GET"]),
    Route("/api/v1/admin/consumers/{name}", remove_consumer, methods=["DELETE"]),
    Route("/api/v1/admin/consumers/{name}/refeed", refeed_consumer, methods=["POST"]),
    Route("/api/v1/webshop/{entity}/changes/summary", changes_summary, methods=["GET"]),
]

_PER_ENTITY_COUNT = {
    "type": "object",
    "properties": {entity: {"type": "integer", "minimum": 0} for entity in openapi.ENTITIES},
    "additionalProperties": False,
}
CONSUMER = {
    "type": "object",
    "required": ["name", "pending", "oldestPendingAt"],
    "properties": {
        "name": {"type": "string"},
        "pending": {**_PER_ENTITY_COUNT, "required": openapi.ENTITIES},
        "oldestPendingAt": {
            "type": "object",
            "required": openapi.ENTITIES,
            "properties": {entity: NULLABLE_TIME for entity in openapi.ENTITIES},
            "additionalProperties": False,
            "description": "Per entity, when the oldest pending record last changed (null: nothing pending)",
        },
    },
}
_NAME = {
    "name": "name",
    "in": "path",
    "required": True,
    "description": "The consumer's name (a token's consumer)",
    "schema": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[^/]+$"},
}

paths: dict[str, Any] = {
    "/api/v1/admin/consumers": {
        "get": {
            "summary": "Consumers with their backlog per entity (scope admin)",
            "security": SECURED,
            "responses": {
                "200": openapi.ok(
                    "Every registered consumer, by name",
                    {
                        "type": "object",
                        "required": ["items"],
                        "properties": {"items": {"type": "array", "items": CONSUMER}},
                    },
                ),
                **openapi.problems(401, 403),
            },
        }
    },
    "/api/v1/admin/consumers/{name}": {
        "get": {
            "summary": "One consumer's backlog per entity (scope admin)",
            "security": SECURED,
            "parameters": [_NAME],
            "responses": {"200": openapi.ok("The consumer", CONSUMER), **openapi.problems(401, 403, 404)},
        },
        "delete": {
            "summary": "Remove a consumer: its acks and pending rows deleted, its tokens revoked (scope admin)",
            "description": "Other consumers are untouched. A token created later under that name registers it "
            "anew, with every record pending as new.",
            "security": SECURED,
            "parameters": [_NAME],
            "responses": {"204": openapi.ok("Removed"), **openapi.problems(401, 403, 404)},
        },
    },
    "/api/v1/admin/consumers/{name}/refeed": {
        "post": {
            "summary": "Make every current record pending again for a consumer, as new (scope admin)",
            "description": "Synchronous. Its acks of those entities are forgotten: every item comes as isNew with "
            "every field in changedFields. Without a body (or without entities), every entity.",
            "security": SECURED,
            "parameters": [_NAME, openapi.IDEMPOTENCY_KEY],
            "requestBody": optional_body(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "entities": {"type": "array", "items": {"enum": openapi.ENTITIES}, "uniqueItems": True}
                    },
                }
            ),
            "responses": {
                "200": openapi.ok(
                    "The consumer's pending count per re-fed entity",
                    {
                        "type": "object",
                        "required": ["consumer", "pending"],
                        "properties": {"consumer": {"type": "string"}, "pending": _PER_ENTITY_COUNT},
                    },
                ),
                **openapi.problems(400, 401, 403, 404, 409, 413, 415, 422),
            },
        }
    },
}

for _entity in openapi.ENTITIES:
    paths[f"/api/v1/webshop/{_entity}/changes/summary"] = {
        "get": {
            "summary": f"The caller's backlog of {_entity} (scope webshop:read)",
            "security": SECURED,
            "responses": {
                "200": openapi.ok(
                    "How many records are pending for the caller's consumer, and since when",
                    {
                        "type": "object",
                        "required": ["pending", "oldestPendingAt"],
                        "properties": {"pending": {"type": "integer", "minimum": 0}, "oldestPendingAt": NULLABLE_TIME},
                    },
                ),
                **openapi.problems(401, 403),
            },
        }
    }
