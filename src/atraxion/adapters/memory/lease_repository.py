"""Leases in memory. Memory transactions run one at a time, so a read-then-write is atomic here."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs

from atraxion.adapters.memory.store import TableAccess
from atraxion.domain.leases import Lease


class MemoryLeaseRepository(TableAccess):
    def acquire(self, name: str, holder: str, now: datetime, expires_at: datetime) -> bool:
        table = self.table("leases")
        current: Lease | None = table.get(name)
        if current is not None and not current.free_for(holder, now):
            return False
        table[name] = Lease(name, holder, expires_at)
        return True

    def release(self, name: str, holder: str) -> bool:
        table = self.table("leases")
        current: Lease | None = table.get(name)
        if current is None or current.holder != holder:
            return False
        table[name] = attrs.evolve(current, expires_at=datetime(1970, 1, 1, tzinfo=UTC))
        return True

    def get(self, name: str) -> Lease | None:
        lease: Lease | None = self.table("leases").get(name)
        return lease
