"""Memory implementation of the pull cursors."""

from __future__ import annotations

from datetime import datetime

from atraxion.adapters.memory.store import TableAccess
from atraxion.domain.odoo_records import OdooPosition, PullCursor


class MemoryPullCursorRepository(TableAccess):
    def get(self, entity: str) -> PullCursor | None:
        cursor: PullCursor | None = self.table("pull_cursors").get(entity)
        return cursor

    def advance(self, entity: str, position: OdooPosition, at: datetime) -> None:
        table = self.table("pull_cursors")
        stored = table.get(entity)
        table[entity] = PullCursor(entity, max(position, stored.position) if stored else position, at)

    def all(self) -> list[PullCursor]:
        table = self.table("pull_cursors")
        return [table[name] for name in sorted(table)]

    def reset(self, entity: str) -> None:
        self.table("pull_cursors").pop(entity, None)
