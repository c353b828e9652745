"""Engines for SQLite, MySQL/MariaDB and PostgreSQL, configured for correctness under concurrency."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool


class DatabaseUrlError(ValueError):
    """``ATRAXION_DATABASE_URL`` names no database SQLAlchemy can open (the message says what to fix)."""


def masked_url(url: str) -> str:
    """The URL with its password replaced by ``***``, also when it does not parse."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def create_engine_from_url(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``, or :class:`DatabaseUrlError` naming what is wrong with it."""
    try:
        return _create(url, **kwargs)
    except (ArgumentError, NoSuchModuleError) as error:
        raise DatabaseUrlError(
            f"ATRAXION_DATABASE_URL={masked_url(url)} is not a database URL Atraxion can use ({error}); "
            "expected e.g. sqlite:///./atraxion.db or mysql+pymysql://user:pass@host/db"
        ) from None
    except ModuleNotFoundError as error:
        raise DatabaseUrlError(
            f"ATRAXION_DATABASE_URL={masked_url(url)} needs the Python module {error.name!r}, which is not "
            "installed; use a driver Atraxion ships with (e.g. mysql+pymysql://)"
        ) from None


def _create(url: str, **kwargs: Any) -> Engine:
    """SQLite gets WAL and ``BEGIN IMMEDIATE`` (writers queue instead of failing); MySQL gets
    utf8mb4, READ COMMITTED and pre-ping; PostgreSQL gets READ COMMITTED (its default, stated) and
    pre-ping."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite(url, in_memory=parsed.database in (None, "", ":memory:"), **kwargs)
    if parsed.get_backend_name() in ("mysql", "mariadb"):
        if "charset" not in parsed.query:
            parsed = parsed.update_query_dict({"charset": "utf8mb4"})
        return create_engine(parsed, pool_pre_ping=True, pool_recycle=3600, isolation_level="READ COMMITTED", **kwargs)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_pre_ping=True, isolation_level="READ COMMITTED", **kwargs)
    return create_engine(parsed, **kwargs)


def _sqlite(url: str, *, in_memory: bool, **kwargs: Any) -> Engine:
    if in_memory:
        kwargs.setdefault("poolclass", StaticPool)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60}, **kwargs)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, connection_record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: two writers never deadlock upgrading a read lock.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def is_mysql(engine: Engine) -> bool:
    return engine.dialect.name in ("mysql", "mariadb")


def shares_one_connection(engine: Engine) -> bool:
    """In-memory SQLite: every thread uses the same connection (StaticPool)."""
    return engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")
