"""Pulls queued by Odoo's automation webhooks: "record ``odoo_id`` of ``entity`` changed, read it".

A webhook is only a hint (Odoo sends it once, with a one-second timeout, and on Odoo 17 before its
transaction commits), so it is stored as a row and the record is read back from Odoo later, in a
batch with the other rows waiting. Repeated webhooks for one record cost one read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from attrs import frozen


@frozen
class QueuedPull:
    id: int | None
    entity: str
    odoo_id: int
    requested_at: datetime


def coalesce(pulls: Iterable[QueuedPull]) -> dict[str, list[int]]:
    """The distinct Odoo ids to read per entity, ascending: one read per entity for a batch."""
    by_entity: dict[str, set[int]] = {}
    for pull in pulls:
        by_entity.setdefault(pull.entity, set()).add(pull.odoo_id)
    return {entity: sorted(ids) for entity, ids in sorted(by_entity.items())}
