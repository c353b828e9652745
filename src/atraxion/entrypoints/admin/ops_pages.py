"""The operating pages: dashboard, failures (retry, resolve, also in bulk) and the outbound queue."""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atraxion.adapters.webshop_order_json import order_document
from atraxion.application import sync_admin
from atraxion.application.overview import overview
from atraxion.domain.errors import Conflict, NotFound
from atraxion.domain.outbox import FailureStatus, OutboxStatus
from atraxion.domain.users import Role, User
from atraxion.entrypoints.admin.web import Refused, action, app_of, back, notice_of, page, render
from atraxion.entrypoints.http.body import bounded_int

PAGE = 50


def _chart(values: list[int], width: int = 480, height: int = 100) -> dict[str, Any]:
    """Bars of a small inline SVG chart: one per hour, scaled to the largest."""
    top = max(values, default=0) or 1
    step = width / max(len(values), 1)
    bars = []
    for index, value in enumerate(values):
        h = round(value / top * (height - 4), 1)
        bars.append(
            {"x": round(index * step + 1, 1), "y": round(height - h, 1), "w": round(step - 2, 1), "h": h, "n": value}
        )
    return {"width": width, "height": height, "bars": bars, "top": top, "total": sum(values)}


async def dashboard(request: Request, user: User) -> Response:
    figures = await run_in_threadpool(overview, app_of(request).context)
    return render(request, "dashboard.html", user=user, o=figures, chart=_chart(figures.changes_per_hour))


def _after(request: Request) -> int | None:
    return bounded_int(request.query_params.get("after"), 1)


async def failures(request: Request, user: User) -> Response:
    status_text = request.query_params.get("status", "open")
    status = None if status_text == "all" else _enum(FailureStatus, status_text)
    found = await run_in_threadpool(
        sync_admin.list_failures, app_of(request).context, status, _after(request), PAGE + 1
    )
    kind = request.query_params.get("kind", "")
    items = [f for f in found[:PAGE] if not kind or f.entity_type == kind]
    more = found[PAGE - 1].id if len(found) > PAGE else None
    return render(
        request,
        "failures.html",
        user=user,
        items=items,
        status=status_text,
        kind=kind,
        more=more,
        notice=notice_of(request),
    )


async def failure(request: Request, user: User) -> Response:
    try:
        detail = await run_in_threadpool(sync_admin.failure_detail, app_of(request).context, _id(request))
    except NotFound as error:
        raise Refused(404, str(error)) from None
    entry, order = detail.entry, detail.order
    payload = None
    if entry is not None:
        document = {**({"order": order_document(order.order)} if order is not None else {}), **entry.payload}
        payload = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True)
    return render(
        request, "failure.html", user=user, f=detail.failure, entry=entry, payload=payload, notice=notice_of(request)
    )


def _ids(form: dict[str, list[str]]) -> list[int]:
    ids = [bounded_int(value, 1) for value in form.get("id", [])]
    if not ids or None in ids:
        raise Refused(422, "select at least one failure")
    return [i for i in ids if i is not None][:500]


async def retry_failures(request: Request, user: User, form: dict[str, list[str]]) -> Response:
    app = app_of(request)
    done, refused = 0, []
    for failure_id in _ids(form):
        try:
            await run_in_threadpool(sync_admin.retry_failure, app.context, app.queue.publish, failure_id)
            done += 1
        except (NotFound, Conflict) as error:
            refused.append(str(error))
    return back(_return_to(form, "/admin/failures"), "; ".join([f"retried {done}", *refused]))


async def resolve_failures(request: Request, user: User, form: dict[str, list[str]]) -> Response:
    app = app_of(request)
    done, refused = 0, []
    for failure_id in _ids(form):
        try:
            await run_in_threadpool(sync_admin.resolve_failure, app.context, failure_id)
            done += 1
        except NotFound as error:
            refused.append(str(error))
    return back(_return_to(form, "/admin/failures"), "; ".join([f"resolved {done}", *refused]))


async def queue(request: Request, user: User) -> Response:
    status_text = request.query_params.get("status", "all")
    status = None if status_text == "all" else _enum(OutboxStatus, status_text)
    found = await run_in_threadpool(sync_admin.list_entries, app_of(request).context, status, _after(request), PAGE + 1)
    more = found[PAGE - 1].id if len(found) > PAGE else None
    return render(
        request, "queue.html", user=user, items=found[:PAGE], status=status_text, more=more, notice=notice_of(request)
    )


async def retry_entry(request: Request, user: User, form: dict[str, list[str]]) -> Response:
    app = app_of(request)
    try:
        entry = await run_in_threadpool(sync_admin.retry_entry, app.context, app.queue.publish, _id(request))
    except (NotFound, Conflict) as error:
        raise Refused(409 if isinstance(error, Conflict) else 404, str(error)) from None
    return back(_return_to(form, "/admin/queue"), f"queue entry {entry.id} retried")


def _return_to(form: dict[str, list[str]], default: str) -> str:
    target = (form.get("next") or [default])[0]
    return target if target.startswith("/admin") and "//" not in target else default


def _id(request: Request) -> int:
    value = bounded_int(str(request.path_params["id"]), 1)
    if value is None:
        raise Refused(404, "no such id")
    return value


def _enum(kind: Any, text: str) -> Any:
    try:
        return kind(text)
    except ValueError:
        raise Refused(422, f"unknown status {text[:40]!r}") from None


routes = [
    Route("/admin", page(dashboard), methods=["GET"]),
    Route("/admin/failures", page(failures), methods=["GET"]),
    Route("/admin/failures/retry", action(retry_failures, Role.OPERATOR), methods=["POST"]),
    Route("/admin/failures/resolve", action(resolve_failures, Role.OPERATOR), methods=["POST"]),
    Route("/admin/failures/{id:int}", page(failure), methods=["GET"]),
    Route("/admin/queue", page(queue), methods=["GET"]),
    Route("/admin/queue/{id:int}/retry", action(retry_entry, Role.OPERATOR), methods=["POST"]),
]
