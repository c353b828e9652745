"""The idempotency claim on every backend: in the command's unit of work, waited on by duplicates.

A command that is held open (an event) shows what a duplicate does meanwhile; one that raises after
its writes is the crash between the work and the commit.
"""

from __future__ import annotations

import json
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import attrs
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, column, func, select, table
from starlette.testclient import TestClient

from atraxion.adapters.secret_box import SecretBox
from atraxion.adapters.sqlalchemy import create_engine_from_url, upgrade
from atraxion.adapters.sqlalchemy.tables import idempotency_keys
from atraxion.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from atraxion.application import tokens
from atraxion.application.command import Command
from atraxion.application.context import Context
from atraxion.application.idempotency import Answered, IdempotencyInProgress, IdempotentRequest, run_once
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.domain.auth import Scope
from atraxion.entrypoints.http import create_app
from atraxion.ports.idempotency import Answer
from atraxion.ports.unit_of_work import UnitOfWork
from tests.conftest import SERVER_BACKENDS, SQL_BACKENDS, blank_database, server_engine

READ = frozenset({Scope.WEBSHOP_READ})
OWNER = "1:POST /api/v1/admin/tokens"


def view(new: tokens.NewToken) -> Answer:
    return Answer(201, json.dumps({"id": new.token.id, "name": new.token.name}).encode(), "application/json")


def creation(ctx: Context, name: str, during: Callable[[], None] = lambda: None) -> Command[tokens.NewToken]:
    """Issue a token named ``name``; ``during`` runs after the write, inside the unit of work."""
    inner = tokens.token_creation(ctx, name, READ, "webshop")

    def work(uow: UnitOfWork) -> tokens.NewToken:
        new = inner.work(uow)
        during()
        return new

    return Command(work)


def ask(key: str, body: str = "dash") -> IdempotentRequest:
    return IdempotentRequest(OWNER, key, f"sha-of-{body}")


def names(ctx: Context) -> list[str]:
    return [t.name for t in tokens.list_tokens(ctx)]


class Background(threading.Thread):
    """``run_once`` in a thread, keeping its answer or error."""

    def __init__(self, call: Callable[[], Answered]) -> None:
        super().__init__(daemon=True)
        self.call = call
        self.answered: Answered | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.answered = self.call()
        except BaseException as error:  # noqa: BLE001 - inspected by the test
            self.error = error

    def result(self) -> Answered:
        self.join(timeout=60)
        if self.error is not None:
            raise AssertionError("".join(traceback.format_exception(self.error)))
        assert self.answered is not None
        return self.answered


def test_a_crash_after_the_work_inside_the_unit_of_work_stores_nothing_and_the_replay_does_it_once(
    atraxion: Atraxion,
) -> None:
    ctx = atraxion.context

    def crash() -> None:
        raise RuntimeError("the process died between the work and the commit")

    with pytest.raises(RuntimeError):
        run_once(ctx, ask("k"), creation(ctx, "dash", during=crash), view)
    assert names(ctx) == []  # neither the token nor the claim
    replay = run_once(ctx, ask("k"), creation(ctx, "dash"), view)
    again = run_once(ctx, ask("k"), creation(ctx, "dash"), view)
    assert (replay.replayed, again.replayed) == (False, True) and again.answer == replay.answer
    assert names(ctx) == ["dash"]


def test_a_concurrent_duplicate_waits_for_the_first_answer_and_replays_it(atraxion: Atraxion) -> None:
    ctx = atraxion.context
    working, release = threading.Event(), threading.Event()
    first = Background(lambda: run_once(ctx, ask("k"), creation(ctx, "dash", during=held(working, release)), view))
    first.start()
    assert working.wait(timeout=30)
    duplicate = Background(lambda: run_once(ctx, ask("k"), creation(ctx, "dash"), view))
    duplicate.start()
    duplicate.join(timeout=0.5)
    assert duplicate.is_alive(), "the duplicate did not wait for the first request"
    release.set()
    answered, replayed = first.result(), duplicate.result()
    assert (answered.replayed, replayed.replayed) == (False, True) and replayed.answer == answered.answer
    assert names(ctx) == ["dash"]


def test_a_waiting_duplicate_does_the_work_when_the_first_request_fails(atraxion: Atraxion) -> None:
    ctx = atraxion.context
    working, release = threading.Event(), threading.Event()

    def fail_when_released() -> None:
        held(working, release)()
        raise RuntimeError("the first request failed")

    first = Background(lambda: run_once(ctx, ask("k"), creation(ctx, "first", during=fail_when_released), view))
    first.start()
    assert working.wait(timeout=30)
    duplicate = Background(lambda: run_once(ctx, ask("k"), creation(ctx, "second"), view))
    duplicate.start()
    duplicate.join(timeout=0.5)
    release.set()
    first.join(timeout=60)
    assert isinstance(first.error, RuntimeError)
    assert not duplicate.result().replayed and names(ctx) == ["second"]


