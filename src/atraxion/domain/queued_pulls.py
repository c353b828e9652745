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
    """Record ``odoo_id`` of Odoo's ``model`` changed: pull what it means for ``entity``. The model
    is the entity's own, or one that announces it (:data:`ANNOUNCED_BY`)."""

    id: int | None
    entity: str
    model: str
    odoo_id: int
    requested_at: datetime


ANNOUNCED_BY: dict[str, tuple[str, str]] = {"product.template": ("products", "product_tmpl_id")}
"""Models whose webhooks announce another model's records: ``model → (entity, field)``, the
entity's records being those whose ``field`` names the announced ids. Editing a product in Odoo's
usual form writes its ``product.template`` (name, prices): a rule on the template covers that, and
its ids stand for every variant of the template."""


def coalesce(pulls: Iterable[QueuedPull]) -> dict[tuple[str, str], list[int]]:
    """The distinct Odoo ids to read per entity and model, ascending: one read each for a batch."""
    grouped: dict[tuple[str, str], set[int]] = {}
    for pull in pulls:
        grouped.setdefault((pull.entity, pull.model), set()).add(pull.odoo_id)
    return {group: sorted(ids) for group, ids in sorted(grouped.items())}
