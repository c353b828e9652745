"""Idempotency records in memory. The store lock a unit of work holds from start to end is what a
concurrent duplicate waits on: it finds the key only once the claiming unit of work committed."""

from __future__ import annotations

from datetime import datetime

from atraxion.adapters.memory.store import TableAccess
from atraxion.ports.idempotency import Answer, IdempotencyRecord


class MemoryIdempotencyRepository(TableAccess):
    def claim(self, owner: str, key: str, fingerprint: str, at: datetime) -> IdempotencyRecord | None:
        table = self.table("idempotency")
        found: IdempotencyRecord | None = table.get((owner, key))
        if found is None:
            table[(owner, key)] = IdempotencyRecord(fingerprint, None)
        return found

    def complete(self, owner: str, key: str, answer: Answer) -> None:
        table = self.table("idempotency")
        claimed: IdempotencyRecord = table[(owner, key)]
        table[(owner, key)] = IdempotencyRecord(claimed.fingerprint, answer)