def test_keys_differing_in_case_or_trailing_spaces_are_different_keys(atraxion: Atraxion) -> None:
    # MariaDB compares VARCHARs with PAD SPACE ("k" = "k "), and most collations ignore case.
    ctx = atraxion.context
    for key, body in (("k", "a"), ("k ", "b"), ("K", "c"), ("ķ", "d")):
        assert not run_once(ctx, ask(key, body), creation(ctx, body), view).replayed
    assert sorted(names(ctx)) == ["a", "b", "c", "d"]


def held(working: threading.Event, release: threading.Event) -> Callable[[], None]:
    def hold() -> None:
        working.set()
        assert release.wait(timeout=30)

    return hold


# --- MariaDB: a duplicate that cannot wait any longer ------------------------------------------------


@contextmanager
def claim_held(ctx: Context, owner: str, key: str) -> Iterator[None]:
    """A claim of ``key`` held open by another unit of work for the block, then rolled back."""
    working, release = threading.Event(), threading.Event()

    def claim_and_hold(uow: UnitOfWork) -> None:
        assert uow.idempotency.claim(owner, key, "any", ctx.clock.now()) is None
        held(working, release)()  # never completed, never committed

    holder = threading.Thread(target=ctx.transaction, args=(claim_and_hold,), daemon=True)
    holder.start()
    assert working.wait(timeout=30)
    try:
        yield
    finally:
        release.set()
        holder.join(timeout=30)


IMPATIENT = {
    "mariadb": {"init_command": "SET innodb_lock_wait_timeout=1"},
    "postgresql": {"options": "-c lock_timeout=1000"},
}
"""Connection arguments that make a lock wait give up after one second."""


@pytest.mark.parametrize("backend", SERVER_BACKENDS)
def test_a_duplicate_that_cannot_wait_is_a_409_in_progress(backend: str, request: pytest.FixtureRequest) -> None:
    url = server_engine(request, backend).url.render_as_string(hide_password=False)
    app = bootstrap(Settings(database_url=url), migrate=False)
    impatient_engine = create_engine_from_url(url, connect_args=IMPATIENT[backend])
    impatient = attrs.evolve(
        app.context, uow=lambda: SqlUnitOfWork(impatient_engine, secrets=SecretBox([Fernet.generate_key()]))
    )
    try:
        admin, secret = tokens.create_token(app.context, "admin", frozenset({Scope.ADMIN}), "ops")
        owner = f"{admin.id}:POST /api/v1/admin/tokens"
        with claim_held(app.context, owner, "k"), pytest.raises(IdempotencyInProgress, match="in progress"):
            run_once(impatient, IdempotentRequest(owner, "k", "x"), creation(impatient, "never"), view)

        headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "k"}
        body = {"name": "dash", "scopes": ["webshop:read"]}
        with TestClient(create_app(Atraxion(app.settings, impatient, impatient_engine))) as client:
            with claim_held(app.context, owner, "k"):
                busy = client.post("/api/v1/admin/tokens", json=body, headers=headers)
            done = client.post("/api/v1/admin/tokens", json=body, headers=headers)  # the claim was rolled back
        assert busy.status_code == 409 and busy.headers["retry-after"] == "1"
        assert busy.json()["type"].endswith("/idempotency-key-in-progress") and "in progress" in busy.json()["detail"]
        assert done.status_code == 201 and names(app.context) == ["admin", "dash"]
    finally:
        impatient_engine.dispose()
        app.close()


# --- Migration 0009 carries the answers stored before it ----------------------------------------------


@pytest.fixture(params=SQL_BACKENDS)
def blank_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from blank_database(request.param, tmp_path)


def test_migration_0009_keeps_the_answers_stored_before_it(blank_engine: Engine) -> None:
    upgrade(blank_engine, "0005")
    old = [
        {
            "scope": f"{n}:POST /api/v1/admin/tokens",
            "key": "k",
            "request_hash": f"sha-{n}",
            "status": 201,
            "content_type": "application/json",
            "body": json.dumps({"n": n}).encode(),
            "created_at": datetime(2026, 1, 1),
        }
        for n in range(1201)  # more than two pages of the migration's copy
    ]
    with blank_engine.begin() as conn:  # the table as 0001 made it
        conn.execute(table("idempotency_keys", *(column(c) for c in old[0])).insert(), old)
    upgrade(blank_engine)
    with blank_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(idempotency_keys)).scalar_one() == len(old)
    app = bootstrap(Settings(database_url=blank_engine.url.render_as_string(hide_password=False)), migrate=False)
    try:
        ctx = app.context
        for n in (0, 600, 1200):
            request = IdempotentRequest(f"{n}:POST /api/v1/admin/tokens", "k", f"sha-{n}")
            replay = run_once(ctx, request, creation(ctx, "never"), view)
            assert replay.replayed and json.loads(replay.answer.body) == {"n": n}
        assert names(ctx) == []
    finally:
        app.close()
