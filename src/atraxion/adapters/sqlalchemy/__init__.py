"""SQLAlchemy Core adapters for SQLite (embedded default), MySQL/MariaDB (PyMySQL) and PostgreSQL (psycopg 3)."""

from atraxion.adapters.sqlalchemy.engine import create_engine_from_url, shares_one_connection
from atraxion.adapters.sqlalchemy.migrate import upgrade
from atraxion.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork

__all__ = ["SqlUnitOfWork", "create_engine_from_url", "shares_one_connection", "upgrade"]
