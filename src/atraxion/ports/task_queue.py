"""The queue that nudges workers to process outbox entries.

The outbox row in the database is the truth; a message only carries an entry id and may be lost or
delivered twice. Workers must therefore be idempotent, and a sweeper re-publishes entries left
pending or processing too long.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

EntryHandler = Callable[[int], None]
"""Processes one outbox entry by id (claims it, calls Odoo, records the outcome)."""


class TaskQueue(Protocol):
    def publish(self, entry_ids: Sequence[int]) -> None:
        """Ask a worker to process these committed outbox entries (at-least-once, best effort)."""

    def start(self, handler: EntryHandler) -> None:
        """Begin consuming in this process, if this adapter consumes in-process (the embedded
        queue's worker threads); a broker-backed adapter consumes in ``atraxion worker`` instead."""

    def stop(self) -> None:
        """Stop consuming and release resources; waits for running handlers to finish."""
