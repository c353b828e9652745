"""Per-consumer change tracking: what is pending for whom, what an ack clears.

The rule, for every consumer C and record R: R is pending for C exactly when C never acknowledged
R, or the content C acknowledged differs from R's current content. Everything below keeps that
materialized (``pending`` rows) as records change and acks arrive:

* a change makes R pending for every consumer whose acknowledged content differs from the new
  content, and *clears* it for a consumer whose acknowledged content equals it (a reverted change);
* an ack of R's current version records the acknowledged content and clears R; an ack of any other
  version is *stale*: it never clears R, so a newer change is never hidden.

Stale acks. A consumer that acks version v of R while R is at a newer version has processed v,
which may differ from the content it last acknowledged: it polled v, then R changed again before
its ack arrived. If that newer change reverted R to the acknowledged content, the rule above would
clear R and the consumer would keep v's fields for good. So a stale ack of a version newer than the
acknowledged one *doubts* the ack (:func:`doubt`): the fields that changed after v (from the
version history, or every field when the history does not reach back to v) become *unsure*. An
ack with unsure fields never equals the current content, and ``changedFields`` always include them,
until the consumer acknowledges a current version.

``changedFields`` is always measured against the content the consumer acknowledged, which makes
two pushes between polls report the union of their changes.

Deletions. A consumer *holds* R when it acknowledged a live version of R (acking a deletion forgets
the ack: the consumer no longer holds R). A deletion of R is pending for C exactly when C holds R
or has R pending (C may have applied a polled version it did not acknowledge yet); a consumer that
never heard of R gets nothing. The deletion item carries R's last known content, and its
``changedFields`` are measured like any change's. A re-created R is new to every consumer
(``isNew``, every field): the use case forgets every ack of R first, because a consumer may have
applied the deletion from a poll it did not acknowledge, so what it acknowledged says nothing
about what it holds.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

import attrs
from attrs import frozen

from atraxion.domain.history import Version
from atraxion.domain.records import Fingerprinter, Incoming, Kind, StoredRecord, new_record_fields


@frozen
class AckState:
    """What a consumer acknowledged of a record: the version and, for field tracking, its content.
    ``unsure_fields``: fields the consumer may hold otherwise, learned from a stale ack (see
    :func:`doubt`); None while the ack is exact."""

    version: int
    content_hash: str
    envelope: Mapping[str, Any]
    data: Mapping[str, Any]
    unsure_fields: tuple[str, ...] | None = None

    @classmethod
    def of(cls, kind: Kind, record: StoredRecord) -> AckState:
        if kind.tracks_fields:
            return cls(record.version, record.content_hash, record.envelope, record.data)
        return cls(record.version, record.content_hash, {}, {})


@frozen
class PendingEntry:
    """A record pending for a consumer. ``changed_fields``: what differs from the content the
    consumer acknowledged, computed when the change is written (so a poll needs no diff); None
    when the consumer never acknowledged the record (it is new: every field counts)."""

    consumer: str
    key: str
    change_seq: int
    changed_fields: tuple[str, ...] | None = None


@frozen
class PendingPlan:
    add: list[PendingEntry]
    clear: list[tuple[str, str]]


def plan_pending(
    kind: Kind,
    changed: Sequence[StoredRecord],
    consumers: Iterable[str],
    acks: Mapping[tuple[str, str], AckState],
    fingerprinter: Fingerprinter,
    pending: Collection[tuple[str, str]] = (),
) -> PendingPlan:
    """Recompute pending state of ``changed`` records for every consumer (see module doc).

    ``pending`` holds the (consumer, key) pairs already pending among the *deleted* records of
    ``changed``; live records do not need it.
    """
    add: list[PendingEntry] = []
    clear: list[tuple[str, str]] = []
    for consumer in consumers:
        for record in changed:
            ack = acks.get((consumer, record.key))
            if record.deleted:
                entry = deletion_entry(kind, consumer, record, ack, (consumer, record.key) in pending, fingerprinter)
                if entry is not None:
                    add.append(entry)
            elif ack is None:
                add.append(PendingEntry(consumer, record.key, record.change_seq))
            elif ack.unsure_fields is None and ack.content_hash == record.content_hash:
                clear.append((consumer, record.key))
            else:
                fields = _changed_since(kind, ack, record, fingerprinter)
                add.append(PendingEntry(consumer, record.key, record.change_seq, fields))
    return PendingPlan(add, clear)


def deletion_entry(
    kind: Kind,
    consumer: str,
    record: StoredRecord,
    ack: AckState | None,
    is_pending: bool,
    fingerprinter: Fingerprinter,
) -> PendingEntry | None:
    """The pending entry a deletion makes for ``consumer``, or None when it needs none.

    Pending exactly when the consumer holds the record (``ack``: it acknowledged a live version)
    or has it pending (it may have applied a polled version without acknowledging it yet). Its
    ``changed_fields`` compare the last known content with what the consumer acknowledged, like
    any change; a consumer without an ack sees it as new. A consumer that never heard of the
    record gets nothing to delete.
    """
    if ack is not None:
        return PendingEntry(consumer, record.key, record.change_seq, _changed_since(kind, ack, record, fingerprinter))
    if is_pending:
        return PendingEntry(consumer, record.key, record.change_seq)
    return None


def _changed_since(kind: Kind, ack: AckState, record: StoredRecord, fingerprinter: Fingerprinter) -> tuple[str, ...]:
    if not kind.tracks_fields:
        return ()
    current = Incoming(record.key, record.envelope, record.data)
    changed = fingerprinter.changed_fields(kind, ack.envelope, ack.data, current)
    if not ack.unsure_fields:
        return tuple(changed)
    return tuple(sorted({*changed, *ack.unsure_fields}))


def doubt(
    kind: Kind,
    ack: AckState,
    record: StoredRecord,
    processed: int,
    history: Callable[[int], Sequence[Version]],
    fingerprinter: Fingerprinter,
) -> AckState | None:
    """The ack state after a stale ack of version ``processed`` of ``record`` (see module doc), or
    None when the stale ack says nothing new: ``processed`` is not between the acknowledged
    version and the current one, or the record is deleted (its deletion is pending for whoever
    holds it). ``history(n)`` answers the record's newest ``n`` versions, newest first."""
    if record.deleted or not ack.version < processed < record.version:
        return None
    unsure = set(ack.unsure_fields or ())
    if kind.tracks_fields:
        newer = {v.version: v.changed_fields for v in history(record.version - processed) if v.version > processed}
        if len(newer) == record.version - processed:
            unsure.update(*newer.values())
        else:  # the history does not reach back to `processed`: any field may differ
            unsure.update(new_record_fields(record), _changed_since(kind, ack, record, fingerprinter))
    return attrs.evolve(ack, unsure_fields=tuple(sorted(unsure)))


