"""Reverse sync: webshop sale orders into Odoo through a transactional outbox.

* :func:`submit_sale_order` stores the order and its outbox entry in one transaction, then
  publishes the entry's id (after commit: a worker never sees an entry that is not there).
* :func:`process_entry` is what a worker runs for a message: claim, look the order up in Odoo by
  ``client_order_ref``, create it only if absent, record the outcome.
* :func:`sweep` re-publishes what a lost message or a dead worker left behind.

Odoo is never called inside a transaction: a slow Odoo holds no database lock.
"""

from __future__ import annotations

import enum
import logging
import random
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from attrs import frozen

from atraxion.application import sweeping
from atraxion.application.command import Command
from atraxion.application.context import Context
from atraxion.application.webhooks import record_sync_failure
from atraxion.domain.errors import Conflict, InvalidBatch, NotFound
from atraxion.domain.odoo_orders import OdooCredentialsRefused, OdooSaleOrder, PermanentOdooError, TransientOdooError
from atraxion.domain.outbox import (
    AttemptOutcome,
    FailureSource,
    FailureStatus,
    OutboxEntry,
    OutboxPolicy,
    OutboxStatus,
    SyncFailure,
)
from atraxion.domain.types import OdooIds
from atraxion.domain.webshop_orders import (
    SALE_ORDER,
    OutboundOrder,
    WebshopSaleOrder,
    odoo_ids,
    reference_errors,
    to_odoo,
)
from atraxion.observability import log_context
from atraxion.ports.odoo_gateway import OdooGateway
from atraxion.ports.unit_of_work import ConcurrentUpdate, OutboxUnitOfWork

log = logging.getLogger(__name__)

DEFAULT_POLICY = OutboxPolicy()

PublishEntries = Callable[[Sequence[int]], None]
"""Nudges workers to process these committed outbox entries (a task queue's ``publish``)."""


class ConfigurationAlarm:
    """Reports a configuration problem (Odoo refused the credentials) once, however many entries
    meet it, and once more when it is over: one log line each way, not one per order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._problem: str | None = None

    @property
    def problem(self) -> str | None:
        """The problem in force, or None."""
        return self._problem

    def raise_(self, problem: str, *, announce: bool = True) -> bool:
        """Record ``problem``; True, and (with ``announce``) one error line, if it is news."""
        with self._lock:
            first, self._problem = self._problem is None, problem
        if first and announce:
            log.error(
                "configuration problem: %s; webshop orders wait in the queue (none fails) until it is fixed",
                problem,
            )
        return first

    def clear(self) -> None:
        with self._lock:
            was, self._problem = self._problem, None
        if was is not None:
            log.warning("Odoo accepts the credentials again; waiting webshop orders are sent")


DEFAULT_ALARM = ConfigurationAlarm()


class Outcome(enum.Enum):
    """What :func:`process_entry` did with a message."""

    COMPLETED = "completed"
    RETRY_SCHEDULED = "retry_scheduled"
    FAILED = "failed"
    SKIPPED = "skipped"
    """Nothing to do: unknown, completed, failed, not due yet, or being processed by a live worker."""
    SUPERSEDED = "superseded"
    """This worker's claim was taken over (it was presumed dead); its outcome was discarded."""
    WAITING = "waiting"
    """A configuration problem (Odoo refused the credentials): the entry waits, its attempt given back."""


@frozen
class Submitted:
    external_id: str
    queue_id: int


@frozen
class SyncStatus:
    external_id: str
    status: OutboxStatus
    odoo_id: int | None
    attempts: int
    error: str | None
    resolved: bool = False
    """The order failed and an operator resolved its failure (entered it in Odoo by hand, say)."""


