"""Pull cursors: one row per entity, moved forward in the transaction of the page it follows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from atraxion.adapters.sqlalchemy._sql import from_db_time, to_db_time, upsert
from atraxion.adapters.sqlalchemy.tables import pull_cursors
from atraxion.domain.odoo_records import OdooPosition, PullCursor


def _cursor(row: Row[Any]) -> PullCursor:
    at = from_db_time(row.updated_at)
    assert at is not None
    return PullCursor(row.entity, OdooPosition(row.write_date, row.odoo_id), at)


class SqlPullCursorRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, entity: str) -> PullCursor | None:
        row = self.conn.execute(select(pull_cursors).where(pull_cursors.c.entity == entity)).first()
        return None if row is None else _cursor(row)

    def advance(self, entity: str, position: OdooPosition, at: datetime) -> None:
        t = pull_cursors
        # Locked, so two pulls of one entity cannot both read the old cursor and move it back.
        row = self.conn.execute(select(t).where(t.c.entity == entity).with_for_update()).first()
        if row is not None:
            position = max(position, OdooPosition(row.write_date, row.odoo_id))
        values = {"entity": entity, "write_date": position.write_date, "odoo_id": position.id}
        upsert(self.conn, t, [{**values, "updated_at": to_db_time(at)}], ["write_date", "odoo_id", "updated_at"])

    def all(self) -> list[PullCursor]:
        return [_cursor(row) for row in self.conn.execute(select(pull_cursors).order_by(pull_cursors.c.entity))]

    def reset(self, entity: str) -> None:
        self.conn.execute(pull_cursors.delete().where(pull_cursors.c.entity == entity))
