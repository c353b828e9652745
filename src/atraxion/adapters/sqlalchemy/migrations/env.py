"""Alembic environment: always handed a connection by ``atraxion.adapters.sqlalchemy.migrate``."""

from __future__ import annotations

from alembic import context

from atraxion.adapters.sqlalchemy.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
