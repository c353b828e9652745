"""Reconcile runs in memory."""

from __future__ import annotations

import attrs

from atraxion.adapters.memory.store import TableAccess
from atraxion.domain.reconcile import ReconcileRun


class MemoryReconcileRunRepository(TableAccess):
    def add(self, run: ReconcileRun) -> ReconcileRun:
        table = self.table("reconcile_runs")
        stored = attrs.evolve(run, id=max(table, default=0) + 1)
        table[stored.id] = stored
        return stored

    def get(self, run_id: int) -> ReconcileRun | None:
        run: ReconcileRun | None = self.table("reconcile_runs").get(run_id)
        return run

    def save(self, run: ReconcileRun) -> None:
        self.table("reconcile_runs")[run.id] = run
