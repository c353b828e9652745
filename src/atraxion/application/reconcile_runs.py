"""Reconcile runs started over HTTP (``POST /api/v1/admin/reconcile``): their state lives in the
database, so any replica answers ``GET /api/v1/admin/reconcile/{id}``, and a run whose process died
is reported failed once it has made no progress for :data:`STALE_AFTER`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

from atraxion.application.command import Command
from atraxion.application.context import Context
from atraxion.application.pull import PullOptions
from atraxion.application.reconcile import reconcilable, reconcile
from atraxion.domain.odoo_orders import OdooError
from atraxion.domain.reconcile import ReconcileCounts, ReconcileRun
from atraxion.ports.odoo_gateway import OdooGateway
from atraxion.ports.unit_of_work import PullUnitOfWork

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)
"""A running run saves its counts after every page; this long without that, its process is gone."""


def run_start(
    ctx: Context[PullUnitOfWork],
    entities: Sequence[str] = (),
    after_commit: Callable[[ReconcileRun], None] | None = None,
) -> Command[PullUnitOfWork, ReconcileRun]:
    """Record a new run of ``entities`` (every pulled entity when empty) as running; then
    ``after_commit`` (starting it). Raises UnknownEntity at once for an entity that is not pulled."""
    chosen = reconcilable(ctx, entities)

    def work(uow: PullUnitOfWork) -> ReconcileRun:
        return uow.reconcile_runs.add(ReconcileRun.start(chosen, ctx.clock.now()))

    return Command(work, after_commit)


def start_run(ctx: Context[PullUnitOfWork], entities: Sequence[str] = ()) -> ReconcileRun:
    """:func:`run_start`, run (the run is recorded, not executed)."""
    return run_start(ctx, entities).run(ctx)


def execute_run(
    ctx: Context[PullUnitOfWork], gateway: OdooGateway, options: PullOptions, run: ReconcileRun
) -> ReconcileRun:
    """Run ``run`` to its end here, saving its counts as it goes; returns its final state. Never
    raises for a failure of the reconcile itself: that is the run's ``error`` (with the counts
    reached until then)."""
    state = [run]

    def progress(entity: str, so_far: ReconcileCounts) -> None:
        state[0] = _save(ctx, state[0].progress(so_far, ctx.clock.now()))

    try:
        counts = reconcile(ctx, gateway, options, run.entities, progress=progress)
    except OdooError as error:
        return _save(ctx, state[0].failed(f"Odoo failed: {error}", ctx.clock.now()))
    except Exception as error:  # noqa: BLE001 - the run must end as failed, whatever happened
        log.exception("reconcile run %s failed", run.id)
        detail = f"unexpected {type(error).__name__}; the service log has the details"
        return _save(ctx, state[0].failed(detail, ctx.clock.now()))
    return _save(ctx, state[0].completed(counts, ctx.clock.now()))


def get_run(ctx: Context[PullUnitOfWork], run_id: int) -> ReconcileRun | None:
    """The run as it stands (a stale running run as failed, see :data:`STALE_AFTER`), or None."""
    run = ctx.transaction(lambda uow: uow.reconcile_runs.get(run_id))
    return None if run is None else run.as_seen(ctx.clock.now(), STALE_AFTER)


def _save(ctx: Context[PullUnitOfWork], run: ReconcileRun) -> ReconcileRun:
    def work(uow: PullUnitOfWork) -> ReconcileRun:
        uow.reconcile_runs.save(run)
        uow.commit()
        return run

    return ctx.transaction(work)
