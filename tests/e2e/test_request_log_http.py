"""The request log over HTTP, on every backend: each /api/ request leaves one row with what an
operator needs (and no secret), and admins read it newest first through /api/v1/admin/logs."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from atraxion.adapters.sqlalchemy.tables import api_logs
from atraxion.application import request_log
from atraxion.application.tokens import list_tokens
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.domain.request_log import ApiLogEntry
from atraxion.entrypoints.http import create_app
from tests.e2e.conftest import Tokens

PRODUCTS = {"records": [{"externalId": "DESK", "data": {"name": "Desk", "price": 10}}]}
SECRET = "atx_SECRETSECRET"
PASSWORD = "hunter2-Pa55word"
IDEMPOTENCY_KEY = "idem-KEYKEYKEY-42"


def flushed(client: TestClient) -> list[ApiLogEntry]:
    """Every stored row, newest first, after writing what the buffer holds."""
    client.app.state.api_log.flush()  # type: ignore[attr-defined]
    atraxion: Atraxion = client.app.state.atraxion  # type: ignore[attr-defined]
    return request_log.search(atraxion.context, None, None, 10_000, None)


def token_id(app: Atraxion, name: str) -> int | None:
    return next(t.id for t in list_tokens(app.context) if t.name == name)


def test_each_api_request_leaves_one_row(client: TestClient, tokens: Tokens, atraxion: Atraxion) -> None:
    pushed = client.post("/api/v1/odoo/products", json=PRODUCTS, headers=tokens.odoo)
    polled = client.get("/api/v1/webshop/products/changes?limit=5", headers=tokens.shop)
    anonymous = client.get("/api/v1/webshop/products/changes")
    unknown = client.post("/api/v1/odoo/chairs", json=PRODUCTS, headers=tokens.odoo)
    for path in ("/health", "/ready", "/metrics", "/openapi.json", "/docs"):
        assert client.get(path).status_code == 200
    assert [r.status_code for r in (pushed, polled, anonymous, unknown)] == [200, 200, 401, 404]

    rows = list(reversed(flushed(client)))

    assert [(r.method, r.path, r.status_code) for r in rows] == [
        ("POST", "/api/v1/odoo/products", 200),
        ("GET", "/api/v1/webshop/products/changes", 200),
        ("GET", "/api/v1/webshop/products/changes", 401),
        ("POST", "/api/v1/odoo/chairs", 404),
    ]
    push, poll, anon, missing = rows
    assert [r.request_id for r in rows] == [r.headers["x-request-id"] for r in (pushed, polled, anonymous, unknown)]
    assert (push.token_id, push.consumer) == (token_id(atraxion, "odoo"), "webshop")
    assert (poll.token_id, poll.consumer, poll.query) == (token_id(atraxion, "shop"), "webshop", "limit=5")
    assert (anon.token_id, anon.consumer) == (None, None)
    assert all(r.duration_ms > 0 and r.direction.value == "inbound" for r in rows)
    assert (push.error, poll.error) == (None, None)
    assert anon.error == anonymous.json()["detail"] and missing.error == unknown.json()["detail"]
    assert all(r.at == atraxion.context.clock.now() for r in rows)


def dump(atraxion: Atraxion) -> str:
    """Every stored row as text: the raw table on SQL backends, the stored values everywhere."""
    text = [repr(e) for e in request_log.search(atraxion.context, None, None, 10_000, None)]
    if atraxion.engine is not None:
        with atraxion.engine.connect() as conn:
            text += [repr(tuple(row)) for row in conn.execute(select(api_logs))]
    return "\n".join(text)


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """What the service logged. The test client's own request lines (logger ``httpx…``) are left out:
    they are the caller's log, which shows the URL the caller chose to send."""
    parts = []
    for record in caplog.records:
        if record.name.startswith("httpx"):
            continue
        parts += [record.getMessage(), repr(record.args), record.exc_text or "", repr(record.__dict__)]
    return "\n".join(parts)


