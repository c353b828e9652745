"""The admin's pages: tokens (the secret shown once), users and allowed domains, the API log."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atraxion.application import request_log, tokens, users
from atraxion.domain.auth import DEFAULT_CONSUMER, Scope, parse_expiry, parse_scopes
from atraxion.domain.errors import NotFound
from atraxion.domain.users import Role, User, parse_role
from atraxion.entrypoints.admin.web import Refused, action, app_of, back, field, notice_of, page, render
from atraxion.entrypoints.http.body import bounded_int
from atraxion.entrypoints.inbound_fast import BLANK

LOG_PAGE = 100


async def token_list(request: Request, user: User) -> Response:
    ctx = app_of(request).context
    found = await run_in_threadpool(tokens.list_tokens, ctx)
    return render(
        request,
        "tokens.html",
        user=user,
        items=found,
        now=ctx.clock.now(),
        scopes=[s.value for s in Scope],
        notice=notice_of(request),
    )


async def token_create(request: Request, user: User, form: dict[str, list[str]]) -> Response:
    ctx = app_of(request).context
    name, consumer = field(form, "name").strip(BLANK), field(form, "consumer").strip(BLANK) or DEFAULT_CONSUMER
    if not name or len(name) > 128 or len(consumer) > 64:
        raise Refused(422, "a token needs a name of 1 to 128 characters and a consumer of at most 64")
    try:
        scopes = parse_scopes(form.get("scope", []))
        expires = parse_expiry(field(form, "expires_at").strip()) if field(form, "expires_at").strip() else None
    except ValueError as error:
        raise Refused(422, str(error)) from None
    if not scopes:
        raise Refused(422, "give the token at least one scope")
    token, secret = await run_in_threadpool(tokens.create_token, ctx, name, scopes, consumer, expires)
    # The secret is in this answer only: it is not stored, and no redirect carries it.
    return render(request, "token_created.html", user=user, token=token, secret=secret)


async def token_revoke(request: Request, user: User, form: dict[str, list[str]]) -> Response:
    token_id = bounded_int(str(request.path_params["id"]), 1)
    if token_id is None or not await run_in_threadpool(tokens.revoke_token, app_of(request).context, token_id):
        raise Refused(404, f"no active token with id {token_id}")
    return back("/admin/tokens", f"token {token_id} revoked")


async def user_list(request: Request, user: User) -> Response:
    ctx = app_of(request).context
    people = await run_in_threadpool(users.list_users, ctx)
    domains = await run_in_threadpool(users.list_domains, ctx)
    return render(
        request,
        "users.html",
        user=user,
        people=people,
        domains=domains,
        roles=[r.value for r in Role],
        now=ctx.clock.now(),
        notice=notice_of(request),
    )


async def user_role(request: Request, user: User, form: dict[str, list[str]]) -> Response:
    email = field(form, "email")
    if email == user.email:
        raise Refused(422, "you cannot change your own role (another admin can)")
    try:
        role = parse_role(field(form, "role"))
        changed = await run_in_threadpool(users.change_role, app_of(request).context, email, role)
    except (ValueError, NotFound) as error:
        raise Refused(422, str(error)) from None
    return back("/admin/users", f"{changed.email} is now {changed.role.value}")


async def user_disable(request: Request, user: User, form: dict[str, list[str]]) -> Response:
    email = field(form, "email")
    if email == user.email:
        raise Refused(422, "you cannot disable yourself")
    try:
        disabled = await run_in_threadpool(users.disable_user, app_of(request).context, email)
    except NotFound as error:
        raise Refused(404, str(error)) from None
    return back("/admin/users", f"{disabled.email} disabled")


async def domain_add(request: Request, user: User, form: dict[str, list[str]]) -> Response:
    try:
        name, added = await run_in_threadpool(users.add_domain, app_of(request).context, field(form, "domain"))
    except ValueError as error:
        raise Refused(422, str(error)) from None
    return back("/admin/users", f"allowed {name}" if added else f"{name} was already allowed")


async def domain_remove(request: Request, user: User, form: dict[str, list[str]]) -> Response:
    domain = field(form, "domain")
    if not await run_in_threadpool(users.remove_domain, app_of(request).context, domain):
        raise Refused(404, f"{domain[:253]} is not an allowed domain")
    return back("/admin/users", f"removed {domain[:253]}")


async def logs(request: Request, user: User) -> Response:
    query = request.query_params
    path = (query.get("path") or "")[:500] or None
    status = bounded_int(query.get("status") or None, 100, 599)
    consumer = (query.get("consumer") or "")[:64]
    before = bounded_int(query.get("before") or None, 1)
    until_text = (query.get("until") or "").strip()[:40]
    until = _time(until_text) if until_text else None
    found = await run_in_threadpool(
        partial(request_log.search, consumer=consumer or None, until=until),
        app_of(request).context,
        path,
        status,
        LOG_PAGE + 1,
        before,
    )
    more = found[LOG_PAGE - 1].id if len(found) > LOG_PAGE else None
    return render(
        request,
        "logs.html",
        user=user,
        items=found[:LOG_PAGE],
        path=path or "",
        status=query.get("status", "")[:3],
        consumer=consumer,
        until=until_text,
        more=more,
    )


def _time(text: str) -> datetime:
    """An RFC 3339 time; without a zone it is read as UTC (the times the log shows)."""
    for candidate in (text, text + "Z"):
        try:
            return parse_expiry(candidate)
        except ValueError:
            continue
    raise Refused(422, "'at or before' is a time such as 2026-01-31T18:00:00Z")


routes = [
    Route("/admin/tokens", page(token_list), methods=["GET"]),
    Route("/admin/tokens", action(token_create, Role.ADMIN), methods=["POST"]),
    Route("/admin/tokens/{id:int}/revoke", action(token_revoke, Role.ADMIN), methods=["POST"]),
    Route("/admin/users", page(user_list, Role.ADMIN), methods=["GET"]),
    Route("/admin/users/role", action(user_role, Role.ADMIN), methods=["POST"]),
    Route("/admin/users/disable", action(user_disable, Role.ADMIN), methods=["POST"]),
    Route("/admin/domains", action(domain_add, Role.ADMIN), methods=["POST"]),
    Route("/admin/domains/remove", action(domain_remove, Role.ADMIN), methods=["POST"]),
    Route("/admin/logs", page(logs), methods=["GET"]),
]
