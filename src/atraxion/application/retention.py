"""Retention: deleting what is older than its time to keep (``atraxion prune``, the periodic prune).

Each prunable store deletes in bounded batches, one committed transaction per batch, so a prune
of millions of rows never holds one long transaction or lock. The stores are handed in as a list
(:data:`STORES` and whatever the composition root adds), so a new store joins without touching
this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from attrs import frozen

from atraxion.application.context import Context
from atraxion.application.leases import acquire_lease
from atraxion.ports.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

BATCH = 5_000
"""Rows deleted per transaction."""
LEASE = "prune"


@frozen
class PrunableStore:
    """A store that forgets old rows: ``prune(uow, older_than, limit)`` deletes at most ``limit``
    rows older than ``older_than`` and says how many it deleted."""

    name: str
    what: str
    prune: Callable[[UnitOfWork, datetime, int], int]


def _logs(uow: UnitOfWork, older_than: datetime, limit: int) -> int:
    return uow.api_logs.prune(older_than, limit)


def _outbox(uow: UnitOfWork, older_than: datetime, limit: int) -> int:
    return uow.outbox.prune_completed(older_than, limit)


def _deliveries(uow: UnitOfWork, older_than: datetime, limit: int) -> int:
    return uow.deliveries.prune(older_than, limit)


STORES: tuple[PrunableStore, ...] = (
    PrunableStore("logs", "request log entries", _logs),
    PrunableStore("outbox", "completed outbox entries", _outbox),
    PrunableStore("deliveries", "delivered or failed webhook deliveries", _deliveries),
)
"""The stores every installation has; a new one joins here (or in ``bootstrap.prunable_stores``)."""


@frozen
class Pruned:
    """What one store's prune did: rows removed, or ``available`` False when no such store exists."""

    name: str
    what: str
    removed: int
    available: bool = True

    def line(self) -> str:
        if not self.available:
            return f"{self.name}: nothing to prune here (this installation has no {self.name} store)"
        return f"{self.name}: removed {self.removed} {self.what}"


def prune(
    ctx: Context[UnitOfWork],
    ages: Mapping[str, timedelta],
    stores: Sequence[PrunableStore] = STORES,
    batch: int = BATCH,
) -> list[Pruned]:
    """Delete, in each store named in ``ages``, what is older than its age; one result per name,
    in the order of ``ages``."""
    by_name = {store.name: store for store in stores}
    results = []
    for name, age in ages.items():
        store = by_name.get(name)
        if store is None:
            results.append(Pruned(name, name, 0, available=False))
            continue
        results.append(Pruned(name, store.what, _prune_store(ctx, store, age, batch)))
    return results


def _prune_store(ctx: Context[UnitOfWork], store: PrunableStore, age: timedelta, batch: int) -> int:
    older_than = ctx.clock.now() - age
    removed = 0
    while True:

        def work(uow: UnitOfWork) -> int:
            count = store.prune(uow, older_than, batch)
            uow.commit()
            return count

        count = ctx.transaction(work)
        removed += count
        if count < batch:
            return removed


def scheduled_prune(
    ctx: Context[UnitOfWork],
    ages: Mapping[str, timedelta],
    stores: Sequence[PrunableStore],
    holder: str,
    ttl: timedelta,
) -> list[Pruned] | None:
    """The periodic prune if ``holder`` holds (or can take) the prune lease: once per interval
    across every replica. None when another replica holds it."""
    if not acquire_lease(ctx, LEASE, holder, ttl):
        return None
    results = prune(ctx, {n: a for n, a in ages.items() if n in {s.name for s in stores}}, stores)
    removed = [r.line() for r in results if r.removed]
    if removed:
        log.info("periodic prune: %s", "; ".join(removed))
    return results
