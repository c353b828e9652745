"""Pulls queued by Odoo's automation webhooks: queue one in the request, drain them in batches.

A webhook (``POST /api/v1/odoo/webhooks/{token}``) stores a row and nudges the task queue; a
worker then drains the rows: the oldest batch at a time, one :func:`~atraxion.application.pull.pull_ids`
call per entity for the batch's distinct ids (ten webhooks for one record cost one read), and the
rows are removed only after their records were ingested. A crash re-reads a batch; it never loses one.

One replica drains at a time (the lease :data:`LEASE`). A drainer that finds the lease taken
returns at once: the holder looks for new rows again after giving the lease up, so a row queued
while it drained is not left behind.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from atraxion.application.context import Context
from atraxion.application.leases import acquire_lease, release_lease
from atraxion.application.pull import PullOptions, PullSummary, pull_ids, pullable
from atraxion.domain.errors import UnknownEntity
from atraxion.domain.odoo_orders import PermanentOdooError
from atraxion.domain.queued_pulls import QueuedPull, coalesce
from atraxion.ports.odoo_gateway import OdooGateway
from atraxion.ports.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

LEASE = "odoo-queued-pulls"
BATCH = 1000
LEASE_TTL = timedelta(minutes=5)
"""Long enough for one batch's Odoo reads (each call times out on its own well before)."""


def entity_of_model(ctx: Context, model: str) -> str | None:
    """The pulled entity whose records live in Odoo's ``model`` (``product.product`` → products)."""
    for name in pullable(ctx):
        mapping = ctx.kind(name).odoo
        if mapping is not None and mapping.model == model:
            return name
    return None


def queue_pull(ctx: Context, entity: str, odoo_id: int) -> QueuedPull:
    """Store "pull record ``odoo_id`` of ``entity``" durably (one short transaction)."""
    if entity not in pullable(ctx):
        raise UnknownEntity(f"{entity!r} is not pulled from Odoo; pulled: {', '.join(pullable(ctx))}")

    def work(uow: UnitOfWork) -> QueuedPull:
        queued = uow.queued_pulls.add(QueuedPull(None, entity, odoo_id, ctx.clock.now()))
        uow.commit()
        return queued

    return ctx.transaction(work)


def queued_count(ctx: Context) -> int:
    return ctx.transaction(lambda uow: uow.queued_pulls.count())


def drain_queued_pulls(
    ctx: Context,
    gateway: OdooGateway,
    options: PullOptions,
    holder: str,
    *,
    batch: int = BATCH,
    ttl: timedelta = LEASE_TTL,
    settle: float = 0.0,
) -> PullSummary:
    """Pull every queued record, batch by batch, while holding the lease; returns what was pulled
    (nothing when another replica holds the lease: it drains our rows too).

    A :class:`~atraxion.domain.odoo_orders.TransientOdooError` (Odoo down) propagates and leaves the
    batch queued for the next nudge or periodic pull. A batch Odoo refuses for good (access rights,
    say) is logged and dropped: retrying it would block every row behind it, and the periodic pull
    and reconcile repair what it carried.

    ``settle``: seconds a row waits before its record is read. Odoo 17 sends a webhook before its
    transaction commits; reading at once could see the record as it was.
    """
    total = PullSummary()
    while True:
        if not acquire_lease(ctx, LEASE, holder, ttl):
            return total
        try:
            renew = lambda: acquire_lease(ctx, LEASE, holder, ttl)  # noqa: E731
            _drain(ctx, gateway, options, batch, settle, renew=renew, total=total)
        finally:
            release_lease(ctx, LEASE, holder)
        # A row queued after our last look, while we still held the lease, found the lease taken and
        # its nudge did nothing: look once more now that the lease is free.
        if queued_count(ctx) == 0:
            return total


def _drain(
    ctx: Context,
    gateway: OdooGateway,
    options: PullOptions,
    batch: int,
    settle: float,
    *,
    renew: Callable[[], bool],
    total: PullSummary,
) -> None:
    pulled = set(pullable(ctx))
    while pulls := ctx.transaction(lambda uow: uow.queued_pulls.oldest(batch)):
        age = (ctx.clock.now() - max(p.requested_at for p in pulls)).total_seconds()
        if age < settle:
            time.sleep(min(settle - age, settle))
        for entity, ids in coalesce(pulls).items():
            if entity not in pulled:
                log.warning("dropping %d queued pulls of %r: it is no longer pulled from Odoo", len(ids), entity)
                continue
            try:
                total.add(pull_ids(ctx, gateway, entity, ids, options))
            except PermanentOdooError as error:
                log.error("dropping %d queued pulls of %s: Odoo refuses to read them (%s)", len(ids), entity, error)
        _remove(ctx, [p.id for p in pulls if p.id is not None])
        if not renew():
            log.warning("lost the lease %r while draining queued pulls; another replica goes on", LEASE)
            return


def _remove(ctx: Context, ids: list[int]) -> None:
    def work(uow: UnitOfWork) -> None:
        uow.queued_pulls.remove(ids)
        uow.commit()

    ctx.transaction(work)
