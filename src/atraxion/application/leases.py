"""Taking, renewing and giving up leases: one job, one replica at a time (``domain/leases.py``).

Each call is its own committed transaction: a lease only means something to other replicas once it
is committed, and it must never be held open by a long job's transaction.
"""

from __future__ import annotations

from datetime import timedelta

from atraxion.application.context import Context
from atraxion.domain.leases import Lease, check_name
from atraxion.ports.unit_of_work import UnitOfWork


def acquire_lease(ctx: Context, name: str, holder: str, ttl: timedelta) -> bool:
    """Take ``name`` for ``holder`` for ``ttl`` if it is free, or renew it if ``holder`` has it.
    True when ``holder`` holds it for ``ttl`` from now."""
    check_name(name)
    if ttl <= timedelta(0):
        raise ValueError("a lease's time to live must be positive")

    def work(uow: UnitOfWork) -> bool:
        now = ctx.clock.now()
        taken = uow.leases.acquire(name, holder, now, now + ttl)
        uow.commit()
        return taken

    return ctx.transaction(work)


def release_lease(ctx: Context, name: str, holder: str) -> bool:
    """Give ``name`` up now if ``holder`` holds it, so another replica need not wait for expiry."""

    def work(uow: UnitOfWork) -> bool:
        released = uow.leases.release(name, holder)
        uow.commit()
        return released

    return ctx.transaction(work)


def lease_of(ctx: Context, name: str) -> Lease | None:
    """The stored lease ``name`` (expired or not), or None if it was never taken."""
    return ctx.transaction(lambda uow: uow.leases.get(name))
