"""Per-consumer change tracking: what is pending for whom, what an ack clears.

The rule, for every consumer C and record R: R is pending for C exactly when C never acknowledged
R, or the content C acknowledged differs from R's current content. Everything below keeps that
materialized (``pending`` rows) as records change and acks arrive:

* a change makes R pending for every consumer whose acknowledged content differs from the new
  content, and *clears* it for a consumer whose acknowledged content equals it (a reverted change);
* an ack of R's current version records the acknowledged content and clears R; an ack of any other
  version is *stale* and changes nothing, so a newer change is never hidden.

``changedFields`` is always measured against the content the consumer acknowledged, which makes
two pushes between polls report the union of their changes.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from attrs import frozen

from atraxion.domain.records import Fingerprinter, Incoming, Kind, StoredRecord, new_record_fields


@frozen
class AckState:
    """What a consumer acknowledged of a record: the version and, for field tracking, its content."""

    version: int
    content_hash: str
    envelope: Mapping[str, Any]
    data: Mapping[str, Any]

    @classmethod
    def of(cls, kind: Kind, record: StoredRecord) -> AckState:
        if kind.tracks_fields:
            return cls(record.version, record.content_hash, record.envelope, record.data)
        return cls(record.version, record.content_hash, {}, {})


@frozen
class PendingEntry:
    consumer: str
    key: str
    change_seq: int


@frozen
class PendingPlan:
    add: list[PendingEntry]
    clear: list[tuple[str, str]]


def plan_pending(
    changed: Sequence[StoredRecord], consumers: Iterable[str], acks: Mapping[tuple[str, str], AckState]
) -> PendingPlan:
    """Recompute pending state of ``changed`` records for every consumer (see module doc)."""
    add: list[PendingEntry] = []
    clear: list[tuple[str, str]] = []
    for consumer in consumers:
        for record in changed:
            ack = acks.get((consumer, record.key))
            if ack is not None and ack.content_hash == record.content_hash:
                clear.append((consumer, record.key))
            else:
                add.append(PendingEntry(consumer, record.key, record.change_seq))
    return PendingPlan(add, clear)


@frozen
class FeedItem:
    record: StoredRecord
    is_new: bool
    changed_fields: list[str]


def feed_item(kind: Kind, record: StoredRecord, ack: AckState | None, fingerprinter: Fingerprinter) -> FeedItem:
    """How a pending record looks to a consumer whose last ack is ``ack``."""
    if ack is None:
        return FeedItem(record, True, new_record_fields(record) if kind.tracks_fields else [])
    if not kind.tracks_fields:
        return FeedItem(record, False, [])
    current = Incoming(record.key, record.envelope, record.data)
    return FeedItem(record, False, fingerprinter.changed_fields(kind, ack.envelope, ack.data, current))


class AckOutcome(enum.Enum):
    ACKED = "acked"
    STALE = "stale"
    UNKNOWN = "unknown"


@frozen
class AckDecision:
    outcomes: dict[str, AckOutcome]
    new_acks: dict[str, AckState]

    def keys(self, outcome: AckOutcome) -> list[str]:
        return [key for key, o in self.outcomes.items() if o is outcome]


def decide_acks(kind: Kind, requested: Sequence[tuple[str, int]], current: Mapping[str, StoredRecord]) -> AckDecision:
    """Classify acks: current version → acked; any other version → stale; no record → unknown."""
    outcomes: dict[str, AckOutcome] = {}
    new_acks: dict[str, AckState] = {}
    for key, version in requested:
        record = current.get(key)
        if record is None:
            outcomes[key] = AckOutcome.UNKNOWN
        elif record.version == version:
            outcomes[key] = AckOutcome.ACKED
            new_acks[key] = AckState.of(kind, record)
        else:
            outcomes.setdefault(key, AckOutcome.STALE)
    return AckDecision(outcomes, new_acks)
