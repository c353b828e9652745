"""Operating the reverse sync: list and retry queue entries, list, retry and resolve failures."""

from __future__ import annotations

from attrs import frozen

from atraxion.application.command import Command
from atraxion.application.context import Context
from atraxion.application.reverse_sync import PublishEntries, announce
from atraxion.domain.errors import Conflict, FieldError, InvalidBatch, NotFound
from atraxion.domain.outbox import FailureStatus, OutboxEntry, OutboxStatus, SyncFailure
from atraxion.domain.webshop_orders import SALE_ORDER, OutboundOrder
from atraxion.ports.unit_of_work import OutboxUnitOfWork


def list_entries(
    ctx: Context[OutboxUnitOfWork], status: OutboxStatus | None, after_id: int | None, limit: int
) -> list[OutboxEntry]:
    return ctx.transaction(lambda uow: uow.outbox.list(status, after_id, limit))


def entry_retry(
    ctx: Context[OutboxUnitOfWork], publish: PublishEntries, entry_id: int
) -> Command[OutboxUnitOfWork, OutboxEntry]:
    """Make a failed (or backing-off) entry due now with a fresh attempt budget, and publish it.
    Raises NotFound, or Conflict for a completed entry or one being processed."""

    def work(uow: OutboxUnitOfWork) -> OutboxEntry:
        retried = _entry(uow, entry_id).retry(ctx.clock.now())
        uow.outbox.save(retried)
        return retried

    return Command(work, lambda _: announce(publish, [entry_id]))


def retry_entry(ctx: Context[OutboxUnitOfWork], publish: PublishEntries, entry_id: int) -> OutboxEntry:
    """:func:`entry_retry`, run."""
    return entry_retry(ctx, publish, entry_id).run(ctx)


def list_failures(
    ctx: Context[OutboxUnitOfWork], status: FailureStatus | None, after_id: int | None, limit: int
) -> list[SyncFailure]:
    return ctx.transaction(lambda uow: uow.failures.list(status, after_id, limit))


@frozen
class RetriedFailure:
    failure: SyncFailure
    entry: OutboxEntry


def failure_retry(
    ctx: Context[OutboxUnitOfWork], publish: PublishEntries, failure_id: int
) -> Command[OutboxUnitOfWork, RetriedFailure]:
    """Retry the entry behind an open failure. The failure stays open until the entry completes
    (then it is resolved automatically); failing again updates its message."""

    def work(uow: OutboxUnitOfWork) -> RetriedFailure:
        failure = _failure(uow, failure_id)
        if failure.status is FailureStatus.RESOLVED:
            raise Conflict(f"failure {failure_id} is resolved; nothing to retry")
        if failure.queue_id is None:
            raise Conflict(f"failure {failure_id} has no queue entry to retry")
        retried = _entry(uow, failure.queue_id).retry(ctx.clock.now())
        uow.outbox.save(retried)
        return RetriedFailure(failure, retried)

    def after_commit(result: RetriedFailure) -> None:
        assert result.entry.id is not None
        announce(publish, [result.entry.id])

    return Command(work, after_commit)


def retry_failure(ctx: Context[OutboxUnitOfWork], publish: PublishEntries, failure_id: int) -> RetriedFailure:
    """:func:`failure_retry`, run."""
    return failure_retry(ctx, publish, failure_id).run(ctx)


def failure_resolution(
    ctx: Context[OutboxUnitOfWork], failure_id: int, odoo_id: int | None = None
) -> Command[OutboxUnitOfWork, SyncFailure]:
    """Mark a failure as handled by hand (its entry stays as it is). Resolving twice is harmless.
    ``odoo_id``: the id of the order entered in Odoo by hand, shown on the order's sync status
    from then on (sale orders only: Conflict for another kind)."""

    def work(uow: OutboxUnitOfWork) -> SyncFailure:
        return _resolve(ctx, uow, _failure(uow, failure_id), odoo_id)

    return Command(work)


def resolve_failure(ctx: Context[OutboxUnitOfWork], failure_id: int, odoo_id: int | None = None) -> SyncFailure:
    """:func:`failure_resolution`, run."""
    return failure_resolution(ctx, failure_id, odoo_id).run(ctx)


def _resolve(
    ctx: Context[OutboxUnitOfWork], uow: OutboxUnitOfWork, failure: SyncFailure, odoo_id: int | None
) -> SyncFailure:
    if odoo_id is not None:
        if failure.entity_type != SALE_ORDER:
            raise Conflict(f"failure {failure.id} is about a {failure.entity_type}, not a sale order: no odooId")
        uow.outbound_orders.set_odoo_id(failure.external_id, odoo_id)
    resolved = failure.resolve(ctx.clock.now())
    if resolved is not failure:
        uow.failures.save(resolved)
    return resolved


