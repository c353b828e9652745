"""The state behind the memory adapters: flat tables of immutable values, copied per transaction."""

from __future__ import annotations

import threading
from typing import Any


class MemoryStore:
    """Named tables (plain dicts of immutable values). A unit of work works on a copy of every
    table it touches and swaps them in on commit, under one lock: serializable, like SQLite."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tables: dict[str, dict[Any, Any]] = {}
        self.sequences: dict[str, int] = {}

    def table(self, name: str) -> dict[Any, Any]:
        return self.tables.setdefault(name, {})


class TableAccess:
    """Base of the memory repositories: the tables of the transaction's working copy, by name."""

    def __init__(self, tables: Any) -> None:
        self._tables = tables

    def table(self, name: str) -> dict[Any, Any]:
        table: dict[Any, Any] = self._tables.table(name)
        return table
