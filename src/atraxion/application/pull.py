"""Pulling records from Odoo: the initial load and incremental syncs, ingested exactly as a push.

A pull walks the entity's Odoo model in ``(write_date, id)`` order, a page at a time
(:meth:`~atraxion.ports.odoo_gateway.OdooGateway.read_after`). Each page:

1. drops rows already seen in this run (same ``id`` and ``write_date``);
2. reads what its lookups need, one call per related model for the whole page (a small per-run
   cache keeps reference data such as pricelists and warehouses);
3. maps the rows to records with the entity's pure mapping (:mod:`atraxion.domain.odoo_entities`);
4. ingests them with the push's own :func:`~atraxion.application.ingest.apply_batches` and moves
   the entity's stored cursor to the page's last position, **in one transaction**: a crash never
   skips a record, it only re-reads a page.

An incremental pull starts from the stored cursor rewound by ``overlap`` seconds, because Odoo's
``write_date`` is the start of the writing transaction, travels as whole seconds, and rows can
commit out of ``write_date`` order. What the overlap re-reads is unchanged, and an unchanged record
costs a hash comparison and bumps nothing. Memory is bounded by the page size: the model is never
read whole.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from queue import Full, Queue
from typing import Any, Protocol, TypeVar

from attrs import define, frozen

from atraxion.application.context import Context
from atraxion.application.ingest import Batch, apply_batches, observe
from atraxion.domain.errors import UnknownEntity
from atraxion.domain.ingest import IngestPlan
from atraxion.domain.odoo_mapping import (
    ExternalIds,
    Lookup,
    OdooMapping,
    PullOverride,
    PullRule,
    combined_domain,
    external_ids,
    read_fields,
    resolve_rule,
    unique_by_key,
)
from atraxion.domain.odoo_records import OdooPosition
from atraxion.domain.pulled_models import PULL_ORDER
from atraxion.domain.records import Incoming
from atraxion.domain.types import OdooRow
from atraxion.ports.odoo_gateway import OdooGateway
from atraxion.ports.unit_of_work import PullUnitOfWork

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_PAGE_SIZE = 1000
DEFAULT_OVERLAP = 300.0
READ_CHUNK = 5000
"""Ids per ``read`` call of a lookup (a page of stock can name many quants)."""


@frozen
class PullOptions:
    """How pulls read Odoo: each entity's rule, the page size and the overlap (seconds)."""

    rules: Mapping[str, PullRule]
    page_size: int = DEFAULT_PAGE_SIZE
    overlap: float = DEFAULT_OVERLAP
    cache_size: int = 50_000
    """Rows of reference data kept per related model for the rest of a run."""

    @classmethod
    def of(
        cls,
        ctx: Context[PullUnitOfWork],
        overrides: Mapping[str, PullOverride] | None = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        overlap: float = DEFAULT_OVERLAP,
    ) -> PullOptions:
        """The defaults of every pullable entity of ``ctx``, with ``overrides`` applied."""
        overrides = overrides or {}
        rules = {name: resolve_rule(m, overrides.get(name)) for name, m in _mappings(ctx).items()}
        return cls(rules, page_size, overlap)


@define
class PullSummary:
    """What a pull did, in the terms of the summary line ``atraxion odoo pull`` prints last."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    @property
    def pulled(self) -> int:
        return self.created + self.updated + self.unchanged + self.deleted

    def add(self, other: PullSummary) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.deleted += other.deleted

    def count(self, plans: Iterable[IngestPlan]) -> None:
        for plan in plans:
            summary = plan.summary()
            self.created += summary["created"]
            self.updated += summary["updated"]
            self.unchanged += summary["unchanged"]
            self.deleted += summary.get("deleted", 0)

    def line(self) -> str:
        return (
            f"pulled {self.pulled}: created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, deleted {self.deleted}"
        )


class PullProgress(Protocol):
    """Told what a pull does as it goes (a progress bar, say)."""

    def start(self, entity: str, total: int) -> None:
        """A pull of ``entity`` begins; about ``total`` Odoo rows are to be read."""

    def advance(self, rows: int, summary: PullSummary) -> None:
        """``rows`` more rows were read and ingested; ``summary`` is the entity's so far."""

    def finish(self, entity: str, summary: PullSummary) -> None:
        """The pull of ``entity`` is done."""


def pullable(ctx: Context[PullUnitOfWork]) -> list[str]:
    """The entities of ``ctx`` that have an Odoo mapping, in the order a full pull takes them."""
    return list(_mappings(ctx))


