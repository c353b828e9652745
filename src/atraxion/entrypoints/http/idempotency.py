"""``Idempotency-Key``: a replay with the same key and body gets the first answer, work not redone."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from atraxion.application.context import Context
from atraxion.domain.auth import ApiToken
from atraxion.entrypoints.http.problems import Problem
from atraxion.ports.auth import StoredResponse

MAX_KEY_LENGTH = 255


async def idempotent(
    request: Request,
    token: ApiToken,
    raw_body: bytes,
    handle: Callable[[], Awaitable[Response]],
    redact: Callable[[bytes], bytes] | None = None,
) -> Response:
    """Run ``handle`` once per key and body. ``redact`` rewrites the answer before it is stored:
    a replay gets the redacted answer (a new token's secret is shown once, and never stored)."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return await handle()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Problem(400, f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    ctx: Context = request.app.state.atraxion.context
    scope = f"{token.id}:{request.method} {request.url.path}"
    request_hash = hashlib.sha256(raw_body).hexdigest()
    stored = await run_in_threadpool(ctx.transaction, lambda uow: uow.idempotency.get(scope, key))
    if stored is not None:
        if stored.request_hash != request_hash:
            raise Problem(409, "this Idempotency-Key was used with a different body", kind="idempotency-key-reused")
        return Response(
            stored.body, stored.status, media_type=stored.content_type, headers={"Idempotent-Replayed": "true"}
        )
    response = await handle()
    if 200 <= response.status_code < 300:
        body = bytes(response.body)
        answer = StoredResponse(
            request_hash, response.status_code, redact(body) if redact else body, response.media_type or ""
        )

        def save(uow: object) -> None:
            uow.idempotency.put(scope, key, answer, ctx.clock.now())  # type: ignore[attr-defined]
            uow.commit()  # type: ignore[attr-defined]

        await run_in_threadpool(ctx.transaction, save)
    return response
