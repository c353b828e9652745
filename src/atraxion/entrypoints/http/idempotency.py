"""``Idempotency-Key`` over HTTP: parse the header, run the command once per key, answer.

The routes that take the header are parse → :func:`answer` (the use case, once) → view. What it
means to run a command once is the application's (``application/idempotency.py``); here are only
the header, the caller's scope, the body's fingerprint and the problems a client is shown.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from atraxion.application.command import Command
from atraxion.application.context import Context
from atraxion.application.idempotency import (
    IdempotencyInProgress,
    IdempotencyKeyReused,
    IdempotentRequest,
    run_once,
)
from atraxion.domain.auth import ApiToken
from atraxion.entrypoints.http.problems import Problem
from atraxion.ports.idempotency import Answer
from atraxion.ports.unit_of_work import UnitOfWork

T = TypeVar("T")

MAX_KEY_LENGTH = 255
JSON = "application/json"


def json_answer(content: Any, status: int = 200) -> Answer:
    """``content`` rendered exactly as Starlette's ``JSONResponse`` renders it."""
    body = json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
    return Answer(status, body.encode(), JSON)


async def answer(
    request: Request,
    token: ApiToken,
    raw_body: bytes,
    command: Command[UnitOfWork, T],
    view: Callable[[T], Answer],
    *,
    stored_view: Callable[[T], Answer] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Run ``command`` and answer ``view`` of its result; with an ``Idempotency-Key``, once per key
    (see :func:`~atraxion.application.idempotency.run_once`, and ``stored_view``). ``headers`` are
    added to the answer, replayed or not."""
    ctx: Context[UnitOfWork] = request.app.state.atraxion.context
    key = _key(request)
    if key is None:
        result = await run_in_threadpool(command.run, ctx)
        return _response(view(result), headers, replayed=False)
    # Keys are the caller's own, per operation: two tokens never meet, nor read each other's answers.
    asked = IdempotentRequest(
        f"{token.id}:{request.method} {request.url.path}", key, hashlib.sha256(raw_body).hexdigest()
    )
    try:
        answered = await run_in_threadpool(run_once, ctx, asked, command, view, stored_view)
    except IdempotencyKeyReused as reused:
        raise Problem(409, str(reused), kind="idempotency-key-reused") from None
    except IdempotencyInProgress as busy:
        raise Problem(409, str(busy), kind="idempotency-key-in-progress", headers={"Retry-After": "1"}) from None
    return _response(answered.answer, headers, replayed=answered.replayed)


def _key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is not None and not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise Problem(400, f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    return key


def _response(answer: Answer, headers: Mapping[str, str] | None, *, replayed: bool) -> Response:
    extra = {**(headers or {}), **({"Idempotent-Replayed": "true"} if replayed else {})}
    return Response(answer.body, answer.status, headers=extra, media_type=answer.content_type)
