"""The reverse-sync use cases (``application/reverse_sync.py``) on fakes: the memory unit of work,
a fake Odoo gateway and a fake clock. No socket is opened and nothing sleeps (both are refused
here): a backoff is waited out by moving the clock.

Each test drives the use cases through their public functions, as a worker and the sweeper do:
``submit_sale_order`` (the webshop's request), ``process_entry`` (a worker's message),
``sweep`` (the periodic sweeper) and ``sync_status`` (what the webshop reads back).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from attrs import define
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atraxion.application import deletions
from atraxion.application.context import Context
from atraxion.application.ingest import Batch, ingest
from atraxion.application.reverse_sync import (
    ConfigurationAlarm,
    Outcome,
    process_entry,
    submit_sale_order,
    sweep,
    sync_status,
)
from atraxion.domain.errors import Conflict, NotFound
from atraxion.domain.odoo_orders import OdooOrderLine, OdooSaleOrder, PermanentOdooError, TransientOdooError
from atraxion.domain.outbox import (
    AttemptOutcome,
    FailureStatus,
    OutboxEntry,
    OutboxPolicy,
    OutboxStatus,
    RetryPolicy,
    SyncFailure,
)
from atraxion.domain.records import Incoming
from atraxion.domain.webshop_orders import OrderLine, WebshopSaleOrder
from atraxion.ports.odoo_gateway import OdooGateway
from atraxion.testing import FakeClock, FakeOdooGateway, memory_atraxion
from atraxion.testing.fake_odoo import PORT_METHODS

POLICY = OutboxPolicy(
    RetryPolicy(max_attempts=5, base_seconds=1.0, cap_seconds=8.0),
    stale_after=timedelta(minutes=5),
    redeliver_after=timedelta(seconds=30),
    settle_after=timedelta(seconds=20),
)
PARTNER_ODOO_ID, PRODUCT_ODOO_ID = 7, 8


class WorkerDied(BaseException):
    """The worker's process ended in the middle of an attempt (no handler in the use case sees it)."""


class Published:
    """Records what the use cases publish; nothing consumes it (the test plays the worker). It is
    the task queue's ``publish`` and the bare publish callable alike, whichever the use cases take."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def publish(self, entry_ids: Sequence[int]) -> None:
        self.ids.extend(entry_ids)

    __call__ = publish


@define
class World:
    ctx: Context
    clock: FakeClock
    odoo: FakeOdooGateway
    published: Published

    def submit(self, external_id: str = "SO1", quantity: str = "2") -> int:
        order = WebshopSaleOrder(external_id, "P1", [OrderLine("A", Decimal(quantity), Decimal("9.50"))])
        return submit_sale_order(self.ctx, self.published, order, "webshop").queue_id

    def process(self, entry_id: int, share: float = 0.0) -> Outcome:
        """What a worker does with a message; ``share`` is the backoff's random share."""
        return process_entry(self.ctx, self.odoo, entry_id, POLICY, jitter=lambda: share, alarm=ConfigurationAlarm())

    def sweep(self) -> list[int]:
        return sweep(self.ctx, self.published, POLICY)

    def entry(self, entry_id: int) -> OutboxEntry:
        entry = self.ctx.transaction(lambda uow: uow.outbox.get(entry_id))
        assert entry is not None
        return entry

    def orders_in_odoo(self, external_id: str = "SO1") -> list[OdooSaleOrder]:
        return [order for order in self.odoo.sale_orders if order.client_order_ref == external_id]

    def odoo_calls(self) -> list[str]:
        return [method for model, method in self.odoo.calls if model == "sale.order"]

    def failures(self) -> list[SyncFailure]:
        """Every sync failure recorded, open or resolved."""
        return self.ctx.transaction(lambda uow: uow.failures.list(None, None, 100))

    def until_due(self, entry_id: int) -> None:
        """Move the clock to the entry's next attempt, as if the sweeper woke a worker then."""
        self.clock.current = max(self.clock.current, self.entry(entry_id).next_attempt_at)


