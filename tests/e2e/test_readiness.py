"""``GET /ready`` tells the truth: 503 naming the failing check when the database or the configured
broker does not answer (real unreachable ports), and publishing to a missing broker is one warning
line with the count, not pages of library tracebacks."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import attrs
import pytest
from cryptography.fernet import Fernet
from starlette.testclient import TestClient

from atraxion.adapters.queue.dramatiq_broker import make_dramatiq_queue
from atraxion.adapters.secret_box import SecretBox
from atraxion.adapters.sqlalchemy import SqlUnitOfWork, create_engine_from_url
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.entrypoints.http import create_app
from atraxion.testing import FakeClock
from tests.dramatiq_brokers import BROKERS, broker_url
from tests.e2e.test_serve_smoke import free_port  # a port nothing listens on: bound, then released

QUEUE_LOGGER = "atraxion.adapters.queue.dramatiq_broker"


def unreachable(kind: str) -> str:
    port = free_port()
    return f"redis://127.0.0.1:{port}/15" if kind == "redis" else f"amqp://guest:secret-pw@127.0.0.1:{port}/%2F"


@pytest.fixture
def sqlite_app(tmp_path: object) -> Iterator[Atraxion]:
    app = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/ready.db"), clock=FakeClock())
    yield app
    app.close()


def _ready(app: Atraxion) -> tuple[int, dict[str, object]]:
    with TestClient(create_app(app)) as client:
        answer = client.get("/ready")
    return answer.status_code, answer.json()


def test_ready_with_the_database_and_no_broker(sqlite_app: Atraxion) -> None:
    assert _ready(sqlite_app) == (200, {"status": "ready", "checks": {"database": "ok"}})


def test_unready_when_the_database_does_not_answer(sqlite_app: Atraxion) -> None:
    engine = create_engine_from_url(f"mysql+pymysql://root:db-secret@127.0.0.1:{free_port()}/atraxion")
    gone = attrs.evolve(
        sqlite_app.context, uow=lambda: SqlUnitOfWork(engine, None, secrets=SecretBox([Fernet.generate_key()]))
    )
    app = attrs.evolve(sqlite_app, context=gone)

    status, body = _ready(app)

    assert status == 503
    assert body["status"] == "unready"
    checks = body["checks"]
    assert isinstance(checks, dict) and set(checks) == {"database"}
    assert "Connection refused" in checks["database"] and "db-secret" not in checks["database"]
    engine.dispose()


@pytest.mark.parametrize("kind", BROKERS)
def test_ready_with_a_broker_that_answers(kind: str, tmp_path: object) -> None:
    url = broker_url(kind)
    app = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/ready.db", broker_url=url), clock=FakeClock())
    try:
        assert _ready(app) == (200, {"status": "ready", "checks": {"database": "ok", "broker": "ok"}})
    finally:
        app.close()


@pytest.mark.parametrize("kind", ["redis", "rabbitmq"])
def test_unready_when_the_configured_broker_does_not_answer(
    kind: str, tmp_path: object, capfd: pytest.CaptureFixture[str]
) -> None:
    url = unreachable(kind)
    app = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/ready.db", broker_url=url), clock=FakeClock())
    try:
        status, body = _ready(app)
    finally:
        app.close()

    assert status == 503
    assert body["status"] == "unready"
    checks = body["checks"]
    assert isinstance(checks, dict) and checks["database"] == "ok"
    assert checks["broker"] != "ok" and "secret-pw" not in str(body)
    assert "Traceback" not in "".join(capfd.readouterr())


@pytest.mark.parametrize("kind", ["redis", "rabbitmq"])
def test_publishing_to_a_missing_broker_is_one_warning_with_the_count(
    kind: str, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)  # everything any logger says, at every level
    queue = make_dramatiq_queue(unreachable(kind))
    try:
        queue.publish([1, 2, 3])
    finally:
        queue.stop()

    ours = [r for r in caplog.records if r.name == QUEUE_LOGGER and r.levelno >= logging.WARNING]
    assert len(ours) == 1
    message = ours[0].getMessage()
    assert "could not publish 3 outbox entries" in message and "secret-pw" not in message
    assert [r.name for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
