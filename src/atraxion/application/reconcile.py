"""Reconcile: compare Odoo with Atraxion record by record, and repair what differs.

Pushes, pulls and webhooks can each miss a change: Atraxion was down, a webhook was lost (Odoo sends
it once), a record was deleted in Odoo. For each pulled entity, reconcile

1. lists every id of the entity's model in Odoo (archived included) — ids only;
2. reads those records a page at a time, maps them with the entity's own mapping (exactly as a pull
   does) and compares each record's content hash with the stored one (one ``SELECT`` of the page's
   record heads): a record Atraxion lacks is **missing**, one whose content differs is
   **differing**; both are ingested through the push's ingest use case, so consumers see the repair
   as an ordinary change;
3. walks the stored records that carry an Odoo id, a page at a time by key, and asks Odoo once
   more about the ids it did not list (a record created since step 1 is not deleted): those Odoo no
   longer has are **deleted**, and become deletions.

Memory holds the entity's Odoo ids and the keys already checked, never the records of a table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from atraxion.application.context import Context
from atraxion.application.deletions import delete
from atraxion.application.ingest import Batch, ingest
from atraxion.application.pull import PullOptions, RecordReader, pullable
from atraxion.domain.errors import UnknownEntity
from atraxion.domain.reconcile import ReconcileCounts
from atraxion.domain.records import Incoming, IngestStatus
from atraxion.ports.odoo_gateway import OdooGateway
from atraxion.ports.unit_of_work import PullUnitOfWork

log = logging.getLogger(__name__)

Progress = Callable[[str, ReconcileCounts], None]
"""Told, after each page, the entity being reconciled and the counts of the whole run so far."""


def reconcilable(ctx: Context[PullUnitOfWork], entities: Sequence[str] = ()) -> list[str]:
    """``entities`` checked against the pulled ones (every pulled entity when empty), in pull order.
    Raises UnknownEntity naming what is not pulled."""
    pulled = pullable(ctx)
    unknown = [e for e in entities if e not in pulled]
    if unknown:
        raise UnknownEntity(f"not pulled from Odoo: {', '.join(unknown)}; pulled: {', '.join(pulled)}")
    return [e for e in pulled if e in entities] if entities else pulled


def reconcile(
    ctx: Context[PullUnitOfWork],
    gateway: OdooGateway,
    options: PullOptions,
    entities: Sequence[str] = (),
    *,
    progress: Progress | None = None,
) -> ReconcileCounts:
    """Reconcile ``entities`` (every pulled entity when empty); the counts of the whole run.
    Records are read from Odoo, and stored records walked, ``options.page_size`` at a time.

    Raises the gateway's :class:`~atraxion.domain.odoo_orders.OdooError` when Odoo fails; what
    was repaired until then stays repaired.
    """
    total = ReconcileCounts()
    for entity in reconcilable(ctx, entities):
        done = total

        def report(counts: ReconcileCounts, entity: str = entity, done: ReconcileCounts = done) -> None:
            if progress is not None:
                progress(entity, done + counts)

        total = done + _Entity(ctx, gateway, options, entity, report).run()
    return total


class _Entity:
    """The reconcile of one entity (see the module docstring)."""

    def __init__(
        self,
        ctx: Context[PullUnitOfWork],
        gateway: OdooGateway,
        options: PullOptions,
        entity: str,
        report: Callable[[ReconcileCounts], None],
    ) -> None:
        self.ctx, self.gateway, self.entity, self.report = ctx, gateway, entity, report
        self.page = options.page_size
        self.kind = ctx.kind(entity)
        self.reader = RecordReader(ctx, gateway, entity, options)
        self.counts = ReconcileCounts()

    def run(self) -> ReconcileCounts:
        in_odoo = self.gateway.search_ids(model=self.reader.model, domain=self.reader.domain)
        checked: set[str] = set()
        for start in range(0, len(in_odoo), self.page):
            rows = self.gateway.read_ids(
                model=self.reader.model, ids=in_odoo[start : start + self.page], fields=self.reader.fields
            )
            fresh = [r for r in self.reader.records(rows) if r.key not in checked]
            checked.update(r.key for r in fresh)
            self._compare(fresh)
            self.report(self.counts)
        self._find_deleted(set(in_odoo))
        log.info("reconciled %s: %s", self.entity, self.counts.summary())
        return self.counts

    def _compare(self, records: Sequence[Incoming]) -> None:
        heads = self.ctx.transaction(lambda uow: uow.records.heads(self.entity, [r.key for r in records]))
        missing, differing = [], []
        for record in records:
            head = heads.get(record.key)
            if head is None or head.deleted:  # a tombstone: Odoo has the record (again)
                missing.append(record)
            elif head.content_hash != self.ctx.fingerprinter.content_hash(self.kind, record):
                differing.append(record)
        repaired = 0
        if missing or differing:
            (plan,) = ingest(self.ctx, [Batch(self.entity, [*missing, *differing])])
            repaired = sum(1 for r in plan.results if r.status in (IngestStatus.CREATED, IngestStatus.UPDATED))
        self.counts += ReconcileCounts(len(records), len(missing), len(differing), 0, repaired)

    def _stored_after(self, after: str | None) -> list[tuple[str, int]]:
        """A page of ``(key, odoo id)`` of the live stored records, keys after ``after``."""
        return self.ctx.transaction(lambda uow: uow.records.odoo_ids(self.entity, after, self.page))

    def _find_deleted(self, in_odoo: set[int]) -> None:
        after: str | None = None
        while stored := self._stored_after(after):
            after = stored[-1][0]
            unlisted = [(key, odoo_id) for key, odoo_id in stored if odoo_id not in in_odoo]
            if not unlisted:
                continue
            # Created in Odoo after the ids were listed, or outside the entity's domain now
            # (archived records are listed, so that is a configured domain): not deleted.
            still = self.gateway.read_ids(
                model=self.reader.model, ids=[odoo_id for _, odoo_id in unlisted], fields=["write_date"]
            )
            present = {row["id"] for row in still}
            gone = [key for key, odoo_id in unlisted if odoo_id not in present]
            repaired = _delete(self.ctx, self.entity, gone) if gone else 0
            self.counts += ReconcileCounts(len(unlisted), 0, 0, len(gone), repaired)
            self.report(self.counts)


def _delete(ctx: Context[PullUnitOfWork], entity: str, keys: Sequence[str]) -> int:
    """Delete ``keys`` through the deletions use case; how many became deletions."""
    plan = delete(ctx, entity, keys)
    return sum(1 for r in plan.results if r.status is IngestStatus.DELETED)
