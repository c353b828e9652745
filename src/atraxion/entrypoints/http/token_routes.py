"""``/api/v1/admin/tokens``: issue, list and revoke tokens over HTTP (scope admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from attrs import frozen
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from atraxion.application import tokens
from atraxion.domain.auth import DEFAULT_CONSUMER, EXPIRY_PATTERN, ApiToken, Scope, parse_expiry, parse_scopes
from atraxion.domain.errors import FieldError, InvalidBatch, NotFound
from atraxion.entrypoints.http import openapi
from atraxion.entrypoints.http.auth import require
from atraxion.entrypoints.http.body import bounded_int, json_body
from atraxion.entrypoints.http.idempotency import answer, json_answer
from atraxion.entrypoints.http.params import SECURED, service
from atraxion.entrypoints.inbound import structure_each
from atraxion.entrypoints.inbound_fast import BLANK
from atraxion.entrypoints.views import timestamp
from atraxion.ports.idempotency import Answer


@frozen
class TokenRequest:
    name: str
    scopes: list[str]
    consumer: str = DEFAULT_CONSUMER
    expiresAt: str | None = None


def _view(token: ApiToken, now: datetime) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "consumer": token.consumer,
        "scopes": sorted(s.value for s in token.scopes),
        "createdAt": timestamp(token.created_at),
        "expiresAt": timestamp(token.expires_at),
        "revokedAt": timestamp(token.revoked_at),
        "active": token.is_active(now),
    }


def _parse(body: Any) -> tuple[TokenRequest, frozenset[Scope], datetime | None]:
    (parsed,), errors = structure_each([body], TokenRequest)
    if parsed is None:
        raise InvalidBatch([FieldError(None, e.field, e.message) for e in errors])
    problems: list[FieldError] = []
    if not parsed.name.strip(BLANK) or len(parsed.name) > 128:
        problems.append(FieldError(None, "name", "must be 1 to 128 characters"))
    if not parsed.consumer.strip(BLANK) or len(parsed.consumer) > 64:
        problems.append(FieldError(None, "consumer", "must be 1 to 64 characters"))
    scopes: frozenset[Scope] = frozenset()
    try:
        scopes = parse_scopes(parsed.scopes)
    except ValueError as error:
        problems.append(FieldError(None, "scopes", str(error)))
    if not parsed.scopes:
        problems.append(FieldError(None, "scopes", "give at least one scope"))
    expires = None
    if parsed.expiresAt is not None:
        try:
            expires = parse_expiry(parsed.expiresAt)
        except ValueError as error:
            problems.append(FieldError(None, "expiresAt", f"must be an ISO 8601 time with a timezone ({error})"))
    if problems:
        raise InvalidBatch(problems)
    return parsed, scopes, expires


async def list_tokens(request: Request) -> Response:
    await require(request, Scope.ADMIN)
    ctx = service(request).context
    found = await run_in_threadpool(tokens.list_tokens, ctx)
    now = ctx.clock.now()
    return JSONResponse({"items": [_view(t, now) for t in found]})


async def create_token(request: Request) -> Response:
    caller = await require(request, Scope.ADMIN)
    body, raw = await json_body(request, service(request).settings.max_body_bytes)
    parsed, scopes, expires = _parse(body)
    ctx = service(request).context
    command = tokens.token_creation(ctx, parsed.name, scopes, parsed.consumer, expires)

    def created(new: tokens.NewToken, secret: str | None) -> Answer:
        return json_answer({**_view(new.token, ctx.clock.now()), "token": secret}, 201)

    # A replay answers the token without its secret: it is shown once, and never stored.
    return await answer(
        request, caller, raw, command, lambda new: created(new, new.secret), stored_view=lambda new: created(new, None)
    )


async def revoke_token(request: Request) -> Response:
    await require(request, Scope.ADMIN)
    token_id = bounded_int(request.path_params["id"], 1)
    ctx = service(request).context
    if token_id is None or not await run_in_threadpool(tokens.revoke_token, ctx, token_id):
        raise NotFound(f"no active token with id {token_id}")
    return Response(status_code=204)


routes = [
    Route("/api/v1/admin/tokens", list_tokens, methods=["GET"]),
    Route("/api/v1/admin/tokens", create_token, methods=["POST"]),
    Route("/api/v1/admin/tokens/{id}", revoke_token, methods=["DELETE"]),
]

paths: dict[str, Any] = {
    "/api/v1/admin/tokens": {
        "get": {
            "summary": "List tokens, never their secrets (scope admin)",
            "security": SECURED,
            "responses": {"200": openapi.ok("Tokens"), **openapi.problems(401, 403)},
        },
        "post": {
            "summary": "Create a token; the secret is in the answer, once (scope admin)",
            "description": 'A replay under the same Idempotency-Key answers the same token with "token": null.',
            "security": SECURED,
            "parameters": [openapi.IDEMPOTENCY_KEY],
            "requestBody": openapi.json_body(
                {
                    "type": "object",
                    "required": ["name", "scopes"],
                    "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": openapi.NOT_BLANK},
                        "scopes": {"type": "array", "items": {"enum": [s.value for s in Scope]}, "minItems": 1},
                        "consumer": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": openapi.NOT_BLANK},
                        "expiresAt": {"type": ["string", "null"], "format": "date-time", "pattern": EXPIRY_PATTERN},
                    },
                }
            ),
            "operationId": "create-token",
            "responses": {
                "201": {
                    **openapi.ok("The new token"),
                    "links": {"Revoke": {"operationId": "revoke-token", "parameters": {"id": "$response.body#/id"}}},
                },
                **openapi.problems(400, 401, 403, 409, 413, 415, 422),
            },
        },
    },
    "/api/v1/admin/tokens/{id}": {
        "delete": {
            "operationId": "revoke-token",
            "summary": "Revoke a token (scope admin)",
            "security": SECURED,
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"204": openapi.ok("Revoked"), **openapi.problems(401, 403, 404)},
        }
    },
}
