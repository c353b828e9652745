"""Reading a record's version history (written by the ingest, see ``domain/history.py``)."""

from __future__ import annotations

from atraxion.application.context import Context
from atraxion.domain.errors import NotFound
from atraxion.domain.history import Version
from atraxion.ports.unit_of_work import FeedUnitOfWork


def record_history(ctx: Context[FeedUnitOfWork], entity: str, key: str) -> list[Version]:
    """The kept versions of one record, newest first (none when the history is off). NotFound for
    a record that ``GET`` of one would not show either: never stored, or deleted and acknowledged
    by every consumer."""
    ctx.kind(entity)

    def work(uow: FeedUnitOfWork) -> list[Version]:
        head = uow.records.heads(entity, [key]).get(key)
        if head is None or (head.deleted and not uow.feed.pending_of(entity, uow.feed.consumers(), [key])):
            raise NotFound(f"no {entity} record {key!r}")
        return uow.records.versions(entity, key, ctx.history_versions) if ctx.history_versions > 0 else []

    return ctx.transaction(work)
