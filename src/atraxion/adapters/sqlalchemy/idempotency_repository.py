"""Idempotency records in SQL: the claim is an insert in the command's own transaction.

``INSERT IGNORE`` (MySQL/MariaDB) or ``INSERT … ON CONFLICT DO NOTHING`` (PostgreSQL, SQLite) of the
key's row: on MariaDB and PostgreSQL a concurrent insert of the same key waits on the uncommitted
row's unique key, then inserts nothing (the first committed: its answer is read and replayed) or
inserts (the first rolled back: this one does the work). On SQLite ``BEGIN IMMEDIATE`` already made
the duplicate wait for the first commit. No savepoint is needed, so a deadlock or a lock wait
timeout surfaces as itself.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import OperationalError

from atraxion.adapters.sqlalchemy._sql import error_code, insert_unless_present, to_db_time
from atraxion.adapters.sqlalchemy.tables import idempotency_keys
from atraxion.ports.idempotency import Answer, IdempotencyInProgress, IdempotencyRecord

# The wait for the claim outlasted the database's bound: MySQL/MariaDB's innodb_lock_wait_timeout
# (error 1205), PostgreSQL's lock_timeout (SQLSTATE 55P03).
_LOCK_WAIT_TIMEOUT = (1205, "55P03")


def digest(owner: str, key: str) -> str:
    """The stored id of ``owner``'s ``key`` (JSON keeps the pair unambiguous)."""
    return hashlib.sha256(json.dumps([owner, key]).encode()).hexdigest()


class SqlIdempotencyRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def claim(self, owner: str, key: str, fingerprint: str, at: datetime) -> IdempotencyRecord | None:
        t, stored_id = idempotency_keys, digest(owner, key)
        row = {"digest": stored_id, "fingerprint": fingerprint, "created_at": to_db_time(at)}
        try:
            inserted = self.conn.execute(insert_unless_present(self.conn, idempotency_keys), row).rowcount == 1
        except OperationalError as error:
            if error_code(error) in _LOCK_WAIT_TIMEOUT:
                raise IdempotencyInProgress(
                    "a request with this Idempotency-Key is still in progress; send it again later"
                ) from None
            raise
        if inserted:
            return None
        found = self.conn.execute(
            select(t.c.fingerprint, t.c.status, t.c.body, t.c.content_type).where(t.c.digest == stored_id)
        ).one()
        if found.status is None:
            return IdempotencyRecord(found.fingerprint, None)
        return IdempotencyRecord(found.fingerprint, Answer(found.status, bytes(found.body), found.content_type))

    def complete(self, owner: str, key: str, answer: Answer) -> None:
        t = idempotency_keys
        self.conn.execute(
            update(t)
            .where(t.c.digest == digest(owner, key))
            .values(status=answer.status, body=answer.body, content_type=answer.content_type)
        )
