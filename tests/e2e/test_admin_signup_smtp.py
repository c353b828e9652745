"""Sign-up verified by e-mail, through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import attrs
import pytest
from starlette.testclient import TestClient

from atraxion.adapters.smtp_mailer import SmtpMailer
from atraxion.application import users
from atraxion.bootstrap import Atraxion
from atraxion.testing import FakeClock
from tests.admin_support import PASSWORD, Inbox, admin_client, csrf_of, page_token, sign_in, smtp_server


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def inbox(atraxion: Atraxion) -> Iterator[Inbox]:
    with smtp_server() as (url, received):
        atraxion.accounts = attrs.evolve(atraxion.accounts, mailer=SmtpMailer.from_url(url))
        yield received


@pytest.fixture
def web(atraxion: Atraxion) -> Iterator[TestClient]:
    with admin_client(atraxion) as client:
        yield client


def _sign_up(web: TestClient, email: str, password: str = PASSWORD, again: str | None = None) -> int:
    token = csrf_of(web.get("/admin/signup").text)
    form = {"email": email, "password": password, "password2": again or password, "csrf_token": token}
    return web.post("/admin/signup", data=form).status_code


def _verify(web: TestClient, link: str) -> int:
    path = urlsplit(link)
    page = web.get(f"{path.path}?{path.query}")
    token = path.query.removeprefix("token=")
    return web.post("/admin/verify", data={"token": token, "csrf_token": csrf_of(page.text)}).status_code


def test_sign_up_mails_a_link_that_verifies_once(atraxion: Atraxion, inbox: Inbox, web: TestClient) -> None:
    users.add_domain(atraxion.context, "example.com")
    assert _sign_up(web, "New.Person@Example.com") == 200
    assert sign_in(web, "new.person@example.com") == 401  # unverified: cannot sign in yet
    link = inbox.link_for("new.person@example.com")
    assert link.startswith("https://testserver/admin/verify?token=")
    assert _verify(web, link) == 303
    assert _verify(web, link) == 400  # single use
    assert sign_in(web, "new.person@example.com") == 303
    assert "viewer" in web.get("/admin").text


def test_an_unverified_user_cannot_log_in_even_with_the_right_password(
    atraxion: Atraxion, inbox: Inbox, web: TestClient
) -> None:
    users.add_domain(atraxion.context, "example.com")
    assert _sign_up(web, "eve@example.com") == 200
    token = page_token(web, "/admin/login")
    answer = web.post("/admin/login", data={"email": "eve@example.com", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 401 and "confirm your e-mail address first" in answer.text


def test_a_verification_link_expires_after_24_hours(
    atraxion: Atraxion, inbox: Inbox, web: TestClient, clock: FakeClock
) -> None:
    users.add_domain(atraxion.context, "example.com")
    assert _sign_up(web, "late@example.com") == 200
    clock.advance(hours=24, seconds=1)
    assert _verify(web, inbox.link_for("late@example.com")) == 400
    assert sign_in(web, "late@example.com") == 401


def test_sign_up_needs_an_allowed_domain_and_sends_nothing_otherwise(
    atraxion: Atraxion, inbox: Inbox, web: TestClient
) -> None:
    users.add_domain(atraxion.context, "example.com")
    assert _sign_up(web, "x@sub.example.com") == 422  # a subdomain is another domain
    assert _sign_up(web, "x@evil.test") == 422
    assert _sign_up(web, "x@example.com", "short") == 422
    assert _sign_up(web, "x@example.com", PASSWORD, "another password") == 422
    assert inbox.messages == []


def test_signing_up_again_sends_no_mail_for_a_verified_address(
    atraxion: Atraxion, inbox: Inbox, web: TestClient
) -> None:
    users.add_domain(atraxion.context, "example.com")
    users.create_user(atraxion.context, atraxion.accounts, "ann@example.com", PASSWORD, users.Role.ADMIN)
    assert _sign_up(web, "ann@example.com", "another password 2") == 200  # the same page as for anyone
    assert inbox.messages == []
    assert sign_in(web, "ann@example.com") == 303  # the password did not change


def test_sign_up_without_smtp_is_unavailable(atraxion: Atraxion, web: TestClient) -> None:
    users.add_domain(atraxion.context, "example.com")
    assert "ATRAXION_SMTP_URL" in web.get("/admin/signup").text
    token = csrf_of(web.get("/admin/login").text)
    form = {"email": "x@example.com", "password": PASSWORD, "password2": PASSWORD, "csrf_token": token}
    assert web.post("/admin/signup", data=form).status_code == 403
    assert atraxion.context.transaction(lambda uow: uow.users.list()) == []


def test_smtp_url_is_parsed_without_showing_the_password() -> None:
    mailer = SmtpMailer.from_url("smtps://mail%40x:p%40ss@mail.example.com?from=ops@example.com")
    assert (mailer.host, mailer.port, mailer.tls, mailer.username, mailer.password) == (
        "mail.example.com",
        465,
        True,
        "mail@x",
        "p@ss",
    )
    assert mailer.sender == "ops@example.com" and "p@ss" not in repr(mailer)
    for bad in ("http://x", "smtp://", "smtp://host:port"):
        with pytest.raises(ValueError):
            SmtpMailer.from_url(bad)
