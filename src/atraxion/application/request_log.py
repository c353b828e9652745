"""The request log: storing batches of entries and searching them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from atraxion.application.context import Context
from atraxion.domain.request_log import ApiLogEntry
from atraxion.ports.unit_of_work import AdminUnitOfWork


def record(ctx: Context[AdminUnitOfWork], entries: Sequence[ApiLogEntry]) -> None:
    """Store ``entries`` in one transaction (one statement on SQL)."""
    if not entries:
        return

    def work(uow: AdminUnitOfWork) -> None:
        uow.api_logs.add_many(entries)
        uow.commit()

    ctx.transaction(work)


def search(
    ctx: Context[AdminUnitOfWork],
    path_prefix: str | None = None,
    status: int | None = None,
    limit: int = 100,
    before_id: int | None = None,
    *,
    consumer: str | None = None,
    until: datetime | None = None,
) -> list[ApiLogEntry]:
    """Newest first: entries under ``path_prefix`` with ``status``, ids below ``before_id``, of
    ``consumer``, recorded at or before ``until``."""
    return ctx.transaction(
        lambda uow: uow.api_logs.search(path_prefix, status, limit, before_id, consumer=consumer, until=until)
    )
