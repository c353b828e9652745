"""What ``/metrics`` reads from the database at scrape time: a few grouped queries, one transaction.

The number of rows read is bounded by consumers × entities, outbox statuses and entities, never
by the number of records or pending changes (the counts are the database's).
"""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from atraxion.application.context import Context
from atraxion.domain.outbound import FailureStatus, OutboxStatus
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


def read_gauges(ctx: Context) -> Gauges:
    def work(uow: UnitOfWork) -> Gauges:
        now = ctx.clock.now()
        now_seq = now.timestamp() * 1_000_000  # change_seq counts microseconds (the Clock port)
        backlogs = [
            Backlog(consumer, entity, count, max(0.0, (now_seq - oldest) / 1_000_000))
            for consumer, entity, count, oldest in uow.feed.pending_totals()
        ]
        counts = uow.outbox.count_by_status()
        return Gauges(
            backlogs=backlogs,
            outbox={status: counts.get(status, 0) for status in OutboxStatus},
            open_failures=uow.failures.count(FailureStatus.OPEN),
            cursor_ages={c.entity: _age(now, c.updated_at) for c in uow.pull_cursors.all()},
        )

    return ctx.transaction(work)