def pull(
    ctx: Context[PullUnitOfWork],
    gateway: OdooGateway,
    entity: str,
    options: PullOptions,
    *,
    full: bool = False,
    progress: PullProgress | None = None,
) -> PullSummary:
    """Pull ``entity``'s records changed since its stored cursor (every record with ``full``) and
    ingest them as a push would; returns the counts. Raises the gateway's
    :class:`~atraxion.domain.odoo_orders.OdooError` when Odoo fails (pages already ingested stay,
    with their cursor)."""
    mapping = _mapping(ctx, entity)
    walk = _Walk(ctx, gateway, entity, mapping, options)
    lower = None if full else _resume_from(ctx, entity, options.overlap)
    if progress is not None:  # the total costs Odoo a count: only for someone who shows it
        progress.start(entity, gateway.count(model=mapping.model, domain=walk.since(lower)))
    summary = PullSummary()
    # The next rows are read while these are ingested: Odoo's time and ours overlap.
    for rows, reached in _ahead(_pages(gateway, walk, lower, options.page_size)):
        summary.count(walk.ingest(rows))
        if progress is not None:
            progress.advance(len(rows), summary)
        if reached is not None:
            walk.forget_before(reached)
    if progress is not None:
        progress.finish(entity, summary)
    return summary


def _pages(
    gateway: OdooGateway, walk: _Walk, lower: str | None, page_size: int
) -> Iterator[tuple[list[OdooRow], str | None]]:
    """The rows to ingest, a page at a time in ``(write_date, id)`` order, each with the lower
    bound the walk has reached after it."""
    model = walk.mapping.model
    while True:
        rows = gateway.read_after(
            model=model, fields=walk.fields, after=None, limit=page_size, domain=walk.since(lower)
        )
        if len(rows) < page_size:  # the last page
            yield rows, lower
            return
        last = _second(rows[-1])
        if _second(rows[0]) == last:
            # A whole page shares one second: take it, read the rest of that second by ids, then
            # go past it.
            yield rows, lower
            read = {row["id"] for row in rows}
            ids = [i for i in gateway.search_ids(model=model, domain=walk.within(last)) if i not in read]
            for start in range(0, len(ids), page_size):
                chunk = gateway.read_ids(model=model, ids=ids[start : start + page_size], fields=walk.fields)
                yield sorted(chunk, key=OdooPosition.of), lower
            lower = _next_second(last)
        else:
            # Never cut a page inside a second (write_date may hold microseconds Odoo does not
            # send): the rows of the page's last second are read again with the next page.
            lower = last
            yield [row for row in rows if _second(row) < last], lower


_DONE = object()


def _ahead(pages: Iterator[T]) -> Iterator[T]:
    """``pages``, produced one step ahead in a thread (at most one page waits): what the producer
    raises is raised here, and an abandoned consumer stops the producer at its next step."""
    queue: Queue[Any] = Queue(maxsize=1)
    stop = threading.Event()

    def hand(item: tuple[Any, BaseException | None]) -> bool:
        """Put ``item`` in the queue unless the consumer left; False when it did."""
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for page in pages:
                if not hand((page, None)):
                    return
            hand((_DONE, None))
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, which raises it
            hand((None, error))

    worker = threading.Thread(target=produce, name="atraxion-pull-reader", daemon=True)
    worker.start()
    try:
        while True:
            page, error = queue.get()
            if error is not None:
                raise error
            if page is _DONE:
                return
            yield page
    finally:
        stop.set()
        worker.join(timeout=60)


class _Walk:
    """One pull's state: what it reads, the rows it already ingested ahead of its lower bound."""

    def __init__(
        self,
        ctx: Context[PullUnitOfWork],
        gateway: OdooGateway,
        entity: str,
        mapping: OdooMapping,
        options: PullOptions,
    ) -> None:
        rule = options.rules[entity]
        self.ctx, self.entity, self.mapping = ctx, entity, mapping
        self.fields = read_fields(mapping, rule)
        self.domain = combined_domain(mapping, rule)
        self.related = _RelatedReader(gateway, external_ids(_mappings(ctx), options.rules), options.cache_size)
        self.seen: set[tuple[int, str]] = set()

    def since(self, lower: str | None) -> list[Any]:
        return [("write_date", ">=", lower), *self.domain] if lower else list(self.domain)

    def within(self, second: str) -> list[Any]:
        return [("write_date", ">=", second), ("write_date", "<", _next_second(second)), *self.domain]

    def forget_before(self, lower: str) -> None:
        self.seen = {seen for seen in self.seen if seen[1] >= lower}

    def ingest(self, rows: Sequence[OdooRow]) -> list[IngestPlan]:
        """Map and ingest ``rows`` (in ``(write_date, id)`` order) with the cursor, in one transaction."""
        fresh = [row for row in rows if (row["id"], _second(row)) not in self.seen]
        if not fresh:
            return []
        self.seen.update((row["id"], _second(row)) for row in fresh)
        records = _records(self.mapping, self.entity, fresh, self.related)
        position = max(OdooPosition.of(row) for row in fresh)
        return self.ctx.transaction(lambda uow: _commit(self.ctx, uow, self.entity, records, position))


