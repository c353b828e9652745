"""Set-based helpers shared by the repositories: chunked IN lists, JSON columns, upserts, times.

The per-dialect SQL lives here: MySQL/MariaDB, PostgreSQL and SQLite each spell an upsert and an
insert-if-absent their own way."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import ARRAY, ColumnElement, Connection, Insert, Select, Table, any_, bindparam
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.exc import DBAPIError

T = TypeVar("T")

CHUNK = 900  # below SQLite's bound-parameter limit for the widest statement we chunk
KEY_CHUNK = 900 if sqlite3.sqlite_version_info < (3, 32) else 10_000
"""Keys per ``IN (…)`` list when that list is the statement's only parameter: SQLite 3.32+
allows 32,766 parameters (older ones 999); fewer, longer lists mean fewer round trips."""


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def among(conn: Connection, column: ColumnElement[T], values: Sequence[T]) -> ColumnElement[bool]:
    """``column IN (…values)``; on PostgreSQL ``column = ANY(:values)``, the values sent as one
    array parameter: a list of 10,000 parameters costs more to render, bind and parse (SQLAlchemy and
    psycopg both walk it) than the database spends on the rows."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


_STORED = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)
"""How documents are stored: compact JSON, keys in their order, non-ASCII kept. One encoder reused
(``json.dumps`` builds one per call); no circular-reference check: JSON documents are trees."""


def driver_rows(conn: Connection, query: Select[Any]) -> list[Sequence[Any]]:
    """The rows of ``query`` as the driver returns them, in the connection's transaction: no
    SQLAlchemy row objects, whose making costs more than the driver's fetch on a large read. Only
    for columns that need no conversion on the way out (strings, numbers; a boolean may come back
    as 0 or 1)."""
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    args = tuple(params[name] for name in compiled.positiontup or ()) if compiled.positional else params
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), args)
        rows = list(cursor.fetchall())
    finally:
        cursor.close()
    return rows


def dumps(value: Any) -> str:
    """A document as stored (see ``_STORED``); ``_fast_json.stored_as`` compares pushes with it."""
    return _STORED.encode(value)


def loads(text: str) -> Any:
    return json.loads(text)


def loads_many(texts: Sequence[str]) -> list[Any]:
    """``loads`` of each text, in one ``json.loads`` call: for small documents the per-call
    overhead is most of the cost."""
    values = json.loads("[" + ",".join(texts) + "]") if texts else []
    if len(values) != len(texts):  # a text that is not one JSON value: decode them one by one
        values = [json.loads(text) for text in texts]
    return values


def to_db_time(value: datetime | None) -> datetime | None:
    """Naive UTC for the database (MySQL's DATETIME has no zone)."""
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None)


def from_db_time(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


def to_json_time(value: datetime) -> str:
    """A time inside a stored JSON document: ISO 8601 in UTC (:func:`from_json_time` reads it)."""
    return value.astimezone(UTC).isoformat()


def from_json_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _primary_key(table: Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


def upsert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], update: Sequence[str]) -> None:
    """Insert ``rows``, or update ``update`` columns where the primary/unique key already exists.

    One statement executed for many parameter sets: compiled once, and sent as multi-row
    statements by the drivers (PyMySQL rewrites it into ``INSERT … VALUES (…), (…) ON DUPLICATE KEY
    UPDATE`` batches; sqlite3 steps a prepared statement). A multi-row ``.values([...])`` would
    be compiled anew for every chunk, which costs more than the database's work.
    """
    if not rows:
        return
    if conn.dialect.name in ("mysql", "mariadb"):
        my = mysql.insert(table)
        conn.execute(my.on_duplicate_key_update({c: my.inserted[c] for c in update}), list(rows))
        return
    keys = _primary_key(table)
    if conn.dialect.name == "postgresql":
        pg = postgresql.insert(table)
        on_pg = pg.on_conflict_do_update(index_elements=keys, set_={c: pg.excluded[c] for c in update})
        conn.execute(on_pg, list(rows))
        return
    lite = sqlite.insert(table)
    statement = lite.on_conflict_do_update(index_elements=keys, set_={c: lite.excluded[c] for c in update})
    conn.execute(statement, list(rows))


def insert_unless_present(conn: Connection, table: Table) -> Insert:
    """An INSERT of rows whose primary key is not taken yet; a taken one inserts nothing (its row
    count says 0). A concurrent, uncommitted insert of the same key makes it wait for that
    transaction: nothing if it commits, an insert if it rolls back (``INSERT IGNORE`` on
    MySQL/MariaDB, ``ON CONFLICT DO NOTHING`` on PostgreSQL and SQLite). SQLAlchemy keeps an
    INSERT's row count only when asked (psycopg's would read -1)."""
    statement: Insert
    if conn.dialect.name in ("mysql", "mariadb"):
        statement = mysql.insert(table).prefix_with("IGNORE")
    elif conn.dialect.name == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=_primary_key(table))
    else:
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=_primary_key(table))
    return statement.execution_options(preserve_rowcount=True)


def error_code(error: DBAPIError) -> int | str | None:
    """The database's code for ``error``: MySQL/MariaDB's error number (PyMySQL's first argument),
    PostgreSQL's SQLSTATE (psycopg's ``sqlstate``); None for SQLite, which has only messages."""
    orig = error.orig
    if orig is None:
        return None
    code = orig.args[0] if orig.args else None
    if isinstance(code, int):  # before the SQLSTATE: PyMySQL's errors carry a generic one too
        return code
    sqlstate = getattr(orig, "sqlstate", None)
    return sqlstate if isinstance(sqlstate, str) else None
