"""Storage of the outbox (jobs for Odoo), of sync failures, and of the webshop orders being sent.

Outbound orders live in their own table, not in the ``sale_orders`` record table: those are orders
Odoo pushes (keyed by Odoo's external ids, part of the change feed), these are orders webshops
send (keyed by the webshop's ids, never in the feed). An ``externalId`` is unique among outbound
orders only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from atraxion.domain.outbox import FailureStatus, OutboxEntry, OutboxStatus, SyncFailure
from atraxion.domain.webshop_orders import OutboundOrder


class OutboxRepository(Protocol):
    """Outbox entries. Claiming is atomic by construction: read with ``lock=True`` (the row stays
    locked until commit: ``SELECT … FOR UPDATE`` on MariaDB, the write lock on SQLite), decide in
    the domain, then :meth:`save`, which writes only over the revision that was read."""

    def add(self, entry: OutboxEntry) -> OutboxEntry:
        """Store a new entry and return it with its id."""

    def get(self, entry_id: int, *, lock: bool = False) -> OutboxEntry | None:
        """The entry, or None; ``lock`` holds its row until commit (a claim)."""

    def save(self, entry: OutboxEntry) -> None:
        """Write ``entry`` (revision ``r``) over the stored revision ``r - 1``.

        Raises :class:`~atraxion.ports.unit_of_work.ConcurrentUpdate` if the stored entry moved on
        (someone else changed it since it was read)."""

    def due(self, now: datetime, redeliver_before: datetime, stale_before: datetime, limit: int) -> list[int]:
        """Ids the sweeper must publish again, oldest first: pending entries due by ``now`` with no
        message sent since ``redeliver_before`` (lost, or never sent), and processing entries
        claimed before ``stale_before`` (their worker is presumed dead) under the same
        message rule."""

    def mark_published(self, entry_ids: Sequence[int], at: datetime) -> None:
        """Record that a message for each entry was just sent (one statement for all)."""

    def list(self, status: OutboxStatus | None, after_id: int | None, limit: int) -> list[OutboxEntry]:
        """Entries by id, strictly after ``after_id``, optionally of one status."""

    def count_by_status(self) -> dict[OutboxStatus, int]:
        """How many entries are in each status (statuses without entries may be left out)."""

    def prune_completed(self, older_than: datetime, limit: int) -> int:
        """Delete at most ``limit`` completed entries last changed before ``older_than`` (oldest
        first); how many. Their orders keep their Odoo ids."""


class SyncFailureRepository(Protocol):
    def open(self, failure: SyncFailure) -> SyncFailure:
        """Store a new failure and return it with its id."""

    def get(self, failure_id: int) -> SyncFailure | None:
        """The failure, or None."""

    def open_for_entry(self, queue_id: int) -> SyncFailure | None:
        """The open failure of this outbox entry, if any."""

    def latest_for_entry(self, queue_id: int) -> SyncFailure | None:
        """The newest failure of this outbox entry, open or resolved, if any."""

    def save(self, failure: SyncFailure) -> None:
        """Write every field of a stored failure (by id)."""

    def list(self, status: FailureStatus | None, after_id: int | None, limit: int) -> list[SyncFailure]:
        """Failures by id, strictly after ``after_id``, optionally of one status."""

    def count(self, status: FailureStatus) -> int:
        """How many failures are in ``status``."""


class OutboundOrderRepository(Protocol):
    def add(self, order: OutboundOrder) -> None:
        """Store a new order. Callers check :meth:`get` first; a concurrent insert of the same
        external id raises :class:`~atraxion.ports.unit_of_work.ConcurrentUpdate` (SQL) or
        ``ValueError`` (memory, where transactions are serial and it cannot happen)."""

    def get(self, external_id: str) -> OutboundOrder | None:
        """The webshop order with this external id, or None."""

    def set_odoo_id(self, external_id: str, odoo_id: int) -> None:
        """Record the id Odoo has the order under (once it was created or found there)."""
