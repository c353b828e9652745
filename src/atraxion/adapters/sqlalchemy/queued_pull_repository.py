"""Queued pulls in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
from sqlalchemy import Connection, Row, delete, func, insert, select

from atraxion.adapters.sqlalchemy._sql import chunks, from_db_time, to_db_time
from atraxion.adapters.sqlalchemy.tables import odoo_queued_pulls
from atraxion.domain.queued_pulls import QueuedPull


class SqlQueuedPullRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, pull: QueuedPull) -> QueuedPull:
        result = self.conn.execute(
            insert(odoo_queued_pulls).values(
                entity=pull.entity,
                model=pull.model,
                odoo_id=pull.odoo_id,
                requested_at=to_db_time(pull.requested_at),
            )
        )
        (new_id,) = result.inserted_primary_key or (None,)
        return attrs.evolve(pull, id=new_id)

    def oldest(self, limit: int) -> list[QueuedPull]:
        rows = self.conn.execute(select(odoo_queued_pulls).order_by(odoo_queued_pulls.c.id).limit(limit))
        return [_pull(row) for row in rows]

    def remove(self, ids: Sequence[int]) -> None:
        for part in chunks(ids):
            self.conn.execute(delete(odoo_queued_pulls).where(odoo_queued_pulls.c.id.in_(part)))

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(odoo_queued_pulls)).scalar_one())


def _pull(row: Row[Any]) -> QueuedPull:
    requested_at = from_db_time(row.requested_at)
    assert requested_at is not None
    return QueuedPull(row.id, row.entity, row.model, row.odoo_id, requested_at)
