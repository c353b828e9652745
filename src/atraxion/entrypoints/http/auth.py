"""Bearer-token authentication and scope checks."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from atraxion.application.tokens import authenticate
from atraxion.domain.auth import ApiToken, Scope
from atraxion.entrypoints.http.problems import Problem
from atraxion.observability import log_context

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="atraxion"'}


async def require(request: Request, scope: Scope) -> ApiToken:
    """The caller's token if it is valid and grants ``scope``: else 401 (no valid token) or 403."""
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise Problem(401, "send a token as 'Authorization: Bearer <token>'", headers=_CHALLENGE)
    token = await run_in_threadpool(authenticate, request.app.state.atraxion.context, presented.strip())
    if token is None:
        raise Problem(401, "the token is unknown, expired or revoked", headers=_CHALLENGE)
    request.state.token = token  # before the scope check, so the request log names 403s' token too
    log_context.bind(consumer=token.consumer)
    if not token.allows(scope):
        raise Problem(403, f"this token lacks the scope {scope.value!r}", kind="missing-scope")
    return token
