"""Storage of each entity's pull cursor: how far a pull from Odoo got."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from atraxion.domain.odoo_records import OdooPosition, PullCursor


class PullCursorRepository(Protocol):
    def get(self, entity: str) -> PullCursor | None:
        """The entity's cursor, or None before its first pull."""

    def advance(self, entity: str, position: OdooPosition, at: datetime) -> None:
        """Store ``position`` as the entity's cursor unless the stored one is already further
        (a cursor never moves back), with ``at`` as its time."""

    def all(self) -> list[PullCursor]:
        """Every entity's cursor, by entity."""

    def reset(self, entity: str) -> None:
        """Forget the entity's cursor: its next pull reads everything."""
