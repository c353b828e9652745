"""Leases in SQL: a conditional UPDATE, then an INSERT that does nothing if the row exists.

Why this is safe under concurrency: the UPDATE's condition (``holder`` is the caller, or the lease
has expired) is evaluated on the latest committed row while the row is locked (MySQL/MariaDB re-read
it under the lock at READ COMMITTED; SQLite has one writer at a time), so of two racing replicas
only one matches. When the row does not exist yet, the primary key lets exactly one INSERT in;
the other inserts nothing and is told no.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Insert, or_, select, update
from sqlalchemy.dialects import mysql, postgresql, sqlite

from atraxion.adapters.sqlalchemy._sql import from_db_time, to_db_time
from atraxion.adapters.sqlalchemy.tables import leases
from atraxion.domain.leases import Lease

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SqlLeaseRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def acquire(self, name: str, holder: str, now: datetime, expires_at: datetime) -> bool:
        moment, until = to_db_time(now), to_db_time(expires_at)
        taken = self.conn.execute(
            update(leases)
            .where(leases.c.name == name, or_(leases.c.holder == holder, leases.c.expires_at <= moment))
            .values(holder=holder, expires_at=until)
        )
        # MySQL's dialect forces CLIENT_FOUND_ROWS: rowcount counts matched rows, so a renewal to
        # the same instant still says 1.
        if taken.rowcount:
            return True
        inserted = self.conn.execute(self._insert_if_absent({"name": name, "holder": holder, "expires_at": until}))
        return bool(inserted.rowcount)

    def release(self, name: str, holder: str) -> bool:
        # Expire rather than delete: the row stays, so the next acquire is a plain UPDATE.
        done = self.conn.execute(
            update(leases).where(leases.c.name == name, leases.c.holder == holder).values(expires_at=to_db_time(_EPOCH))
        )
        return bool(done.rowcount)

    def get(self, name: str) -> Lease | None:
        row = self.conn.execute(select(leases).where(leases.c.name == name)).first()
        if row is None:
            return None
        expires_at = from_db_time(row.expires_at)
        assert expires_at is not None
        return Lease(row.name, row.holder, expires_at)

    def _insert_if_absent(self, row: dict[str, Any]) -> Insert:
        dialect = self.conn.dialect.name
        if dialect in ("mysql", "mariadb"):
            return mysql.insert(leases).values(row).prefix_with("IGNORE")
        if dialect == "postgresql":
            return postgresql.insert(leases).values(row).on_conflict_do_nothing(index_elements=["name"])
        return sqlite.insert(leases).values(row).on_conflict_do_nothing(index_elements=["name"])