def test_no_secret_reaches_a_row_or_the_log(
    client: TestClient, tokens: Tokens, atraxion: Atraxion, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = {"records": [{"externalId": "SAFE", "data": {"password": PASSWORD, "apiKey": SECRET}}]}
    invalid = {"records": [{"externalId": "BAD", "data": {}, "password": PASSWORD, "token": SECRET}]}
    headers = {**tokens.odoo, "Idempotency-Key": IDEMPOTENCY_KEY}
    answers = [
        client.post(f"/api/v1/odoo/products?api_key={SECRET}&password={PASSWORD}&limit=1", json=body, headers=headers),
        client.post("/api/v1/odoo/products", json=body, headers=headers),  # a replay
        client.post("/api/v1/odoo/products", json=invalid, headers=tokens.odoo),
        client.get("/api/v1/webshop/products/changes", headers={"Authorization": f"Bearer {SECRET}"}),
        client.post("/api/v1/admin/tokens", json={"name": "x", "scopes": [SECRET]}, headers=tokens.admin),
        client.post("/api/v1/admin/tokens", json={"name": "dash", "scopes": ["webshop:read"]}, headers=tokens.admin),
    ]
    assert [a.status_code for a in answers] == [200, 200, 422, 401, 422, 201]
    assert SECRET in answers[4].text  # the problem detail echoes the bad scope: the row must not
    rows = flushed(client)
    assert len(rows) == len(answers)
    assert rows[1].error is not None and "atx_***" in rows[1].error

    secrets = [SECRET, "SECRETSECRET", PASSWORD, "hunter2", IDEMPOTENCY_KEY, answers[5].json()["token"]]
    secrets += [h.removeprefix("Bearer ") for t in (tokens.odoo, tokens.admin) for h in t.values()]
    stored, log_text = dump(atraxion), logged(caplog)
    assert "/api/v1/odoo/products" in stored and "limit=1" in stored  # the dump is not empty
    for secret in secrets:
        assert secret not in stored, secret
        assert secret not in log_text, secret


def test_admins_search_by_path_prefix_and_status_newest_first(client: TestClient, tokens: Tokens) -> None:
    for _ in range(3):
        client.post("/api/v1/odoo/products", json=PRODUCTS, headers=tokens.odoo)
        client.post("/api/v1/odoo/partners", json={"records": [{"data": {}}]}, headers=tokens.odoo)  # 422
        client.get("/api/v1/webshop/products/changes", headers=tokens.shop)
    client.post("/api/v1/odoo/products", json={"records": []}, headers=tokens.odoo)  # 422
    rows = flushed(client)

    def every_page(query: str, limit: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        before = ""
        while True:
            page = client.get(f"/api/v1/admin/logs?{query}&limit={limit}{before}", headers=tokens.admin)
            assert page.status_code == 200, page.text
            assert len(page.json()["items"]) <= limit
            items += page.json()["items"]
            if page.json()["nextBefore"] is None:
                return items
            before = f"&before={page.json()['nextBefore']}"

    failed_pushes = every_page("path=/api/v1/odoo&status=422", 2)
    expected = [r.id for r in rows if r.path.startswith("/api/v1/odoo") and r.status_code == 422]
    assert [i["id"] for i in failed_pushes] == expected and len(expected) == 4
    assert {i["path"] for i in failed_pushes} == {"/api/v1/odoo/partners", "/api/v1/odoo/products"}
    assert all(i["statusCode"] == 422 and i["error"] and i["method"] == "POST" for i in failed_pushes)

    products = every_page("path=/api/v1/odoo/products", 3)
    assert [i["id"] for i in products] == [r.id for r in rows if r.path == "/api/v1/odoo/products"]
    first = products[-1]
    assert first["tokenId"] is not None and first["consumer"] == "webshop" and first["direction"] == "inbound"
    assert first["at"].endswith("Z") and first["durationMs"] > 0 and first["requestId"]


def test_the_log_is_for_admins_and_its_filters_are_checked(client: TestClient, tokens: Tokens) -> None:
    assert client.get("/api/v1/admin/logs", headers=tokens.shop).status_code == 403
    assert client.get("/api/v1/admin/logs").status_code == 401
    for query in ("status=abc", "status=99", "limit=0", "limit=1001", "before=-1", "before=x", "path=" + "p" * 513):
        answer = client.get(f"/api/v1/admin/logs?{query}", headers=tokens.admin)
        assert answer.status_code == 422, query


def test_the_flusher_runs_with_the_app_and_writes_the_rest_at_shutdown(atraxion: Atraxion, tokens: Tokens) -> None:
    app = create_app(atraxion)
    app.state.api_log.interval = 0.05
    with TestClient(app) as client:
        client.get("/api/v1/webshop/products/changes", headers=tokens.shop)
        deadline = time.monotonic() + 5
        while not request_log.search(atraxion.context, None, None, 10, None) and time.monotonic() < deadline:
            time.sleep(0.02)  # nobody flushes here: the background thread must
        assert len(request_log.search(atraxion.context, None, None, 10, None)) == 1
        client.get("/api/v1/webshop/products/changes", headers=tokens.shop)
    assert len(request_log.search(atraxion.context, None, None, 10, None)) == 2


def test_without_a_lifespan_entries_wait_bounded_and_drops_are_counted(atraxion: Atraxion, tokens: Tokens) -> None:
    client = TestClient(create_app(atraxion))  # no `with`: no lifespan, so no flusher thread
    client.app.state.api_log.capacity = 2  # type: ignore[attr-defined]
    for _ in range(5):
        assert client.get("/api/v1/webshop/products/changes", headers=tokens.shop).status_code == 200
    metrics = client.get("/metrics").text
    assert "atraxion_api_log_dropped_total 3.0\n" in metrics and "atraxion_api_log_pending 2.0\n" in metrics
    assert request_log.search(atraxion.context, None, None, 10, None) == []
    assert len(flushed(client)) == 2


def test_an_unhandled_error_is_recorded_as_a_500(atraxion: Atraxion) -> None:
    async def boom(request: Request) -> Response:
        raise RuntimeError("boom")

    app = create_app(atraxion, extra_routes=[Route("/api/v1/boom", boom)])
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/api/v1/boom").status_code == 500
        (row,) = flushed(client)
    assert (row.path, row.status_code) == ("/api/v1/boom", 500)
    assert row.error is not None and "request id" in row.error and row.request_id


def test_the_log_can_be_turned_off() -> None:
    assert Settings.from_env({"ATRAXION_API_LOG": "0"}, env_file=None).api_log_enabled is False
    assert Settings.from_env({}, env_file=None).api_log_enabled is True
    app = bootstrap(Settings(database_url="memory://", api_log_enabled=False))
    with TestClient(create_app(app)) as client:
        assert client.app.state.api_log is None  # type: ignore[attr-defined]
        assert client.get("/api/v1/admin/logs").status_code == 401
        assert "atraxion_api_log_dropped_total 0.0\n" in client.get("/metrics").text
    assert request_log.search(app.context, None, None, 10, None) == []
    app.close()
