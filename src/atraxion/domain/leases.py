"""Leases: a named, expiring right to do one job, shared by every replica through the database.

The periodic pull must run in one process at a time however many ``atraxion serve`` or ``atraxion
worker`` processes share the database; a process-local lock cannot say that. A lease can: whoever
holds the row ``name`` until ``expires_at`` does the job. A holder renews before it expires; a holder
that dies simply stops renewing, and once the lease has expired anyone may take it over.

Expiry is judged by each process's clock, so replicas' clocks must agree to within a small part of
a lease's time to live (NTP does far better than the seconds these leases last).
"""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

MAX_NAME_LENGTH = 64
MAX_HOLDER_LENGTH = 128


@frozen
class Lease:
    """Who holds the job ``name``, and until when (the lease is free from ``expires_at`` on)."""

    name: str
    holder: str
    expires_at: datetime

    def held_by(self, holder: str, now: datetime) -> bool:
        return self.holder == holder and now < self.expires_at

    def free_for(self, holder: str, now: datetime) -> bool:
        """Whether ``holder`` may take (or renew) this lease at ``now``."""
        return self.holder == holder or self.expires_at <= now


class LeaseLost(Exception):
    """A job's lease was taken over (it expired before its holder renewed it): stop the job, another
    replica does it now."""


def check_name(name: str) -> str:
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"a lease name has 1 to {MAX_NAME_LENGTH} characters, got {name!r}")
    return name
