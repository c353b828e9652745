"""Memory implementations of the outbox, sync-failure and outbound-order repositories.

Memory transactions are serial (one lock for the whole unit of work), so ``lock`` needs no work;
:meth:`MemoryOutboxRepository.save` still checks the revision, as the SQL adapter does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

import attrs

from atraxion.adapters.memory.store import TableAccess
from atraxion.domain.outbox import FailureStatus, OutboxEntry, OutboxStatus, SyncFailure
from atraxion.domain.webshop_orders import OutboundOrder
from atraxion.ports.unit_of_work import ConcurrentUpdate


class MemoryOutboxRepository(TableAccess):
    def add(self, entry: OutboxEntry) -> OutboxEntry:
        table = self.table("outbox")
        stored = attrs.evolve(entry, id=max(table, default=0) + 1)
        table[stored.id] = stored
        return stored

    def get(self, entry_id: int, *, lock: bool = False) -> OutboxEntry | None:
        entry: OutboxEntry | None = self.table("outbox").get(entry_id)
        return entry

    def save(self, entry: OutboxEntry) -> None:
        table = self.table("outbox")
        current = table.get(entry.id)
        if current is None or current.revision != entry.revision - 1:
            raise ConcurrentUpdate(f"outbox entry {entry.id} changed since it was read")
        table[entry.id] = entry

    def due(self, now: datetime, redeliver_before: datetime, stale_before: datetime, limit: int) -> list[int]:
        def wanted(e: OutboxEntry) -> bool:
            unsent = e.published_at is None or e.published_at <= redeliver_before
            if e.status is OutboxStatus.PENDING:
                return unsent and e.next_attempt_at <= now
            if e.status is OutboxStatus.PROCESSING:
                return unsent and e.claimed_at is not None and e.claimed_at <= stale_before
            return False

        return sorted(i for i, e in self.table("outbox").items() if wanted(e))[:limit]

    def mark_published(self, entry_ids: Sequence[int], at: datetime) -> None:
        table = self.table("outbox")
        for entry_id in entry_ids:
            if entry_id in table:
                # Not a state change: the revision stays, so no worker's save is refused for it.
                table[entry_id] = attrs.evolve(table[entry_id], published_at=at)

    def list(self, status: OutboxStatus | None, after_id: int | None, limit: int) -> list[OutboxEntry]:
        entries = sorted(self.table("outbox").items())
        return [e for i, e in entries if (status is None or e.status is status) and (after_id is None or i > after_id)][
            :limit
        ]

    def count_by_status(self) -> dict[OutboxStatus, int]:
        return dict(Counter(e.status for e in self.table("outbox").values()))

    def prune_completed(self, older_than: datetime, limit: int) -> int:
        table = self.table("outbox")
        newest = max(table, default=0)  # kept: ids are numbered after the highest (see the SQL one)
        gone = [i for i, e in sorted(table.items()) if e.status is OutboxStatus.COMPLETED and e.updated_at < older_than]
        gone = [i for i in gone if i != newest][:limit]
        for entry_id in gone:
            del table[entry_id]
        return len(gone)


class MemorySyncFailureRepository(TableAccess):
    def open(self, failure: SyncFailure) -> SyncFailure:
        table = self.table("sync_failures")
        stored = attrs.evolve(failure, id=max(table, default=0) + 1)
        table[stored.id] = stored
        return stored

    def get(self, failure_id: int) -> SyncFailure | None:
        failure: SyncFailure | None = self.table("sync_failures").get(failure_id)
        return failure

    def open_for_entry(self, queue_id: int) -> SyncFailure | None:
        return next(
            (
                f
                for _, f in sorted(self.table("sync_failures").items())
                if f.queue_id == queue_id and f.status is FailureStatus.OPEN
            ),
            None,
        )

    def latest_for_entry(self, queue_id: int) -> SyncFailure | None:
        found = [f for _, f in sorted(self.table("sync_failures").items()) if f.queue_id == queue_id]
        return found[-1] if found else None

    def save(self, failure: SyncFailure) -> None:
        table = self.table("sync_failures")
        if failure.id not in table:
            raise KeyError(f"no sync failure {failure.id}")
        table[failure.id] = failure

    def count(self, status: FailureStatus) -> int:
        return sum(1 for f in self.table("sync_failures").values() if f.status is status)

    def list(self, status: FailureStatus | None, after_id: int | None, limit: int) -> list[SyncFailure]:
        failures = sorted(self.table("sync_failures").items())
        return [
            f for i, f in failures if (status is None or f.status is status) and (after_id is None or i > after_id)
        ][:limit]


class MemoryOutboundOrderRepository(TableAccess):
    def add(self, order: OutboundOrder) -> None:
        table = self.table("outbound_orders")
        if order.external_id in table:
            raise ValueError(f"duplicate outbound order {order.external_id!r}")
        table[order.external_id] = order

    def get(self, external_id: str) -> OutboundOrder | None:
        order: OutboundOrder | None = self.table("outbound_orders").get(external_id)
        return order

    def set_odoo_id(self, external_id: str, odoo_id: int) -> None:
        table = self.table("outbound_orders")
        if external_id in table:
            table[external_id] = attrs.evolve(table[external_id], odoo_id=odoo_id)
