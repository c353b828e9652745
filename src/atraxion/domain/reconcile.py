"""Reconcile: what comparing Odoo with Atraxion found and repaired, and the state of a run.

Pushes, pulls and webhooks can all miss a change (Atraxion down, a webhook lost, a record deleted
in Odoo). Reconcile compares both sides record by record and repairs what differs; these values
are what it reports.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs
from attrs import frozen


@frozen
class ReconcileCounts:
    """``checked``: records compared (Odoo's plus those only Atraxion still has); ``missing``: in
    Odoo, not in Atraxion; ``differing``: in both with other content; ``deleted``: in Atraxion
    with an Odoo id Odoo no longer has; ``repaired``: how many of those three were put right."""

    checked: int = 0
    missing: int = 0
    differing: int = 0
    deleted: int = 0
    repaired: int = 0

    def __add__(self, other: ReconcileCounts) -> ReconcileCounts:
        return ReconcileCounts(*(a + b for a, b in zip(attrs.astuple(self), attrs.astuple(other), strict=True)))

    def summary(self) -> str:
        """The CLI's last line."""
        return (
            f"checked {self.checked}: missing {self.missing}, differing {self.differing}, "
            f"deleted {self.deleted}, repaired {self.repaired}"
        )


class RunStatus(enum.Enum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


INTERRUPTED = "interrupted: the process running it stopped before it finished"


@frozen
class ReconcileRun:
    """One reconcile started over HTTP. ``updated_at`` moves as the run makes progress, so a run
    whose process died is told from a slow one (:meth:`as_seen`)."""

    id: int | None
    entities: tuple[str, ...]
    status: RunStatus
    counts: ReconcileCounts
    created_at: datetime
    updated_at: datetime
    error: str | None = None
    finished_at: datetime | None = None

    @classmethod
    def start(cls, entities: Sequence[str], now: datetime) -> ReconcileRun:
        return cls(None, tuple(entities), RunStatus.RUNNING, ReconcileCounts(), now, now)

    def progress(self, counts: ReconcileCounts, now: datetime) -> ReconcileRun:
        return attrs.evolve(self, counts=counts, updated_at=now)

    def completed(self, counts: ReconcileCounts, now: datetime) -> ReconcileRun:
        return attrs.evolve(self, status=RunStatus.COMPLETED, counts=counts, updated_at=now, finished_at=now)

    def failed(self, error: str, now: datetime) -> ReconcileRun:
        return attrs.evolve(self, status=RunStatus.FAILED, error=error, updated_at=now, finished_at=now)

    def as_seen(self, now: datetime, stale_after: timedelta) -> ReconcileRun:
        """A running run without progress for ``stale_after`` has lost its process: it failed."""
        if self.status is RunStatus.RUNNING and now - self.updated_at > stale_after:
            return self.failed(INTERRUPTED, now)
        return self
