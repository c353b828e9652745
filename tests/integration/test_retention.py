"""Retention on every backend: old request-log rows and old completed outbox entries go, in
bounded batches; the rest stays; the periodic prune runs on one replica at a time."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from atraxion.application import request_log
from atraxion.application.retention import STORES, prune, scheduled_prune
from atraxion.application.reverse_sync import sync_status
from atraxion.bootstrap import Atraxion
from atraxion.domain.outbox import AttemptOutcome, OutboxEntry, OutboxStatus, RetryPolicy
from atraxion.domain.request_log import ApiLogEntry, inbound
from atraxion.domain.webshop_orders import OrderLine, OutboundOrder, WebshopSaleOrder
from atraxion.ports.unit_of_work import UnitOfWork
from atraxion.testing.fakes import FakeClock


def log_entry(clock: FakeClock, path: str) -> ApiLogEntry:
    return inbound(
        at=clock.now(),
        method="GET",
        path=path,
        query=[],
        status_code=200,
        duration_ms=1.0,
        request_id=None,
        token_id=None,
        consumer=None,
        error=None,
    )


def add_entry(app: Atraxion, clock: FakeClock, key: str, completed: bool) -> int:
    def work(uow: UnitOfWork) -> int:
        entry = uow.outbox.add(OutboxEntry.new("sale_order", key, {"order": {}}, clock.now()))
        if completed:
            claimed = entry.claim(clock.now(), timedelta(minutes=5), RetryPolicy())
            uow.outbox.save(claimed)
            uow.outbox.save(claimed.complete(clock.now(), claimed.attempts, 42, AttemptOutcome.CREATED))
        uow.commit()
        assert entry.id is not None
        return entry.id

    return app.context.transaction(work)


def test_prune_removes_only_what_is_older(atraxion: Atraxion, clock: FakeClock) -> None:
    old_ids = [add_entry(atraxion, clock, f"OLD-{i}", completed=True) for i in range(5)]
    request_log.record(atraxion.context, [log_entry(clock, f"/api/v1/old/{i}") for i in range(7)])
    add_entry(atraxion, clock, "OLD-PENDING", completed=False)
    clock.advance(days=10)
    add_entry(atraxion, clock, "NEW", completed=True)
    request_log.record(atraxion.context, [log_entry(clock, "/api/v1/new")])

    week = timedelta(days=7)
    results = prune(atraxion.context, {"logs": week, "outbox": week, "deliveries": week}, STORES, batch=2)
    assert [(r.name, r.removed, r.available) for r in results] == [
        ("logs", 7, True),
        ("outbox", 5, True),
        ("deliveries", 0, True),
    ]
    assert results[0].line() == "logs: removed 7 request log entries"
    # A store this installation does not have is named, not an error.
    (missing,) = prune(atraxion.context, {"deliveries": week}, [s for s in STORES if s.name != "deliveries"])
    assert missing.line() == "deliveries: nothing to prune here (this installation has no deliveries store)"
    assert [e.path for e in request_log.search(atraxion.context, None, None, 100, None)] == ["/api/v1/new"]
    left = atraxion.context.transaction(lambda uow: uow.outbox.list(None, None, 100))
    assert sorted(e.entity_key for e in left) == ["NEW", "OLD-PENDING"]  # pending entries are never pruned
    assert not set(old_ids) & {e.id for e in left}


def test_the_newest_outbox_entry_is_kept_so_its_id_is_never_reused(atraxion: Atraxion, clock: FakeClock) -> None:
    only = add_entry(atraxion, clock, "ONLY", completed=True)
    clock.advance(days=30)
    (result,) = prune(atraxion.context, {"outbox": timedelta(days=1)}, STORES)
    assert result.removed == 0
    assert add_entry(atraxion, clock, "NEXT", completed=False) > only


def test_a_pruned_order_still_answers_its_sync_status(atraxion: Atraxion, clock: FakeClock) -> None:

    queue_id = add_entry(atraxion, clock, "WEB-1", completed=True)

    def order(uow: UnitOfWork) -> None:
        placed = WebshopSaleOrder("WEB-1", "P1", [OrderLine("A", Decimal(1))])
        uow.outbound_orders.add(OutboundOrder("WEB-1", placed, queue_id, "webshop", clock.now()))
        uow.outbound_orders.set_odoo_id("WEB-1", 42)
        uow.commit()

    atraxion.context.transaction(order)
    add_entry(atraxion, clock, "LATER", completed=False)
    clock.advance(days=30)
    assert prune(atraxion.context, {"outbox": timedelta(days=1)}, STORES)[0].removed == 1
    status = sync_status(atraxion.context, "WEB-1")
    assert (status.status, status.odoo_id) == (OutboxStatus.COMPLETED, 42)


def test_the_periodic_prune_runs_on_one_replica(atraxion: Atraxion, clock: FakeClock) -> None:
    request_log.record(atraxion.context, [log_entry(clock, "/api/v1/old")])
    clock.advance(days=40)
    ages = {"logs": timedelta(days=30), "outbox": timedelta(days=30), "deliveries": timedelta(days=30)}
    ttl = timedelta(minutes=3)
    first = scheduled_prune(atraxion.context, ages, STORES, "replica-a", ttl)
    assert first is not None and [(r.name, r.removed) for r in first] == [("logs", 1), ("outbox", 0), ("deliveries", 0)]
    assert scheduled_prune(atraxion.context, ages, STORES, "replica-b", ttl) is None
    assert scheduled_prune(atraxion.context, ages, STORES, "replica-a", ttl) is not None  # the holder renews
    clock.advance(minutes=4)  # the holder died: its lease expired
    assert scheduled_prune(atraxion.context, ages, STORES, "replica-b", ttl) is not None
