"""The record explorer: one record found by key or Odoo id, with who has not yet acknowledged it."""

from __future__ import annotations

from attrs import frozen

from atraxion.application.context import Context
from atraxion.domain.records import StoredRecord
from atraxion.ports.unit_of_work import UnitOfWork


@frozen
class Found:
    entity: str
    record: StoredRecord
    pending_for: list[str]
    """The consumers this record is pending for (changed since they last acknowledged it)."""
    consumers: list[str]


def find_record(ctx: Context, entity: str, key: str | None = None, odoo_id: int | None = None) -> Found | None:
    """The record of ``entity`` with ``key``, or else with ``odoo_id``; None when there is none.
    Raises UnknownEntity."""
    ctx.kind(entity)

    def work(uow: UnitOfWork) -> Found | None:
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
        return Found(entity, record, pending, sorted(consumers))

    return ctx.transaction(work)
