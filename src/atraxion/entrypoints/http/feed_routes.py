"""The routes every entity shares: push, delete, changes, ack (batch and single), get one.

One handler per operation serves every entity named in the path; nothing here is per entity.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from atraxion.application import feed
from atraxion.application.context import Context
from atraxion.application.history import record_history
from atraxion.application.ingest import Batch, ingestion
from atraxion.domain.auth import Scope
from atraxion.domain.errors import FieldError, InvalidBatch
from atraxion.entrypoints import views
from atraxion.entrypoints.http.auth import require
from atraxion.entrypoints.http.body import bounded_int, json_body, most_values, parse_json, read_json
from atraxion.entrypoints.http.idempotency import answer, json_answer
from atraxion.entrypoints.http.json_response import FastJSONResponse
from atraxion.entrypoints.http.schemas import AckRequest
from atraxion.entrypoints.inbound import parse_deletion, parse_push, structure_each
from atraxion.observability import log_context
from atraxion.ports.unit_of_work import UnitOfWork


def _context(request: Request) -> Context[UnitOfWork]:
    context: Context[UnitOfWork] = request.app.state.atraxion.context
    return context


def _entity(request: Request) -> str:
    entity: str = request.path_params["entity"]
    _context(request).kind(entity)  # unknown entity → 404 before anything else
    log_context.bind(entity=entity)
    return entity


async def push(request: Request) -> Response:
    token = await require(request, Scope.ODOO_PUSH)
    entity = _entity(request)
    settings = request.app.state.atraxion.settings
    raw = await read_json(request, settings.max_body_bytes)
    body = parse_json(raw)
    per_record = settings.max_nodes_per_record
    check = per_record if most_values(raw) > per_record else None  # else no record can pass it
    batches = parse_push(entity, body, max_record_values=check)
    body.clear()  # the parsed JSON is copied into the batches: free it before the ingest
    kind = _context(request).kind(entity)
    command = ingestion(_context(request), batches)
    del batches  # the command holds them now
    return await answer(request, token, raw, command, lambda plans: json_answer(views.push_response(kind, plans[0])))


async def delete_records(request: Request) -> Response:
    """``POST /api/v1/odoo/{entity}/delete`` with ``{"keys": [...]}``: records deleted in Odoo."""
    token = await require(request, Scope.ODOO_PUSH)
    entity = _entity(request)
    body, raw = await json_body(request, request.app.state.atraxion.settings.max_body_bytes)
    keys = parse_deletion(entity, body)
    command = ingestion(_context(request), [Batch(entity, [], deletions=list(keys))])
    return await answer(request, token, raw, command, lambda plans: json_answer(views.delete_response(plans[0])))


async def changes(request: Request) -> Response:
    token = await require(request, Scope.WEBSHOP_READ)
    entity = _entity(request)
    limit = bounded_int(request.query_params.get("limit", "100"))
    if limit is None:
        raise InvalidBatch([FieldError(None, "limit", "must be an integer between 1 and 1000")])
    page = await run_in_threadpool(
        feed.changes, _context(request), entity, token.consumer, request.query_params.get("cursor"), limit
    )
    kind = _context(request).kind(entity)
    items = [views.feed_item(kind, i) for i in page.items]
    return FastJSONResponse({"items": items, "nextCursor": page.next_cursor})


async def ack(request: Request) -> Response:
    token = await require(request, Scope.WEBSHOP_ACK)
    entity = _entity(request)
    body, raw = await json_body(request, request.app.state.atraxion.settings.max_body_bytes)
    items = [(i.key, i.version) for i in _ack_request(body).items]
    command = feed.acknowledgement(_context(request), entity, token.consumer, items)
    return await answer(request, token, raw, command, lambda decision: json_answer(views.ack_response(decision)))


def _ack_request(body: Any) -> AckRequest:
    (parsed,), errors = structure_each([body], AckRequest)
    problems = [FieldError(None, e.field, e.message) for e in errors]
    if parsed is not None:
        problems += [
            FieldError(None, f"items[{i}].version", "must not be negative")
            for i, item in enumerate(parsed.items)
            if item.version < 0
        ]
    if problems or parsed is None:
        raise InvalidBatch(problems)
    return parsed


async def ack_one(request: Request) -> Response:
    token = await require(request, Scope.WEBSHOP_ACK)
    entity = _entity(request)
    version = bounded_int(request.query_params.get("version"))
    if version is None:
        raise InvalidBatch([FieldError(None, "version", "the query parameter version=N is required")])
    await run_in_threadpool(
        feed.acknowledge_one, _context(request), entity, token.consumer, request.path_params["key"], version
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


async def history(request: Request) -> Response:
    """The last versions of one record, newest first."""
    await require(request, Scope.WEBSHOP_READ)
    entity = _entity(request)
    versions = await run_in_threadpool(record_history, _context(request), entity, request.path_params["key"])
    return JSONResponse({"items": [views.version(v) for v in versions]})


class RecordKey(Convertor[str]):
    """A record key in a path: any text but ``ack`` and ``changes/…``, which name routes of their
    own (so a GET of ``…/ack`` is a 405 naming POST, not a 404 for a record called "ack")."""

    regex = r"(?!ack$|changes/).+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("record_key", RecordKey())


class ChangeKey(Convertor[str]):
    """A record key after ``…/changes/``: any text but ``summary``, the consumer's backlog route."""

    regex = r"(?!summary$).+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("change_key", ChangeKey())

routes = [
    Route("/api/v1/odoo/{entity}", push, methods=["POST"]),
    Route("/api/v1/odoo/{entity}/delete", delete_records, methods=["POST"]),
    Route("/api/v1/webshop/{entity}/changes", changes, methods=["GET"]),
    Route("/api/v1/webshop/{entity}/ack", ack, methods=["POST"]),
    Route("/api/v1/webshop/{entity}/changes/{key:change_key}", ack_one, methods=["DELETE"]),
    # Before get_one: a key ending in "/history" names a record's history, not a record.
    Route("/api/v1/webshop/{entity}/{key:record_key}/history", history, methods=["GET"]),
    Route("/api/v1/webshop/{entity}/{key:record_key}", get_one, methods=["GET"]),
]
