"""Whatever a signed-in browser sends to the admin pages, the answer is never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from atraxion.bootstrap import Atraxion
from atraxion.domain.users import Role
from tests.admin_support import admin_client, make_user, page_token, sign_in

PAGES = [
    "/admin",
    "/admin/failures",
    "/admin/queue",
    "/admin/logs",
    "/admin/tokens",
    "/admin/users",
    "/admin/records",
    "/admin/consumers",
    "/admin/consumers/confirm",
    "/admin/webhooks",
    "/admin/webhooks/1",
]
FORMS = [
    "/admin/failures/retry",
    "/admin/failures/resolve",
    "/admin/queue/1/retry",
    "/admin/tokens",
    "/admin/tokens/1/revoke",
    "/admin/users/role",
    "/admin/users/disable",
    "/admin/domains",
    "/admin/domains/remove",
    "/admin/consumers/refeed",
    "/admin/consumers/remove",
    "/admin/webhooks/1/deliveries/1/redeliver",
    "/admin/login",
    "/admin/signup",
    "/admin/verify",
]
NAMES = st.sampled_from(
    [
        "status",
        "kind",
        "after",
        "path",
        "consumer",
        "before",
        "entity",
        "key",
        "odoo_id",
        "id",
        "name",
        "scope",
        "expires_at",
        "email",
        "role",
        "domain",
        "password",
        "token",
        "next",
    ]
)
VALUES = st.one_of(
    st.text(max_size=300), st.integers(-(2**70), 2**70).map(str), st.sampled_from(["", "all", "open", "partners"])
)


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def web(atraxion: Atraxion) -> Iterator[TestClient]:
    make_user(atraxion, "ann@example.com", Role.ADMIN)
    with admin_client(atraxion) as client:
        assert sign_in(client, "ann@example.com") == 303
        yield client


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PAGES), query=st.dictionaries(NAMES, VALUES, max_size=4))
def test_pages_answer_every_query_without_a_500(web: TestClient, path: str, query: dict[str, str]) -> None:
    answer = web.get(path, params=query)
    assert answer.status_code < 500, (path, query, answer.text[:300])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(FORMS), form=st.dictionaries(NAMES, VALUES, max_size=5), with_token=st.booleans())
def test_forms_answer_every_body_without_a_500(
    web: TestClient, path: str, form: dict[str, str], with_token: bool
) -> None:
    if with_token:
        form = {**form, "csrf_token": page_token(web, "/admin/verify?token=t" if path in FORMS[-3:] else "/admin")}
    if path == "/admin/users/disable" or (path == "/admin/users/role" and form.get("email") == "ann@example.com"):
        form.pop("email", None)  # keep the signed-in admin able to go on
    answer = web.post(path, data=form)
    assert answer.status_code < 500, (path, form, answer.text[:300])