def order_submission(
    ctx: Context[OutboxUnitOfWork], publish: PublishEntries, order: WebshopSaleOrder, consumer: str
) -> Command[OutboxUnitOfWork, Submitted]:
    """Accept a webshop order for Odoo: the order and its outbox entry in one unit of work, the
    entry published once that committed. Raises Conflict if its external id is already used by an
    outbound order, InvalidBatch naming every partner or product that does not resolve to an Odoo id."""

    def work(uow: OutboxUnitOfWork) -> Submitted:
        if uow.outbound_orders.get(order.external_id) is not None:
            raise Conflict(f"externalId {order.external_id!r} is already used by another webshop order")
        partners, products = _resolve(uow, order)
        errors = reference_errors(order, partners, products)
        if errors:
            raise InvalidBatch(errors)
        now = ctx.clock.now()
        # The order itself is stored once, as the outbound order; the entry keeps what intake resolved.
        payload = {"odooIds": {"partners": partners, "products": products}}
        entry = uow.outbox.add(OutboxEntry.new(SALE_ORDER, order.external_id, payload, now))
        assert entry.id is not None
        uow.outbound_orders.add(OutboundOrder(order.external_id, order, entry.id, consumer, now))
        return Submitted(order.external_id, entry.id)

    return Command(work, lambda submitted: announce(publish, [submitted.queue_id]))


def submit_sale_order(
    ctx: Context[OutboxUnitOfWork], publish: PublishEntries, order: WebshopSaleOrder, consumer: str
) -> Submitted:
    """:func:`order_submission`, run."""
    return order_submission(ctx, publish, order, consumer).run(ctx)


def announce(publish: PublishEntries, entry_ids: Sequence[int]) -> None:
    """Nudge workers; a failure is only logged, because the sweeper re-publishes unclaimed entries."""
    try:
        publish(entry_ids)
    except Exception:  # noqa: BLE001 - the outbox row is the durable record; the message is a nudge
        log.warning("could not publish outbox entries %s; the sweeper will retry", list(entry_ids), exc_info=True)


def _resolve(uow: OutboxUnitOfWork, order: WebshopSaleOrder) -> tuple[OdooIds, OdooIds]:
    partners = uow.records.load("partners", order.partner_keys())
    products = uow.records.load("products", order.product_keys())
    return (  # a deleted partner or product is unknown to a new order
        odoo_ids({key: record.envelope for key, record in partners.items() if not record.deleted}),
        odoo_ids({key: record.envelope for key, record in products.items() if not record.deleted}),
    )


@frozen
class _Job:
    """A claimed entry and what to send, or why it cannot be sent."""

    entry: OutboxEntry
    order: OdooSaleOrder | None
    error: str | None = None


def process_entry(
    ctx: Context[OutboxUnitOfWork],
    gateway: OdooGateway,
    entry_id: int,
    policy: OutboxPolicy = DEFAULT_POLICY,
    *,
    jitter: Callable[[], float] = random.random,
    alarm: ConfigurationAlarm = DEFAULT_ALARM,
) -> Outcome:
    """Process one outbox entry; safe to call any number of times for the same id, concurrently.

    ``jitter`` draws the random share of a backoff (in [0, 1)). Credentials Odoo refuses are
    reported once through ``alarm``; the entry waits ``policy.configuration_wait`` and tries again,
    its attempt given back (a configuration problem is no fault of the order).
    """
    job = ctx.transaction(lambda uow: _claim(ctx, uow, entry_id, policy))
    if job is None:
        return Outcome.SKIPPED
    with log_context.bound(order=job.entry.entity_key):  # every line of this attempt names the order
        return _attempt(ctx, gateway, job, policy, jitter, alarm)


