"""The admin UI over HTTP (in-process): sessions, CSRF, lockout and roles, named as in the docs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from atraxion.application.sessions import session_user
from atraxion.bootstrap import Atraxion
from atraxion.domain.users import Role
from atraxion.testing import FakeClock
from tests.admin_support import PASSWORD, admin_client, csrf_of, make_user, page_token, sign_in


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def web(atraxion: Atraxion) -> Iterator[TestClient]:
    with admin_client(atraxion) as client:
        yield client


def test_admin_without_a_session_redirects_to_the_login(web: TestClient) -> None:
    for path in ("/admin", "/admin/failures", "/admin/tokens", "/admin/records"):
        answer = web.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/admin/login"


def test_login_sets_a_secure_httponly_lax_session_cookie(atraxion: Atraxion, web: TestClient) -> None:
    make_user(atraxion, "ann@example.com", Role.ADMIN)
    form = web.get("/admin/login")
    assert 'name="email"' in form.text and 'name="password"' in form.text and 'name="csrf_token"' in form.text
    token = csrf_of(form.text)
    answer = web.post("/admin/login", data={"email": "Ann@Example.com", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/admin"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("atraxion_session="))
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite=lax", "path=/admin"} <= attributes
    secret = cookie.split(";")[0].partition("=")[2]
    assert secret not in str(atraxion.context.transaction(lambda uow: uow.admin_sessions.by_hash(secret)))
    assert web.get("/admin").status_code == 200


def test_logout_ends_the_session_on_the_server(atraxion: Atraxion, web: TestClient) -> None:
    make_user(atraxion, "ann@example.com", Role.VIEWER)
    assert sign_in(web, "ann@example.com") == 303
    secret = web.cookies["atraxion_session"]
    answer = web.post("/admin/logout", data={"csrf_token": page_token(web)})
    assert answer.status_code == 303
    assert session_user(atraxion.context, secret) is None
    replayed = web.get("/admin", headers={"Cookie": f"atraxion_session={secret}"})  # the old cookie again
    assert replayed.status_code == 303


def test_a_wrong_password_or_unknown_address_is_refused_alike(atraxion: Atraxion, web: TestClient) -> None:
    make_user(atraxion, "ann@example.com", Role.VIEWER)
    wrong = web.post(
        "/admin/login",
        data={"email": "ann@example.com", "password": "nope", "csrf_token": page_token(web, "/admin/login")},
    )
    unknown = web.post(
        "/admin/login",
        data={"email": "bob@example.com", "password": "nope", "csrf_token": page_token(web, "/admin/login")},
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "wrong e-mail address or password" in wrong.text and "wrong e-mail address or password" in unknown.text


def test_csrf_login_without_or_with_a_wrong_token_is_refused_and_not_counted(
    atraxion: Atraxion, web: TestClient
) -> None:
    make_user(atraxion, "ann@example.com", Role.VIEWER)
    web.get("/admin/login")  # the pre-session cookie exists: only the form's token is missing or wrong
    for _ in range(12):
        missing = web.post("/admin/login", data={"email": "ann@example.com", "password": "wrong"})
        forged = web.post(
            "/admin/login", data={"email": "ann@example.com", "password": "wrong", "csrf_token": "0" * 64}
        )
        assert missing.status_code == forged.status_code == 403
    user = atraxion.context.transaction(lambda uow: uow.users.by_email("ann@example.com"))
    assert user is not None and user.recent_failures == () and user.locked_until is None
    assert sign_in(web, "ann@example.com") == 303  # 24 refused forms later, the account is not locked


def test_csrf_every_form_post_without_its_token_is_refused(atraxion: Atraxion, web: TestClient) -> None:
    make_user(atraxion, "ann@example.com", Role.ADMIN)
    assert sign_in(web, "ann@example.com") == 303
    posts = {
        "/admin/tokens": {"name": "x", "scope": "admin"},
        "/admin/failures/retry": {"id": "1"},
        "/admin/failures/resolve": {"id": "1"},
        "/admin/queue/1/retry": {},
        "/admin/domains": {"domain": "example.com"},
        "/admin/users/role": {"email": "ann@example.com", "role": "viewer"},
        "/admin/logout": {},
    }
    for path, data in posts.items():
        answer = web.post(path, data=data)
        assert answer.status_code == 403, path
        assert "security token" in answer.text
    assert atraxion.context.transaction(lambda uow: uow.allowed_domains.list()) == []
    assert web.get("/admin").status_code == 200  # still signed in: the logout was refused too


def test_lockout_after_10_failures_in_15_minutes_answers_429(
    atraxion: Atraxion, web: TestClient, clock: FakeClock
) -> None:
    make_user(atraxion, "ann@example.com", Role.VIEWER)
    for attempt in range(9):
        assert sign_in(web, "ann@example.com", "wrong password") == 401, attempt
        clock.advance(seconds=60)
    tenth = web.post(
        "/admin/login",
        data={"email": "ann@example.com", "password": "wrong", "csrf_token": page_token(web, "/admin/login")},
    )
    assert tenth.status_code == 429 and "locked" in tenth.text
    right = web.post(
        "/admin/login",
        data={"email": "ann@example.com", "password": PASSWORD, "csrf_token": page_token(web, "/admin/login")},
    )
    assert right.status_code == 429 and "This account is locked" in right.text  # even the right password
    clock.advance(minutes=15)
    assert sign_in(web, "ann@example.com") == 303


def test_lockout_counts_only_failures_within_15_minutes(atraxion: Atraxion, web: TestClient, clock: FakeClock) -> None:
    make_user(atraxion, "ann@example.com", Role.VIEWER)
    for _ in range(9):
        assert sign_in(web, "ann@example.com", "wrong password") == 401
    clock.advance(minutes=16)
    assert sign_in(web, "ann@example.com", "wrong password") == 401  # a new window: 1 failure, not 10
    assert sign_in(web, "ann@example.com") == 303


def test_role_viewer_sees_pages_but_every_change_is_403(atraxion: Atraxion, web: TestClient) -> None:
    make_user(atraxion, "val@example.com", Role.VIEWER)
    assert sign_in(web, "val@example.com") == 303
    for path in ("/admin", "/admin/failures", "/admin/queue", "/admin/logs", "/admin/tokens", "/admin/records"):
        assert web.get(path).status_code == 200, path
    assert web.get("/admin/users").status_code == 403
    token = page_token(web)
    for path, data in {
        "/admin/failures/retry": {"id": "1"},
        "/admin/failures/resolve": {"id": "1"},
        "/admin/queue/1/retry": {},
        "/admin/tokens": {"name": "x", "scope": "admin"},
        "/admin/tokens/1/revoke": {},
        "/admin/domains": {"domain": "example.com"},
    }.items():
        answer = web.post(path, data={**data, "csrf_token": token})
        assert answer.status_code == 403, path


def test_role_operator_may_retry_but_not_manage_tokens_or_users(atraxion: Atraxion, web: TestClient) -> None:
    make_user(atraxion, "op@example.com", Role.OPERATOR)
    assert sign_in(web, "op@example.com") == 303
    token = page_token(web)
    retry = web.post("/admin/queue/999/retry", data={"csrf_token": token})
    assert retry.status_code == 404  # allowed, and the entry does not exist
    assert web.post("/admin/tokens", data={"name": "x", "scope": "admin", "csrf_token": token}).status_code == 403
    assert web.post("/admin/domains", data={"domain": "example.com", "csrf_token": token}).status_code == 403


def test_role_admin_creates_a_token_shown_once_and_revokes_it(atraxion: Atraxion, web: TestClient) -> None:
    make_user(atraxion, "ann@example.com", Role.ADMIN)
    assert sign_in(web, "ann@example.com") == 303
    token = page_token(web, "/admin/tokens")
    created = web.post(
        "/admin/tokens",
        data={"name": "shop", "consumer": "webshop", "scope": ["webshop:read", "webshop:ack"], "csrf_token": token},
    )
    assert created.status_code == 200 and "atx_" in created.text
    secret = created.text.split("data-secret>")[1].split("<")[0]
    assert web.get("/api/v1/webshop/products/changes", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listing = web.get("/admin/tokens").text
    assert secret not in listing and "shop" in listing
    (shop,) = [t for t in atraxion.context.transaction(lambda uow: uow.tokens.list()) if t.name == "shop"]
    revoked = web.post(f"/admin/tokens/{shop.id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303
    assert web.get("/api/v1/webshop/products/changes", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_role_admin_changes_roles_at_once_but_not_their_own(atraxion: Atraxion, web: TestClient) -> None:
    make_user(atraxion, "ann@example.com", Role.ADMIN)
    make_user(atraxion, "bob@example.com", Role.VIEWER)
    with admin_client(atraxion) as bob:
        assert sign_in(bob, "bob@example.com") == 303
        assert sign_in(web, "ann@example.com") == 303
        token = page_token(web)
        assert (
            web.post(
                "/admin/users/role", data={"email": "ann@example.com", "role": "viewer", "csrf_token": token}
            ).status_code
            == 422
        )
        assert bob.get("/admin/users").status_code == 403
        promoted = web.post(
            "/admin/users/role", data={"email": "bob@example.com", "role": "admin", "csrf_token": token}
        )
        assert promoted.status_code == 303
        assert bob.get("/admin/users").status_code == 200  # the same session, the new role


def test_a_disabled_user_is_signed_out_and_cannot_sign_in(atraxion: Atraxion, web: TestClient) -> None:
    make_user(atraxion, "ann@example.com", Role.ADMIN)
    make_user(atraxion, "bob@example.com", Role.VIEWER)
    with admin_client(atraxion) as bob:
        assert sign_in(bob, "bob@example.com") == 303
        assert sign_in(web, "ann@example.com") == 303
        answer = web.post("/admin/users/disable", data={"email": "bob@example.com", "csrf_token": page_token(web)})
        assert answer.status_code == 303
        assert bob.get("/admin").status_code == 303
        assert sign_in(bob, "bob@example.com") == 401


def test_assets_are_served_by_atraxion(web: TestClient) -> None:
    page = web.get("/admin/login").text
    assert "http://" not in page and "https://" not in page  # no CDN, no external asset
    css = web.get("/admin/static/admin.css")
    assert css.status_code == 200 and "@media" in css.text
    assert web.get("/admin/static/favicon.svg").status_code == 200


def test_the_api_log_filters_by_path_status_consumer_and_time(
    atraxion: Atraxion, web: TestClient, clock: FakeClock
) -> None:
    from atraxion.application import request_log
    from atraxion.domain.request_log import ApiLogEntry

    make_user(atraxion, "ann@example.com", Role.VIEWER)
    start = clock.now()
    request_log.record(
        atraxion.context,
        [
            ApiLogEntry(
                at=start,
                method="GET",
                path="/api/v1/webshop/products/changes",
                status_code=200,
                duration_ms=1,
                consumer="webshop",
            ),
            ApiLogEntry(
                at=start,
                method="GET",
                path="/api/v1/webshop/products/changes",
                status_code=200,
                duration_ms=1,
                consumer="mobile",
            ),
            ApiLogEntry(
                at=start.replace(hour=5),
                method="POST",
                path="/api/v1/odoo/products",
                status_code=422,
                duration_ms=2,
                error="1 invalid record(s)",
            ),
        ],
    )
    assert sign_in(web, "ann@example.com") == 303

    def rows(**query: str) -> int:  # the API's requests only: the admin pages' own are logged too
        return web.get("/admin/logs", params={"path": "/api/", **query}).text.count("<tr>") - 1  # less the header

    assert rows() == 3
    assert rows(consumer="mobile") == 1
    assert rows(status="422") == 1 and "1 invalid record(s)" in web.get("/admin/logs", params={"status": "422"}).text
    assert rows(path="/api/v1/odoo") == 1
    assert rows(until="2026-01-01T04:00:00") == 2 and rows(until="2026-01-01T05:00:00Z") == 3
    assert web.get("/admin/logs", params={"until": "yesterday"}).status_code == 422


def test_a_session_is_known_to_every_replica_of_one_database(
    atraxion: Atraxion, web: TestClient, clock: FakeClock
) -> None:
    from atraxion.bootstrap import bootstrap

    make_user(atraxion, "ann@example.com", Role.VIEWER)
    assert sign_in(web, "ann@example.com") == 303
    replica = bootstrap(atraxion.settings, migrate=False, clock=clock)
    try:
        with admin_client(replica) as other:
            other.headers["Cookie"] = f"atraxion_session={web.cookies['atraxion_session']}"
            assert other.get("/admin").status_code == 200
            assert other.post("/admin/logout", data={"csrf_token": page_token(other)}).status_code == 303
        assert web.get("/admin").status_code == 303  # signed out on one replica: on every one
    finally:
        replica.close()
