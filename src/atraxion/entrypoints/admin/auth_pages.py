"""Signing in and out, signing up, and verifying an e-mail address."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from atraxion.application import users
from atraxion.application.sessions import AccountLocked, LoginRefused, log_in, log_out
from atraxion.entrypoints.admin.web import (
    FORM_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    Refused,
    app_of,
    check_csrf,
    field,
    notice_of,
    public_page,
    read_form,
    set_cookie,
    signed_in,
)
from atraxion.ports.mailer import MailNotConfigured


async def login_form(request: Request) -> Response:
    if await signed_in(request) is not None:
        return RedirectResponse("/admin", status_code=303)
    return public_page(request, "login.html", notice=notice_of(request))


async def login(request: Request) -> Response:
    email = ""
    try:
        form = await read_form(request)
        email = field(form, "email")
        check_csrf(form, request.cookies.get(FORM_COOKIE))  # refused here, nothing counts as a failure
        app = app_of(request)
        signed = await run_in_threadpool(log_in, app.context, app.accounts, email, field(form, "password"))
    except Refused as error:
        return public_page(request, "login.html", error.status, error=error.message, email=email[:254])
    except AccountLocked as error:
        return public_page(request, "login.html", 429, error=str(error), locked=True, email=email[:254])
    except LoginRefused as error:
        return public_page(request, "login.html", 401, error=str(error), email=email[:254])
    response = RedirectResponse("/admin", status_code=303)
    set_cookie(response, SESSION_COOKIE, signed.session_secret, SESSION_MAX_AGE)
    return response


async def logout(request: Request) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    try:
        form = await read_form(request)
        check_csrf(form, secret)
    except Refused as error:
        return public_page(request, "error.html", error.status, message=error.message)
    assert secret is not None
    await run_in_threadpool(log_out, app_of(request).context, secret)
    response = RedirectResponse("/admin/login?notice=Signed+out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/admin", secure=True, httponly=True, samesite="lax")
    return response


async def signup_form(request: Request) -> Response:
    return public_page(request, "signup.html", enabled=app_of(request).accounts.mailer is not None)


def _link_base(request: Request) -> str:
    public = app_of(request).settings.public_url
    return public or str(request.base_url).rstrip("/")


async def signup(request: Request) -> Response:
    app = app_of(request)
    email = ""
    try:
        form = await read_form(request)
        email = field(form, "email")
        check_csrf(form, request.cookies.get(FORM_COOKIE))
        password = field(form, "password")
        if password != field(form, "password2"):
            raise Refused(422, "the two passwords differ")
        base = _link_base(request)
        command = users.sign_up_command(
            app.context, app.accounts, email, password, lambda token: f"{base}/admin/verify?token={token}"
        )
        await run_in_threadpool(command.run, app.context)
    except Refused as error:
        return public_page(request, "signup.html", error.status, error=error.message, email=email[:254], enabled=True)
    except users.SignUpRefused as error:
        return public_page(request, "signup.html", 422, error=str(error), email=email[:254], enabled=True)
    except MailNotConfigured as error:  # sign-up is off here: refused, as any other unavailable action
        return public_page(request, "signup.html", 403, error=str(error), enabled=False)
    except OSError:
        message = "the confirmation mail could not be sent; try again later"
        return public_page(request, "signup.html", 503, error=message, email=email[:254], enabled=True)
    return public_page(request, "signup_sent.html")


async def verify_form(request: Request) -> Response:
    # The link only shows a button: mail scanners that open links must not use the single-use token.
    token = request.query_params.get("token", "")[:128]
    return public_page(request, "verify.html", token=token)


async def verify(request: Request) -> Response:
    try:
        form = await read_form(request)
        check_csrf(form, request.cookies.get(FORM_COOKIE))
    except Refused as error:
        return public_page(request, "verify.html", error.status, error=error.message)
    token = field(form, "token")[:128]
    user = await run_in_threadpool(users.verify_email, app_of(request).context, token) if token else None
    if user is None:
        return public_page(request, "verify.html", 400, error="this link is unknown, used or expired; sign up again")
    return RedirectResponse("/admin/login?notice=Address+confirmed%3A+sign+in", status_code=303)


routes = [
    Route("/admin/login", login_form, methods=["GET"]),
    Route("/admin/login", login, methods=["POST"]),
    Route("/admin/logout", logout, methods=["POST"]),
    Route("/admin/signup", signup_form, methods=["GET"]),
    Route("/admin/signup", signup, methods=["POST"]),
    Route("/admin/verify", verify_form, methods=["GET"]),
    Route("/admin/verify", verify, methods=["POST"]),
]
