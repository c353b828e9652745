"""Syncable records: what Odoo pushed, as stored, versioned and fingerprinted.

Each entity (products, partners, prices, …) is described by a :class:`Kind`; all of them share one
change mechanism. A record has two parts that count for change detection:

* ``envelope`` — the contract's fields outside ``data`` (``odooId``, a partner's ``type``, a
  price's ``price`` …), compared field by field under their own names;
* ``data`` — Odoo's document, stored exactly as sent and diffed leaf by leaf (dotted paths).

``derived`` holds what Atraxion computes (``previousPrice``, ``parentResolved`` …); it never
counts as a change.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from atraxion.domain import diff
from atraxion.domain.types import JsonObject

if TYPE_CHECKING:
    from atraxion.domain.odoo_mapping import OdooMapping


class IngestStatus(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    UNKNOWN = "unknown"
    """A deletion of a key that has no live record: never stored, or already deleted."""

    # Members are singletons compared by identity: hashing them by identity too, in C, keeps
    # counting the statuses of a 128,000-record push from calling Enum's hash (by name) each time.
    __hash__ = object.__hash__


NO_DATA: JsonObject = {}
"""The ``data`` of a record that carries none (stock, prices): one empty document shared by all of
them, read-only like every ``JsonObject``. A default factory would make a dict per record and slow
attrs' ``__init__`` (128,000 prices in a push)."""


@frozen
class Incoming:
    """One validated record of an inbound push."""

    key: str
    envelope: JsonObject
    data: JsonObject = NO_DATA


@frozen
class RecordHead:
    """The cheap part of a stored record: enough to tell whether a push changes it.

    ``same_as_pushed``: the repository found the stored envelope and data to be exactly what the
    push being screened would store (see ``RecordRepository.screen``), so the push changes
    nothing and its hashes are the stored ones: the fast path of large, mostly unchanged batches.
    It describes one push, not the record, so it takes no part in equality. ``deleted``: a
    tombstone, which any push re-creates, whatever its hashes say.
    """

    key: str
    version: int
    content_hash: str
    full_hash: str
    deleted: bool = False
    same_as_pushed: bool = field(default=False, eq=False, repr=False)


@frozen
class StoredRecord:
    key: str
    version: int
    envelope: JsonObject
    data: JsonObject
    derived: JsonObject
    content_hash: str
    full_hash: str
    change_seq: int
    created_at: datetime
    updated_at: datetime
    deleted: bool = False
    """Deleted in Odoo: a tombstone keeping the last known content (see the module doc)."""

    @property
    def head(self) -> RecordHead:
        return RecordHead(self.key, self.version, self.content_hash, self.full_hash, self.deleted)


Deriver = Callable[["StoredRecord | None", Incoming, bool], JsonObject]


def _no_derived(old: StoredRecord | None, new: Incoming, changed: bool) -> JsonObject:
    return {}


def _identity(envelope: JsonObject) -> JsonObject:
    return envelope


@frozen
class Kind:
    """How one entity plugs into the shared change mechanism.

    ``comparable`` maps an envelope to the values compared (a price quantized to its currency's
    precision, say); ``derive`` computes the derived fields of the new state from the old one;
    ``tracks_fields`` says whether consumers get ``changedFields`` (and so whether the data they
    acknowledged must be kept). ``odoo`` is how the entity is pulled from Odoo (None: it is not).
    """

    name: str
    entity_type: str
    tracks_fields: bool = True
    keyed_by_external_id: bool = True
    comparable: Callable[[JsonObject], JsonObject] = _identity
    derive: Deriver = _no_derived
    odoo: OdooMapping | None = None


class Fingerprinter:
    """Computes the two hashes of a record under one volatile-field policy.

    ``full_hash`` covers everything stored (volatile fields included, normalized): equal means
    there is nothing to write at all. ``content_hash`` leaves volatile fields out: equal means
    nothing changed for consumers, even if a volatile field must still be stored.
    """

    def __init__(self, volatile: frozenset[str] = diff.DEFAULT_VOLATILE_FIELDS) -> None:
        self.volatile = volatile

    def full_hash(self, kind: Kind, record: Incoming) -> str:
        return diff.content_hash({"e": kind.comparable(record.envelope), "d": record.data})

    def content_hash(self, kind: Kind, record: Incoming) -> str:
        return diff.content_hash({"e": kind.comparable(record.envelope), "d": record.data}, self.volatile)

    def changed_fields(self, kind: Kind, old_envelope: JsonObject, old_data: JsonObject, new: Incoming) -> list[str]:
        """Names that differ: envelope fields by name, data fields as dotted leaf paths."""
        old_cmp, new_cmp = kind.comparable(old_envelope), kind.comparable(new.envelope)
        names = {k for k in old_cmp.keys() | new_cmp.keys() if not _same(old_cmp.get(k), new_cmp.get(k))}
        return sorted(names | set(diff.dotted(diff.diff_paths(old_data, new.data, self.volatile))))


def _same(a: Any, b: Any) -> bool:
    if type(a) is type(b) and type(a) in _SCALARS and a == b:  # most envelope fields: no serializing
        return True
    return diff.canonical_json(a) == diff.canonical_json(b)


_SCALARS = frozenset({str, int, bool, type(None)})


def new_record_fields(record: Incoming | StoredRecord) -> list[str]:
    """What a record nobody acknowledged yet reports as changed: every field of its data."""
    return diff.dotted(diff.all_paths(record.data))
