"""The dashboard's figures in a few aggregate statements (no row is read into Python)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, select

from atraxion.adapters.sqlalchemy._sql import to_db_time
from atraxion.adapters.sqlalchemy.tables import RECORD_TABLES, feed_pending, outbox, sync_failures, webhook_deliveries


class SqlOverviewRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def outbox_counts(self) -> dict[str, int]:
        rows = self.conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))
        return {status: int(n) for status, n in rows}

    def open_failures(self) -> int:
        statement = select(func.count()).select_from(sync_failures).where(sync_failures.c.status == "open")
        return int(self.conn.execute(statement).scalar_one())

    def delivery_counts(self) -> dict[str, int]:
        status = webhook_deliveries.c.status
        return {s: int(n) for s, n in self.conn.execute(select(status, func.count()).group_by(status))}

    def pending_counts(self) -> dict[str, dict[str, int]]:
        statement = select(feed_pending.c.consumer, feed_pending.c.entity, func.count()).group_by(
            feed_pending.c.consumer, feed_pending.c.entity
        )
        counts: dict[str, dict[str, int]] = {}
        for consumer, entity, n in self.conn.execute(statement):
            counts.setdefault(consumer, {})[entity] = int(n)
        return counts

    def changes_per_hour(self, since: datetime, hours: int) -> list[int]:
        totals = [0] * hours
        for table, _ in RECORD_TABLES.values():
            # One statement per table: a SUM(CASE …) per hour over the rows changed since ``since``.
            column = table.c.updated_at
            buckets: list[Any] = []
            for hour in range(hours):
                start, end = to_db_time(since + timedelta(hours=hour)), to_db_time(since + timedelta(hours=hour + 1))
                buckets.append(func.sum(case(((column >= start) & (column < end), 1), else_=0)))
            row = self.conn.execute(select(*buckets).where(column >= to_db_time(since))).one()
            for hour, value in enumerate(row):
                totals[hour] += int(value or 0)
        return totals
