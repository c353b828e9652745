"""A consumer's backlog: per entity, how many records are pending for it and since when.

``oldest_pending_at`` is when the oldest of its pending records last changed (None when nothing is
pending): the consumer's lag is ``now - oldest_pending_at``. A record changed twice since the
consumer last acknowledged it counts from its latest change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from attrs import frozen


@frozen
class Backlog:
    pending: int = 0
    oldest_pending_at: datetime | None = None


EMPTY = Backlog()


@frozen
class ConsumerBacklog:
    """Every entity's backlog of one consumer (an entity with nothing pending has :data:`EMPTY`)."""

    name: str
    entities: Mapping[str, Backlog]
