"""Helpers of the admin UI tests: users, form tokens read from pages, signing in."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.testclient import TestClient

from atraxion.application import users
from atraxion.bootstrap import Atraxion
from atraxion.domain.users import Role
from atraxion.entrypoints.http import create_app

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def make_user(app: Atraxion, email: str, role: Role, password: str = PASSWORD) -> None:
    users.create_user(app.context, app.accounts, email, password, role)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form token"
    return found.group(1)


def admin_client(app: Atraxion) -> TestClient:
    """Cookies are Secure: the client speaks to https://testserver and never follows redirects."""
    return TestClient(create_app(app), base_url="https://testserver", follow_redirects=False)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> int:
    token = csrf_of(client.get("/admin/login").text)
    answer = client.post("/admin/login", data={"email": email, "password": password, "csrf_token": token})
    return answer.status_code


def page_token(client: TestClient, path: str = "/admin") -> str:
    return csrf_of(client.get(path).text)


class Inbox:
    """Messages a real SMTP server (aiosmtpd, on loopback) received, as (to, text) pairs."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        self.messages.append((list(envelope.rcpt_tos), body.get_content() if body is not None else ""))
        return "250 Message accepted for delivery"

    def link_for(self, address: str) -> str:
        texts = [text for to, text in self.messages if address in to]
        assert texts, f"no mail to {address}: {self.messages!r}"
        found = re.search(r"https?://\S+/admin/verify\?token=\S+", texts[-1])
        assert found, texts[-1]
        return found.group(0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def smtp_server() -> Iterator[tuple[str, Inbox]]:
    """A real SMTP server on a free loopback port: its ``ATRAXION_SMTP_URL`` and its inbox."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}?from=atraxion@example.com", inbox
    finally:
        controller.stop()
