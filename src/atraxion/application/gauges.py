"""What ``/metrics`` reads from the database at scrape time: a few grouped queries, one transaction.

Pending counts and their age are the consumers API's (``FeedRepository.backlog``, the oldest
pending record's ``updated_at``), so ``/metrics`` and ``GET /api/v1/admin/consumers`` agree.

The number of rows read is bounded by consumers × entities, outbox statuses and entities, never
by the number of records or pending changes (the counts are the database's).
"""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from atraxion.application.context import Context
from atraxion.domain.outbox import FailureStatus, OutboxStatus
from atraxion.ports.unit_of_work import UnitOfWork


@frozen
class Backlog:
    """What one consumer has pending of one entity, and how long its oldest change has waited."""

    consumer: str
    entity: str
    pending: int
    oldest_age: float


@frozen
class Gauges:
    backlogs: list[Backlog]
    outbox: dict[OutboxStatus, int]
    """Every status, zero included."""
    open_failures: int
    cursor_ages: dict[str, float]
    """Seconds since each pulled entity's cursor was last stored."""


def _age(now: datetime, then: datetime) -> float:
    return max(0.0, (now - then).total_seconds())


def read_gauges(ctx: Context[UnitOfWork]) -> Gauges:
    def work(uow: UnitOfWork) -> Gauges:
        now = ctx.clock.now()
        backlogs = [
            Backlog(consumer, entity, backlog.pending, _age(now, backlog.oldest_pending_at or now))
            for entity in sorted(ctx.kinds)  # one grouped query per entity: what the consumers API reads
            for consumer, backlog in sorted(uow.feed.backlog(entity).items())
        ]
        counts = uow.outbox.count_by_status()
        return Gauges(
            backlogs=backlogs,
            outbox={status: counts.get(status, 0) for status in OutboxStatus},
            open_failures=uow.failures.count(FailureStatus.OPEN),
            cursor_ages={c.entity: _age(now, c.updated_at) for c in uow.pull_cursors.all()},
        )

    return ctx.transaction(work)
