"""Keys and consumer names compare byte for byte on MariaDB whatever the database's collation:
migration 0006 sets a binary, no-pad collation on every key column, and a database whose key
columns compare otherwise is refused at start with one line naming the collation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from atraxion.adapters.sqlalchemy import create_engine_from_url, upgrade
from atraxion.adapters.sqlalchemy.collation import KEY_COLUMNS, MARIADB, UnsupportedCollation
from atraxion.application.context import Context
from atraxion.application.ingest import ingest
from atraxion.bootstrap import bootstrap
from atraxion.config import Settings
from atraxion.entrypoints import cli
from atraxion.entrypoints.inbound import parse_push
from atraxion.testing import FakeClock
from tests.conftest import MYSQL_URL, service_unavailable

pytestmark = pytest.mark.mariadb


def _database(collation: str | None) -> Iterator[str]:
    """A database of its own, created with ``collation`` (None: the server's default), dropped after."""
    server = make_url(MYSQL_URL)
    name = f"atraxion_coll_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine_from_url(server.render_as_string(hide_password=False))
        with admin.connect() as conn:
            conn.execute(
                text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4{f' COLLATE {collation}' if collation else ''}")
            )
    except Exception as error:  # noqa: BLE001
        service_unavailable("MariaDB", f"{type(error).__name__}: {error}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {name}"))
        admin.dispose()


@pytest.fixture(params=[None, "utf8mb4_bin", "utf8mb4_general_ci"], ids=["server-default", "utf8mb4_bin", "ci"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from _database(request.param)


def _collations(engine: Engine) -> dict[tuple[str, str], str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT table_name, column_name, collation_name FROM information_schema.columns "
                "WHERE table_schema = DATABASE() AND collation_name IS NOT NULL"
            )
        ).all()
    return {(str(t).lower(), str(c).lower()): str(collation) for t, c, collation in rows}


def _push(context: Context, entity: str, records: list[dict[str, object]]) -> None:
    ingest(context, parse_push(entity, {"records": records}))


def test_the_migration_gives_every_key_column_a_binary_no_pad_collation(database_url: str) -> None:
    engine = create_engine_from_url(database_url)
    try:
        upgrade(engine)
        found = _collations(engine)
        for table, columns in KEY_COLUMNS.items():
            for column in columns:
                assert found[(table, column)] == MARIADB, (table, column)
    finally:
        engine.dispose()


def test_keys_and_consumers_are_byte_for_byte_on_any_database_collation(database_url: str) -> None:
    app = bootstrap(Settings(database_url=database_url), clock=FakeClock())
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


def test_a_key_column_that_folds_case_is_refused_at_start_naming_its_collation(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for url in _database(None):
        engine = create_engine_from_url(url)
        upgrade(engine)
        with engine.begin() as conn:  # what a hand-made change (or a restore into another schema) might do
            conn.execute(
                text("ALTER TABLE consumers MODIFY name VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
            )
        engine.dispose()
        with pytest.raises(UnsupportedCollation, match="consumers.name has the collation utf8mb4_general_ci"):
            bootstrap(Settings(database_url=url))
        monkeypatch.setenv("ATRAXION_DATABASE_URL", url)
        assert cli.main(["db", "upgrade"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "utf8mb4_general_ci" in err and "Traceback" not in err
