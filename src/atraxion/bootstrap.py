"""The composition root: picks adapters from Settings and wires the application."""

from __future__ import annotations

from attrs import define
from sqlalchemy import Engine

from atraxion.adapters.clock import SystemClock
from atraxion.adapters.memory import MemoryStore, MemoryUnitOfWork
from atraxion.adapters.sqlalchemy import SqlUnitOfWork, create_engine_from_url, upgrade
from atraxion.application.context import Context
from atraxion.config import Settings
from atraxion.domain.catalog import kinds_by_name
from atraxion.domain.records import Fingerprinter
from atraxion.ports.clock import Clock
from atraxion.ports.unit_of_work import UnitOfWork


@define
class Atraxion:
    """A wired application: the use-case context plus what must be closed on shutdown."""

    settings: Settings
    context: Context
    engine: Engine | None = None

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


def bootstrap(settings: Settings | None = None, *, migrate: bool = True, clock: Clock | None = None) -> Atraxion:
    """Build the application for ``settings``: ``memory://`` keeps everything in this process,
    any SQLAlchemy URL uses the database (migrated first unless ``migrate`` is false)."""
    settings = settings or Settings.from_env()
    fingerprinter = Fingerprinter(settings.volatile_fields)
    if settings.database_url == "memory://":
        store = MemoryStore()

        def memory_uow() -> UnitOfWork:
            return MemoryUnitOfWork(store)

        context = Context(memory_uow, clock or SystemClock(), kinds_by_name(), fingerprinter)
        return Atraxion(settings, context)
    engine = create_engine_from_url(settings.database_url)
    if migrate:
        upgrade(engine)

    def sql_uow() -> UnitOfWork:
        return SqlUnitOfWork(engine)

    context = Context(sql_uow, clock or SystemClock(), kinds_by_name(), fingerprinter)
    return Atraxion(settings, context, engine)
