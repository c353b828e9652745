"""Deciding what an inbound push changes: pure, set-at-a-time, no storage.

Deletions follow the same path: deleting a live record turns it into a tombstone under the next
version (:func:`plan_deletions`); deleting an unknown or already deleted key changes nothing; a
push of a deleted key re-creates it, as ``created``, under the version after the deletion's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from operator import attrgetter

import attrs
from attrs import frozen

from atraxion.domain.errors import DuplicateKeys
from atraxion.domain.records import (
    Fingerprinter,
    Incoming,
    IngestStatus,
    Kind,
    RecordHead,
    StoredRecord,
    new_record_fields,
)


@frozen
class IngestResult:
    """What a push or deletion did to one key. ``version`` is None only for the deletion of a key
    that was never stored."""

    key: str
    status: IngestStatus
    version: int | None
    changed_fields: list[str]


@frozen
class IngestPlan:
    """Rows to insert, rows to update and what to tell the caller.

    ``changed`` are the records whose content changed (created, updated or deleted): the ones
    whose pending state must be recomputed for every consumer. ``touched`` changed only in
    volatile fields: stored, but no version bump and nothing pending. ``deletions`` are the new
    tombstones (stored by update, like ``updates``). ``results`` has one result per record, in
    the batch's order, except for a bulk entity's (``Kind.tracks_fields`` false: prices, stock),
    which lists only the records a push changed: its answer shows only those, and a re-push of
    128,000 prices changing 128 would otherwise make 128,000 results. Its ``unlisted`` unchanged
    records are counted in the summary.
    """

    inserts: list[StoredRecord]
    updates: list[StoredRecord]
    touched: list[StoredRecord]
    results: list[IngestResult]
    deletions: list[StoredRecord] = attrs.field(factory=list)
    unlisted: int = 0

    @property
    def changed(self) -> list[StoredRecord]:
        return [*self.inserts, *self.updates, *self.deletions]

    def summary(self) -> dict[str, int]:
        """Counts by status; ``deleted`` and ``unknown`` only when the batch asked for deletions."""
        counts = dict.fromkeys(IngestStatus, 0)
        counts.update(Counter(map(_STATUS, self.results)))  # counted in C: a push may hold 128,000
        counts[IngestStatus.UNCHANGED] += self.unlisted
        summary = {"received": len(self.results) + self.unlisted}
        asked_deletions = counts[IngestStatus.DELETED] or counts[IngestStatus.UNKNOWN]
        summary.update((s.value, n) for s, n in counts.items() if asked_deletions or s not in _DELETION_STATUSES)
        return summary


_DELETION_STATUSES = frozenset({IngestStatus.DELETED, IngestStatus.UNKNOWN})
_STATUS = attrgetter("status")


def ensure_unique_keys(keys: Sequence[str]) -> None:
    if len(set(keys)) == len(keys):  # the usual batch, checked in C
        return
    seen: set[str] = set()
    duplicates: list[tuple[int, str]] = []
    for index, key in enumerate(keys):
        if key in seen:
            duplicates.append((index, key))
        seen.add(key)
    if duplicates:
        raise DuplicateKeys(duplicates)


def needs_full_load(
    records: Sequence[Incoming], heads: Mapping[str, RecordHead], kind: Kind, fingerprinter: Fingerprinter
) -> tuple[list[str], dict[str, str]]:
    """Keys whose stored state must be read in full (their push differs from what is stored).

    Returns those keys and the full hash of every record, so it is computed once. ``records`` are
    those not found stored exactly as pushed (see :class:`~atraxion.domain.records.Screening`).
    """
    full_hashes: dict[str, str] = {}
    differing: list[str] = []
    head_of = heads.get
    for record in records:
        key = record.key
        head = head_of(key)
        full_hashes[key] = new_hash = fingerprinter.full_hash(kind, record)
        if head is not None and (new_hash != head.full_hash or head.deleted):  # a push of a tombstone re-creates it
            differing.append(key)
    return differing, full_hashes


def with_unchanged(kind: Kind, plan: IngestPlan, keys: Sequence[str], same: Mapping[str, int]) -> IngestPlan:
    """``plan``, of the records of a slice not stored exactly as pushed, completed by those that
    are (``same``: their stored versions): unchanged. ``keys`` are the slice's, in its order; a
    bulk entity's unchanged records are counted, not listed (see :class:`IngestPlan`)."""
    if not same:
        return plan
    if not kind.tracks_fields:
        return attrs.evolve(plan, unlisted=plan.unlisted + len(same))
    listed = iter(plan.results)  # the others' results, in the order of their keys
    unchanged = IngestStatus.UNCHANGED
    results = [IngestResult(key, unchanged, same[key], []) if key in same else next(listed) for key in keys]
    return attrs.evolve(plan, results=results)


