"""The queue that nudges workers: to process outbox entries, and to drain the pulls Odoo's webhooks
queued.

The rows in the database are the truth; a message only carries an outbox entry id (or, for queued
pulls, nothing: "there is work") and may be lost or delivered twice. Workers must therefore be
idempotent, and periodic tasks catch what a lost message left behind: the sweeper re-publishes
entries left pending or processing too long, and the periodic pull drains queued pulls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

EntryHandler = Callable[[int], None]
"""Processes one outbox entry by id (claims it, calls Odoo, records the outcome)."""

PullsHandler = Callable[[], object]
"""Drains the pulls Odoo's webhooks queued (reads those records from Odoo and ingests them)."""

DeliveryHandler = Callable[[int], object]
"""Sends one webhook delivery by id (claims it, POSTs it, records the outcome)."""


class TaskQueue(Protocol):
    def publish(self, entry_ids: Sequence[int]) -> None:
        """Ask a worker to process these committed outbox entries (at-least-once, best effort)."""

    def nudge_pulls(self) -> None:
        """Ask a worker to drain the queued pulls now (best effort: the rows are committed, and a
        nudge that is lost only delays them until the next one or the periodic pull)."""

    def publish_deliveries(self, delivery_ids: Sequence[int]) -> None:
        """Ask a worker to send these committed webhook deliveries (at-least-once, best effort)."""

    def start(
        self, handler: EntryHandler, pulls: PullsHandler | None = None, deliveries: DeliveryHandler | None = None
    ) -> None:
        """Begin consuming in this process, if this adapter consumes in-process (the embedded
        queue's worker threads); a broker-backed adapter consumes in ``atraxion worker`` instead.
        ``pulls`` handles the nudges of :meth:`nudge_pulls`, ``deliveries`` the messages of
        :meth:`publish_deliveries` (without them they are dropped)."""

    def stop(self) -> None:
        """Stop consuming and release resources; waits for running handlers to finish."""

    def check(self) -> None:
        """Raise when the broker this queue publishes to does not answer now (within seconds).
        An in-process queue always answers."""
