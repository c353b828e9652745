"""Read-only figures for the admin dashboard, each computed by the store in a few statements."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class OverviewRepository(Protocol):
    def outbox_counts(self) -> dict[str, int]:
        """Outbox entries by status (statuses with none are absent)."""

    def open_failures(self) -> int:
        """How many sync failures are open (waiting for a person)."""

    def delivery_counts(self) -> dict[str, int]:
        """Webhook deliveries by status (statuses with none are absent)."""

    def pending_counts(self) -> dict[str, dict[str, int]]:
        """Records pending per consumer and entity (only the pairs with any)."""

    def changes_per_hour(self, since: datetime, hours: int) -> list[int]:
        """Records of every entity created or changed in each of the ``hours`` hours from ``since``."""
