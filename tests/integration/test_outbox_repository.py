"""The outbox, sync-failure and outbound-order repositories: one contract, every backend."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

from atraxion.bootstrap import Atraxion
from atraxion.domain.outbox import (
    AttemptOutcome,
    FailureSource,
    FailureStatus,
    OutboxEntry,
    OutboxStatus,
    RetryPolicy,
    SyncFailure,
)
from atraxion.domain.webshop_orders import OrderLine, OutboundOrder, WebshopSaleOrder
from atraxion.ports.unit_of_work import ConcurrentUpdate, UnitOfWork
from atraxion.testing import FakeClock

STALE = timedelta(seconds=60)
POLICY = RetryPolicy(max_attempts=5, base_seconds=1.0, cap_seconds=10.0)


def add(app: Atraxion, key: str = "SO1", **changes: Any) -> OutboxEntry:
    now = app.context.clock.now()

    def work(uow: UnitOfWork) -> OutboxEntry:
        entry = uow.outbox.add(attrs.evolve(OutboxEntry.new("sale_order", key, {"externalId": key}, now), **changes))
        uow.commit()
        return entry

    return app.context.transaction(work)


def get(app: Atraxion, entry_id: int | None) -> OutboxEntry:
    assert entry_id is not None
    found = app.context.transaction(lambda uow: uow.outbox.get(entry_id))
    assert found is not None
    return found


def save(app: Atraxion, entry: OutboxEntry) -> None:
    def work(uow: UnitOfWork) -> None:
        uow.outbox.save(entry)
        uow.commit()

    # Not ctx.transaction: that would retry a ConcurrentUpdate, which is what is under test.
    with app.context.uow() as uow:
        work(uow)


def test_an_entry_round_trips_with_its_history_and_times(atraxion: Atraxion, clock: FakeClock) -> None:
    entry = add(atraxion, payload={"externalId": "SO1", "lines": [{"quantity": "1.50"}], "note": "ünï"})
    assert entry.id is not None and entry.revision == 0
    claimed = entry.claim(clock.now(), STALE, POLICY)
    clock.advance(seconds=1.5)
    failed = claimed.fail_transient(clock.now(), 1, "Odoo down", POLICY, 0.25)
    save(atraxion, claimed)
    save(atraxion, failed)
    assert get(atraxion, entry.id) == failed
    assert failed.next_attempt_at == clock.now() + timedelta(seconds=0.625)  # microseconds survive


def test_saving_over_a_revision_that_moved_on_is_refused(atraxion: Atraxion, clock: FakeClock) -> None:
    entry = add(atraxion)
    save(atraxion, entry.claim(clock.now(), STALE, POLICY))
    with pytest.raises(ConcurrentUpdate):
        save(atraxion, entry.claim(clock.now(), STALE, POLICY))  # a second worker's claim from the old read
    assert get(atraxion, entry.id).attempts == 1


def claim(app: Atraxion, entry_id: int, barrier: threading.Barrier) -> bool:
    def work(uow: UnitOfWork) -> bool:
        entry = uow.outbox.get(entry_id, lock=True)
        assert entry is not None
        if not entry.is_claimable(app.context.clock.now(), STALE):
            return False
        uow.outbox.save(entry.claim(app.context.clock.now(), STALE, POLICY))
        uow.commit()
        return True

    barrier.wait()
    return app.context.transaction(work)


def test_concurrent_claims_have_exactly_one_winner(atraxion: Atraxion) -> None:
    entry = add(atraxion)
    assert entry.id is not None
    entry_id = entry.id
    barrier = threading.Barrier(8)
    results: list[bool] = []
    lock = threading.Lock()

    def run() -> None:
        won = claim(atraxion, entry_id, barrier)
        with lock:
            results.append(won)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == [False] * 7 + [True]
    assert get(atraxion, entry_id).attempts == 1


def test_due_lists_unsent_due_pending_and_stale_processing_entries(atraxion: Atraxion, clock: FakeClock) -> None:
    now = clock.now()
    redeliver_before, stale_before = now - timedelta(seconds=30), now - STALE
    fresh = add(atraxion, "fresh")  # published just now: its message is presumably still queued
    lost = add(atraxion, "lost", published_at=now - timedelta(seconds=31))
    retry_due = add(atraxion, "retry-due", published_at=None, attempts=1, next_attempt_at=now)
    backing_off = add(atraxion, "backing-off", published_at=None, attempts=1, next_attempt_at=now + STALE)
    dead = add(atraxion, "dead", status=OutboxStatus.PROCESSING, claimed_at=now - STALE, published_at=None)
    alive = add(atraxion, "alive", status=OutboxStatus.PROCESSING, claimed_at=now, published_at=None)
    add(atraxion, "done", status=OutboxStatus.COMPLETED, published_at=None)
    add(atraxion, "failed", status=OutboxStatus.FAILED, published_at=None)

    def due(limit: int = 100) -> list[int]:
        return atraxion.context.transaction(lambda uow: uow.outbox.due(now, redeliver_before, stale_before, limit))

    expected = sorted(e.id for e in (lost, retry_due, dead) if e.id is not None)
    assert due() == expected
    assert due(limit=2) == expected[:2]
    assert fresh.id not in due() and backing_off.id not in due() and alive.id not in due()

    def mark(uow: UnitOfWork) -> None:
        uow.outbox.mark_published(expected, now)
        uow.commit()

    atraxion.context.transaction(mark)
    assert due() == []
    assert get(atraxion, dead.id).revision == dead.revision  # marking is no state change


def test_entries_list_by_status_after_an_id(atraxion: Atraxion) -> None:
    ids = [add(atraxion, f"SO{n}", status=status).id for n, status in enumerate(list(OutboxStatus) * 2)]

    def listing(status: OutboxStatus | None, after: int | None, limit: int) -> list[int | None]:
        return [e.id for e in atraxion.context.transaction(lambda uow: uow.outbox.list(status, after, limit))]

    assert listing(None, None, 100) == ids
    assert listing(OutboxStatus.FAILED, None, 100) == [ids[3], ids[7]]
    assert listing(None, ids[2], 3) == ids[3:6]


def test_failures_open_update_resolve_and_list(atraxion: Atraxion, clock: FakeClock) -> None:
    entry = add(atraxion)
    failed = entry.claim(clock.now(), STALE, POLICY).fail_permanent(clock.now(), 1, "Fault 2: bad product")
    failed = attrs.evolve(failed, id=entry.id)

    def work(uow: UnitOfWork) -> SyncFailure:
        opened = uow.failures.open(SyncFailure.open_for(failed, FailureSource.ODOO, clock.now()))
        uow.failures.open(attrs.evolve(SyncFailure.open_for(failed, FailureSource.WEBSHOP, clock.now()), queue_id=None))
        uow.commit()
        return opened

    opened = atraxion.context.transaction(work)
    assert opened.id is not None and entry.id is not None and opened.queue_id == entry.id
    failure_id, entry_id = opened.id, entry.id
    assert atraxion.context.transaction(lambda uow: uow.failures.get(failure_id)) == opened
    assert atraxion.context.transaction(lambda uow: uow.failures.open_for_entry(entry_id)) == opened

    def resolve(uow: UnitOfWork) -> None:
        uow.failures.save(opened.failed_again("worse").resolve(clock.now()))
        uow.commit()

    atraxion.context.transaction(resolve)
    assert atraxion.context.transaction(lambda uow: uow.failures.open_for_entry(entry_id)) is None
    stored = atraxion.context.transaction(lambda uow: uow.failures.get(failure_id))
    assert stored is not None and (stored.status, stored.error_message) == (FailureStatus.RESOLVED, "worse")

    def listing(status: FailureStatus | None) -> list[int | None]:
        return [f.id for f in atraxion.context.transaction(lambda uow: uow.failures.list(status, None, 10))]

    assert listing(None) == [opened.id, opened.id + 1]
    assert listing(FailureStatus.OPEN) == [opened.id + 1]
    assert listing(FailureStatus.RESOLVED) == [opened.id]


ORDER = WebshopSaleOrder("SO1", "P1", [OrderLine("A", Decimal("1.25"), Decimal("0.10"))], note="leave at door")


def test_outbound_orders_are_unique_by_external_id_and_bind_an_odoo_id(atraxion: Atraxion, clock: FakeClock) -> None:
    stored = OutboundOrder("SO1", ORDER, 1, "webshop", clock.now())

    def work(uow: UnitOfWork) -> None:
        uow.outbound_orders.add(stored)
        uow.commit()

    atraxion.context.transaction(work)
    assert atraxion.context.transaction(lambda uow: uow.outbound_orders.get("SO1")) == stored
    assert atraxion.context.transaction(lambda uow: uow.outbound_orders.get("SO2")) is None

    def bind(uow: UnitOfWork) -> None:
        uow.outbound_orders.set_odoo_id("SO1", 77)
        uow.commit()

    atraxion.context.transaction(bind)
    assert atraxion.context.transaction(lambda uow: uow.outbound_orders.get("SO1")) == attrs.evolve(stored, odoo_id=77)
    with pytest.raises((ConcurrentUpdate, ValueError)), atraxion.context.uow() as uow:
        work(uow)


def test_a_completed_entry_keeps_its_outcomes_in_order(atraxion: Atraxion, clock: FakeClock) -> None:
    entry = add(atraxion)
    claimed = entry.claim(clock.now(), STALE, POLICY)
    clock.advance(seconds=61)
    taken_over = claimed.claim(clock.now(), STALE, POLICY)
    done = taken_over.complete(clock.now(), 2, 9, AttemptOutcome.FOUND)
    for step in (claimed, taken_over, done):
        save(atraxion, step)
    outcomes = [(a.number, a.outcome) for a in get(atraxion, entry.id).history]
    assert outcomes == [(1, AttemptOutcome.ABANDONED), (2, AttemptOutcome.FOUND)]
