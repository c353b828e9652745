"""Queued pulls in memory."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from atraxion.adapters.memory.store import TableAccess
from atraxion.domain.queued_pulls import QueuedPull


class MemoryQueuedPullRepository(TableAccess):
    def add(self, pull: QueuedPull) -> QueuedPull:
        table = self.table("odoo_queued_pulls")
        stored = attrs.evolve(pull, id=max(table, default=0) + 1)
        table[stored.id] = stored
        return stored

    def oldest(self, limit: int) -> list[QueuedPull]:
        table = self.table("odoo_queued_pulls")
        return [table[i] for i in sorted(table)[:limit]]

    def remove(self, ids: Sequence[int]) -> None:
        table = self.table("odoo_queued_pulls")
        for pull_id in ids:
            table.pop(pull_id, None)

    def count(self) -> int:
        return len(self.table("odoo_queued_pulls"))
