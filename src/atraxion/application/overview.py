"""The admin dashboard's figures, read in one unit of work."""

from __future__ import annotations

from datetime import datetime, timedelta

from attrs import frozen

from atraxion.application.context import Context
from atraxion.domain.odoo_records import PullCursor
from atraxion.domain.outbox import OutboxStatus
from atraxion.domain.webhooks import DeliveryStatus
from atraxion.ports.unit_of_work import UnitOfWork

CHART_HOURS = 24


@frozen
class Overview:
    at: datetime
    outbox: dict[str, int]
    """Entries by status, every status present (zero included)."""
    open_failures: int
    records: dict[str, int]
    """Stored records by entity."""
    consumers: list[str]
    pending: dict[str, dict[str, int]]
    """Records pending per consumer and entity (zero left out)."""
    deliveries: dict[str, int]
    """Webhook deliveries by status, every status present (zero included)."""
    webhooks: int
    active_webhooks: int
    pulls: list[PullCursor]
    since: datetime
    changes_per_hour: list[int]
    """Records created or changed in each hour from ``since`` (the current hour last)."""


def overview(ctx: Context[UnitOfWork]) -> Overview:
    now = ctx.clock.now()
    since = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=CHART_HOURS - 1)

    def work(uow: UnitOfWork) -> Overview:
        counts, deliveries, hooks = uow.overview.outbox_counts(), uow.overview.delivery_counts(), uow.webhooks.all()
        return Overview(
            at=now,
            outbox={status.value: counts.get(status.value, 0) for status in OutboxStatus},
            open_failures=uow.overview.open_failures(),
            records={name: uow.records.count(name) for name in ctx.kinds},
            consumers=sorted(uow.feed.consumers()),
            pending=uow.overview.pending_counts(),
            deliveries={status.value: deliveries.get(status.value, 0) for status in DeliveryStatus},
            webhooks=len(hooks),
            active_webhooks=sum(1 for hook in hooks if hook.is_active),
            pulls=uow.pull_cursors.all(),
            since=since,
            changes_per_hour=uow.overview.changes_per_hour(since, CHART_HOURS),
        )

    return ctx.transaction(work)
