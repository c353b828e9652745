"""Version history: the last N versions of each record, with when and which fields changed.

A version is written in the ingest's own transaction for every record whose content changed
(created, updated, deleted); unchanged pushes and volatile-only changes write none. Only the newest
``keep`` versions of a record are kept (``ATRAXION_HISTORY_VERSIONS``; 0 writes none).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from attrs import frozen

from atraxion.domain.ingest import IngestResult
from atraxion.domain.records import IngestStatus

DEFAULT_KEEP = 10

_VERSIONED = frozenset({IngestStatus.CREATED, IngestStatus.UPDATED, IngestStatus.DELETED})


@frozen
class Version:
    """One version of a record: its number, the fields it changed (every field for a creation,
    none for a deletion) and when it was stored."""

    version: int
    changed_fields: tuple[str, ...]
    at: datetime


def versions_of(results: Iterable[IngestResult], at: datetime) -> list[tuple[str, Version]]:
    """The (key, version) pairs an ingest's results add to the history."""
    return [
        (r.key, Version(r.version, tuple(r.changed_fields), at))
        for r in results
        if r.status in _VERSIONED and r.version is not None
    ]


def trim_thresholds(versions: Sequence[tuple[str, Version]], keep: int) -> dict[int, list[str]]:
    """Keys by the version at or below which their history is dropped (the newest ``keep`` stay).
    Keys whose threshold is below 1 have nothing to drop and are left out; a batch's keys share a
    few thresholds, so trimming is one statement per threshold, not per key."""
    by_threshold: dict[int, list[str]] = {}
    for key, version in versions:
        threshold = version.version - keep
        if threshold >= 1:
            by_threshold.setdefault(threshold, []).append(key)
    return by_threshold
