"""R6 (auth): 401 and 403 exactly as the contract says; tokens hashed at rest; a secret never shows
up in logs, problem bodies or the database."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select, table, text
from starlette.testclient import TestClient

from atraxion.application.tokens import create_token, revoke_token
from atraxion.bootstrap import Atraxion
from atraxion.domain.auth import Scope
from atraxion.entrypoints.http import create_app
from atraxion.testing import FakeClock
from tests.conftest import SQL_BACKENDS

EVERY_SCOPE = frozenset(Scope)
PUSH = b'{"records": [{"externalId": "P1", "data": {"name": "Desk"}}]}'

# One request per protected operation, with the scope it needs (any one of them, where two are given).
OPERATIONS: list[tuple[str, str, bytes | None, frozenset[Scope]]] = [
    ("POST", "/api/v1/odoo/products", PUSH, frozenset({Scope.ODOO_PUSH})),
    (
        "POST",
        "/api/v1/odoo/prices",
        b'{"records": [{"pricelistExternalId": "L", "productExternalId": "P", "price": 1}]}',
        frozenset({Scope.ODOO_PUSH}),
    ),
    ("GET", "/api/v1/webshop/products/changes", None, frozenset({Scope.WEBSHOP_READ})),
    ("GET", "/api/v1/webshop/products/P1", None, frozenset({Scope.WEBSHOP_READ})),
    ("GET", "/api/v1/webshop/partners/C1/tree", None, frozenset({Scope.WEBSHOP_READ})),
    ("POST", "/api/v1/webshop/products/ack", b'{"items": []}', frozenset({Scope.WEBSHOP_ACK})),
    ("DELETE", "/api/v1/webshop/products/changes/P1?version=1", None, frozenset({Scope.WEBSHOP_ACK})),
    ("POST", "/api/v1/webshop/sale-orders", b"{}", frozenset({Scope.WEBSHOP_ORDERS})),
    ("GET", "/api/v1/webshop/sale-orders/SO1/sync", None, frozenset({Scope.WEBSHOP_READ, Scope.WEBSHOP_ORDERS})),
    ("GET", "/api/v1/admin/tokens", None, frozenset({Scope.ADMIN})),
    ("POST", "/api/v1/admin/tokens", b'{"name": "x", "scopes": ["admin"]}', frozenset({Scope.ADMIN})),
    ("DELETE", "/api/v1/admin/tokens/999", None, frozenset({Scope.ADMIN})),
    ("GET", "/api/v1/admin/failures", None, frozenset({Scope.ADMIN})),
    ("GET", "/api/v1/admin/queue", None, frozenset({Scope.ADMIN})),
]
IDS = [f"{method} {path.split('?')[0]}" for method, path, _, _ in OPERATIONS]


def call(client: TestClient, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Any:
    if body is not None:
        headers = {**headers, "Content-Type": "application/json"}
    return client.request(method, path, content=body, headers=headers)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"] and problem["type"]
    return problem


def assert_unauthorized(response: Any) -> None:
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].lower().startswith("bearer")


# --- 401 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body", "needs"), OPERATIONS, ids=IDS)
def test_no_usable_token_is_a_401_with_a_challenge(
    client: TestClient, atraxion: Atraxion, clock: FakeClock, method: str, path: str, body: bytes | None, needs: Any
) -> None:
    ctx = atraxion.context
    _, expiring = create_token(ctx, "expiring", EVERY_SCOPE, "webshop", expires_at=clock.now() + timedelta(hours=1))
    revoked, revoked_secret = create_token(ctx, "revoked", EVERY_SCOPE, "webshop")
    assert revoked.id is not None and revoke_token(ctx, revoked.id)
    _, valid = create_token(ctx, "valid", EVERY_SCOPE, "webshop")
    assert call(client, method, path, body, bearer(expiring)).status_code not in (401, 403)  # not yet expired
    clock.advance(hours=2)
    for headers in (
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer    "},
        {"Authorization": f"Basic {valid}"},
        {"Authorization": valid},
        bearer("atx_" + "A" * 43),  # well formed, unknown
        bearer(valid[:-1]),  # almost right
        bearer(valid + "x"),
        bearer(expiring),
        bearer(revoked_secret),
    ):
        assert_unauthorized(call(client, method, path, body, headers))
    assert call(client, method, path, body, bearer(valid)).status_code not in (401, 403)


# --- 403 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body", "needs"), OPERATIONS, ids=IDS)
def test_a_valid_token_without_the_scope_is_a_403(
    client: TestClient, atraxion: Atraxion, method: str, path: str, body: bytes | None, needs: frozenset[Scope]
) -> None:
    _, lacking = create_token(atraxion.context, "lacking", EVERY_SCOPE - needs, "webshop")
    problem = assert_problem(call(client, method, path, body, bearer(lacking)), 403)
    assert problem["type"].endswith("/missing-scope")
    assert any(scope.value in problem["detail"] for scope in needs), problem
    for scope in needs:  # and any one of the scopes it names is enough
        _, enough = create_token(atraxion.context, f"only-{scope.value}", frozenset({scope}), "webshop")
        assert call(client, method, path, body, bearer(enough)).status_code not in (401, 403)


def test_open_endpoints_need_no_token(client: TestClient) -> None:
    for path in ("/health", "/ready", "/metrics", "/openapi.json", "/docs"):
        assert client.get(path).status_code == 200, path


# --- Secrets at rest, in logs, in answers ------------------------------------------------------------


def dump_database(engine: Engine) -> str:
    """Every row of every table, as text: what someone reading the database would see."""
    rows: list[str] = []
    with engine.connect() as conn:
        for name in inspect(conn).get_table_names():
            for row in conn.execute(select(text("*")).select_from(table(name))):
                rows.append(f"{name}: {tuple(row)!r}")
    return "\n".join(rows)


@pytest.mark.parametrize("backend", SQL_BACKENDS)
def test_tokens_are_stored_hashed(atraxion: Atraxion, client: TestClient) -> None:
    token, secret = create_token(atraxion.context, "shop", frozenset({Scope.WEBSHOP_READ}), "webshop")
    assert client.get("/api/v1/webshop/products/changes", headers=bearer(secret)).status_code == 200
    assert atraxion.engine is not None
    dump = dump_database(atraxion.engine)
    assert hashlib.sha256(secret.encode()).hexdigest() in dump  # what is stored instead
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in dump and secret.removeprefix("atx_") not in dump


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_token_created_over_http_with_an_idempotency_key_is_not_kept_in_clear(
    atraxion: Atraxion, client: TestClient
) -> None:
    _, admin = create_token(atraxion.context, "admin", frozenset({Scope.ADMIN}), "ops")
    created = client.post(
        "/api/v1/admin/tokens",
        json={"name": "dash", "scopes": ["webshop:read"]},
        headers={**bearer(admin), "Idempotency-Key": "create-dash"},
    )
    assert created.status_code == 201
    assert atraxion.engine is not None
    assert created.json()["token"] not in dump_database(atraxion.engine)
    replay = client.post(
        "/api/v1/admin/tokens",
        json={"name": "dash", "scopes": ["webshop:read"]},
        headers={**bearer(admin), "Idempotency-Key": "create-dash"},
    )
    assert replay.status_code == 201 and replay.json()["id"] == created.json()["id"]
    assert replay.json()["token"] is None  # shown once: a replay does not show it again


@pytest.fixture
def every_log_record(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG):
        yield caplog


def logged_text(caplog: pytest.LogCaptureFixture) -> str:
    parts = []
    for record in caplog.records:
        parts += [record.getMessage(), repr(record.args), record.exc_text or "", repr(record.__dict__)]
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


def test_a_secret_never_appears_in_logs_or_problem_bodies(
    client: TestClient, atraxion: Atraxion, every_log_record: pytest.LogCaptureFixture
) -> None:
    _, pusher = create_token(atraxion.context, "odoo", frozenset({Scope.ODOO_PUSH}), "webshop")
    near_miss = pusher[:-2] + ("AA" if not pusher.endswith("AA") else "BB")
    answers = [
        client.post(
            "/api/v1/odoo/products", content=PUSH, headers={**bearer(pusher), "Content-Type": "application/json"}
        ),
        client.post(
            "/api/v1/odoo/products", content=b"{", headers={**bearer(pusher), "Content-Type": "application/json"}
        ),
        client.post("/api/v1/odoo/products", content=PUSH, headers={**bearer(pusher), "Content-Type": "text/plain"}),
        client.post("/api/v1/odoo/nope", content=PUSH, headers={**bearer(pusher), "Content-Type": "application/json"}),
        client.get("/api/v1/webshop/products/changes", headers=bearer(pusher)),  # 403
        client.get("/api/v1/webshop/products/changes", headers=bearer(near_miss)),  # 401
        client.get("/api/v1/webshop/products/changes", headers={"Authorization": pusher}),  # 401, no scheme
    ]
    assert [a.status_code for a in answers] == [200, 400, 415, 404, 403, 401, 401]
    logged = logged_text(every_log_record)
    for secret in (pusher, near_miss):
        assert secret not in logged
        for answer in answers[1:]:
            assert secret not in answer.text, answer.text
    assert {"token", "secret"}.isdisjoint(k.lower() for a in answers[1:] for k in a.json())
    if atraxion.engine is not None:  # nor in the database (request logs included)
        dump = dump_database(atraxion.engine)
        assert pusher not in dump and near_miss not in dump


def test_a_token_is_shown_once_and_never_listed(client: TestClient, atraxion: Atraxion) -> None:
    _, admin = create_token(atraxion.context, "admin", frozenset({Scope.ADMIN}), "ops")
    created = client.post(
        "/api/v1/admin/tokens", json={"name": "dash", "scopes": ["webshop:read"]}, headers=bearer(admin)
    )
    assert created.status_code == 201
    secret = created.json()["token"]
    listed = client.get("/api/v1/admin/tokens", headers=bearer(admin))
    assert listed.status_code == 200 and secret not in listed.text and admin not in listed.text
    assert client.get("/api/v1/webshop/products/changes", headers=bearer(secret)).status_code == 200


def test_the_app_works_with_hashes_only(atraxion: Atraxion) -> None:
    """A token read back from storage carries its hash, never its secret."""
    token, secret = create_token(atraxion.context, "shop", frozenset({Scope.WEBSHOP_READ}), "webshop")
    (stored,) = [t for t in atraxion.context.transaction(lambda uow: uow.tokens.list()) if t.id == token.id]
    assert secret not in repr(stored) and stored.matches(secret) and not stored.matches(secret + "x")
    with TestClient(create_app(atraxion)) as fresh_client:  # a new process would only have the database
        assert fresh_client.get("/api/v1/webshop/products/changes", headers=bearer(secret)).status_code == 200
