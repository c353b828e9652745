"""Inbound pushes from Odoo: store, diff, and mark changes pending for every consumer.

A batch may also delete keys (``Batch.deletions``): the deletion of a live record is a change like
any other, made in the same transaction (see :mod:`atraxion.application.deletions`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import partial
from itertools import compress, count
from operator import not_
from typing import TypeVar

import attrs
from attrs import frozen

from atraxion.application.command import Command
from atraxion.application.context import Context
from atraxion.application.webhooks import ChangeNotices
from atraxion.domain.errors import InvalidBatch
from atraxion.domain.feed import plan_pending
from atraxion.domain.history import versions_of
from atraxion.domain.ingest import (
    IngestPlan,
    IngestResult,
    ensure_unique_keys,
    needs_full_load,
    plan_deletions,
    plan_ingest,
    with_unchanged,
)
from atraxion.domain.records import Incoming, IncomingColumns, Kind, StoredRecord
from atraxion.observability import metrics
from atraxion.ports.unit_of_work import IngestUnitOfWork


def _columns(records: Iterable[Incoming]) -> IncomingColumns:
    return IncomingColumns.of(records)


@frozen
class Batch:
    """Records of one entity, and keys of that entity to delete. A push may carry several batches
    (a product's embedded prices, say). The records are held column-wise (given as a sequence of
    :class:`Incoming`, they are turned into columns)."""

    entity: str
    records: IncomingColumns = attrs.field(converter=_columns)
    deletions: Sequence[str] = ()


def ingestion(ctx: Context[IngestUnitOfWork], batches: Sequence[Batch]) -> Command[IngestUnitOfWork, list[IngestPlan]]:
    """Apply every batch in one unit of work; the command returns one plan per batch, in order.

    Raises :class:`~atraxion.domain.errors.InvalidBatch` (nothing stored) if a batch repeats a key
    or a hook rejects it.
    """
    for batch in batches:
        ensure_unique_keys([*batch.records.keys, *batch.deletions] if batch.deletions else batch.records.keys)
    announce = ctx.announce_deliveries
    recorded: list[int] = []  # webhook deliveries of the attempt that committed

    def work(uow: IngestUnitOfWork) -> list[IngestPlan]:
        recorded.clear()  # a retried unit of work records them anew
        return apply_batches(ctx, uow, batches, recorded if announce is not None else None)

    def after_commit(plans: list[IngestPlan]) -> None:
        for batch, plan in zip(batches, plans, strict=True):
            observe(batch.entity, [plan])
        if recorded and announce is not None:
            try:
                announce(list(recorded))
            except Exception:  # noqa: BLE001 - the rows are committed; the sweeper publishes them
                log.warning("could not publish %d webhook deliveries; the sweeper will", len(recorded))

    return Command(work, after_commit)


def observe(entity: str, plans: Sequence[IngestPlan]) -> None:
    """Count committed ``plans`` of ``entity`` in the metrics (records received and changed)."""
    received = sum(len(p.results) + p.unlisted for p in plans)
    changed = sum(len(p.inserts) + len(p.updates) + len(p.deletions) for p in plans)
    metrics.observe_ingest(entity, received, changed)


def ingest(ctx: Context[IngestUnitOfWork], batches: Sequence[Batch]) -> list[IngestPlan]:
    """:func:`ingestion`, run."""
    return ingestion(ctx, batches).run(ctx)


def apply_batches(
    ctx: Context[IngestUnitOfWork], uow: IngestUnitOfWork, batches: Sequence[Batch], announced: list[int] | None = None
) -> list[IngestPlan]:
    """The work of :func:`ingest` inside the caller's unit of work, not committed: a pull commits
    it with the page's cursor. Keys must be unique per batch (see :func:`ensure_unique_keys`).

    Each batch records its webhook deliveries (``changes.pending``, one per subscribed webhook,
    split past ``ctx.delivery_max_items`` keys); their ids go to ``announced`` when the caller
    publishes them after commit, else the sweeper does."""
    plans = []
    active = uow.webhooks.active()
    for batch in batches:
        kind = ctx.kind(batch.entity)
        notices = ChangeNotices.for_batch(ctx, uow, kind.name, active, announced)
        plan = _apply(ctx, uow, kind, batch.records, notices)
        if batch.deletions:
            plan = _merged([plan, *_slices(batch.deletions, partial(_delete, ctx, uow, kind, notices=notices))])
        if notices is not None:
            notices.flush()
        hook = ctx.after_ingest.get(kind.name)
        if hook is not None:
            try:
                hook(ctx, uow, plan.changed)
            except InvalidBatch as invalid:
                raise invalid.located(dict(zip(batch.records.keys, count()))) from None
        plans.append(plan)
    return plans


T = TypeVar("T")
log = logging.getLogger(__name__)

SLICE = 10_000
"""Records screened and written at a time. A 128,000-record batch is applied slice by slice in its
one transaction, so it never holds every stored head in memory at once. The slices of a larger
batch are taken in key order, so that each covers one range of keys, which the repository may
read in one scan (see ``RecordRepository.screen``); the results keep the batch's order."""


