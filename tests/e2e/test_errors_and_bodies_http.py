"""How errors and request bodies are answered, whatever raised them: a conflict that escapes is a
409/503 problem, anything unexpected a 500 problem carrying the request id, logged once; a body
that trickles in keeps garbage collection on and is cut off at the read timeout."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from atraxion.bootstrap import Atraxion
from atraxion.entrypoints.http import create_app
from atraxion.ports.unit_of_work import ConcurrentUpdate, DuplicateKey
from tests.e2e.conftest import Tokens


async def _raise(request: Request) -> Response:
    raise {"duplicate": DuplicateKey, "busy": ConcurrentUpdate, "bug": RuntimeError}[request.path_params["what"]](
        "Duplicate entry 'X' for key 'uq_products_key'"
    )


@pytest.fixture
def raising(atraxion: Atraxion) -> Iterator[TestClient]:
    app = create_app(atraxion, extra_routes=[Route("/raise/{what}", _raise)])
    with TestClient(app, raise_server_exceptions=True) as client:
        yield client


@pytest.mark.parametrize(("what", "status"), [("duplicate", 409), ("busy", 503)])
def test_a_conflict_that_escapes_is_a_409_or_503_problem(raising: TestClient, what: str, status: int) -> None:
    response = raising.get(f"/raise/{what}")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert "Duplicate entry" not in response.text  # the database's words stay in the service log


def test_a_500_carries_the_request_id_and_is_logged_once_with_it(
    raising: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = raising.get("/raise/bug", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "req-42"
    assert response.json()["status"] == 500 and "Duplicate entry" not in response.text
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "req-42" in errors[0].getMessage(), [r.getMessage() for r in errors]


def test_a_500_without_a_given_request_id_gets_one(raising: TestClient) -> None:
    response = raising.get("/raise/bug")
    assert response.status_code == 500 and len(response.headers["x-request-id"]) == 32


# --- Bodies that trickle in: driven through the ASGI interface, one chunk at a time ------------------


def _call(app: Any, path: str, chunks: list[bytes], delay: float, headers: dict[str, str]) -> tuple[int, bool]:
    """POST ``chunks`` to ``app`` with ``delay`` seconds before each; the status, and whether the
    collector was enabled whenever the app asked for more of the body."""
    enabled_throughout = True
    sent: list[dict[str, Any]] = []

    async def run() -> None:
        nonlocal enabled_throughout
        pending = list(chunks)

        async def receive() -> dict[str, Any]:
            nonlocal enabled_throughout
            enabled_throughout &= gc.isenabled()
            if not pending:
                await asyncio.sleep(3600)  # the client is done: it waits for the answer
            await asyncio.sleep(delay)
            chunk = pending.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        await app(scope, receive, send)

    asyncio.run(run())
    return sent[0]["status"], enabled_throughout


def _big_push(count: int) -> bytes:
    records = [{"externalId": f"P{i}", "data": {"name": "x" * 200}} for i in range(count)]
    return json.dumps({"records": records}).encode()


def test_a_large_push_that_uploads_slowly_leaves_garbage_collection_on(atraxion: Atraxion, tokens: Tokens) -> None:
    body = _big_push(400)  # ~100 KB: above the size from which the push pauses the collector
    chunks = [body[i : i + 16384] for i in range(0, len(body), 16384)]
    headers = {**tokens.odoo, "Content-Type": "application/json", "Content-Length": str(len(body))}
    assert gc.isenabled()
    status, enabled = _call(create_app(atraxion), "/api/v1/odoo/products", chunks, 0.05, headers)
    assert status == 200
    assert enabled, "the collector was paused while the body was still arriving"
    assert gc.isenabled()


def test_a_body_that_does_not_arrive_in_time_is_a_408(atraxion: Atraxion, tokens: Tokens) -> None:
    slow = attrs.evolve(atraxion, settings=attrs.evolve(atraxion.settings, body_timeout=0.3))
    body = _big_push(10)
    chunks = [body[i : i + 100] for i in range(0, len(body), 100)]
    headers = {**tokens.odoo, "Content-Type": "application/json"}
    status, _ = _call(create_app(slow), "/api/v1/odoo/products", chunks, 0.1, headers)
    assert status == 408
    assert atraxion.context.transaction(lambda uow: uow.records.count("products")) == 0
