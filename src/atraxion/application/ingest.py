"""Inbound pushes from Odoo: store, diff, and mark changes pending for every consumer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from attrs import frozen

from atraxion.application.context import Context
from atraxion.domain.errors import InvalidBatch
from atraxion.domain.feed import plan_pending
from atraxion.domain.ingest import IngestPlan, ensure_unique_keys, needs_full_load, plan_ingest
from atraxion.domain.records import Incoming, Kind
from atraxion.ports.unit_of_work import UnitOfWork


@frozen
class Batch:
    """Records of one entity. A push may carry several (a product's embedded prices, say)."""

    entity: str
    records: Sequence[Incoming]


def ingest(ctx: Context, batches: Sequence[Batch]) -> list[IngestPlan]:
    """Apply every batch in one transaction; returns one plan per batch, in order.

    Raises :class:`~atraxion.domain.errors.InvalidBatch` (nothing stored) if a batch repeats a key
    or a hook rejects it.
    """
    for batch in batches:
        ensure_unique_keys(batch.records)

    def work(uow: UnitOfWork) -> list[IngestPlan]:
        plans = apply_batches(ctx, uow, batches)
        uow.commit()
        return plans

    return ctx.transaction(work)


def apply_batches(ctx: Context, uow: UnitOfWork, batches: Sequence[Batch]) -> list[IngestPlan]:
    """The work of :func:`ingest` inside the caller's unit of work, not committed: a pull commits
    it with the page's cursor. Keys must be unique per batch (see :func:`ensure_unique_keys`)."""
    plans = []
    for batch in batches:
        kind = ctx.kind(batch.entity)
        plan = _apply(ctx, uow, kind, batch.records)
        hook = ctx.after_ingest.get(kind.name)
        if hook is not None:
            try:
                hook(ctx, uow, plan.changed)
            except InvalidBatch as invalid:
                raise invalid.located({r.key: i for i, r in enumerate(batch.records)}) from None
        plans.append(plan)
    return plans


SLICE = 10_000
"""Records screened and written at a time. A 128,000-record batch is applied slice by slice in its
one transaction, so it never holds every stored head (with its stored JSON) in memory at once."""


def _apply(ctx: Context, uow: UnitOfWork, kind: Kind, records: Sequence[Incoming]) -> IngestPlan:
    now, change_seq = ctx.clock.now(), ctx.clock.sequence()  # one instant and position for the batch
    if len(records) <= SLICE:
        return _apply_slice(ctx, uow, kind, records, now, change_seq)
    plans = [
        _apply_slice(ctx, uow, kind, records[start : start + SLICE], now, change_seq)
        for start in range(0, len(records), SLICE)
    ]
    return IngestPlan(
        inserts=[r for p in plans for r in p.inserts],
        updates=[r for p in plans for r in p.updates],
        touched=[r for p in plans for r in p.touched],
        results=[r for p in plans for r in p.results],
    )


def _apply_slice(
    ctx: Context, uow: UnitOfWork, kind: Kind, records: Sequence[Incoming], now: datetime, change_seq: int
) -> IngestPlan:
    keys = [r.key for r in records]
    heads = uow.records.heads(kind.name, keys)
    differing, full_hashes = needs_full_load(records, heads, kind, ctx.fingerprinter)
    # Lock only what may be written: new keys and records whose push differs. Re-reading them under
    # the lock sees any concurrent writer's committed change, so no update is lost.
    candidates = [k for k in keys if k not in heads] + differing
    if candidates:
        heads.update(uow.records.heads(kind.name, candidates, lock=True))
        differing = [k for k in candidates if k in heads and heads[k].full_hash != full_hashes[k]]
    loaded = uow.records.load(kind.name, differing, lock=True) if differing else {}
    plan = plan_ingest(kind, records, heads, loaded, full_hashes, ctx.fingerprinter, now, change_seq)
    if plan.inserts:
        uow.records.insert(kind.name, plan.inserts)
    if plan.updates or plan.touched:
        uow.records.update(kind.name, [*plan.updates, *plan.touched])
    changed = plan.changed
    if changed:
        consumers = uow.feed.consumers()
        if consumers:
            acks = uow.feed.acks(kind.name, consumers, [r.key for r in changed])
            pending = plan_pending(kind, changed, consumers, acks, ctx.fingerprinter)
            uow.feed.set_pending(kind.name, pending.add, pending.clear)
    return plan
