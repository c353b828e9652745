"""Storage of the partner hierarchy: parent links and their resolution, read a set at a time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol


class PartnerRepository(Protocol):
    """Parent links of stored partners (the partners themselves are records of ``partners``).
    Deleted partners (tombstones) are not stored as far as these methods go: none returns them.

    Every method takes a set of keys and must not issue one query per key. ``lock`` reads the
    latest committed state and holds it until commit: the hierarchy checks of two concurrent
    pushes then serialize (or conflict and are retried) instead of missing each other.
    """

    def parents(self, keys: Sequence[str], *, lock: bool = False) -> dict[str, str | None]:
        """The stored partners among ``keys``, each mapped to its parent key (``None``: no parent)."""

    def children(self, keys: Sequence[str]) -> dict[str, str]:
        """Stored partners whose parent is among ``keys``, each mapped to that parent."""

    def unresolved_children(self, keys: Sequence[str], *, lock: bool = False) -> list[str]:
        """Stored partners whose parent is among ``keys`` and still marked unresolved."""

    def set_resolved(self, resolution: Mapping[str, bool]) -> None:
        """Record ``parentResolved`` of stored partners (derived data: version and hashes untouched)."""
