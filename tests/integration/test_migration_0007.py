"""Migration 0007: records stored before it are live, and can be deleted afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from atraxion.adapters.sqlalchemy import upgrade
from atraxion.adapters.sqlalchemy.record_repository import records_to_rows
from atraxion.adapters.sqlalchemy.tables import RECORD_TABLES
from atraxion.application import feed
from atraxion.application.deletions import delete
from atraxion.bootstrap import bootstrap
from atraxion.config import Settings
from atraxion.domain.records import IngestStatus, StoredRecord
from tests.conftest import SQL_BACKENDS, blank_database

ENVELOPES = {
    "stock": {"supplierExternalId": "K", "productExternalId": "1", "quantity": 1},
    "prices": {"pricelistExternalId": "K", "productExternalId": "1", "price": 1},
}


@pytest.fixture(params=SQL_BACKENDS)
def blank_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from blank_database(request.param, tmp_path)


def test_rows_from_before_0007_are_live_and_deletable(blank_engine: Engine) -> None:
    engine = blank_engine
    upgrade(engine, "0005")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for entity in RECORD_TABLES:
        envelope = ENVELOPES.get(entity, {"externalId": "K/1"})
        record = StoredRecord("K/1", 4, envelope, {"n": 1}, {}, "c" * 32, "f" * 32, 1, now, now)
        rows = [{k: v for k, v in row.items() if k != "deleted"} for row in records_to_rows(entity, [record])]
        with engine.begin() as conn:
            conn.execute(RECORD_TABLES[entity][0].insert(), rows)
    upgrade(engine, "head")
    app = bootstrap(Settings(database_url=engine.url.render_as_string(hide_password=False)), migrate=False)
    try:
        feed.register_consumer(app.context, "webshop")
        for entity in RECORD_TABLES:
            assert feed.get_record(app.context, entity, "webshop", "K/1").item.deleted is False
            (result,) = delete(app.context, entity, ["K/1"]).results
            assert (result.status, result.version) == (IngestStatus.DELETED, 5)
    finally:
        app.close()
