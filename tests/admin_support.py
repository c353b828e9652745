"""Helpers of the admin UI tests: users, form tokens read from pages, signing in."""

from __future__ import annotations

import re

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
