"""What every admin page shares: templates, forms, cookies, CSRF and the signed-in user.

CSRF: each form carries ``csrf_token``, an HMAC of a secret only the browser's cookie holds — the
session id once signed in, else a pre-session cookie (login, sign-up, verification) — so a page of
another site can neither read nor forge it. Cookies are ``Secure``, ``HttpOnly``, ``SameSite=Lax``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from atraxion.application.sessions import session_user
from atraxion.bootstrap import Atraxion
from atraxion.domain.field_diff import ABSENT
from atraxion.domain.users import SESSION_TTL, Role, User, new_secret

SESSION_COOKIE = "atraxion_session"
FORM_COOKIE = "atraxion_form"
MAX_FORM_BYTES = 64 * 1024
_CSRF_LABEL = b"atraxion admin csrf"
# Everything comes from Atraxion itself: no script at all, styles and images of our own only.
_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def _lag(now: datetime, since: datetime) -> str:
    """How long ago, roughly: ``42 s``, ``7 min``, ``3 h``, ``2 d``."""
    seconds = max(0, int((now - since).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


@cache
def templates() -> Environment:
    """The pages' templates (autoescaped), loaded on first use rather than at import."""
    environment = Environment(
        loader=PackageLoader("atraxion.entrypoints.admin", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["when"] = _when
    environment.globals["lag"] = _lag
    environment.globals["absent"] = ABSENT
    return environment


class Refused(Exception):
    """A page answers with an error page: ``status`` and a one-line ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def app_of(request: Request) -> Atraxion:
    atraxion: Atraxion = request.app.state.atraxion
    return atraxion


def csrf_for(secret: str) -> str:
    return hmac.new(secret.encode(), _CSRF_LABEL, hashlib.sha256).hexdigest()


def form_secret(request: Request) -> tuple[str, bool]:
    """The pre-session secret of this browser, and whether it is new (to be set as a cookie)."""
    secret = request.cookies.get(FORM_COOKIE)
    return (secret, False) if secret and len(secret) <= 128 else (new_secret(), True)


def set_cookie(response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/admin", secure=True, httponly=True, samesite="lax")


def render(
    request: Request,
    template: str,
    http_status: int = 200,
    *,
    user: User | None = None,
    csrf: str | None = None,
    **values: Any,
) -> HTMLResponse:
    if csrf is None and user is not None:
        csrf = csrf_for(request.cookies.get(SESSION_COOKIE, ""))
    body = templates().get_template(template).render(request=request, user=user, csrf=csrf, **values)
    response = HTMLResponse(body, status_code=http_status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = _POLICY
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def public_page(request: Request, template: str, http_status: int = 200, **values: Any) -> HTMLResponse:
    """A page of the signed-out (login, sign-up, verification), with a form token of the pre-session
    cookie (set here when the browser has none)."""
    secret, new = form_secret(request)
    response = render(request, template, http_status, csrf=csrf_for(secret), **values)
    if new:
        set_cookie(response, FORM_COOKIE, secret, None)
    return response


async def read_form(request: Request) -> dict[str, list[str]]:
    """An ``application/x-www-form-urlencoded`` body (bounded); no body is an empty form (which its
    missing token then refuses); another content type is refused."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not kind:
        return {}
    if kind != "application/x-www-form-urlencoded":
        raise Refused(415, "this form must be sent as application/x-www-form-urlencoded")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise Refused(413, "this form is too large")
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=1000)
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "this form could not be read") from None


def field(form: Mapping[str, list[str]], name: str) -> str:
    values = form.get(name)
    return values[0] if values else ""


def check_csrf(form: Mapping[str, list[str]], secret: str | None) -> None:
    """Raises Refused(403) unless the form's token is the one of ``secret``."""
    sent = field(form, "csrf_token")
    if not secret or not sent or not hmac.compare_digest(sent, csrf_for(secret)):
        raise Refused(403, "this form is missing its security token or it is out of date; reload the page and retry")


async def signed_in(request: Request) -> User | None:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret or len(secret) > 128:
        return None
    return await run_in_threadpool(session_user, app_of(request).context, secret)


Page = Callable[[Request, User], Awaitable[Response]]
FormPage = Callable[[Request, User, dict[str, list[str]]], Awaitable[Response]]


def error_page(request: Request, error: Refused, user: User | None = None) -> HTMLResponse:
    return render(request, "error.html", error.status, user=user, message=error.message)


def page(view: Page, role: Role = Role.VIEWER) -> Callable[[Request], Awaitable[Response]]:
    """A GET page for signed-in users of at least ``role`` (else 303 to the login, or 403)."""

    async def endpoint(request: Request) -> Response:
        user = await signed_in(request)
        if user is None:
            return RedirectResponse("/admin/login", status_code=303)
        try:
            _allow(user, role)
            return await view(request, user)
        except Refused as error:
            return error_page(request, error, user)

    return endpoint


def action(view: FormPage, role: Role) -> Callable[[Request], Awaitable[Response]]:
    """A form POST for signed-in users of at least ``role``: CSRF first, then the role (403)."""

    async def endpoint(request: Request) -> Response:
        user = await signed_in(request)
        if user is None:
            return RedirectResponse("/admin/login", status_code=303)
        try:
            form = await read_form(request)
            check_csrf(form, request.cookies.get(SESSION_COOKIE))
            _allow(user, role)
            return await view(request, user, form)
        except Refused as error:
            return error_page(request, error, user)

    return endpoint


def _allow(user: User, role: Role) -> None:
    if role is Role.ADMIN and not user.role.can_administer:
        raise Refused(403, "only an admin may do this")
    if role is Role.OPERATOR and not user.role.can_operate:
        raise Refused(403, "a viewer may look but not change anything; ask an operator or admin")


def back(url: str, notice: str | None = None) -> RedirectResponse:
    """303 to ``url`` (a page of ours), with an optional notice shown there (:func:`notice_of`)."""
    target = url if notice is None else f"{url}{'&' if '?' in url else '?'}{urlencode({'notice': notice})}"
    return RedirectResponse(target, status_code=303)


def notice_of(request: Request) -> str | None:
    """The notice :func:`back` left for this page, at most 200 characters."""
    notice = request.query_params.get("notice")
    return notice[:200] if notice else None


SESSION_MAX_AGE = int(SESSION_TTL.total_seconds())
