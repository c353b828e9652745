"""Concurrent requests with one ``Idempotency-Key`` over HTTP, on every backend: the work is done once.

Eight threads (one application) or eight spawned processes (an application and engine each, one
database) send the same request under the same key at the same moment. Every answer must be the
first one (a replayed token creation without its secret), or a 409 saying the key is in progress;
never a second token or order, never "already used" for the order's own retries.
"""

from __future__ import annotations

import multiprocessing
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from atraxion.application import tokens
from atraxion.application.ingest import ingest
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.domain.auth import Scope
from atraxion.entrypoints.http import create_app
from atraxion.entrypoints.inbound import parse_push
from tests.conftest import SERVER_BACKENDS, server_engine

WORKERS = 8
TOKEN_BODY = {"name": "dash", "scopes": ["webshop:read"], "consumer": "dash"}
ORDER = {"externalId": "SO1", "partnerExternalId": "P1", "lines": [{"productExternalId": "A", "quantity": 2}]}


def seed(app: Atraxion) -> dict[str, str]:
    """A partner and a product with their odooIds (what an order needs), and two callers' headers."""
    ingest(app.context, parse_push("partners", {"records": [{"externalId": "P1", "odooId": 7, "data": {}}]}))
    ingest(app.context, parse_push("products", {"records": [{"externalId": "A", "odooId": 9, "data": {}}]}))
    _, admin = tokens.create_token(app.context, "admin", frozenset({Scope.ADMIN}), "ops")
    _, shop = tokens.create_token(app.context, "shop", frozenset({Scope.WEBSHOP_ORDERS}), "webshop")
    return {"admin": f"Bearer {admin}", "shop": f"Bearer {shop}"}


def at_once(send: Callable[[], tuple[int, dict[str, Any]]]) -> list[tuple[int, dict[str, Any]]]:
    """``send`` from WORKERS threads released together; their answers."""
    start = threading.Barrier(WORKERS)
    answers: list[tuple[int, dict[str, Any]]] = []
    errors: list[str] = []

    def worker() -> None:
        try:
            start.wait(timeout=30)
            answers.append(send())
        except BaseException:  # noqa: BLE001 - reported below
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[0]
    return answers


def post(client: TestClient, path: str, body: dict[str, Any], auth: str, key: str) -> tuple[int, dict[str, Any]]:
    response = client.post(path, json=body, headers={"Authorization": auth, "Idempotency-Key": key})
    return response.status_code, response.json()


def in_progress(answer: tuple[int, dict[str, Any]]) -> bool:
    status, body = answer
    return status == 409 and body["type"].endswith("/idempotency-key-in-progress") and "in progress" in body["detail"]


def check_token_answers(app: Atraxion, answers: list[tuple[int, dict[str, Any]]]) -> None:
    created = [t for t in tokens.list_tokens(app.context) if t.name == "dash"]
    assert len(created) == 1, f"{len(created)} tokens created under one key"
    done = [body for status, body in answers if status == 201]
    assert len(done) + sum(1 for a in answers if in_progress(a)) == len(answers), answers
    assert [b["token"] is not None for b in done].count(True) == 1  # the secret is shown once
    first = next(b for b in done if b["token"] is not None)
    assert first["token"].startswith("atx_")
    for body in done:
        assert {**body, "token": None} == {**first, "token": None} and body["id"] == created[0].id


def check_order_answers(app: Atraxion, answers: list[tuple[int, dict[str, Any]]]) -> None:
    entries = app.context.transaction(lambda uow: uow.outbox.list(None, None, 100))
    assert len(entries) == 1, f"{len(entries)} outbox entries for one order"
    assert app.context.transaction(lambda uow: uow.outbound_orders.get("SO1")) is not None
    expected = {"externalId": "SO1", "status": "pending", "queueId": entries[0].id}
    for answer in answers:
        assert answer == (202, expected) or in_progress(answer), answer  # never "already used"


def test_eight_concurrent_token_creations_under_one_key_create_one_token(atraxion: Atraxion) -> None:
    auth = seed(atraxion)["admin"]
    with TestClient(create_app(atraxion)) as client:
        answers = at_once(lambda: post(client, "/api/v1/admin/tokens", TOKEN_BODY, auth, "one-dash"))
    check_token_answers(atraxion, answers)