def plan_ingest(
    kind: Kind,
    records: Sequence[Incoming],
    heads: Mapping[str, RecordHead],
    loaded: Mapping[str, StoredRecord],
    full_hashes: Mapping[str, str],
    fingerprinter: Fingerprinter,
    now: datetime,
    change_seq: int,
) -> IngestPlan:
    """Compare each pushed record with the stored one and decide its fate.

    ``heads`` has every stored record of ``records``; ``loaded`` the full state of those whose full
    hash differs (see :func:`needs_full_load`).
    """
    inserts: list[StoredRecord] = []
    updates: list[StoredRecord] = []
    touched: list[StoredRecord] = []
    results: list[IngestResult] = []
    listed, unlisted = kind.tracks_fields, 0  # a bulk entity's unchanged records are counted only
    for record in records:
        key = record.key
        head = heads.get(key)
        full_hash = full_hashes[key]
        if head is not None and head.full_hash == full_hash and not head.deleted:
            if listed:
                results.append(IngestResult(key, IngestStatus.UNCHANGED, head.version, []))
            else:
                unlisted += 1
            continue
        if head is None:
            stored = _stored(
                kind,
                record,
                None,
                1,
                fingerprinter.content_hash(kind, record),
                full_hash,
                change_seq,
                now,
                changed=True,
            )
            inserts.append(stored)
            results.append(IngestResult(record.key, IngestStatus.CREATED, 1, new_record_fields(record)))
            continue
        old = loaded[record.key]
        if old.deleted:  # re-created: new to everyone, under the version after the deletion's
            content = fingerprinter.content_hash(kind, record)
            stored = _stored(kind, record, None, old.version + 1, content, full_hash, change_seq, now, changed=True)
            updates.append(stored)
            results.append(IngestResult(record.key, IngestStatus.CREATED, stored.version, new_record_fields(record)))
            continue
        content_hash = fingerprinter.content_hash(kind, record)
        if content_hash == old.content_hash:
            touched.append(
                _stored(kind, record, old, old.version, content_hash, full_hash, old.change_seq, now, changed=False)
            )
            if listed:
                results.append(IngestResult(record.key, IngestStatus.UNCHANGED, old.version, []))
            else:
                unlisted += 1
            continue
        stored = _stored(kind, record, old, old.version + 1, content_hash, full_hash, change_seq, now, changed=True)
        updates.append(stored)
        changed = fingerprinter.changed_fields(kind, old.envelope, old.data, record)
        results.append(IngestResult(record.key, IngestStatus.UPDATED, stored.version, changed))
    return IngestPlan(inserts, updates, touched, results, unlisted=unlisted)


def plan_deletions(
    keys: Sequence[str], loaded: Mapping[str, StoredRecord], now: datetime, change_seq: int
) -> tuple[list[StoredRecord], list[IngestResult]]:
    """Tombstones for the live records among ``keys`` (``loaded``: their stored state) and a result
    per key. A tombstone keeps the last known content and hashes; only its version, position in
    the change order and ``updated_at`` move. An unknown or already deleted key changes nothing."""
    tombstones: list[StoredRecord] = []
    results: list[IngestResult] = []
    for key in keys:
        old = loaded.get(key)
        if old is None or old.deleted:
            results.append(IngestResult(key, IngestStatus.UNKNOWN, old.version if old else None, []))
            continue
        tombstone = attrs.evolve(old, version=old.version + 1, change_seq=change_seq, updated_at=now, deleted=True)
        tombstones.append(tombstone)
        results.append(IngestResult(key, IngestStatus.DELETED, tombstone.version, []))
    return tombstones, results


def _stored(
    kind: Kind,
    record: Incoming,
    old: StoredRecord | None,
    version: int,
    content_hash: str,
    full_hash: str,
    change_seq: int,
    now: datetime,
    *,
    changed: bool,
) -> StoredRecord:
    return StoredRecord(
        key=record.key,
        version=version,
        envelope=record.envelope,
        data=record.data,
        derived=kind.derive(old, record, changed) if changed or old is None else old.derived,
        content_hash=content_hash,
        full_hash=full_hash,
        change_seq=change_seq,
        created_at=old.created_at if old else now,
        updated_at=now,
    )