def _second(row: OdooRow) -> str:
    return OdooPosition.of(row).write_date


def _next_second(second: str) -> str:
    return OdooPosition(second, 0).rewound(-1).write_date


def pull_ids(
    ctx: Context[PullUnitOfWork], gateway: OdooGateway, entity: str, odoo_ids: Sequence[int], options: PullOptions
) -> PullSummary:
    """Pull the records ``odoo_ids`` of ``entity``'s model (an Odoo webhook's hint), whatever their
    ``write_date``; the stored cursor is left alone. The stored records of ids Odoo no longer has
    (found by ``odooId``) are deleted, as a push's deletion would."""
    mapping, rule = _mapping(ctx, entity), options.rules[entity]
    related = _RelatedReader(gateway, external_ids(_mappings(ctx), options.rules), options.cache_size)
    summary = PullSummary()
    wanted = sorted(set(odoo_ids))
    found: set[int] = set()
    for start in range(0, len(wanted), options.page_size):
        rows = gateway.read_ids(
            model=mapping.model, ids=wanted[start : start + options.page_size], fields=read_fields(mapping, rule)
        )
        found.update(row["id"] for row in rows)
        records = _records(mapping, entity, rows, related)
        if records:
            summary.count(_ingest_records(ctx, entity, records))
    missing = [i for i in wanted if i not in found]
    if missing:
        summary.deleted += _delete_missing(ctx, entity, missing)
    return summary


def _delete_missing(ctx: Context[PullUnitOfWork], entity: str, odoo_ids: Sequence[int]) -> int:
    """Delete the stored records of ``odoo_ids``, which Odoo no longer has (found by their
    ``odooId``; prices and stock have none: reconcile finds theirs)."""

    def work(uow: PullUnitOfWork) -> list[IngestPlan]:
        keys = sorted(set(uow.records.keys_by_odoo_id(entity, odoo_ids).values()))
        plans = apply_batches(ctx, uow, [Batch(entity, [], deletions=keys)]) if keys else []
        uow.commit()
        observe(entity, plans)
        return plans

    return sum(plan.summary().get("deleted", 0) for plan in ctx.transaction(work))


def _resume_from(ctx: Context[PullUnitOfWork], entity: str, overlap: float) -> str | None:
    """The ``write_date`` an incremental pull reads from: the cursor's, rewound by the overlap."""
    cursor = ctx.transaction(lambda uow: uow.pull_cursors.get(entity))
    return None if cursor is None else cursor.position.rewound(overlap).write_date


def _ingest_records(ctx: Context[PullUnitOfWork], entity: str, records: list[Incoming]) -> list[IngestPlan]:
    return ctx.transaction(lambda uow: _commit(ctx, uow, entity, records, None))


def _commit(
    ctx: Context[PullUnitOfWork],
    uow: PullUnitOfWork,
    entity: str,
    records: list[Incoming],
    position: OdooPosition | None,
) -> list[IngestPlan]:
    plans = apply_batches(ctx, uow, [Batch(entity, records)]) if records else []
    if position is not None:
        uow.pull_cursors.advance(entity, position, ctx.clock.now())
    uow.commit()
    observe(entity, plans)  # committed: a retried transaction is not counted twice
    return plans


def _records(mapping: OdooMapping, entity: str, rows: Sequence[OdooRow], related: _RelatedReader) -> list[Incoming]:
    records = mapping.to_records(rows, related.read(mapping, rows), related.ids)
    unique = unique_by_key(records)
    if len(unique) < len(records):
        # Odoo does not force default_code or ref to be unique: the latest written record keeps the key.
        log.warning(
            "%s: %d Odoo records share an externalId with another; the latest wins", entity, len(records) - len(unique)
        )
    return unique


