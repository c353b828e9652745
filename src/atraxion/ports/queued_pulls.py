"""Storage of the pulls Odoo's webhooks queued (see ``atraxion.domain.queued_pulls``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from atraxion.domain.queued_pulls import QueuedPull


class QueuedPullRepository(Protocol):
    def add(self, pull: QueuedPull) -> QueuedPull:
        """Store ``pull``; returns it with its id."""

    def oldest(self, limit: int) -> list[QueuedPull]:
        """Up to ``limit`` rows, oldest first."""

    def remove(self, ids: Sequence[int]) -> None:
        """Delete these rows (those already gone are ignored)."""

    def count(self) -> int:
        """How many rows are queued."""
