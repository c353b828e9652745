"""Consumers (backlog and lag, re-feed, remove — each after a confirmation) and webhooks (their
deliveries, redeliver), on the use cases of the consumers and webhooks admin API."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atraxion.application import consumers, webhooks
from atraxion.domain.errors import Conflict, NotFound, UnknownEntity
from atraxion.domain.users import Role, User
from atraxion.entrypoints.admin.web import Refused, action, app_of, back, field, notice_of, page, render
from atraxion.entrypoints.http.body import bounded_int

DELIVERIES = 50
ACTIONS = {"refeed": Role.OPERATOR, "remove": Role.ADMIN}


async def consumer_list(request: Request, user: User) -> Response:
    ctx = app_of(request).context
    found = await run_in_threadpool(consumers.list_consumers, ctx)
    return render(
        request,
        "consumers.html",
        user=user,
        items=found,
        entities=sorted(ctx.kinds),
        now=ctx.clock.now(),
        notice=notice_of(request),
    )


async def consumer_confirm(request: Request, user: User) -> Response:
    """The confirmation step of a re-feed or a removal: what it does, and the button that does it."""
    ctx = app_of(request).context
    what, name = request.query_params.get("action", ""), request.query_params.get("name", "")[:64]
    if what not in ACTIONS:
        raise Refused(404, "nothing to confirm")
    try:
        found = await run_in_threadpool(consumers.show_consumer, ctx, name)
    except NotFound as error:
        raise Refused(404, str(error)) from None
    allowed = user.role.can_administer if ACTIONS[what] is Role.ADMIN else user.role.can_operate
    return render(
        request, "consumer_confirm.html", user=user, action=what, c=found, entities=sorted(ctx.kinds), allowed=allowed
    )


async def consumer_refeed(request: Request, user: User, form: dict[str, list[str]]) -> Response:
    name = field(form, "name")
    try:
        done = await run_in_threadpool(consumers.refeed, app_of(request).context, name, form.get("entity", []))
    except (NotFound, UnknownEntity) as error:
        raise Refused(404 if isinstance(error, NotFound) else 422, str(error)) from None
    total = sum(b.pending for b in done.entities.values())
    return back("/admin/consumers", f"re-fed {name}: {total} record(s) pending")


async def consumer_remove(request: Request, user: User, form: dict[str, list[str]]) -> Response:
    name = field(form, "name")
    try:
        revoked = await run_in_threadpool(consumers.remove, app_of(request).context, name)
    except NotFound as error:
        raise Refused(404, str(error)) from None
    return back("/admin/consumers", f"removed {name}; {revoked} token(s) revoked")


async def webhook_list(request: Request, user: User) -> Response:
    ctx = app_of(request).context
    found = await run_in_threadpool(webhooks.list_webhooks, ctx)
    return render(request, "webhooks.html", user=user, items=found)


async def webhook_deliveries(request: Request, user: User) -> Response:
    ctx = app_of(request).context
    webhook_id = _id(request.path_params["id"])
    before = bounded_int(request.query_params.get("before") or None, 1)
    try:
        found = await run_in_threadpool(webhooks.list_deliveries, ctx, webhook_id, before, DELIVERIES + 1)
    except NotFound as error:
        raise Refused(404, str(error)) from None
    hook = next((w for w in await run_in_threadpool(webhooks.list_webhooks, ctx) if w.id == webhook_id), None)
    more = found[DELIVERIES - 1].id if len(found) > DELIVERIES else None
    return render(
        request, "webhook.html", user=user, w=hook, items=found[:DELIVERIES], more=more, notice=notice_of(request)
    )


async def redeliver(request: Request, user: User, form: dict[str, list[str]]) -> Response:
    app = app_of(request)
    webhook_id, delivery_id = _id(request.path_params["id"]), _id(request.path_params["delivery"])
    try:
        await run_in_threadpool(webhooks.redelivery(app.context, webhook_id, delivery_id).run, app.context)
    except (NotFound, Conflict) as error:
        raise Refused(409 if isinstance(error, Conflict) else 404, str(error)) from None
    return back(f"/admin/webhooks/{webhook_id}", f"delivery {delivery_id} will be sent again")


def _id(value: object) -> int:
    found = bounded_int(str(value), 1)
    if found is None:
        raise Refused(404, "no such id")
    return found


routes = [
    Route("/admin/consumers", page(consumer_list), methods=["GET"]),
    Route("/admin/consumers/confirm", page(consumer_confirm), methods=["GET"]),
    Route("/admin/consumers/refeed", action(consumer_refeed, Role.OPERATOR), methods=["POST"]),
    Route("/admin/consumers/remove", action(consumer_remove, Role.ADMIN), methods=["POST"]),
    Route("/admin/webhooks", page(webhook_list), methods=["GET"]),
    Route("/admin/webhooks/{id:int}", page(webhook_deliveries), methods=["GET"]),
    Route(
        "/admin/webhooks/{id:int}/deliveries/{delivery:int}/redeliver",
        action(redeliver, Role.OPERATOR),
        methods=["POST"],
    ),
]
