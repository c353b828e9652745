"""Operating the reverse sync: list and retry queue entries, list, retry and resolve failures."""

from __future__ import annotations

from attrs import frozen

from atraxion.application.command import Command
from atraxion.application.context import Context
from atraxion.application.reverse_sync import publish
from atraxion.domain.errors import Conflict, NotFound
from atraxion.domain.outbound import FailureStatus, OutboxEntry, OutboxStatus, SyncFailure
from atraxion.ports.task_queue import TaskQueue
from atraxion.ports.unit_of_work import UnitOfWork


def list_entries(ctx: Context, status: OutboxStatus | None, after_id: int | None, limit: int) -> list[OutboxEntry]:
    return ctx.transaction(lambda uow: uow.outbox.list(status, after_id, limit))


def entry_retry(ctx: Context, queue: TaskQueue, entry_id: int) -> Command[OutboxEntry]:
    """Make a failed (or backing-off) entry due now with a fresh attempt budget, and publish it.
    Raises NotFound, or Conflict for a completed entry or one being processed."""

    def work(uow: UnitOfWork) -> OutboxEntry:
        retried = _entry(uow, entry_id).retry(ctx.clock.now())
        uow.outbox.save(retried)
        return retried

    return Command(work, lambda _: publish(queue, [entry_id]))


def retry_entry(ctx: Context, queue: TaskQueue, entry_id: int) -> OutboxEntry:
    """:func:`entry_retry`, run."""
    return entry_retry(ctx, queue, entry_id).run(ctx)


def list_failures(ctx: Context, status: FailureStatus | None, after_id: int | None, limit: int) -> list[SyncFailure]:
    return ctx.transaction(lambda uow: uow.failures.list(status, after_id, limit))


@frozen
class RetriedFailure:
    failure: SyncFailure
    entry: OutboxEntry


def failure_retry(ctx: Context, queue: TaskQueue, failure_id: int) -> Command[RetriedFailure]:
    """Retry the entry behind an open failure. The failure stays open until the entry completes
    (then it is resolved automatically); failing again updates its message."""

    def work(uow: UnitOfWork) -> RetriedFailure:
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
        publish(queue, [result.entry.id])

    return Command(work, after_commit)


def retry_failure(ctx: Context, queue: TaskQueue, failure_id: int) -> RetriedFailure:
    """:func:`failure_retry`, run."""
    return failure_retry(ctx, queue, failure_id).run(ctx)


def failure_resolution(ctx: Context, failure_id: int) -> Command[SyncFailure]:
    """Mark a failure as handled by hand (its entry stays as it is). Resolving twice is harmless."""

    def work(uow: UnitOfWork) -> SyncFailure:
        failure = _failure(uow, failure_id)
        resolved = failure.resolve(ctx.clock.now())
        if resolved is not failure:
            uow.failures.save(resolved)
        return resolved

    return Command(work)


def resolve_failure(ctx: Context, failure_id: int) -> SyncFailure:
    """:func:`failure_resolution`, run."""
    return failure_resolution(ctx, failure_id).run(ctx)


def _entry(uow: UnitOfWork, entry_id: int) -> OutboxEntry:
    entry = uow.outbox.get(entry_id, lock=True)
    if entry is None:
        raise NotFound(f"no queue entry {entry_id}")
    return entry


def _failure(uow: UnitOfWork, failure_id: int) -> SyncFailure:
    failure = uow.failures.get(failure_id)
    if failure is None:
        raise NotFound(f"no sync failure {failure_id}")
    return failure


def failure_detail(ctx: Context, failure_id: int) -> tuple[SyncFailure, OutboxEntry | None]:
    """A failure and the queue entry behind it (its payload, attempts and last error). Raises NotFound."""

    def work(uow: UnitOfWork) -> tuple[SyncFailure, OutboxEntry | None]:
        failure = _failure(uow, failure_id)
        return failure, uow.outbox.get(failure.queue_id) if failure.queue_id is not None else None

    return ctx.transaction(work)
