"""What the SQL repositories do alike, written once: a required time read back, the id an insert
made, a page by id (after a cursor, or newest first before one), marking rows published, and
deleting rows by id in chunks."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, CursorResult, Select, Table, delete, select, update

from atraxion.adapters.sqlalchemy._sql import chunks, from_db_time, to_db_time


def required_time(value: datetime | None) -> datetime:
    """A ``NOT NULL`` time column, read back as an aware datetime."""
    result = from_db_time(value)
    assert result is not None
    return result


def new_id(result: CursorResult[Any]) -> int:
    """The id the single-row insert that answered ``result`` gave its row."""
    key = result.inserted_primary_key
    assert key is not None and key[0] is not None
    return int(key[0])


def page_after(table: Table, status: enum.Enum | None, after_id: int | None, limit: int) -> Select[Any]:
    """Up to ``limit`` rows of ``table`` by ascending id, after ``after_id``, of ``status`` if given."""
    query = select(table).order_by(table.c.id).limit(limit)
    if status is not None:
        query = query.where(table.c.status == status.value)
    if after_id is not None:
        query = query.where(table.c.id > after_id)
    return query


def newest_before(table: Table, before_id: int | None, limit: int) -> Select[Any]:
    """Up to ``limit`` rows of ``table``, newest (highest id) first, before ``before_id`` if given."""
    query = select(table).order_by(table.c.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(table.c.id < before_id)
    return query


def mark_published(conn: Connection, table: Table, ids: Sequence[int], at: datetime) -> None:
    """Record that a message for each of these rows was just sent. Not a state change: the
    revision stays, so no worker's save is refused because of it."""
    for chunk in chunks(sorted(ids)):
        conn.execute(update(table).where(table.c.id.in_(chunk)).values(published_at=to_db_time(at)))


def delete_ids(conn: Connection, table: Table, ids: Sequence[int]) -> int:
    """Delete these rows (found first, by a query of their own: MariaDB refuses a LIMIT inside an
    IN subquery); how many went."""
    return sum(conn.execute(delete(table).where(table.c.id.in_(chunk))).rowcount for chunk in chunks(ids))
