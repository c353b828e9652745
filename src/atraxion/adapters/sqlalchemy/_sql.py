"""Set-based helpers shared by the repositories: chunked IN lists, JSON columns, upserts, times."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import mysql, sqlite

T = TypeVar("T")

CHUNK = 900  # below SQLite's bound-parameter limit for the widest statement we chunk


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> Any:
    return json.loads(text)


def to_db_time(value: datetime | None) -> datetime | None:
    """Naive UTC for the database (MySQL's DATETIME has no zone)."""
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None)


def from_db_time(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


def upsert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], update: Sequence[str]) -> None:
    """Insert ``rows``, or update ``update`` columns where the primary/unique key already exists."""
    if not rows:
        return
    for chunk in chunks(rows, max(1, CHUNK // max(1, len(rows[0])))):
        if conn.dialect.name in ("mysql", "mariadb"):
            my = mysql.insert(table).values(list(chunk))
            conn.execute(my.on_duplicate_key_update({c: my.inserted[c] for c in update}))
        else:
            lite = sqlite.insert(table).values(list(chunk))
            keys = [c.name for c in table.primary_key.columns]
            conn.execute(lite.on_conflict_do_update(index_elements=keys, set_={c: lite.excluded[c] for c in update}))
