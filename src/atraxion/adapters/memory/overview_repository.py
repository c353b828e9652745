"""The dashboard's figures, from the memory tables."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from atraxion.adapters.memory.store import TableAccess
from atraxion.domain.outbox import FailureStatus


class MemoryOverviewRepository(TableAccess):
    def outbox_counts(self) -> dict[str, int]:
        return dict(Counter(e.status.value for e in self.table("outbox").values()))

    def open_failures(self) -> int:
        return sum(1 for f in self.table("sync_failures").values() if f.status is FailureStatus.OPEN)

    def delivery_counts(self) -> dict[str, int]:
        deliveries = self.table("webhook_deliveries")  # the memory webhook repository's table
        return dict(Counter(d.status.value for d in deliveries.values()))

    def pending_counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for entity, consumer, _ in self.table("pending"):
            per_entity = counts.setdefault(consumer, {})
            per_entity[entity] = per_entity.get(entity, 0) + 1
        return counts

    def changes_per_hour(self, since: datetime, hours: int) -> list[int]:
        totals = [0] * hours
        for record in self.table("records").values():
            hour = int((record.updated_at - since).total_seconds() // 3600)
            if 0 <= hour < hours:
                totals[hour] += 1
        return totals
