"""Leases in SQL: a conditional UPDATE, then an INSERT that does nothing if the row exists.

Why this is safe under concurrency: the UPDATE's condition (``holder`` is the caller, or the lease
has expired) is evaluated on the latest committed row while the row is locked (MySQL/MariaDB and
PostgreSQL re-read it under the lock at READ COMMITTED; SQLite has one writer at a time), so of two
racing replicas only one matches. When the row does not exist yet, the primary key lets exactly one INSERT in;
the other inserts nothing and is told no.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, or_, select, update

from atraxion.adapters.sqlalchemy._sql import from_db_time, insert_unless_present, to_db_time
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
        row = {"name": name, "holder": holder, "expires_at": until}
        inserted = self.conn.execute(insert_unless_present(self.conn, leases).values(row))
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
