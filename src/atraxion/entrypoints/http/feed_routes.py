"""The routes every entity shares: push, changes, ack (batch and single), get one.

One handler per operation serves every entity named in the path; nothing here is per entity.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from atraxion.application import feed
from atraxion.application.context import Context
from atraxion.application.ingest import ingest
from atraxion.domain.auth import Scope
from atraxion.domain.errors import FieldError, InvalidBatch
from atraxion.entrypoints import gc_pause, views
from atraxion.entrypoints.http.auth import require
from atraxion.entrypoints.http.body import json_body
from atraxion.entrypoints.http.idempotency import idempotent
from atraxion.entrypoints.http.schemas import AckRequest
from atraxion.entrypoints.inbound import parse_push, structure_each


def _context(request: Request) -> Context:
    context: Context = request.app.state.atraxion.context
    return context


def _entity(request: Request) -> str:
    entity: str = request.path_params["entity"]
    _context(request).kind(entity)  # unknown entity → 404 before anything else
    return entity


async def push(request: Request) -> Response:
    token = await require(request, Scope.ODOO_PUSH)
    entity = _entity(request)
    declared = request.headers.get("content-length", "")
    with gc_pause.paused(declared.isdigit() and int(declared) >= gc_pause.LARGE_BODY):
        body, raw = await json_body(request, request.app.state.atraxion.settings.max_body_bytes)

        async def handle() -> Response:
            batches = parse_push(entity, body)
            plans = await run_in_threadpool(ingest, _context(request), batches)
            return JSONResponse(views.push_response(_context(request).kind(entity), plans[0]))

        return await idempotent(request, token, raw, handle)


async def changes(request: Request) -> Response:
    token = await require(request, Scope.WEBSHOP_READ)
    entity = _entity(request)
    limit_text = request.query_params.get("limit", "100")
    if not limit_text.isdigit():
        raise InvalidBatch([FieldError(None, "limit", "must be an integer between 1 and 1000")])
    page = await run_in_threadpool(
        feed.changes, _context(request), entity, token.consumer, request.query_params.get("cursor"), int(limit_text)
    )
    kind = _context(request).kind(entity)
    return JSONResponse({"items": [views.feed_item(kind, i) for i in page.items], "nextCursor": page.next_cursor})


async def ack(request: Request) -> Response:
    token = await require(request, Scope.WEBSHOP_ACK)
    entity = _entity(request)
    body, raw = await json_body(request, request.app.state.atraxion.settings.max_body_bytes)

    async def handle() -> Response:
        parsed = _ack_request(body)
        items = [(i.key, i.version) for i in parsed.items]
        decision = await run_in_threadpool(feed.acknowledge, _context(request), entity, token.consumer, items)
        return JSONResponse(views.ack_response(decision))

    return await idempotent(request, token, raw, handle)


def _ack_request(body: Any) -> AckRequest:
    (parsed,), errors = structure_each([body], AckRequest)
    if errors or parsed is None:
        raise InvalidBatch([FieldError(None, e.field, e.message) for e in errors])
    return parsed


async def ack_one(request: Request) -> Response:
    token = await require(request, Scope.WEBSHOP_ACK)
    entity = _entity(request)
    version = request.query_params.get("version", "")
    if not version.isdigit():
        raise InvalidBatch([FieldError(None, "version", "the query parameter version=N is required")])
    await run_in_threadpool(
        feed.acknowledge_one, _context(request), entity, token.consumer, request.path_params["key"], int(version)
    )
    return Response(status_code=204)


async def get_one(request: Request) -> Response:
    token = await require(request, Scope.WEBSHOP_READ)
    entity = _entity(request)
    view = await run_in_threadpool(
        feed.get_record, _context(request), entity, token.consumer, request.path_params["key"]
    )
    body = views.feed_item(_context(request).kind(entity), view.item)
    body["pending"] = view.pending
    return JSONResponse(body)


routes = [
    Route("/api/v1/odoo/{entity}", push, methods=["POST"]),
    Route("/api/v1/webshop/{entity}/changes", changes, methods=["GET"]),
    Route("/api/v1/webshop/{entity}/ack", ack, methods=["POST"]),
    Route("/api/v1/webshop/{entity}/changes/{key:path}", ack_one, methods=["DELETE"]),
    Route("/api/v1/webshop/{entity}/{key:path}", get_one, methods=["GET"]),
]
