"""Reconcile runs in SQL."""

from __future__ import annotations

from typing import Any

import attrs
from sqlalchemy import Connection, Row, insert, select, update

from atraxion.adapters.sqlalchemy._sql import dumps, from_db_time, loads, to_db_time
from atraxion.adapters.sqlalchemy.tables import reconcile_runs
from atraxion.domain.reconcile import ReconcileCounts, ReconcileRun, RunStatus


class SqlReconcileRunRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, run: ReconcileRun) -> ReconcileRun:
        result = self.conn.execute(insert(reconcile_runs).values(**_row(run)))
        (new_id,) = result.inserted_primary_key or (None,)
        return attrs.evolve(run, id=new_id)

    def get(self, run_id: int) -> ReconcileRun | None:
        row = self.conn.execute(select(reconcile_runs).where(reconcile_runs.c.id == run_id)).first()
        return None if row is None else _run(row)

    def save(self, run: ReconcileRun) -> None:
        self.conn.execute(update(reconcile_runs).where(reconcile_runs.c.id == run.id).values(**_row(run)))


def _row(run: ReconcileRun) -> dict[str, Any]:
    return {
        "entities": dumps(list(run.entities)),
        "status": run.status.value,
        **attrs.asdict(run.counts),
        "error": run.error,
        "created_at": to_db_time(run.created_at),
        "updated_at": to_db_time(run.updated_at),
        "finished_at": to_db_time(run.finished_at),
    }


def _run(row: Row[Any]) -> ReconcileRun:
    created_at, updated_at = from_db_time(row.created_at), from_db_time(row.updated_at)
    assert created_at is not None and updated_at is not None
    return ReconcileRun(
        id=row.id,
        entities=tuple(loads(row.entities)),
        status=RunStatus(row.status),
        counts=ReconcileCounts(row.checked, row.missing, row.differing, row.deleted, row.repaired),
        created_at=created_at,
        updated_at=updated_at,
        error=row.error,
        finished_at=from_db_time(row.finished_at),
    )
