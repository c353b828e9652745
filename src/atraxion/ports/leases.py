"""Storage of leases (see ``atraxion.domain.leases``): one row per job name."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from atraxion.domain.leases import Lease


class LeaseRepository(Protocol):
    """Every change is one conditional statement, so two replicas racing in concurrent
    transactions can never both be told they hold a lease. Commit right after each call: a lease
    only counts for others once committed."""

    def acquire(self, name: str, holder: str, now: datetime, expires_at: datetime) -> bool:
        """Take ``name`` for ``holder`` until ``expires_at`` if it is free at ``now`` (never taken,
        expired, or already ``holder``'s: then this renews it). True if ``holder`` now holds it."""

    def release(self, name: str, holder: str) -> bool:
        """Give ``name`` up at once if ``holder`` holds it (expired or not); True if it did."""

    def get(self, name: str) -> Lease | None:
        """The lease row as stored (possibly expired), or None."""
