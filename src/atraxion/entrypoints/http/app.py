"""The Starlette application: routes, middleware, error mapping."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route

from atraxion.application.health import readiness
from atraxion.bootstrap import Atraxion
from atraxion.domain.errors import Conflict, InvalidBatch, LimitExceeded, NotFound
from atraxion.domain.request_log import safe_path
from atraxion.entrypoints.admin import routes as admin_routes
from atraxion.entrypoints.http import (
    consumer_routes,
    docs,
    feed_routes,
    log_routes,
    odoo_webhook_routes,
    openapi,
    partner_routes,
    reconcile_routes,
    request_log_middleware,
    reverse_sync_routes,
    token_routes,
    webhook_routes,
)
from atraxion.entrypoints.http.metrics import metrics_route
from atraxion.entrypoints.http.middleware import (
    AccessMiddleware,
    RefuseNulMiddleware,
    RequestIdMiddleware,
    UnexpectedErrorMiddleware,
)
from atraxion.entrypoints.http.problems import Problem
from atraxion.ports.unit_of_work import ConcurrentUpdate, DuplicateKey

log = logging.getLogger("atraxion.http")


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> Response:
    """200 ``{"status": "ready", "checks": {...}}``, or 503 with ``"unready"`` and the failing check's reason."""
    atraxion: Atraxion = request.app.state.atraxion
    found = await run_in_threadpool(readiness, atraxion.context, atraxion.broker_check())
    status = "ready" if found.ready else "unready"
    return JSONResponse({"status": status, "checks": dict(found.checks)}, status_code=200 if found.ready else 503)


def _instance(request: Request) -> str:
    return safe_path(request.url.path)


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return exc.response(_instance(request))


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidBatch)
    detail = f"{len({e.index for e in exc.errors})} invalid record(s); nothing was stored"
    if all(e.index is None for e in exc.errors):
        detail = "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or "invalid request"
    return Problem(422, detail, kind="validation-failed", errors=exc.errors).response(_instance(request))


async def _not_found(request: Request, exc: Exception) -> Response:
    return Problem(404, str(exc)).response(_instance(request))


async def _too_many(request: Request, exc: Exception) -> Response:
    return Problem(413, str(exc), kind="too-many-values").response(_instance(request))


async def _conflict(request: Request, exc: Exception) -> Response:
    return Problem(409, str(exc)).response(_instance(request))


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed(request)
    return Problem(exc.status_code, exc.detail, headers=headers).response(_instance(request))


def _allowed(request: Request) -> str:
    """Every method some route of this path accepts (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


async def _duplicate(request: Request, exc: Exception) -> Response:
    detail = "a key of this request is already taken (a concurrent request stored it); retry to see it"
    return Problem(409, detail, kind="duplicate-key").response(_instance(request))


async def _busy(request: Request, exc: Exception) -> Response:
    detail = "concurrent changes to the same records kept this request from completing; retry it"
    return Problem(503, detail, kind="busy", headers={"Retry-After": "1"}).response(_instance(request))


def create_app(
    atraxion: Atraxion,
    *,
    extra_routes: list[BaseRoute] | None = None,
    extra_paths: dict[str, object] | None = None,
) -> Starlette:
    """The HTTP service over a bootstrapped application. ``extra_routes`` come before the shared
    entity routes, so specific paths (``/partners/{id}/tree``) win over ``/{entity}/{key}``."""
    routes: list[BaseRoute] = [
        Route("/health", health),
        Route("/ready", ready),
        Route("/metrics", metrics_route),
        *docs.routes,
        *admin_routes.routes,
        *(extra_routes or []),
        *odoo_webhook_routes.routes,  # before /api/v1/odoo/{entity}/…
        *reconcile_routes.routes,
        *partner_routes.routes,
        *token_routes.routes,
        *consumer_routes.routes,  # before /api/v1/webshop/{entity}/changes/…
        *log_routes.routes,
        *reverse_sync_routes.routes,
        *webhook_routes.routes,
        *feed_routes.routes,
    ]
    recorder = request_log_middleware.recorder_for(atraxion.context, atraxion.settings.api_log_enabled)
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestIdMiddleware),
            *request_log_middleware.middleware(recorder),
            Middleware(AccessMiddleware),
            Middleware(UnexpectedErrorMiddleware),
            Middleware(RefuseNulMiddleware),
        ],
        lifespan=request_log_middleware.lifespan(recorder),
        exception_handlers={
            Problem: _problem,
            InvalidBatch: _invalid,
            NotFound: _not_found,
            LimitExceeded: _too_many,
            Conflict: _conflict,
            HTTPException: _http,
            DuplicateKey: _duplicate,
            ConcurrentUpdate: _busy,
        },
    )
    app.state.atraxion = atraxion
    app.state.api_log = recorder  # flush() writes the buffered request log now (tests, no lifespan)
    app.state.openapi = openapi.build(
        {
            **partner_routes.paths,
            **token_routes.paths,
            **consumer_routes.paths,
            **log_routes.paths,
            **reverse_sync_routes.paths,
            **odoo_webhook_routes.paths,
            **reconcile_routes.paths,
            **webhook_routes.paths,
            **(extra_paths or {}),
        }
    )
    return app
