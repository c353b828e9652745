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
from collections.abc import Callable
from datetime import timedelta

from atraxion.application.context import Context
from atraxion.application.leases import acquire_lease, release_lease
from atraxion.application.pull import PullOptions, PullSummary, pull_ids, pullable
from atraxion.domain.errors import UnknownEntity
from atraxion.domain.odoo_orders import PermanentOdooError
from atraxion.domain.queued_pulls import ANNOUNCED_BY, QueuedPull, coalesce
from atraxion.ports.odoo_gateway import OdooGateway
from atraxion.ports.unit_of_work import PullUnitOfWork

log = logging.getLogger(__name__)

LEASE = "odoo-queued-pulls"
BATCH = 1000
LEASE_TTL = timedelta(minutes=5)
"""Long enough for one batch's Odoo reads (each call times out on its own well before)."""


def entity_of_model(ctx: Context[PullUnitOfWork], model: str) -> str | None:
    """The pulled entity whose records Odoo's ``model`` holds (``product.product`` → products) or
    announces (``product.template`` → products, see :data:`ANNOUNCED_BY`); None if none."""
    pulled = pullable(ctx)
    for name in pulled:
        mapping = ctx.kind(name).odoo
        if mapping is not None and mapping.model == model:
            return name
    announced = ANNOUNCED_BY.get(model)
    return announced[0] if announced is not None and announced[0] in pulled else None


def queue_pull(ctx: Context[PullUnitOfWork], entity: str, odoo_id: int, model: str | None = None) -> QueuedPull:
    """Store "record ``odoo_id`` of ``model`` changed: pull it for ``entity``" durably, in one short
    transaction. ``model`` is the entity's own when not given."""
    if entity not in pullable(ctx):
        raise UnknownEntity(f"{entity!r} is not pulled from Odoo; pulled: {', '.join(pullable(ctx))}")
    own = ctx.kind(entity).odoo
    assert own is not None
    model = model or own.model
    if model != own.model and ANNOUNCED_BY.get(model, ("", ""))[0] != entity:
        raise UnknownEntity(f"Odoo's {model!r} does not announce {entity}")

    def work(uow: PullUnitOfWork) -> QueuedPull:
        queued = uow.queued_pulls.add(QueuedPull(None, entity, model, odoo_id, ctx.clock.now()))
        uow.commit()
        return queued

    return ctx.transaction(work)


def queued_count(ctx: Context[PullUnitOfWork]) -> int:
    return ctx.transaction(lambda uow: uow.queued_pulls.count())


def drain_queued_pulls(
    ctx: Context[PullUnitOfWork],
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
    ctx: Context[PullUnitOfWork],
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
            ctx.clock.sleep(min(settle - age, settle))
        for (entity, model), ids in coalesce(pulls).items():
            if entity not in pulled:
                log.warning("dropping %d queued pulls of %r: it is no longer pulled from Odoo", len(ids), entity)
                continue
            try:
                total.add(pull_ids(ctx, gateway, entity, _own_ids(ctx, gateway, entity, model, ids), options))
            except PermanentOdooError as error:
                log.error("dropping %d queued pulls of %s: Odoo refuses to read them (%s)", len(ids), entity, error)
        _remove(ctx, [p.id for p in pulls if p.id is not None])
        if not renew():
            log.warning("lost the lease %r while draining queued pulls; another replica goes on", LEASE)
            return


def _own_ids(ctx: Context[PullUnitOfWork], gateway: OdooGateway, entity: str, model: str, ids: list[int]) -> list[int]:
    """``ids`` of the entity's own model; for an announcing model, the records that its ids name."""
    own = ctx.kind(entity).odoo
    assert own is not None
    if model == own.model:
        return ids
    _, field = ANNOUNCED_BY[model]
    return gateway.search_ids(model=own.model, domain=[(field, "in", ids)])


def _remove(ctx: Context[PullUnitOfWork], ids: list[int]) -> None:
    def work(uow: PullUnitOfWork) -> None:
        uow.queued_pulls.remove(ids)
        uow.commit()

    ctx.transaction(work)
