"""Shared fixtures: the same tests run on memory, SQLite and MariaDB.

MariaDB tests use ``ATRAXION_TEST_MYSQL_URL`` (default ``mysql+pymysql://root@127.0.0.1:3306/test``)
and a database of their own created for the session. With ``CI=true`` a missing server fails the
run; elsewhere those tests are skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from atraxion.adapters.sqlalchemy import create_engine_from_url, upgrade
from atraxion.adapters.sqlalchemy.tables import metadata
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.testing import FakeClock

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SCHEMATHESIS_CASES = pytest.StashKey[dict[str, int]]()
"""How many cases tests/e2e/test_openapi_conformance.py generated, by kind (see the summary hook)."""
MYSQL_URL = os.environ.get("ATRAXION_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")


def service_unavailable(name: str, reason: str) -> None:
    """Skip on a laptop, fail in CI: CI must run every backend for real."""
    message = f"{name} is not reachable ({reason})"
    if IN_CI:
        pytest.fail(f"{message}, and CI=true requires it", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def mysql_engine() -> Iterator[Engine]:
    """A fresh, migrated MariaDB/MySQL database for the whole session, dropped at the end. It is
    created with the server's default collation (case-insensitive, PAD SPACE): the migrations
    must make keys compare byte for byte whatever the database's default."""
    server = make_url(MYSQL_URL)
    name = f"atraxion_test_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine_from_url(server.render_as_string(hide_password=False))
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
    except Exception as error:  # noqa: BLE001
        service_unavailable("MariaDB", f"{type(error).__name__}: {error}")
    engine = create_engine_from_url(server.set(database=name).render_as_string(hide_password=False))
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {name}"))
        admin.dispose()


def _truncate(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


TEST_SECRET_KEY = "oQ0rjB0bV1a9j4C5mLr3hYl0qgT2mX1c8i0XJ7pQm4E="
"""The key sealing webhook secrets in tests (docs/deploying.md, "Secrets"), so none writes a key file."""


def _settings(url: str) -> Settings:
    return Settings(database_url=url, secret_key=TEST_SECRET_KEY)


BACKENDS = ["memory", "sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def atraxion(backend: str, clock: FakeClock, tmp_path: object, request: pytest.FixtureRequest) -> Iterator[Atraxion]:
    """A wired application on the backend under test, empty."""
    yield from make_atraxion(backend, clock, request)


def make_atraxion(backend: str, clock: FakeClock, request: pytest.FixtureRequest) -> Iterator[Atraxion]:
    if backend == "memory":
        app = bootstrap(_settings("memory://"), clock=clock)
        yield app
        return
    if backend == "sqlite":
        path = request.getfixturevalue("tmp_path") / "atraxion.db"
        app = bootstrap(_settings(f"sqlite:///{path}"), clock=clock)
        yield app
        app.close()
        return
    engine: Engine = request.getfixturevalue("mysql_engine")
    _truncate(engine)
    app = bootstrap(_settings(engine.url.render_as_string(hide_password=False)), clock=clock, migrate=False)
    yield app
    app.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """One line with the number of cases Schemathesis generated, so that CI shows it."""
    counts = config.stash.get(SCHEMATHESIS_CASES, {})
    if counts:
        parts = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
        terminalreporter.write_line(f"schemathesis: {sum(counts.values())} cases ({parts}), every check")