@frozen
class FailureFilter:
    """Which failures a bulk action takes: these ``ids``, or every failure of ``status`` (and of
    entity type ``kind`` when given)."""

    ids: tuple[int, ...] | None = None
    status: FailureStatus | None = None
    kind: str | None = None


@frozen
class BulkOutcome:
    matched: int
    """Failures the filter matched."""
    done: int
    """Of those, retried (or resolved) now; the others were resolved already, or have no entry."""
    entry_ids: tuple[int, ...] = ()


BULK_PAGE = 500


def _matching(uow: OutboxUnitOfWork, which: FailureFilter) -> list[SyncFailure]:
    if which.ids is not None:
        return [f for f in (uow.failures.get(i) for i in dict.fromkeys(which.ids)) if f is not None]
    found: list[SyncFailure] = []
    after: int | None = None
    while page := uow.failures.list(which.status, after, BULK_PAGE):
        found += [f for f in page if which.kind is None or f.entity_type == which.kind]
        after = page[-1].id
    return found


def bulk_retry(
    ctx: Context[OutboxUnitOfWork], publish: PublishEntries, which: FailureFilter
) -> Command[OutboxUnitOfWork, BulkOutcome]:
    """Retry the entry behind every open failure ``which`` matches, in one transaction, then publish
    them. Resolved failures, failures without an entry and entries being processed are skipped."""

    def work(uow: OutboxUnitOfWork) -> BulkOutcome:
        matched = _matching(uow, which)
        now = ctx.clock.now()
        retried: list[int] = []
        for failure in matched:
            if failure.status is not FailureStatus.OPEN or failure.queue_id is None:
                continue
            entry = uow.outbox.get(failure.queue_id, lock=True)
            if entry is None or entry.status not in (OutboxStatus.FAILED, OutboxStatus.PENDING):
                continue
            uow.outbox.save(entry.retry(now))
            retried.append(failure.queue_id)
        return BulkOutcome(len(matched), len(retried), tuple(retried))

    return Command(work, lambda outcome: announce(publish, list(outcome.entry_ids)))


def bulk_resolve(
    ctx: Context[OutboxUnitOfWork], which: FailureFilter, odoo_id: int | None = None
) -> Command[OutboxUnitOfWork, BulkOutcome]:
    """Resolve every failure ``which`` matches (already resolved ones count as matched, not done).
    ``odoo_id`` names one order: it needs a filter of exactly one id."""
    if odoo_id is not None and (which.ids is None or len(set(which.ids)) != 1):
        raise InvalidBatch([FieldError(None, "odooId", "names one order: give it with exactly one id in ids")])

    def work(uow: OutboxUnitOfWork) -> BulkOutcome:
        matched = _matching(uow, which)
        done = [f for f in matched if _resolve(ctx, uow, f, odoo_id).status is not f.status]
        return BulkOutcome(len(matched), len(done))

    return Command(work)


def _entry(uow: OutboxUnitOfWork, entry_id: int) -> OutboxEntry:
    entry = uow.outbox.get(entry_id, lock=True)
    if entry is None:
        raise NotFound(f"no queue entry {entry_id}")
    return entry


def _failure(uow: OutboxUnitOfWork, failure_id: int) -> SyncFailure:
    failure = uow.failures.get(failure_id)
    if failure is None:
        raise NotFound(f"no sync failure {failure_id}")
    return failure


@frozen
class FailureDetail:
    failure: SyncFailure
    entry: OutboxEntry | None
    """The queue entry behind the failure (its attempts and last error), None once pruned."""
    order: OutboundOrder | None
    """The webshop order the failure is about, for a sale order's failure."""


def failure_detail(ctx: Context[OutboxUnitOfWork], failure_id: int) -> FailureDetail:
    """A failure, the queue entry behind it and the order it sends. Raises NotFound."""

    def work(uow: OutboxUnitOfWork) -> FailureDetail:
        failure = _failure(uow, failure_id)
        entry = uow.outbox.get(failure.queue_id) if failure.queue_id is not None else None
        order = uow.outbound_orders.get(failure.external_id) if failure.entity_type == SALE_ORDER else None
        return FailureDetail(failure, entry, order)

    return ctx.transaction(work)
