"""The record explorer: one record found by key or Odoo id, its kept versions, and field by field
what each consumer has not yet acknowledged of it."""

from __future__ import annotations

from attrs import frozen

from atraxion.application.context import Context
from atraxion.domain.field_diff import FieldChange, field_changes
from atraxion.domain.history import Version
from atraxion.domain.records import StoredRecord
from atraxion.ports.unit_of_work import FeedUnitOfWork


@frozen
class Found:
    entity: str
    record: StoredRecord
    pending_for: list[str]
    """The consumers this record is pending for (changed since they last acknowledged it)."""
    consumers: list[str]
    unacknowledged: dict[str, list[FieldChange] | None]
    """Per pending consumer, what changed since its acknowledged version (None: it never
    acknowledged the record, so all of it is new to it)."""
    history: list[Version]
    """The kept versions, newest first."""


def find_record(
    ctx: Context[FeedUnitOfWork], entity: str, key: str | None = None, odoo_id: int | None = None
) -> Found | None:
    """The record of ``entity`` with ``key``, or else with ``odoo_id``; None when there is none.
    Raises UnknownEntity."""
    ctx.kind(entity)

    def work(uow: FeedUnitOfWork) -> Found | None:
        wanted = key
        if wanted is None and odoo_id is not None:
            wanted = uow.records.keys_by_odoo_id(entity, [odoo_id]).get(odoo_id)
        if wanted is None:
            return None
        record = uow.records.load(entity, [wanted]).get(wanted)
        if record is None:
            return None
        consumers = uow.feed.consumers()
        pending = sorted(c for c, _ in uow.feed.pending_of(entity, consumers, [wanted]))
        acks = uow.feed.acks(entity, pending, [wanted])
        volatile = ctx.fingerprinter.volatile
        unacknowledged = {
            c: field_changes(ack.data, record.data, volatile) if (ack := acks.get((c, wanted))) else None
            for c in pending
        }
        history = uow.records.versions(entity, wanted, ctx.history_versions) if ctx.history_versions > 0 else []
        return Found(entity, record, pending, sorted(consumers), unacknowledged, history)

    return ctx.transaction(work)
