"""Storage of the request log (``ApiLogEntry`` rows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from atraxion.domain.request_log import ApiLogEntry


class ApiLogRepository(Protocol):
    def add_many(self, entries: Sequence[ApiLogEntry]) -> None:
        """Store ``entries`` (their ``id`` is ignored; the store numbers them in order), set-based."""

    def search(
        self,
        path_prefix: str | None,
        status: int | None,
        limit: int,
        before_id: int | None,
        *,
        consumer: str | None = None,
        until: datetime | None = None,
    ) -> list[ApiLogEntry]:
        """Newest first (by id): at most ``limit`` entries whose path starts with ``path_prefix``
        (exactly, case-sensitive), with status code ``status``, id below ``before_id``, made by a
        token of ``consumer``, and recorded at or before ``until`` — each filter only when given."""

    def prune(self, older_than: datetime, limit: int) -> int:
        """Delete at most ``limit`` of the oldest entries recorded before ``older_than``; how many."""