def _attempt(
    ctx: Context[OutboxUnitOfWork],
    gateway: OdooGateway,
    job: _Job,
    policy: OutboxPolicy,
    jitter: Callable[[], float],
    alarm: ConfigurationAlarm,
) -> Outcome:
    entry_id = job.entry.id
    if job.entry.status is OutboxStatus.FAILED:
        return Outcome.FAILED  # a stale claim that used the last attempt: failed in _claim
    attempt = job.entry.attempts
    if job.order is None:
        message = job.error or "nothing to send"
        return _finish(ctx, job.entry, lambda e, now: e.fail_permanent(now, attempt, message))
    settle = timedelta(0)
    try:
        # A previous attempt may have created the order and lost the answer (R4): look first.
        odoo_id = gateway.find_sale_order(client_order_ref=job.order.client_order_ref)
        outcome = AttemptOutcome.FOUND
        if odoo_id is None:
            # From here a transient failure leaves the create's outcome unknown: the retry must not
            # look before Odoo had time to finish committing it, or it could create a second order.
            settle = policy.settle_after
            odoo_id = gateway.create_sale_order(order=job.order)
            outcome = AttemptOutcome.CREATED
    except TransientOdooError as error:
        share = jitter()
        reason = str(error)
        return _finish(
            ctx, job.entry, lambda e, now: e.fail_transient(now, attempt, reason, policy.retry, share, settle)
        )
    except OdooCredentialsRefused as error:
        alarm.raise_(str(error))
        reason = f"waiting for the Odoo configuration to be fixed: {error}"
        wait = policy.configuration_wait
        return _finish(ctx, job.entry, lambda e, now: e.wait(now, attempt, reason, now + max(wait, settle)))
    except PermanentOdooError as error:
        reason = str(error)
        return _finish(ctx, job.entry, lambda e, now: e.fail_permanent(now, attempt, reason))
    except Exception as error:  # noqa: BLE001 - an unforeseen error is retried within the attempt budget
        log.exception("unexpected error processing outbox entry %s", entry_id)
        share = jitter()
        reason = f"unexpected {type(error).__name__}: {error}"
        return _finish(ctx, job.entry, lambda e, now: e.fail_transient(now, attempt, reason, policy.retry, share))
    alarm.clear()
    found_id = odoo_id
    return _finish(ctx, job.entry, lambda e, now: e.complete(now, attempt, found_id, outcome))


def _claim(ctx: Context[OutboxUnitOfWork], uow: OutboxUnitOfWork, entry_id: int, policy: OutboxPolicy) -> _Job | None:
    entry = uow.outbox.get(entry_id, lock=True)
    now = ctx.clock.now()
    if entry is None:
        log.warning("no outbox entry %s; message ignored", entry_id)
        return None
    if not entry.is_claimable(now, policy.stale_after):
        log.debug("outbox entry %s is %s; message ignored", entry_id, entry.status.value)
        return None
    claimed = entry.claim(now, policy.stale_after, policy.retry)
    uow.outbox.save(claimed)
    if claimed.status is OutboxStatus.FAILED:
        open_failure(uow, claimed, now)
        uow.commit()
        log.warning("outbox entry %s failed: %s", entry_id, claimed.last_error)
        return _Job(claimed, None)
    if claimed.entity_type != SALE_ORDER:
        uow.commit()
        return _Job(claimed, None, f"no handler for entity type {claimed.entity_type!r}")
    outbound = uow.outbound_orders.get(claimed.entity_key)
    if outbound is None:
        uow.commit()
        return _Job(claimed, None, f"no webshop sale order {claimed.entity_key!r} for this entry")
    order = outbound.order
    resolved = claimed.payload.get("odooIds")
    if claimed.attempts == 1 and resolved is not None:
        partners, products = resolved["partners"], resolved["products"]  # checked at intake, moments ago
    else:
        # A retry resolves again: if Odoo re-pushed a partner with a corrected odooId, it is used.
        partners, products = _resolve(uow, order)
    errors = reference_errors(order, partners, products)
    uow.commit()
    if errors:
        return _Job(claimed, None, "; ".join(f"{e.field}: {e.message}" for e in errors))
    return _Job(claimed, to_odoo(order, partners, products))


Transition = Callable[[OutboxEntry, datetime], OutboxEntry]


def _finish(ctx: Context[OutboxUnitOfWork], claimed: OutboxEntry, transition: Transition) -> Outcome:
    """Record the outcome of the attempt that ``claimed`` started, unless it was taken over."""

    causes: list[str | None] = []

    def work(uow: OutboxUnitOfWork) -> Outcome:
        now = ctx.clock.now()
        done = transition(claimed, now)
        causes[:] = [done.last_error]
        try:
            # Saved over the claim's revision: if a sweeper-triggered takeover moved the entry on
            # (this worker was presumed dead), this outcome is stale and is dropped.
            uow.outbox.save(done)
        except ConcurrentUpdate:
            log.warning("attempt %s of outbox entry %s was taken over; its outcome is dropped", attempt, entry_id)
            return Outcome.SUPERSEDED
        if done.status is OutboxStatus.COMPLETED:
            assert done.odoo_id is not None
            # The binding is recorded in the same transaction as the completion: nothing in between.
            uow.outbound_orders.set_odoo_id(done.entity_key, done.odoo_id)
            if done.was_retried_by_hand:
                _resolve_failure(uow, done, now)
        elif done.status is OutboxStatus.FAILED:
            open_failure(uow, done, now)
        uow.commit()
        return _outcome(done)

    attempt, entry_id = claimed.attempts, claimed.id
    outcome = ctx.transaction(work)
    cause = causes[-1] if causes and outcome in (Outcome.RETRY_SCHEDULED, Outcome.FAILED) else None
    log.log(
        _LOG_LEVELS[outcome],
        "outbox entry %s attempt %s: %s%s",
        entry_id,
        attempt,
        outcome.value,
        f" ({cause})" if cause else "",
        extra={"cause": cause},
    )
    return outcome


