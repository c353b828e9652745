"""The request log in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs

from atraxion.domain.request_log import ApiLogEntry


class MemoryApiLogRepository:
    def __init__(self, tables: Any) -> None:
        self._tables = tables

    def _table(self) -> dict[int, ApiLogEntry]:
        table: dict[int, ApiLogEntry] = self._tables.table("api_logs")
        return table

    def add_many(self, entries: Sequence[ApiLogEntry]) -> None:
        table = self._table()
        next_id = max(table, default=0) + 1
        for number, entry in enumerate(entries, start=next_id):
            table[number] = attrs.evolve(entry, id=number)

    def search(
        self,
        path_prefix: str | None,
        status: int | None,
        limit: int,
        before_id: int | None,
        *,
        consumer: str | None = None,
        until: datetime | None = None,
    ) -> list[ApiLogEntry]:
        found: list[ApiLogEntry] = []
        for entry_id in sorted(self._table(), reverse=True):
            if len(found) >= limit:
                break
            entry = self._table()[entry_id]
            if before_id is not None and entry_id >= before_id:
                continue
            if path_prefix is not None and not entry.path.startswith(path_prefix):
                continue
            if status is not None and entry.status_code != status:
                continue
            if (consumer is not None and entry.consumer != consumer) or (until is not None and entry.at > until):
                continue
            found.append(entry)
        return found

    def prune(self, older_than: datetime, limit: int) -> int:
        table = self._table()
        gone = [i for i, e in sorted(table.items()) if e.at < older_than][:limit]
        for entry_id in gone:
            del table[entry_id]
        return len(gone)
