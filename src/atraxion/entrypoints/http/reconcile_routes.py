"""``/api/v1/admin/reconcile``: start a reconcile in the background and follow it (scope admin).

A run compares Odoo with Atraxion and repairs what differs (``application/reconcile.py``). It can
take minutes, so ``POST`` answers **202** with the run's id at once and the run goes on in a
background thread of this process; its state is in the database, so ``GET …/{id}`` answers from any
replica, and a run whose process stopped is reported ``failed`` once it has gone stale.
"""

from __future__ import annotations

from typing import Any

import attrs
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from atraxion.application.reconcile_runs import get_run
from atraxion.domain.auth import Scope
from atraxion.domain.errors import FieldError, InvalidBatch, NotFound, OdooNotConfigured, UnknownEntity
from atraxion.domain.reconcile import ReconcileRun, RunStatus
from atraxion.entrypoints.http import openapi
from atraxion.entrypoints.http.auth import require
from atraxion.entrypoints.http.body import bounded_int, parse_json, read_body, require_json_media_type
from atraxion.entrypoints.http.idempotency import answer, json_answer
from atraxion.entrypoints.http.params import SECURED, optional_body, service
from atraxion.entrypoints.http.problems import Problem
from atraxion.entrypoints.views import timestamp

PATH = "/api/v1/admin/reconcile"


def view(run: ReconcileRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "status": run.status.value,
        "entities": list(run.entities),
        "counts": attrs.asdict(run.counts),
        "error": run.error,
        "createdAt": timestamp(run.created_at),
        "updatedAt": timestamp(run.updated_at),
        "finishedAt": timestamp(run.finished_at),
    }


async def start_reconcile(request: Request) -> Response:
    caller = await require(request, Scope.ADMIN)
    atraxion = service(request)
    raw = await read_body(request, atraxion.settings.max_body_bytes)
    entities = _entities(request, raw)
    try:
        command = atraxion.reconcile_command(entities)
    except UnknownEntity as error:
        raise InvalidBatch([FieldError(None, "entities", str(error))]) from None
    except OdooNotConfigured as error:
        # 409, not 503: nothing will change by retrying until the service is configured.
        raise Problem(409, str(error), kind="odoo-not-configured") from None
    # An Idempotency-Key replay answers the first run, and starts none.
    return await answer(request, caller, raw, command, lambda run: json_answer(view(run), 202))


def _entities(request: Request, raw: bytes) -> list[str]:
    """The body is optional: none (or ``{}``) reconciles every pulled entity."""
    if not raw.strip():
        return []
    require_json_media_type(request)
    body = parse_json(raw)
    if not isinstance(body, dict) or set(body) - {"entities"}:
        raise InvalidBatch([FieldError(None, "", 'the body is {"entities": [str, ...]}, or empty')])
    entities = body.get("entities", [])
    if not isinstance(entities, list) or not all(isinstance(e, str) for e in entities):
        raise InvalidBatch([FieldError(None, "entities", "must be a list of entity names")])
    return list(dict.fromkeys(entities))


async def reconcile_status(request: Request) -> Response:
    await require(request, Scope.ADMIN)
    atraxion = service(request)
    run_id = bounded_int(request.path_params["id"], 1)
    run = None if run_id is None else await run_in_threadpool(get_run, atraxion.context, run_id)
    if run is None:
        raise NotFound(f"no reconcile run with id {request.path_params['id']}")
    return JSONResponse(view(run))


routes = [
    Route(PATH, start_reconcile, methods=["POST"]),
    Route(PATH + "/{id}", reconcile_status, methods=["GET"]),
]

_counts = {
    "type": "object",
    "required": ["checked", "missing", "differing", "deleted", "repaired"],
    "properties": {
        name: {"type": "integer", "minimum": 0} for name in ("checked", "missing", "differing", "deleted", "repaired")
    },
}
RUN = {
    "type": "object",
    "required": ["id", "status", "entities", "counts", "error", "createdAt", "updatedAt", "finishedAt"],
    "properties": {
        "id": {"type": "integer"},
        "status": {"enum": [s.value for s in RunStatus]},
        "entities": {"type": "array", "items": {"type": "string"}},
        "counts": _counts,
        "error": {"type": ["string", "null"]},
        "createdAt": {"type": "string", "format": "date-time"},
        "updatedAt": {"type": "string", "format": "date-time"},
        "finishedAt": {"type": ["string", "null"], "format": "date-time"},
    },
}
paths: dict[str, Any] = {
    PATH: {
        "post": {
            "summary": "Start a reconcile of Odoo and Atraxion in the background (scope admin)",
            "description": (
                "Compares every record of the given entities (all pulled entities without a body) in Odoo "
                "with Atraxion's, and repairs: missing and differing records are ingested, records deleted "
                "in Odoo become deletions. Follow the run at /api/v1/admin/reconcile/{id}."
            ),
            "security": SECURED,
            "requestBody": optional_body(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"entities": {"type": "array", "items": {"type": "string"}}},
                }
            ),
            "responses": {
                "202": openapi.ok("The run, started", RUN),
                **openapi.problems(400, 401, 403, 409, 413, 415, 422),
            },
        }
    },
    PATH + "/{id}": {
        "get": {
            "summary": "A reconcile run: running, completed or failed, with its counts (scope admin)",
            "security": SECURED,
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": openapi.ok("The run", RUN), **openapi.problems(401, 403, 404)},
        }
    },
}