_LOG_LEVELS = {
    Outcome.COMPLETED: logging.DEBUG,
    Outcome.RETRY_SCHEDULED: logging.INFO,
    Outcome.FAILED: logging.WARNING,
    Outcome.SUPERSEDED: logging.WARNING,
    Outcome.SKIPPED: logging.DEBUG,
    Outcome.WAITING: logging.DEBUG,  # the alarm said it once; one line per order would drown it
}


def _outcome(entry: OutboxEntry) -> Outcome:
    if entry.status is OutboxStatus.COMPLETED:
        return Outcome.COMPLETED
    if entry.status is OutboxStatus.FAILED:
        return Outcome.FAILED
    if entry.history and entry.history[-1].outcome is AttemptOutcome.CONFIGURATION_ERROR:
        return Outcome.WAITING
    return Outcome.RETRY_SCHEDULED


def open_failure(uow: OutboxUnitOfWork, entry: OutboxEntry, now: datetime) -> None:
    """Open a failure for a failed entry, or update the one already open for it; either way the
    submitting consumer's webhooks get a ``sync.failed`` delivery (the sweeper sends it)."""
    assert entry.id is not None
    existing = uow.failures.open_for_entry(entry.id)
    if existing is not None:
        uow.failures.save(existing.failed_again(entry.last_error or "failed"))
    else:
        uow.failures.open(SyncFailure.open_for(entry, FailureSource.ODOO, now))
    record_sync_failure(uow, entry, now)


def _resolve_failure(uow: OutboxUnitOfWork, entry: OutboxEntry, now: datetime) -> None:
    assert entry.id is not None
    existing = uow.failures.open_for_entry(entry.id)
    if existing is not None:
        uow.failures.save(existing.resolve(now))


def sweep(ctx: Context[OutboxUnitOfWork], publish: PublishEntries, policy: OutboxPolicy = DEFAULT_POLICY) -> list[int]:
    """Re-publish entries whose message was lost (pending, due, unclaimed well after it was sent)
    and entries whose worker died (processing longer than ``stale_after``). Returns their ids."""
    return sweeping.sweep(ctx, lambda uow: uow.outbox, policy, publish, "outbox entries")


def sync_status(ctx: Context[OutboxUnitOfWork], external_id: str, consumer: str | None = None) -> SyncStatus:
    """Where a webshop order stands. Raises NotFound for an external id no webshop order has, or
    (given ``consumer``) that another consumer submitted: a consumer sees only its own orders."""

    def work(uow: OutboxUnitOfWork) -> SyncStatus:
        order = uow.outbound_orders.get(external_id)
        if order is not None and consumer is not None and order.consumer != consumer:
            order = None  # answered exactly as an unknown order: nothing of it leaks
        entry = uow.outbox.get(order.queue_id) if order is not None else None
        if order is not None and entry is None and order.odoo_id is not None:
            # Its completed outbox entry was pruned (``atraxion prune --outbox``): the order keeps its Odoo id.
            return SyncStatus(external_id, OutboxStatus.COMPLETED, order.odoo_id, 0, None)
        if order is None or entry is None:
            raise NotFound(f"no webshop sale order {external_id!r}")
        error = None if entry.status is OutboxStatus.COMPLETED else entry.last_error
        resolved = False
        if entry.status is OutboxStatus.FAILED and entry.id is not None:
            failure = uow.failures.latest_for_entry(entry.id)
            resolved = failure is not None and failure.status is FailureStatus.RESOLVED
        odoo_id = entry.odoo_id or order.odoo_id
        return SyncStatus(external_id, entry.status, odoo_id, entry.attempts, None if resolved else error, resolved)

    return ctx.transaction(work)