@pytest.fixture(autouse=True)
def _no_sockets_and_no_sleeping(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("a reverse-sync unit test opened a socket or slept")

    monkeypatch.setattr(time, "sleep", refused)
    monkeypatch.setattr(socket.socket, "connect", refused)
    monkeypatch.setattr(socket, "create_connection", refused)


@contextmanager
def _world() -> Iterator[World]:
    clock = FakeClock()
    app = memory_atraxion(clock)
    ingest(
        app.context,
        [
            Batch("partners", [Incoming("P1", {"externalId": "P1", "odooId": PARTNER_ODOO_ID, "type": "main"})]),
            Batch("products", [Incoming("A", {"externalId": "A", "odooId": PRODUCT_ODOO_ID})]),
        ],
    )
    try:
        yield World(app.context, clock, FakeOdooGateway(), Published())
    finally:
        app.close()


@pytest.fixture
def world() -> Iterator[World]:
    with _world() as fresh:
        yield fresh


def test_the_fake_gateway_answers_every_method_of_the_port() -> None:
    port = {name for name in vars(OdooGateway) if not name.startswith("_")}
    assert port == set(PORT_METHODS)
    assert all(callable(getattr(FakeOdooGateway, name)) for name in port)


# --- enqueue, deliver once ---------------------------------------------------------------------------


def test_an_order_is_stored_published_once_and_delivered_once(world: World) -> None:
    entry_id = world.submit()
    assert world.published.ids == [entry_id]  # published after the commit, once
    assert world.entry(entry_id).status is OutboxStatus.PENDING
    assert world.odoo_calls() == []  # submitting never calls Odoo

    assert world.process(entry_id) is Outcome.COMPLETED
    (created,) = world.orders_in_odoo()
    assert created == OdooSaleOrder(
        "SO1", PARTNER_ODOO_ID, [OdooOrderLine(PRODUCT_ODOO_ID, Decimal("2"), Decimal("9.50"))]
    )
    assert world.odoo_calls() == ["search", "create"]  # looked up first, then created
    status = sync_status(world.ctx, "SO1", "webshop")
    odoo_id = world.odoo.find_sale_order(client_order_ref="SO1")
    assert (status.status, status.odoo_id, status.attempts, status.error) == (OutboxStatus.COMPLETED, odoo_id, 1, None)


def test_a_message_delivered_again_does_nothing(world: World) -> None:
    entry_id = world.submit()
    assert world.process(entry_id) is Outcome.COMPLETED
    calls = world.odoo_calls()
    for wait in (timedelta(0), POLICY.redeliver_after, POLICY.stale_after * 2):  # at once, and long after
        world.clock.advance(seconds=wait.total_seconds())
        assert world.process(entry_id) is Outcome.SKIPPED
    assert world.odoo_calls() == calls  # Odoo is not even asked
    assert len(world.orders_in_odoo()) == 1
    assert world.sweep() == []


def test_a_message_for_no_entry_is_skipped(world: World) -> None:
    assert world.process(12345) is Outcome.SKIPPED
    assert world.odoo_calls() == []


# --- retries: backoff on the clock ------------------------------------------------------------------


def test_a_transient_failure_is_retried_once_its_backoff_has_passed(world: World) -> None:
    entry_id = world.submit()
    world.odoo.fail_next("find_sale_order", TransientOdooError("sale.order.search: timed out"))
    failed_at = world.clock.now()

    assert world.process(entry_id, share=0.5) is Outcome.RETRY_SCHEDULED
    entry = world.entry(entry_id)
    assert (entry.status, entry.attempts, entry.last_error) == (OutboxStatus.PENDING, 1, "sale.order.search: timed out")
    backoff = POLICY.retry.delay(1, 0.5)
    assert entry.next_attempt_at == failed_at + backoff

    calls = world.odoo_calls()
    world.clock.advance(seconds=backoff.total_seconds() - 0.001)
    assert world.process(entry_id) is Outcome.SKIPPED  # not due yet: Odoo is left alone
    assert world.odoo_calls() == calls
    assert world.sweep() == []  # nor does the sweeper publish it early

    world.clock.advance(seconds=0.001)
    assert world.sweep() == [entry_id]  # due: the sweeper wakes a worker
    assert world.process(entry_id) is Outcome.COMPLETED
    assert len(world.orders_in_odoo()) == 1
    assert sync_status(world.ctx, "SO1").attempts == 2


def test_backoffs_grow_with_each_failed_attempt(world: World) -> None:
    entry_id = world.submit()
    world.odoo.fail_next("find_sale_order", *(TransientOdooError("busy") for _ in range(3)))
    waits = []
    for _ in range(3):
        before = world.clock.now()
        assert world.process(entry_id) is Outcome.RETRY_SCHEDULED
        waits.append(world.entry(entry_id).next_attempt_at - before)
        world.until_due(entry_id)
    assert waits == [POLICY.retry.delay(n, 0.0) for n in (1, 2, 3)]
    assert waits[0] < waits[1] < waits[2]
    assert world.process(entry_id) is Outcome.COMPLETED


def test_a_create_whose_answer_was_lost_is_found_not_created_again(world: World) -> None:
    entry_id = world.submit()
    world.odoo.fail_next("create_sale_order", TransientOdooError("read timed out"), committed=True)
    failed_at = world.clock.now()

    assert world.process(entry_id) is Outcome.RETRY_SCHEDULED
    assert len(world.orders_in_odoo()) == 1  # Odoo committed it; the answer never came
    # The outcome of the create is unknown: the retry waits for Odoo to finish committing it.
    assert world.entry(entry_id).next_attempt_at == failed_at + POLICY.settle_after

    world.until_due(entry_id)
    assert world.process(entry_id) is Outcome.COMPLETED
    assert len(world.orders_in_odoo()) == 1
    assert world.odoo_calls() == ["search", "create", "search"]
    assert world.entry(entry_id).history[-1].outcome is AttemptOutcome.FOUND
    assert sync_status(world.ctx, "SO1").odoo_id == world.odoo.find_sale_order(client_order_ref="SO1")


def test_a_retry_sends_the_odoo_ids_known_then(world: World) -> None:
    entry_id = world.submit()
    world.odoo.fail_next("find_sale_order", TransientOdooError("timed out"))
    assert world.process(entry_id) is Outcome.RETRY_SCHEDULED
    # Meanwhile Odoo re-pushed the partner under a corrected id: the retry resolves references again.
    ingest(world.ctx, [Batch("partners", [Incoming("P1", {"externalId": "P1", "odooId": 70, "type": "main"})])])
    world.until_due(entry_id)
    assert world.process(entry_id) is Outcome.COMPLETED
    assert [order.partner_id for order in world.orders_in_odoo()] == [70]


def test_each_consumer_sees_only_its_own_orders(world: World) -> None:
    world.submit()
    assert sync_status(world.ctx, "SO1", "webshop").status is OutboxStatus.PENDING
    assert sync_status(world.ctx, "SO1").status is OutboxStatus.PENDING  # an operator sees every order
    with pytest.raises(NotFound):
        sync_status(world.ctx, "SO1", "mobile")  # answered as an unknown order
    with pytest.raises(NotFound):
        sync_status(world.ctx, "SO2", "webshop")


# --- failures -----------------------------------------------------------------------------------------


def test_a_permanent_failure_fails_the_order_at_once_and_records_a_sync_failure(world: World) -> None:
    entry_id = world.submit()
    world.odoo.fail_next("create_sale_order", PermanentOdooError("sale.order.create: the partner is archived"))

    assert world.process(entry_id) is Outcome.FAILED
    assert world.orders_in_odoo() == []
    status = sync_status(world.ctx, "SO1", "webshop")
    assert (status.status, status.attempts) == (OutboxStatus.FAILED, 1)
    assert status.error == "sale.order.create: the partner is archived"
    (failure,) = world.failures()
    assert (failure.queue_id, failure.external_id, failure.status) == (entry_id, "SO1", FailureStatus.OPEN)
    assert failure.error_message == "sale.order.create: the partner is archived"

    calls = world.odoo_calls()
    world.clock.advance(hours=1)
    assert world.sweep() == []  # a failed order waits for an operator, not for the sweeper
    assert world.process(entry_id) is Outcome.SKIPPED
    assert world.odoo_calls() == calls


def test_a_reference_gone_before_the_retry_fails_the_order_naming_it(world: World) -> None:
    entry_id = world.submit()
    world.odoo.fail_next("find_sale_order", TransientOdooError("timed out"))
    assert world.process(entry_id) is Outcome.RETRY_SCHEDULED
    deletions.delete(world.ctx, "products", ["A"])  # Odoo deleted the product meanwhile
    world.until_due(entry_id)
    calls = world.odoo_calls()

    assert world.process(entry_id) is Outcome.FAILED  # retrying cannot bring it back
    assert world.odoo_calls() == calls  # Odoo is not asked: the order cannot be sent
    status = sync_status(world.ctx, "SO1")
    assert status.status is OutboxStatus.FAILED and status.error is not None and "productExternalId" in status.error
    assert [f.queue_id for f in world.failures()] == [entry_id]


def test_transient_failures_past_the_attempt_budget_fail_the_order_with_one_sync_failure(world: World) -> None:
    entry_id = world.submit()
    attempts = POLICY.retry.max_attempts
    world.odoo.fail_next("find_sale_order", *(TransientOdooError(f"down ({n})") for n in range(attempts)))

    outcomes = []
    for _ in range(attempts):
        outcomes.append(world.process(entry_id))
        world.until_due(entry_id)
    assert outcomes == [Outcome.RETRY_SCHEDULED] * (attempts - 1) + [Outcome.FAILED]
    entry = world.entry(entry_id)
    assert (entry.status, entry.attempts, entry.last_error) == (OutboxStatus.FAILED, attempts, f"down ({attempts - 1})")
    assert [f.queue_id for f in world.failures()] == [entry_id]
    assert world.orders_in_odoo() == []


# --- replays --------------------------------------------------------------------------------------------


def test_an_order_submitted_again_is_refused_and_sent_once(world: World) -> None:
    entry_id = world.submit()
    with pytest.raises(Conflict):
        world.submit()  # the webshop's retry of the same order (a different key, or none)
    assert world.published.ids == [entry_id]
    assert world.process(entry_id) is Outcome.COMPLETED
    with pytest.raises(Conflict):
        world.submit()  # and once it is in Odoo
    assert len(world.orders_in_odoo()) == 1


def test_an_order_odoo_already_has_is_bound_to_it_not_created(world: World) -> None:
    entry_id = world.submit()
    # Entered by hand in Odoo, say, under the webshop's reference.
    existing = world.odoo.create("sale.order", {"client_order_ref": "SO1", "partner_id": PARTNER_ODOO_ID})

    assert world.process(entry_id) is Outcome.COMPLETED
    assert world.odoo.sale_orders == []  # nothing created
    assert sync_status(world.ctx, "SO1").odoo_id == existing


# --- the sweeper -----------------------------------------------------------------------------------------


def test_the_sweeper_republishes_an_entry_whose_message_was_lost(world: World) -> None:
    entry_id = world.submit()  # published, and the broker lost the message: nobody processes it
    assert world.sweep() == []  # sent moments ago: probably still queued
    world.clock.advance(seconds=POLICY.redeliver_after.total_seconds())
    assert world.sweep() == [entry_id]
    assert world.published.ids == [entry_id, entry_id]
    assert world.sweep() == []  # just re-sent: not again at once
    world.clock.advance(seconds=POLICY.redeliver_after.total_seconds())
    assert world.sweep() == [entry_id]  # that one was lost too

    assert world.process(entry_id) is Outcome.COMPLETED
    world.clock.advance(hours=1)
    assert world.sweep() == []
    assert len(world.orders_in_odoo()) == 1


def test_the_sweeper_hands_the_entry_of_a_dead_worker_to_another(world: World) -> None:
    entry_id = world.submit()
    world.odoo.fail_next("create_sale_order", WorkerDied())
    with pytest.raises(WorkerDied):
        world.process(entry_id)
    assert world.entry(entry_id).status is OutboxStatus.PROCESSING  # claimed, never finished

    world.clock.advance(seconds=POLICY.redeliver_after.total_seconds())
    assert world.sweep() == []  # a live worker may still be at it
    assert world.process(entry_id) is Outcome.SKIPPED  # a duplicate message does not take it over
    world.clock.advance(seconds=POLICY.stale_after.total_seconds())
    assert world.sweep() == [entry_id]  # presumed dead

    assert world.process(entry_id) is Outcome.COMPLETED
    entry = world.entry(entry_id)
    assert [a.outcome for a in entry.history] == [AttemptOutcome.ABANDONED, AttemptOutcome.CREATED]
    assert len(world.orders_in_odoo()) == 1


def test_a_worker_that_died_after_odoo_created_the_order_is_not_repeated(world: World) -> None:
    entry_id = world.submit()
    world.odoo.fail_next("create_sale_order", WorkerDied(), committed=True)
    with pytest.raises(WorkerDied):
        world.process(entry_id)
    world.clock.advance(seconds=(POLICY.stale_after + POLICY.redeliver_after).total_seconds())
    assert world.sweep() == [entry_id]
    assert world.process(entry_id) is Outcome.COMPLETED
    assert [a.outcome for a in world.entry(entry_id).history] == [AttemptOutcome.ABANDONED, AttemptOutcome.FOUND]
    assert len(world.orders_in_odoo()) == 1


def test_the_sweeper_fails_an_entry_that_kills_every_worker(world: World) -> None:
    entry_id = world.submit()
    world.odoo.fail_next("create_sale_order", *(WorkerDied() for _ in range(POLICY.retry.max_attempts)))
    stale = (POLICY.stale_after + POLICY.redeliver_after).total_seconds()
    for _ in range(POLICY.retry.max_attempts):
        with pytest.raises(WorkerDied):
            world.process(entry_id)
        world.clock.advance(seconds=stale)
        assert world.sweep() == [entry_id]
    assert world.process(entry_id) is Outcome.FAILED  # its last attempt was abandoned: no loop forever
    assert [f.queue_id for f in world.failures()] == [entry_id]
    assert world.orders_in_odoo() == []


# --- the invariant ------------------------------------------------------------------------------------------

FAULTS = {
    "timeout before the lookup": ("find_sale_order", False),
    "create refused for now": ("create_sale_order", False),
    "create committed, answer lost": ("create_sale_order", True),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    faults=st.lists(st.sampled_from(sorted(FAULTS)), max_size=POLICY.retry.max_attempts - 1),
    shares=st.lists(
        st.floats(0, 1, exclude_max=True), min_size=POLICY.retry.max_attempts, max_size=POLICY.retry.max_attempts
    ),
    duplicates=st.lists(st.booleans(), min_size=POLICY.retry.max_attempts, max_size=POLICY.retry.max_attempts),
)
def test_any_transient_failures_then_success_create_the_order_exactly_once(
    faults: list[str], shares: list[float], duplicates: list[bool]
) -> None:
    """Whatever transient failures come first (before the lookup, before the create, after the
    create), and however often a message is delivered twice, the order ends up in Odoo exactly
    once, completed under that order's id, each retry no earlier than its backoff allows."""
    with _world() as world:
        entry_id = world.submit()
        for attempt, fault in enumerate(faults, start=1):
            method, committed = FAULTS[fault]
            if world.orders_in_odoo():
                method, committed = "find_sale_order", False  # found by the lookup: no create is made
            world.odoo.fail_next(method, TransientOdooError(fault), committed=committed)
            failed_at = world.clock.now()
            assert world.process(entry_id, shares[attempt - 1]) is Outcome.RETRY_SCHEDULED
            assert world.odoo.pending_faults(method) == 0
            floor = POLICY.settle_after if method == "create_sale_order" else timedelta(0)
            wait = max(floor, POLICY.retry.delay(attempt, shares[attempt - 1]))
            assert world.entry(entry_id).next_attempt_at == failed_at + wait
            if duplicates[attempt - 1]:
                assert world.process(entry_id) is Outcome.SKIPPED  # a duplicate message, too early
            world.until_due(entry_id)

        assert world.process(entry_id) is Outcome.COMPLETED
        assert world.process(entry_id) is Outcome.SKIPPED  # and a replay of it changes nothing
        (created,) = world.orders_in_odoo()
        status = sync_status(world.ctx, "SO1", "webshop")
        assert (status.status, status.attempts) == (OutboxStatus.COMPLETED, len(faults) + 1)
        assert status.odoo_id == world.odoo.find_sale_order(client_order_ref="SO1") is not None
        assert world.odoo_calls().count("create") == 1
        assert world.failures() == []