@frozen
class FeedItem:
    record: StoredRecord
    is_new: bool
    changed_fields: list[str]

    @property
    def deleted(self) -> bool:
        return self.record.deleted


def feed_item(kind: Kind, record: StoredRecord, ack: AckState | None, fingerprinter: Fingerprinter) -> FeedItem:
    """How a record looks to a consumer whose last ack is ``ack``."""
    if ack is None:
        return FeedItem(record, True, new_record_fields(record) if kind.tracks_fields else [])
    return FeedItem(record, False, list(_changed_since(kind, ack, record, fingerprinter)))


@frozen
class PendingItem:
    """A page row: the record and its pending entry's ``changed_fields`` (None: never acknowledged)."""

    record: StoredRecord
    changed_fields: tuple[str, ...] | None


def pending_feed_item(kind: Kind, item: PendingItem) -> FeedItem:
    """How a pending record looks in a poll, from what was computed when it changed."""
    if item.changed_fields is None:
        return FeedItem(item.record, True, new_record_fields(item.record) if kind.tracks_fields else [])
    return FeedItem(item.record, False, list(item.changed_fields))


class AckOutcome(enum.Enum):
    ACKED = "acked"
    STALE = "stale"
    UNKNOWN = "unknown"


@frozen
class AckDecision:
    """``new_acks``: acks to record; ``forgotten``: keys whose deletion was acknowledged, so the
    consumer no longer holds them and their ack is dropped."""

    outcomes: dict[str, AckOutcome]
    new_acks: dict[str, AckState]
    forgotten: list[str] = attrs.field(factory=list)

    def keys(self, outcome: AckOutcome) -> list[str]:
        return [key for key, o in self.outcomes.items() if o is outcome]


def decide_acks(kind: Kind, requested: Sequence[tuple[str, int]], current: Mapping[str, StoredRecord]) -> AckDecision:
    """Classify acks: current version → acked (of a deletion: the ack is forgotten); any other
    version → stale; no record → unknown."""
    outcomes: dict[str, AckOutcome] = {}
    new_acks: dict[str, AckState] = {}
    forgotten: dict[str, None] = {}
    for key, version in requested:
        record = current.get(key)
        if record is None:
            outcomes[key] = AckOutcome.UNKNOWN
        elif record.version == version:
            outcomes[key] = AckOutcome.ACKED
            if record.deleted:
                forgotten[key] = None
            else:
                new_acks[key] = AckState.of(kind, record)
        else:
            outcomes.setdefault(key, AckOutcome.STALE)
    return AckDecision(outcomes, new_acks, list(forgotten))