class _RelatedReader:
    """Reads a page's lookups set-based, keeping reference data (``Lookup.cached``) for the run."""

    def __init__(self, gateway: OdooGateway, ids: ExternalIds, cache_size: int) -> None:
        self.gateway = gateway
        self.ids = ids
        self.cache_size = cache_size
        self._rows: dict[tuple[str, tuple[str, ...]], OrderedDict[int, OdooRow]] = {}
        self._searches: dict[tuple[str, str], list[int]] = {}

    def read(self, mapping: OdooMapping, rows: Sequence[OdooRow]) -> dict[str, dict[int, OdooRow]]:
        related: dict[str, dict[int, OdooRow]] = {}
        page = {row["id"]: row for row in rows}
        for lookup in mapping.lookups:
            # A lookup of the walked model itself (competing price items) need not read the page again.
            same = lookup.model == mapping.model and all(f in row for row in rows[:1] for f in lookup.fields)
            known = page if same else {}
            related[lookup.name] = self._lookup(lookup, rows, related, known)
        return related

    def _lookup(
        self, lookup: Lookup, rows: Sequence[OdooRow], related: Mapping[str, Any], known: Mapping[int, OdooRow]
    ) -> dict[int, OdooRow]:
        fields = list(lookup.fields)
        if lookup.identified_by is not None and (own := self.ids.field(lookup.identified_by)) is not None:
            fields = list(dict.fromkeys([*fields, own]))
        if lookup.ids is not None:
            wanted = sorted(set(lookup.ids(rows, related)))
        else:
            assert lookup.domain is not None
            domain = lookup.domain(rows, related)
            if domain is None:
                return {}
            wanted = self._search(lookup, list(domain))
        if not fields:  # only which records match: nothing to read
            return {i: {"id": i} for i in wanted}
        found = {i: known[i] for i in wanted if i in known}
        return {**found, **self._by_ids(lookup, tuple(fields), [i for i in wanted if i not in known])}

    def _search(self, lookup: Lookup, domain: list[Any]) -> list[int]:
        key = (lookup.model, repr(domain))
        if lookup.cached and key in self._searches:
            return self._searches[key]
        found = self.gateway.search_ids(model=lookup.model, domain=domain)
        if lookup.cached:
            self._searches[key] = found
        return found

    def _by_ids(self, lookup: Lookup, fields: tuple[str, ...], wanted: Sequence[int]) -> dict[int, OdooRow]:
        cache = self._rows.setdefault((lookup.model, fields), OrderedDict()) if lookup.cached else None
        found: dict[int, OdooRow] = {}
        missing = list(wanted)
        if cache is not None:
            missing = []
            for odoo_id in wanted:
                row = cache.get(odoo_id)
                if row is None:
                    missing.append(odoo_id)
                else:
                    found[odoo_id] = row
        for start in range(0, len(missing), READ_CHUNK):
            chunk = missing[start : start + READ_CHUNK]
            for row in self.gateway.read_ids(model=lookup.model, ids=chunk, fields=list(fields)):
                found[row["id"]] = row
                if cache is not None:
                    cache[row["id"]] = row
        if cache is not None:
            while len(cache) > self.cache_size:
                cache.popitem(last=False)
        return found


def _mappings(ctx: Context[PullUnitOfWork]) -> dict[str, OdooMapping]:
    order = PULL_ORDER
    mapped = {name: kind.odoo for name, kind in ctx.kinds.items() if kind.odoo is not None}
    ranked = sorted(mapped, key=lambda name: (order.index(name) if name in order else len(order), name))
    return {name: mapped[name] for name in ranked}


def _mapping(ctx: Context[PullUnitOfWork], entity: str) -> OdooMapping:
    mapping = ctx.kind(entity).odoo
    if mapping is None:
        raise UnknownEntity(f"{entity!r} is not pulled from Odoo; pulled: {', '.join(pullable(ctx))}")
    return mapping


class RecordReader:
    """Turns Odoo rows of one entity into records exactly as a pull does (its mapping, its
    lookups read set-based, reference data cached for the reader's life), for use cases that
    read Odoo their own way (reconcile reads by id).

    ``model``, ``fields`` and ``domain`` are what to read: the entity's Odoo model, the fields its
    rule reads, and its rule's domain.
    """

    def __init__(self, ctx: Context[PullUnitOfWork], gateway: OdooGateway, entity: str, options: PullOptions) -> None:
        self.entity = entity
        self.mapping = _mapping(ctx, entity)
        rule = options.rules[entity]
        self.model = self.mapping.model
        self.fields = read_fields(self.mapping, rule)
        self.domain = combined_domain(self.mapping, rule)
        self._related = _RelatedReader(gateway, external_ids(_mappings(ctx), options.rules), options.cache_size)

    def records(self, rows: Sequence[OdooRow]) -> list[Incoming]:
        """The records of ``rows`` (one per key: of two rows sharing a key, the later one wins)."""
        return _records(self.mapping, self.entity, rows, self._related)
