"""``POST /api/v1/odoo/webhooks/{token}``: the target of an Odoo automation rule's webhook.

Odoo's "Send Webhook Notification" action cannot send headers, so the ``odoo:push`` token travels
in the path. It is checked exactly as a bearer token is (hashed, compared in constant time), and the
path is masked wherever it is logged (``domain.api_log.safe_path``).

The answer must come in milliseconds (Odoo waits one second, and never retries): the route stores
a queued pull of the record in one short transaction, nudges the task queue and answers **202**.
A worker reads the record back from Odoo later (see ``application/queued_pulls.py``): the webhook's
own field values are never trusted or stored, only its model and id.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from atraxion.application.queued_pulls import entity_of_model, queue_pull
from atraxion.application.tokens import authenticate
from atraxion.bootstrap import Atraxion
from atraxion.domain.auth import Scope
from atraxion.domain.bounds import MAX_ID, is_odoo_id
from atraxion.domain.errors import FieldError, InvalidBatch
from atraxion.entrypoints.http import openapi
from atraxion.entrypoints.http.body import json_body
from atraxion.entrypoints.http.problems import Problem


async def odoo_webhook(request: Request) -> Response:
    atraxion: Atraxion = request.app.state.atraxion
    token = await run_in_threadpool(authenticate, atraxion.context, request.path_params["token"])
    if token is None:
        raise Problem(401, "the token in the path is unknown, expired or revoked")
    request.state.token = token  # the request log names the token by id
    if not token.allows(Scope.ODOO_PUSH):
        raise Problem(403, f"this token lacks the scope {Scope.ODOO_PUSH.value!r}", kind="missing-scope")
    body, _ = await json_body(request, atraxion.settings.max_body_bytes)
    model, odoo_id = _parse(body)
    entity = entity_of_model(atraxion.context, model)
    if entity is None:
        raise InvalidBatch([FieldError(None, "_model", f"Atraxion does not pull {model!r} from Odoo")])
    await run_in_threadpool(queue_pull, atraxion.context, entity, odoo_id, model)
    await run_in_threadpool(atraxion.nudge_pulls)
    return JSONResponse({"queued": True}, status_code=202)


def _parse(body: Any) -> tuple[str, int]:
    if not isinstance(body, dict):
        raise InvalidBatch([FieldError(None, "", "the body must be a JSON object (Odoo's webhook payload)")])
    errors = []
    model, odoo_id, action = body.get("_model"), body.get("_id"), body.get("_action")
    if not isinstance(model, str) or not model.strip():
        errors.append(FieldError(None, "_model", "required: the Odoo model's name, e.g. 'product.product'"))
    if not is_odoo_id(odoo_id):
        errors.append(FieldError(None, "_id", "required: the record's Odoo id, a positive integer"))
    if action is not None and not isinstance(action, str):
        errors.append(FieldError(None, "_action", "must be a string (the automation's name)"))
    if errors:
        raise InvalidBatch(errors)
    assert isinstance(model, str) and isinstance(odoo_id, int)
    return model, odoo_id


routes = [Route("/api/v1/odoo/webhooks/{token}", odoo_webhook, methods=["POST"])]

paths: dict[str, Any] = {
    "/api/v1/odoo/webhooks/{token}": {
        "post": {
            "summary": "Odoo automation webhook: queue a pull of one record (token in the path, scope odoo:push)",
            "description": (
                "The target of an Odoo automation rule's 'Send Webhook Notification' action "
                "(docs/odoo-webhooks.md). No Authorization header: the path carries an odoo:push token. "
                "Answers 202 at once; the record is then read back from Odoo and ingested as a push would "
                "be. A record Odoo no longer has becomes a deletion."
            ),
            "parameters": [
                {
                    "name": "token",
                    "in": "path",
                    "required": True,
                    "description": "an API token with the scope odoo:push (never logged)",
                    "schema": {"type": "string"},
                }
            ],
            "requestBody": openapi.json_body(
                {
                    "type": "object",
                    "required": ["_model", "_id"],
                    "additionalProperties": True,
                    "properties": {
                        "_model": {"type": "string", "minLength": 1, "examples": ["product.product"]},
                        "_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                        "_action": {"type": "string", "examples": ["Notify Atraxion(#12)"]},
                    },
                }
            ),
            "responses": {
                "202": openapi.ok(
                    "Queued",
                    {
                        "type": "object",
                        "required": ["queued"],
                        "properties": {"queued": {"const": True}},
                    },
                ),
                **openapi.problems(400, 401, 403, 413, 415, 422),
            },
        }
    }
}
