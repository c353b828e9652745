"""``python -m benchmarks.sizes [--rows N] [--backend sqlite|mariadb|all]``: bytes per stored row of
what retention prunes and what the version history adds, measured on a fresh database.

Each table is filled with ``N`` typical rows through the repositories; the figure is the growth of
the database (SQLite: the file after ``VACUUM``; MariaDB: InnoDB data + index length after
``ANALYZE TABLE``) divided by ``N``. docs/operations.md quotes the figures.
"""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text

from atraxion.application.context import Context
from atraxion.domain.history import Version
from atraxion.domain.outbox import AttemptOutcome, OutboxEntry, RetryPolicy
from atraxion.domain.request_log import inbound
from atraxion.ports.unit_of_work import UnitOfWork
from benchmarks._env import BackendUnavailable, environment

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ORDER = {
    "order": {
        "externalId": "WEB-100234",
        "partnerExternalId": "CUST-004211",
        "invoicePartnerExternalId": "CUST-004211-INV",
        "lines": [{"productExternalId": f"FURN_{n:04d}", "quantity": 2, "priceUnit": 99.5} for n in range(3)],
        "note": "Leave at the back door",
    }
}


def _log_rows(uow: UnitOfWork, start: int, count: int) -> None:
    uow.api_logs.add_many(
        [
            inbound(
                at=NOW,
                method="GET",
                path="/api/v1/webshop/products/changes",
                query=[("limit", "500"), ("cursor", f"{1733000000000000 + i}.46555250")],
                status_code=200,
                duration_ms=12.345,
                request_id=f"{i:032x}",
                token_id=3,
                consumer="webshop",
                error=None,
            )
            for i in range(start, start + count)
        ]
    )


def _history_rows(uow: UnitOfWork, start: int, count: int) -> None:
    fields = ("list_price", "qty_available", "write_date")
    versions = [(f"FURN_{i:06d}", Version(2, fields, NOW)) for i in range(start, start + count)]
    uow.records.add_versions("products", versions, 10)


def _outbox_rows(uow: UnitOfWork, start: int, count: int) -> None:
    for _ in range(count):
        entry = uow.outbox.add(OutboxEntry.new("sale_order", "WEB-100234", ORDER, NOW))
        claimed = entry.claim(NOW, timedelta(minutes=5), RetryPolicy())
        uow.outbox.save(claimed)
        uow.outbox.save(claimed.complete(NOW, claimed.attempts, 4242, AttemptOutcome.CREATED))


Filler = Callable[[UnitOfWork, int, int], None]
TABLES: dict[str, tuple[str, Filler]] = {
    "request log entry": ("api_logs", _log_rows),
    "version history row": ("record_history", _history_rows),
    "completed outbox entry": ("outbox", _outbox_rows),
}


def _size(engine: Engine, table: str) -> int:
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        assert database is not None
        vacuum = sqlite3.connect(database, isolation_level=None)  # the engine's connections always BEGIN
        try:
            vacuum.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            vacuum.execute("VACUUM")
        finally:
            vacuum.close()
        return Path(database).stat().st_size
    with engine.connect() as conn:
        conn.exec_driver_sql(f"ANALYZE TABLE {table}")
        query = text(
            "SELECT data_length + index_length FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name = :t"
        )
        return int(conn.execute(query, {"t": table}).scalar_one())


def measure(backend: str, rows: int) -> dict[str, float]:
    figures = {}
    for what, (table, fill) in TABLES.items():
        with environment(backend) as env:
            ctx: Context[UnitOfWork] = env.app.context
            before = _size(env.engine, table)
            for start in range(0, rows, 1000):

                def work(uow: UnitOfWork, start: int = start, fill: Filler = fill) -> None:
                    fill(uow, start, min(1000, rows - start))
                    uow.commit()

                ctx.transaction(work)
            figures[what] = (_size(env.engine, table) - before) / rows
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sizes", description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--backend", choices=["sqlite", "mariadb", "all"], default="all")
    args = parser.parse_args(argv)
    for backend in ["sqlite", "mariadb"] if args.backend == "all" else [args.backend]:
        try:
            figures = measure(backend, args.rows)
        except BackendUnavailable as error:
            print(f"{backend}: skipped ({error})")
            continue
        for what, size in figures.items():
            print(f"{backend}: {what}: {size:,.0f} bytes per row ({args.rows:,} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
