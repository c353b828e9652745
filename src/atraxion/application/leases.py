"""Taking, renewing and giving up leases: one job, one replica at a time (``domain/leases.py``).

Each call is its own committed transaction: a lease only means something to other replicas once it
is committed, and it must never be held open by a long job's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from atraxion.application.context import Context
from atraxion.domain.leases import Lease, check_name
from atraxion.ports.unit_of_work import LeaseUnitOfWork

T = TypeVar("T")

SHORTEST_PERIODIC_TTL = timedelta(seconds=2)
"""A periodic job's lease outlives three of its intervals, and at least this (a sweeper every 0.1 s
must not lose its lease to one slow transaction)."""


def periodic_lease_ttl(interval: float) -> timedelta:
    """How long the lease of a job run every ``interval`` seconds lasts unrenewed: when its holder
    dies, another replica takes the job over after at most this."""
    return max(timedelta(seconds=3 * interval), SHORTEST_PERIODIC_TTL)


def run_if_leading(
    ctx: Context[LeaseUnitOfWork], name: str, holder: str, interval: float, job: Callable[[], T]
) -> T | None:
    """One run of a periodic job, on one replica at a time: ``job()`` if ``holder`` holds (or can
    take) the lease ``name``; None, without running it, when another replica leads."""
    if not acquire_lease(ctx, name, holder, periodic_lease_ttl(interval)):
        return None
    return job()


def acquire_lease(ctx: Context[LeaseUnitOfWork], name: str, holder: str, ttl: timedelta) -> bool:
    """Take ``name`` for ``holder`` for ``ttl`` if it is free, or renew it if ``holder`` has it.
    True when ``holder`` holds it for ``ttl`` from now."""
    check_name(name)
    if ttl <= timedelta(0):
        raise ValueError("a lease's time to live must be positive")

    def work(uow: LeaseUnitOfWork) -> bool:
        now = ctx.clock.now()
        taken = uow.leases.acquire(name, holder, now, now + ttl)
        uow.commit()
        return taken

    return ctx.transaction(work)


def release_lease(ctx: Context[LeaseUnitOfWork], name: str, holder: str) -> bool:
    """Give ``name`` up now if ``holder`` holds it, so another replica need not wait for expiry."""

    def work(uow: LeaseUnitOfWork) -> bool:
        released = uow.leases.release(name, holder)
        uow.commit()
        return released

    return ctx.transaction(work)


def lease_of(ctx: Context[LeaseUnitOfWork], name: str) -> Lease | None:
    """The stored lease ``name`` (expired or not), or None if it was never taken."""
    return ctx.transaction(lambda uow: uow.leases.get(name))
