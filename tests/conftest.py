"""Shared fixtures: the same tests run on memory, SQLite, MariaDB and PostgreSQL.

MariaDB tests use ``ATRAXION_TEST_MYSQL_URL`` (default ``mysql+pymysql://root@127.0.0.1:3306/test``),
PostgreSQL tests ``ATRAXION_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); each session creates a database of its own on
each server (so concurrent runs never meet) and drops it at the end. With ``CI=true`` a missing
server fails the run; elsewhere those tests are skipped with the reason.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from attrs import frozen
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
POSTGRES_URL = os.environ.get("ATRAXION_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def service_unavailable(name: str, reason: str) -> None:
    """Skip on a laptop, fail in CI: CI must run every backend for real."""
    message = f"{name} is not reachable ({reason})"
    if IN_CI:
        pytest.fail(f"{message}, and CI=true requires it", pytrace=False)
    pytest.skip(message)


@frozen
class Server:
    """A database server the tests may create databases on."""

    title: str
    url: str
    fixture: str  # the session fixture holding this server's migrated engine
    drop_options: str = ""

    def create(self, name: str, options: str) -> str:
        return f"CREATE DATABASE {name} {options}".strip()

    def drop(self, name: str) -> str:
        return f"DROP DATABASE {name} {self.drop_options}".strip()


SERVERS = {
    "mariadb": Server("MariaDB", MYSQL_URL, "mysql_engine"),
    # PostgreSQL refuses to drop a database someone is connected to (a pool not yet closed, say).
    "postgresql": Server("PostgreSQL", POSTGRES_URL, "postgres_engine", "WITH (FORCE)"),
}
DEFAULT_OPTIONS = {"mariadb": "CHARACTER SET utf8mb4", "postgresql": "TEMPLATE template0 ENCODING 'UTF8'"}
"""Databases are made with the server's default collation (MariaDB: case-insensitive, PAD SPACE;
PostgreSQL: the cluster's locale): the migrations must make keys compare byte for byte whatever it is.
PostgreSQL copies ``template0``, which nobody may connect to, so that two runs creating databases at
once never find the template busy."""


@contextmanager
def server_database(backend: str, prefix: str = "atraxion_test", options: str | None = None) -> Iterator[str]:
    """The URL of a new, empty database of its own on ``backend``'s server, dropped afterwards.
    An unreachable server skips the test (fails it under CI=true)."""
    server = SERVERS[backend]
    url = make_url(server.url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine_from_url(url.render_as_string(hide_password=False))
        with admin.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")  # PostgreSQL: no CREATE DATABASE in a transaction
            conn.execute(text(server.create(name, DEFAULT_OPTIONS[backend] if options is None else options)))
    except Exception as error:  # noqa: BLE001
        service_unavailable(server.title, f"{type(error).__name__}: {error}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text(server.drop(name)))
        admin.dispose()


def _session_engine(backend: str) -> Iterator[Engine]:
    with server_database(backend) as url:
        engine = create_engine_from_url(url)
        upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def mysql_engine() -> Iterator[Engine]:
    """A fresh, migrated MariaDB/MySQL database for the whole session, dropped at the end."""
    yield from _session_engine("mariadb")


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """A fresh, migrated PostgreSQL database for the whole session, dropped at the end."""
    yield from _session_engine("postgresql")


def blank_database(backend: str, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database of its own on ``backend`` ("sqlite", "mariadb" or
    "postgresql"), for tests of migrations (the session's databases are already at head).
    MariaDB's is made with ``utf8mb4_bin``, the collation the tests' databases had before 0006."""
    if backend == "sqlite":
        engine = create_engine_from_url(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    options = "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" if backend == "mariadb" else None
    with server_database(backend, "atraxion_migrate", options) as url:
        engine = create_engine_from_url(url)
        try:
            yield engine
        finally:
            engine.dispose()


def server_engine(request: pytest.FixtureRequest, backend: str) -> Engine:
    """The session's migrated engine on ``backend`` ("mariadb" or "postgresql"), emptied."""
    engine: Engine = request.getfixturevalue(SERVERS[backend].fixture)
    _truncate(engine)
    return engine


def _truncate(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


TEST_SECRET_KEY = "oQ0rjB0bV1a9j4C5mLr3hYl0qgT2mX1c8i0XJ7pQm4E="
"""The key sealing webhook secrets in tests (docs/deploying.md, "Secrets"), so none writes a key file."""


def _settings(url: str) -> Settings:
    return Settings(database_url=url, secret_key=TEST_SECRET_KEY)


SERVER_BACKENDS = [
    pytest.param("mariadb", marks=pytest.mark.mariadb),
    pytest.param("postgresql", marks=pytest.mark.postgresql),
]
SQL_BACKENDS = ["sqlite", *SERVER_BACKENDS]
BACKENDS = ["memory", *SQL_BACKENDS]


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """A test that runs ``atraxion.entrypoints.cli.main`` in process configures the root logger with a
    handler on that test's captured stderr, closed once the test ends: take it away again, so that
    no later test logs into a closed stream."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)


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
    engine = server_engine(request, backend)
    app = bootstrap(_settings(engine.url.render_as_string(hide_password=False)), clock=clock, migrate=False)
    yield app
    app.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """One line with the number of cases Schemathesis generated, so that CI shows it."""
    counts = config.stash.get(SCHEMATHESIS_CASES, {})
    if counts:
        parts = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
        terminalreporter.write_line(f"schemathesis: {sum(counts.values())} cases ({parts}), every check")
