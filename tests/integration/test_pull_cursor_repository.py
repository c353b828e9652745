"""The pull cursor repository's contract on memory, SQLite and MariaDB; a page and its cursor commit together."""

from __future__ import annotations

from datetime import UTC, datetime

from atraxion.application.pull import PullOptions, pull, pull_ids
from atraxion.bootstrap import Atraxion
from atraxion.domain.odoo_records import OdooPosition, PullCursor
from atraxion.ports.unit_of_work import UnitOfWork
from atraxion.testing import FakeOdooGateway

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 25, 12, 5, tzinfo=UTC)


def test_a_cursor_is_stored_per_entity_and_never_moves_back(atraxion: Atraxion) -> None:
    def arrange(uow: UnitOfWork) -> None:
        assert uow.pull_cursors.get("products") is None
        uow.pull_cursors.advance("products", OdooPosition("2026-11-25 10:00:00", 7), NOW)
        uow.pull_cursors.advance("partners", OdooPosition("2026-11-25 09:00:00", 3), NOW)
        uow.commit()

    atraxion.context.transaction(arrange)

    def move(uow: UnitOfWork) -> None:
        uow.pull_cursors.advance("products", OdooPosition("2026-11-25 09:59:59", 99), LATER)  # behind: kept
        uow.pull_cursors.advance("partners", OdooPosition("2026-11-25 09:00:00", 4), LATER)  # ahead by id
        uow.commit()

    atraxion.context.transaction(move)
    cursors = atraxion.context.transaction(lambda uow: uow.pull_cursors.all())
    assert cursors == [
        PullCursor("partners", OdooPosition("2026-11-25 09:00:00", 4), LATER),
        PullCursor("products", OdooPosition("2026-11-25 10:00:00", 7), LATER),
    ]

    def reset(uow: UnitOfWork) -> None:
        uow.pull_cursors.reset("products")
        uow.commit()

    atraxion.context.transaction(reset)
    assert atraxion.context.transaction(lambda uow: uow.pull_cursors.get("products")) is None


def test_an_uncommitted_cursor_is_not_stored(atraxion: Atraxion) -> None:
    def abandon(uow: UnitOfWork) -> None:
        uow.pull_cursors.advance("products", OdooPosition("2026-11-25 10:00:00", 7), NOW)

    atraxion.context.transaction(abandon)
    assert atraxion.context.transaction(lambda uow: uow.pull_cursors.get("products")) is None


def test_a_pull_stores_records_and_cursor_on_every_backend(atraxion: Atraxion) -> None:
    odoo = FakeOdooGateway(now="2026-11-25 10:00:00")
    for n in range(25):
        odoo.create("product.product", {"name": f"P{n}", "default_code": f"P{n:02}", "active": True})
        odoo.tick()
    options = PullOptions.of(atraxion.context, page_size=10)
    assert pull(atraxion.context, odoo, "products", options).created == 25
    assert atraxion.context.transaction(lambda uow: uow.records.count("products")) == 25
    cursor = atraxion.context.transaction(lambda uow: uow.pull_cursors.get("products"))
    assert cursor is not None and cursor.position == OdooPosition("2026-11-25 10:00:24", 25)


def test_keys_by_odoo_id_finds_live_records_of_entities_keyed_by_external_id(atraxion: Atraxion) -> None:
    odoo = FakeOdooGateway(now="2026-11-25 10:00:00")
    ids = [odoo.create("product.product", {"default_code": code}) for code in ("A", "B", "C")]
    pull(atraxion.context, odoo, "products", PullOptions.of(atraxion.context))
    odoo.unlink("product.product", ids[1])
    assert pull_ids(atraxion.context, odoo, "products", ids, PullOptions.of(atraxion.context)).deleted == 1
    found = atraxion.context.transaction(lambda uow: uow.records.keys_by_odoo_id("products", [*ids, 99]))
    assert found == {ids[0]: "A", ids[2]: "C"}
    assert atraxion.context.transaction(lambda uow: uow.records.keys_by_odoo_id("stock", ids)) == {}
