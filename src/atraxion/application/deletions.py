"""Records deleted in Odoo: announced by a push, found by a pull or a reconcile.

A deletion is a change like any other and goes through the ingest path (one transaction, the
entity's after-ingest hook, retried whole on a concurrency conflict): the live record becomes a
tombstone under the next version, keeping its last known content, and is pending, as a
``deleted`` item, for every consumer that held it or has it pending (see
:mod:`atraxion.domain.feed`). Deleting an unknown or already deleted key changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from atraxion.application.context import Context
from atraxion.application.ingest import Batch, ingest
from atraxion.domain.ingest import IngestPlan


def delete(ctx: Context, entity: str, keys: Sequence[str]) -> IngestPlan:
    """Delete ``keys`` of ``entity`` in one transaction.

    Returns the plan: ``results`` has one :class:`~atraxion.domain.ingest.IngestResult` per key, in
    order, with status ``DELETED`` (and the tombstone's version) or ``UNKNOWN`` (never stored:
    version None; already deleted: the deletion's version); ``deletions`` are the new tombstones.
    Raises UnknownEntity for an unknown entity and InvalidBatch (nothing stored) when a key repeats.
    To delete in the same transaction as a push, give the push's :class:`Batch` ``deletions``.
    """
    ctx.kind(entity)
    (plan,) = ingest(ctx, [Batch(entity, [], deletions=list(keys))])
    return plan
