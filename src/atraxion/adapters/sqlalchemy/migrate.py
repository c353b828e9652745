"""Alembic migrations run programmatically (``atraxion db upgrade``, and at ``atraxion serve``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the schema to ``revision``. Safe to run at every start: applied steps are skipped.
    Answers the revision the database was at before (None: no schema yet) and the one it is at now."""
    with engine.begin() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        return before, MigrationContext.configure(connection).get_current_revision()