def _apply(
    ctx: Context[IngestUnitOfWork],
    uow: IngestUnitOfWork,
    kind: Kind,
    records: IncomingColumns,
    notices: ChangeNotices | None,
) -> IngestPlan:
    if not records:
        return IngestPlan([], [], [], [])
    now, change_seq = ctx.clock.now(), ctx.clock.sequence()  # one instant and position for the batch
    if len(records) <= SLICE:
        return _apply_slice(ctx, uow, kind, records, now, change_seq, notices)
    keys = records.keys
    in_key_order = records.take(sorted(range(len(keys)), key=keys.__getitem__))
    plan = _merged(
        [
            _apply_slice(ctx, uow, kind, in_key_order[start : start + SLICE], now, change_seq, notices)
            for start in range(0, len(in_key_order), SLICE)
        ]
    )
    listed = {result.key: result for result in plan.results}  # back in the batch's order
    return attrs.evolve(plan, results=list(map(listed.__getitem__, compress(keys, map(listed.__contains__, keys)))))


def _slices(items: Sequence[T], apply: Callable[[Sequence[T]], IngestPlan]) -> list[IngestPlan]:
    return [apply(items[start : start + SLICE]) for start in range(0, len(items), SLICE)]


def _merged(plans: Sequence[IngestPlan]) -> IngestPlan:
    if len(plans) == 1:
        return plans[0]
    return IngestPlan(
        inserts=[r for p in plans for r in p.inserts],
        updates=[r for p in plans for r in p.updates],
        touched=[r for p in plans for r in p.touched],
        results=[r for p in plans for r in p.results],
        deletions=[r for p in plans for r in p.deletions],
        unlisted=sum(p.unlisted for p in plans),
    )


def _delete(
    ctx: Context[IngestUnitOfWork],
    uow: IngestUnitOfWork,
    kind: Kind,
    keys: Sequence[str],
    *,
    notices: ChangeNotices | None,
) -> IngestPlan:
    """Turn the live records among ``keys`` into tombstones and tell every consumer that held them."""
    loaded = uow.records.load(kind.name, keys, lock=True)
    now = ctx.clock.now()
    tombstones, results = plan_deletions(keys, loaded, now, ctx.clock.sequence())
    if tombstones:
        uow.records.update(kind.name, tombstones)
        _recompute_pending(ctx, uow, kind, tombstones, notices=notices)
        _record_versions(ctx, uow, kind, results, now)
    return IngestPlan([], [], [], results, tombstones)


def _recompute_pending(
    ctx: Context[IngestUnitOfWork],
    uow: IngestUnitOfWork,
    kind: Kind,
    changed: Sequence[StoredRecord],
    recreated: Sequence[str] = (),
    *,
    notices: ChangeNotices | None,
) -> None:
    """Pending rows of ``changed`` for every consumer. A re-created record is new to everyone: a
    consumer may have applied its deletion from a poll without acknowledging it, so what it
    acknowledged before says nothing about what it holds now."""
    consumers = uow.feed.consumers()
    if not consumers:
        return
    if recreated:
        uow.feed.forget_acks(kind.name, consumers, recreated)
    keys = [r.key for r in changed]
    acks = uow.feed.acks(kind.name, consumers, keys)
    gone = [r.key for r in changed if r.deleted]
    pending = uow.feed.pending_of(kind.name, consumers, gone) if gone else set()
    plan = plan_pending(kind, changed, consumers, acks, ctx.fingerprinter, pending)
    uow.feed.set_pending(kind.name, plan.add, plan.clear)
    if notices is not None and plan.add:
        notices.add(plan.add, {r.key: r.version for r in changed})


def _apply_slice(
    ctx: Context[IngestUnitOfWork],
    uow: IngestUnitOfWork,
    kind: Kind,
    records: IncomingColumns,
    now: datetime,
    change_seq: int,
    notices: ChangeNotices | None,
) -> IngestPlan:
    screening = uow.records.screen(kind.name, records)
    same = screening.same  # stored exactly as pushed: unchanged, and never made into objects
    others = list(records.take(compress(count(), map(not_, map(same.__contains__, records.keys)))) if same else records)
    heads = dict(screening.heads)
    differing, full_hashes = needs_full_load(others, heads, kind, ctx.fingerprinter)
    # Lock only what may be written: new keys and records whose push differs. Re-reading them under
    # the lock sees any concurrent writer's committed change (a record stored as pushed when
    # screened included), so no update is lost.
    candidates = [*(r.key for r in others if r.key not in heads), *differing]
    if candidates:
        heads.update(uow.records.heads(kind.name, candidates, lock=True))
        differing = [k for k in candidates if k in heads and (heads[k].full_hash != full_hashes[k] or heads[k].deleted)]
    loaded = uow.records.load(kind.name, differing, lock=True) if differing else {}
    plan = plan_ingest(kind, others, heads, loaded, full_hashes, ctx.fingerprinter, now, change_seq)
    if plan.inserts:
        uow.records.insert(kind.name, plan.inserts)
    if plan.updates or plan.touched:
        uow.records.update(kind.name, [*plan.updates, *plan.touched])
    changed = plan.changed
    if changed:
        recreated = [r.key for r in plan.updates if heads[r.key].deleted]
        _recompute_pending(ctx, uow, kind, changed, recreated, notices=notices)
        _record_versions(ctx, uow, kind, plan.results, now)
    return with_unchanged(kind, plan, records.keys, same)


def _record_versions(
    ctx: Context[IngestUnitOfWork], uow: IngestUnitOfWork, kind: Kind, results: Sequence[IngestResult], at: datetime
) -> None:
    """The version history of what changed, in the ingest's own transaction (set-based)."""
    if ctx.history_versions > 0:
        uow.records.add_versions(kind.name, versions_of(results, at), ctx.history_versions)
