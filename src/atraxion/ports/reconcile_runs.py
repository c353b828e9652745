"""Storage of reconcile runs started over HTTP (see ``atraxion.domain.reconcile``)."""

from __future__ import annotations

from typing import Protocol

from atraxion.domain.reconcile import ReconcileRun


class ReconcileRunRepository(Protocol):
    def add(self, run: ReconcileRun) -> ReconcileRun:
        """Store a new run; returns it with its id."""

    def get(self, run_id: int) -> ReconcileRun | None:
        """The run, or None."""

    def save(self, run: ReconcileRun) -> None:
        """Replace the stored state of ``run`` (by id)."""
