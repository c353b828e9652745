"""Deciding what an inbound push changes: pure, set-at-a-time, no storage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from attrs import frozen

from atraxion.domain import diff
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
    key: str
    status: IngestStatus
    version: int
    changed_fields: list[str]


@frozen
class IngestPlan:
    """Rows to insert, rows to update and what to tell the caller.

    ``changed`` are the records whose content changed (created or updated): the ones whose
    pending state must be recomputed for every consumer. ``touched`` changed only in volatile
    fields: stored, but no version bump and nothing pending.
    """

    inserts: list[StoredRecord]
    updates: list[StoredRecord]
    touched: list[StoredRecord]
    results: list[IngestResult]

    @property
    def changed(self) -> list[StoredRecord]:
        return [*self.inserts, *self.updates]

    def summary(self) -> dict[str, int]:
        counts = {status: 0 for status in IngestStatus}
        for result in self.results:
            counts[result.status] += 1
        return {
            "received": len(self.results),
            "created": counts[IngestStatus.CREATED],
            "updated": counts[IngestStatus.UPDATED],
            "unchanged": counts[IngestStatus.UNCHANGED],
        }


def ensure_unique_keys(records: Sequence[Incoming]) -> None:
    seen: dict[str, int] = {}
    duplicates: list[tuple[int, str]] = []
    for index, record in enumerate(records):
        if record.key in seen:
            duplicates.append((index, record.key))
        seen.setdefault(record.key, index)
    if duplicates:
        raise DuplicateKeys(duplicates)


def needs_full_load(
    records: Sequence[Incoming], heads: Mapping[str, RecordHead], kind: Kind, fingerprinter: Fingerprinter
) -> tuple[list[str], dict[str, str]]:
    """Keys whose stored state must be read in full (their push differs from what is stored).

    Returns those keys and the full hash of every record, so it is computed once. A record that
    serializes exactly as stored (see :class:`RecordHead`) keeps the stored hash without being
    hashed: that is most of a large re-push, so envelopes are serialized in bulk first.
    """
    envelopes = diff.stored_json_many([r.envelope for r in records] if heads else [])
    full_hashes: dict[str, str] = {}
    differing: list[str] = []
    for index, record in enumerate(records):
        key = record.key
        head = heads.get(key)
        if head is None:
            full_hashes[key] = fingerprinter.full_hash(kind, record)
        elif envelopes[index] == head.envelope_json and (
            head.data_json == "{}" if not record.data else diff.stored_json(record.data) == head.data_json
        ):
            full_hashes[key] = head.full_hash  # serializes exactly as stored: the same hash, unhashed
        else:
            full_hashes[key] = new_hash = fingerprinter.full_hash(kind, record)
            if new_hash != head.full_hash:
                differing.append(key)
    return differing, full_hashes


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

    ``heads`` has every stored record of the batch; ``loaded`` the full state of those whose full
    hash differs (see :func:`needs_full_load`).
    """
    inserts: list[StoredRecord] = []
    updates: list[StoredRecord] = []
    touched: list[StoredRecord] = []
    results: list[IngestResult] = []
    for record in records:
        head = heads.get(record.key)
        full_hash = full_hashes[record.key]
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
        if head.full_hash == full_hash:
            results.append(IngestResult(record.key, IngestStatus.UNCHANGED, head.version, []))
            continue
        old = loaded[record.key]
        content_hash = fingerprinter.content_hash(kind, record)
        if content_hash == old.content_hash:
            touched.append(
                _stored(kind, record, old, old.version, content_hash, full_hash, old.change_seq, now, changed=False)
            )
            results.append(IngestResult(record.key, IngestStatus.UNCHANGED, old.version, []))
            continue
        stored = _stored(kind, record, old, old.version + 1, content_hash, full_hash, change_seq, now, changed=True)
        updates.append(stored)
        changed = fingerprinter.changed_fields(kind, old.envelope, old.data, record)
        results.append(IngestResult(record.key, IngestStatus.UPDATED, stored.version, changed))
    return IngestPlan(inserts, updates, touched, results)


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
