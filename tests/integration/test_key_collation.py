"""Keys and consumer names compare byte for byte on MariaDB and PostgreSQL whatever the database's
collation: migration 0006 sets a binary, no-pad collation on every key column (``"C"`` on
PostgreSQL), and a database whose key columns compare otherwise is refused at start with one line
naming the collation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from atraxion.adapters.sqlalchemy import create_engine_from_url, upgrade
from atraxion.adapters.sqlalchemy.collation import (
    KEY_COLUMNS,
    MARIADB,
    POSTGRESQL,
    UnsupportedCollation,
    column_collations,
)
from atraxion.application.context import Context
from atraxion.application.ingest import ingest
from atraxion.bootstrap import bootstrap
from atraxion.config import Settings
from atraxion.entrypoints import cli
from atraxion.entrypoints.inbound import parse_push
from atraxion.testing import FakeClock
from tests.conftest import SERVER_BACKENDS, server_database

MARIADB_DB = pytest.mark.mariadb
POSTGRESQL_DB = pytest.mark.postgresql
WANTED = {"mariadb": MARIADB, "postgresql": POSTGRESQL}
ICU = "TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
"""A PostgreSQL database whose default collation orders like a dictionary ("a" < "B" < "b")."""

DATABASES = [
    pytest.param(("mariadb", None), marks=MARIADB_DB, id="mariadb-server-default"),
    pytest.param(("mariadb", "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"), marks=MARIADB_DB, id="mariadb-utf8mb4_bin"),
    pytest.param(("mariadb", "CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"), marks=MARIADB_DB, id="mariadb-ci"),
    pytest.param(("postgresql", None), marks=POSTGRESQL_DB, id="postgresql-server-default"),
    pytest.param(("postgresql", ICU), marks=POSTGRESQL_DB, id="postgresql-icu-en-US"),
]
# A hand-made change of consumers.name to a collation that folds case or orders by a locale.
FOLDING = {
    "mariadb": (
        "ALTER TABLE consumers MODIFY name VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
        "utf8mb4_general_ci",
    ),
    "postgresql": ('ALTER TABLE consumers ALTER COLUMN name TYPE VARCHAR(64) COLLATE "en-US-x-icu"', "en-US-x-icu"),
}


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(backend, URL) of a database of its own, created with the given options, dropped after."""
    backend, options = request.param
    with server_database(backend, "atraxion_coll", options) as url:
        yield backend, url


def _collations(engine: Engine) -> dict[tuple[str, str], str]:
    with engine.connect() as conn:
        return column_collations(conn)


def _push(context: Context, entity: str, records: list[dict[str, object]]) -> None:
    ingest(context, parse_push(entity, {"records": records}))


def test_the_migration_gives_every_key_column_a_binary_no_pad_collation(database: tuple[str, str]) -> None:
    backend, url = database
    engine = create_engine_from_url(url)
    try:
        upgrade(engine)
        found = _collations(engine)
        for table, columns in KEY_COLUMNS.items():
            for column in columns:
                assert found[(table, column)] == WANTED[backend], (table, column)
    finally:
        engine.dispose()


def test_keys_and_consumers_are_byte_for_byte_on_any_database_collation(database: tuple[str, str]) -> None:
    _, url = database
    app = bootstrap(Settings(database_url=url), clock=FakeClock())
    try:
        keys = ["TRAIL", "TRAIL ", "SKU-abc", "SKU-ABC", "caf\u00e9", "cafe\u0301"]
        _push(app.context, "products", [{"externalId": k, "data": {"k": k}} for k in keys])
        assert app.context.transaction(lambda uow: uow.records.count("products")) == len(keys)
        long_key = {"pricelistExternalId": "L" * 255, "productExternalId": "P" * 255, "price": 1}
        _push(app.context, "prices", [long_key])
        stored = app.context.transaction(lambda uow: uow.records.load("prices", ["L" * 255 + "/" + "P" * 255]))
        assert len(stored) == 1
    finally:
        app.close()


@pytest.mark.parametrize("backend", SERVER_BACKENDS)
def test_a_key_column_that_folds_case_is_refused_at_start_naming_its_collation(
    backend: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    change, collation = FOLDING[backend]
    with server_database(backend, "atraxion_coll") as url:
        engine = create_engine_from_url(url)
        upgrade(engine)
        with engine.begin() as conn:  # what a hand-made change (or a restore into another schema) might do
            conn.execute(text(change))
        engine.dispose()
        with pytest.raises(UnsupportedCollation, match=f"consumers.name has the collation {collation}"):
            bootstrap(Settings(database_url=url))
        monkeypatch.setenv("ATRAXION_DATABASE_URL", url)
        assert cli.main(["db", "upgrade"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and collation in err and "Traceback" not in err
