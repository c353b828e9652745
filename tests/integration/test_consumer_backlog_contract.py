"""The consumer part of the feed repository contract (backlog, re-feed, removal), run unchanged on
memory, SQLite and MariaDB."""

from __future__ import annotations

from datetime import timedelta

import attrs

from atraxion.bootstrap import Atraxion
from atraxion.domain.consumers import Backlog
from atraxion.domain.feed import AckState, PendingEntry
from tests.integration.test_record_repository_contract import NOW, record, run


def _seed(app: Atraxion) -> None:
    older = attrs.evolve(record("P1", seq=1), updated_at=NOW - timedelta(hours=2))
    gone = attrs.evolve(record("P3", seq=3), deleted=True)
    run(app, lambda uow: uow.records.insert("products", [older, record("P2", seq=2), gone]))
    for name in ("shop", "app"):
        run(app, lambda uow, name=name: uow.feed.add_consumer(name, ["products", "partners"]))


def test_backlog_counts_pending_rows_with_the_oldest_change(atraxion: Atraxion) -> None:
    _seed(atraxion)
    both = run(atraxion, lambda uow: uow.feed.backlog("products"))
    assert both == {"shop": Backlog(2, NOW - timedelta(hours=2)), "app": Backlog(2, NOW - timedelta(hours=2))}
    run(atraxion, lambda uow: uow.feed.set_pending("products", [], [("shop", "P1")]))
    assert run(atraxion, lambda uow: uow.feed.backlog("products", "shop")) == {"shop": Backlog(1, NOW)}
    assert run(atraxion, lambda uow: uow.feed.backlog("partners")) == {}


def test_refeed_makes_every_live_record_new_again_for_one_consumer_only(atraxion: Atraxion) -> None:
    _seed(atraxion)
    ack = AckState(1, "c1".ljust(32, "0"), {"externalId": "P1"}, {"name": "x"})
    run(atraxion, lambda uow: uow.feed.save_acks("products", "shop", {"P1": ack}))
    run(atraxion, lambda uow: uow.feed.save_acks("products", "app", {"P1": ack}))
    run(atraxion, lambda uow: uow.feed.set_pending("products", [], [("shop", "P1"), ("shop", "P2"), ("app", "P1")]))
    changed = PendingEntry("shop", "P1", 7, ("name",))
    run(atraxion, lambda uow: uow.feed.set_pending("products", [changed], []))

    run(atraxion, lambda uow: uow.feed.refeed("products", "shop"))

    page = run(atraxion, lambda uow: uow.feed.pending_page("products", "shop", None, 10))
    assert [(item.record.key, item.changed_fields) for item in page] == [("P1", None), ("P2", None)]
    assert run(atraxion, lambda uow: uow.feed.acks("products", ["shop", "app"], ["P1"])) == {("app", "P1"): ack}
    assert [i.record.key for i in run(atraxion, lambda uow: uow.feed.pending_page("products", "app", None, 10))] == [
        "P2"
    ]


def test_removing_a_consumer_deletes_its_rows_and_nothing_else(atraxion: Atraxion) -> None:
    _seed(atraxion)
    ack = AckState(1, "c1".ljust(32, "0"), {}, {})
    for name in ("shop", "app"):
        run(atraxion, lambda uow, name=name: uow.feed.save_acks("products", name, {"P1": ack}))

    assert run(atraxion, lambda uow: uow.feed.remove_consumer("shop")) is True
    assert run(atraxion, lambda uow: uow.feed.remove_consumer("shop")) is False

    assert run(atraxion, lambda uow: uow.feed.consumers()) == ["app"]
    assert run(atraxion, lambda uow: uow.feed.backlog("products")) == {"app": Backlog(2, NOW - timedelta(hours=2))}
    assert run(atraxion, lambda uow: uow.feed.acks("products", ["shop", "app"], ["P1"])) == {("app", "P1"): ack}
    assert run(atraxion, lambda uow: uow.feed.add_consumer("shop", ["products"])) is True  # anew, everything pending
    assert run(atraxion, lambda uow: uow.feed.backlog("products", "shop"))["shop"].pending == 2
