"""Records deleted in Odoo: announced by a push, found by a pull or a reconcile.

A deletion is a change like any other and goes through the ingest path (one transaction, the
entity's after-ingest hook, retried whole on a concurrency conflict): the live record becomes a
tombstone under the next version, keeping its last known content, and is pending, as a
``deleted`` item, for every consumer that held it or has it pending (see
:mod:`atraxion.domain.feed`). Deleting an unknown or already deleted key changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from atraxion.application.command import Command
from atraxion.application.context import Context
from atraxion.application.ingest import Batch, ingestion
from atraxion.domain.ingest import IngestPlan
from atraxion.ports.unit_of_work import IngestUnitOfWork


def deletion(ctx: Context[IngestUnitOfWork], entity: str, keys: Sequence[str]) -> Command[IngestUnitOfWork, IngestPlan]:
    """Delete ``keys`` of ``entity``, as a command (run it, or join it to another unit of work).

    The plan's ``results`` has one :class:`~atraxion.domain.ingest.IngestResult` per key, in order,
    with status ``DELETED`` (and the tombstone's version) or ``UNKNOWN`` (never stored: version
    None; already deleted: the deletion's version); ``deletions`` are the new tombstones. Raises
    UnknownEntity for an unknown entity and InvalidBatch (nothing stored) when a key repeats. To
    delete in the same unit of work as a push, give the push's :class:`Batch` ``deletions``.
    """
    ctx.kind(entity)
    command = ingestion(ctx, [Batch(entity, [], deletions=list(keys))])
    after = command.after_commit

    def work(uow: IngestUnitOfWork) -> IngestPlan:
        return command.work(uow)[0]

    return Command(work, None if after is None else lambda plan: after([plan]))


def delete(ctx: Context[IngestUnitOfWork], entity: str, keys: Sequence[str]) -> IngestPlan:
    """:func:`deletion`, run: one transaction, committed."""
    return deletion(ctx, entity, keys).run(ctx)
