"""The periodic incremental pull (``ATRAXION_PULL_INTERVAL``): one replica at a time.

Every replica (``atraxion serve`` with the embedded queue, ``atraxion worker``) calls
:func:`scheduled_pull` every interval; only the holder of the lease :data:`LEASE` pulls. The holder
keeps the lease from one run to the next (its time to live spans several intervals), so the pull
runs once per interval however many replicas there are; another replica takes over once the
holder stops renewing it (it died) or gives it up (:func:`give_up`, at a graceful stop).

A run pulls every pulled entity from its cursor, then drains the pulls Odoo's webhooks queued (a
nudge lost with a broker, or a row left by a crash, waits at most one interval).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from atraxion.application.context import Context
from atraxion.application.leases import acquire_lease, release_lease
from atraxion.application.pull import PullOptions, PullSummary, pull, pullable
from atraxion.application.queued_pulls import drain_queued_pulls
from atraxion.domain.leases import LeaseLost
from atraxion.domain.odoo_orders import OdooError
from atraxion.ports.odoo_gateway import OdooGateway
from atraxion.ports.unit_of_work import PullUnitOfWork

log = logging.getLogger(__name__)

LEASE = "odoo-pull"


def lease_ttl(interval: float) -> timedelta:
    """How long the periodic pull's lease lasts unrenewed: three intervals, at least a minute (a
    replica that died is replaced after that long)."""
    return timedelta(seconds=max(3 * interval, 60.0))


def scheduled_pull(
    ctx: Context[PullUnitOfWork], gateway: OdooGateway, options: PullOptions, holder: str, ttl: timedelta
) -> PullSummary | None:
    """One run of the periodic pull if ``holder`` holds (or can take) the lease; None otherwise.

    An entity whose pull fails (Odoo down) is logged and skipped: the others still run, and its
    cursor makes the next run resume where this one stopped.
    """
    if not acquire_lease(ctx, LEASE, holder, ttl):
        return None
    began = ctx.clock.now()
    keeper = _Renewal(ctx, holder, ttl)
    total = PullSummary()
    for entity in pullable(ctx):
        try:
            total.add(pull(ctx, gateway, entity, options, progress=keeper))
        except LeaseLost:
            log.warning("periodic pull: lost the lease during %s; another replica pulls now", entity)
            return total
        except OdooError as error:
            log.warning(
                "periodic pull of %s failed (%s: %s); the next run resumes it", entity, type(error).__name__, error
            )
    keeper.renew()
    try:
        total.add(drain_queued_pulls(ctx, gateway, options, holder))
    except OdooError as error:
        log.warning("draining queued pulls failed (%s: %s); they stay queued", type(error).__name__, error)
    took = (ctx.clock.now() - began).total_seconds()
    log.debug("periodic pull by %s from %.3f for %.3f s: %s", holder, began.timestamp(), took, total.line())
    return total


def give_up(ctx: Context[PullUnitOfWork], holder: str) -> bool:
    """Release the lease now (a graceful stop), so another replica need not wait for it to expire."""
    return release_lease(ctx, LEASE, holder)


class _Renewal:
    """A :class:`~atraxion.application.pull.PullProgress` that renews the lease as pages go by
    (at most every third of its time to live), and stops the pull if it was taken over."""

    def __init__(self, ctx: Context[PullUnitOfWork], holder: str, ttl: timedelta) -> None:
        self.ctx, self.holder, self.ttl = ctx, holder, ttl
        self.every = ttl.total_seconds() / 3
        self.last = ctx.clock.now()

    def renew(self) -> None:
        if not acquire_lease(self.ctx, LEASE, self.holder, self.ttl):
            raise LeaseLost(LEASE)
        self.last = self.ctx.clock.now()

    def start(self, entity: str, total: int) -> None:
        self.renew()

    def advance(self, rows: int, summary: PullSummary) -> None:
        if (self.ctx.clock.now() - self.last).total_seconds() >= self.every:
            self.renew()

    def finish(self, entity: str, summary: PullSummary) -> None:
        pass
