"""The request log in SQL: one multi-row insert per batch, indexed searches newest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select

from atraxion.adapters.sqlalchemy._rows import delete_ids, newest_before, required_time
from atraxion.adapters.sqlalchemy._sql import to_db_time
from atraxion.adapters.sqlalchemy.tables import api_logs
from atraxion.domain.request_log import ApiLogEntry, Direction


def _entry(row: Row[Any]) -> ApiLogEntry:
    return ApiLogEntry(
        id=row.id,
        at=required_time(row.at),
        method=row.method,
        path=row.path,
        query=row.query,
        direction=Direction(row.direction),
        status_code=row.status_code,
        duration_ms=row.duration_ms,
        request_id=row.request_id,
        token_id=row.token_id,
        consumer=row.consumer,
        error=row.error,
    )


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return escaped + "%"


class SqlApiLogRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_many(self, entries: Sequence[ApiLogEntry]) -> None:
        if not entries:
            return
        self.conn.execute(
            api_logs.insert(),
            [
                {
                    "at": to_db_time(e.at),
                    "method": e.method,
                    "path": e.path,
                    "query": e.query,
                    "direction": e.direction.value,
                    "status_code": e.status_code,
                    "duration_ms": e.duration_ms,
                    "request_id": e.request_id,
                    "token_id": e.token_id,
                    "consumer": e.consumer,
                    "error": e.error,
                }
                for e in entries
            ],
        )

    def search(
        self,
        path_prefix: str | None,
        status: int | None,
        limit: int,
        before_id: int | None,
        *,
        consumer: str | None = None,
        until: datetime | None = None,
    ) -> list[ApiLogEntry]:
        t = api_logs
        query = newest_before(t, before_id, limit)
        if path_prefix:
            # LIKE can use the path index; the substr comparison makes it exact where LIKE ignores
            # case (SQLite).
            query = query.where(
                t.c.path.like(_like_prefix(path_prefix), escape="/"),
                func.substr(t.c.path, 1, len(path_prefix)) == path_prefix,
            )
        if status is not None:
            query = query.where(t.c.status_code == status)
        if consumer is not None:
            query = query.where(t.c.consumer == consumer)
        if until is not None:
            query = query.where(t.c.at <= to_db_time(until))
        return [_entry(row) for row in self.conn.execute(query)]

    def prune(self, older_than: datetime, limit: int) -> int:
        # Ids first, through the index on ``at``.
        query = select(api_logs.c.id).where(api_logs.c.at < to_db_time(older_than)).order_by(api_logs.c.id).limit(limit)
        return delete_ids(self.conn, api_logs, list(self.conn.execute(query).scalars()))