def test_eight_concurrent_identical_orders_under_one_key_are_one_order(atraxion: Atraxion) -> None:
    auth = seed(atraxion)["shop"]
    with TestClient(create_app(atraxion)) as client:
        answers = at_once(lambda: post(client, "/api/v1/webshop/sale-orders", ORDER, auth, "order-SO1"))
    check_order_answers(atraxion, answers)


def test_the_same_key_with_another_body_is_a_409_and_does_nothing(atraxion: Atraxion) -> None:
    auth = seed(atraxion)
    with TestClient(create_app(atraxion)) as client:
        assert post(client, "/api/v1/webshop/sale-orders", ORDER, auth["shop"], "k")[0] == 202
        status, problem = post(client, "/api/v1/webshop/sale-orders", {**ORDER, "externalId": "SO2"}, auth["shop"], "k")
        assert status == 409 and problem["type"].endswith("/idempotency-key-reused")
        assert post(client, "/api/v1/admin/tokens", TOKEN_BODY, auth["admin"], "k")[0] == 201  # another caller's key
        status, problem = post(client, "/api/v1/admin/tokens", {**TOKEN_BODY, "name": "x"}, auth["admin"], "k")
        assert status == 409 and problem["type"].endswith("/idempotency-key-reused")
    assert atraxion.context.transaction(lambda uow: uow.outbound_orders.get("SO2")) is None
    assert [t.name for t in tokens.list_tokens(atraxion.context)] == ["admin", "shop", "dash"]


def test_a_replayed_order_carries_its_location(atraxion: Atraxion) -> None:
    auth = seed(atraxion)["shop"]
    with TestClient(create_app(atraxion)) as client:
        headers = {"Authorization": auth, "Idempotency-Key": "k"}
        first = client.post("/api/v1/webshop/sale-orders", json=ORDER, headers=headers)
        replay = client.post("/api/v1/webshop/sale-orders", json=ORDER, headers=headers)
    assert replay.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert replay.headers["location"] == first.headers["location"] == "/api/v1/webshop/sale-orders/SO1/sync"
    assert (replay.status_code, replay.content) == (first.status_code, first.content)


# --- Processes --------------------------------------------------------------------------------------


def _process(url: str, auth: dict[str, str], barrier: Any, out: Any) -> None:
    """Runs in a spawned process: its own application and engine; the token, then the order."""
    answers: list[tuple[int, dict[str, Any]]] = []
    error = None
    try:
        app = bootstrap(Settings(database_url=url), migrate=False)
        try:
            with TestClient(create_app(app)) as client:
                barrier.wait(timeout=120)
                answers.append(post(client, "/api/v1/admin/tokens", TOKEN_BODY, auth["admin"], "one-dash"))
                barrier.wait(timeout=120)
                answers.append(post(client, "/api/v1/webshop/sale-orders", ORDER, auth["shop"], "order-SO1"))
        finally:
            app.close()
    except BaseException:  # noqa: BLE001 - sent back to the test
        error = traceback.format_exc()
        barrier.abort()
    out.put((answers, error))


def run_processes(app: Atraxion, url: str) -> None:
    auth = seed(app)
    mp = multiprocessing.get_context("spawn")
    barrier, out = mp.Barrier(WORKERS), mp.Queue()
    processes = [mp.Process(target=_process, args=(url, auth, barrier, out)) for _ in range(WORKERS)]
    for process in processes:
        process.start()
    try:
        outcomes = [out.get(timeout=240) for _ in processes]  # read before joining: queues must drain
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    errors = [error for _, error in outcomes if error]
    assert not errors, errors[0]
    check_token_answers(app, [answers[0] for answers, _ in outcomes])
    check_order_answers(app, [answers[1] for answers, _ in outcomes])


@pytest.fixture
def sqlite_file(tmp_path: Any) -> Iterator[tuple[Atraxion, str]]:
    url = f"sqlite:///{tmp_path / 'atraxion.db'}"
    app = bootstrap(Settings(database_url=url))
    yield app, url
    app.close()


def test_eight_processes_under_one_key_do_the_work_once_on_sqlite(sqlite_file: tuple[Atraxion, str]) -> None:
    run_processes(*sqlite_file)


@pytest.mark.parametrize("backend", SERVER_BACKENDS)
def test_eight_processes_under_one_key_do_the_work_once_on_a_database_server(
    backend: str, request: pytest.FixtureRequest
) -> None:
    url = server_engine(request, backend).url.render_as_string(hide_password=False)
    app = bootstrap(Settings(database_url=url), migrate=False)
    try:
        run_processes(app, url)
    finally:
        app.close()
