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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import repeat
from operator import attrgetter
from typing import TYPE_CHECKING, Any, overload

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


class IncomingColumns(Sequence[Incoming]):
    """The records of one batch held column-wise: keys, envelopes and data in parallel lists
    (``data`` None: every record's data is empty). Indexing makes an :class:`Incoming`; a push of
    128,000 prices that changes 128 makes only a few hundred of them (the rest are compared with
    what is stored column by column, see :class:`Screening`). Read-only, like its documents."""

    __slots__ = ("data", "envelopes", "keys")

    def __init__(
        self, keys: Sequence[str], envelopes: Sequence[JsonObject], data: Sequence[JsonObject] | None = None
    ) -> None:
        if len(envelopes) != len(keys) or (data is not None and len(data) != len(keys)):
            raise ValueError("columns of different lengths")
        self.keys, self.envelopes, self.data = keys, envelopes, data

    @classmethod
    def of(cls, records: Iterable[Incoming]) -> IncomingColumns:
        """``records`` column-wise (as they are when they already are)."""
        if isinstance(records, IncomingColumns):
            return records
        listed = list(records)
        data = list(map(_DATA, listed))
        return cls(list(map(_KEY, listed)), list(map(_ENVELOPE, listed)), data if any(data) else None)

    def __len__(self) -> int:
        return len(self.keys)

    @overload
    def __getitem__(self, index: int) -> Incoming: ...
    @overload
    def __getitem__(self, index: slice) -> IncomingColumns: ...
    def __getitem__(self, index: int | slice) -> Incoming | IncomingColumns:
        if isinstance(index, slice):
            data = None if self.data is None else self.data[index]
            return IncomingColumns(self.keys[index], self.envelopes[index], data)
        return Incoming(self.keys[index], self.envelopes[index], NO_DATA if self.data is None else self.data[index])

    def __iter__(self) -> Iterator[Incoming]:
        return map(Incoming, self.keys, self.envelopes, repeat(NO_DATA) if self.data is None else self.data)

    def take(self, indices: Iterable[int]) -> IncomingColumns:
        """The records at ``indices``, in that order."""
        picked = list(indices)
        data = None if self.data is None else list(map(self.data.__getitem__, picked))
        envelopes = list(map(self.envelopes.__getitem__, picked))
        return IncomingColumns(list(map(self.keys.__getitem__, picked)), envelopes, data)

    def __eq__(self, other: object) -> bool:
        """Equal to columns or a list holding the same records."""
        if not isinstance(other, IncomingColumns | list):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"IncomingColumns({list(self)!r})"


_KEY, _ENVELOPE, _DATA = attrgetter("key"), attrgetter("envelope"), attrgetter("data")


@frozen
class RecordHead:
    """The cheap part of a stored record: enough to tell whether a push changes it. ``deleted``: a
    tombstone, which any push re-creates, whatever its hashes say."""

    key: str
    version: int
    content_hash: str
    full_hash: str
    deleted: bool = False


@frozen
class Screening:
    """What is stored of the keys of a slice of a push (see ``RecordRepository.screen``).

    ``same``: the version of each live record stored exactly as pushed (the same envelope and
    data, the same types): the push changes nothing there, so those records need neither a hash
    nor an object each, which is most of a large re-push. ``heads``: every other stored record
    of the slice. Keys in neither are new."""

    same: Mapping[str, int]
    heads: Mapping[str, RecordHead]


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
class Embed:
    """Records of another entity carried in a list field of this one's input (a product's prices).

    ``inherit`` fills a child's field it leaves out from its parent's (``productExternalId`` ←
    ``externalId``)."""

    list_field: str
    entity: str
    inherit: Mapping[str, str] = field(factory=dict)


EnvelopeRule = Callable[[dict[str, Any], JsonObject], None]
"""Fills in place what an envelope leaves to Atraxion (a partner's type), given the record's data."""


@frozen
class Kind:
    """Everything Atraxion knows of one entity, declared once (``domain/catalog.py``); the route
    table, validation, keying, the tables, the views and the OpenAPI document all read it.

    ``shape`` is the input attrs class and ``output`` what a feed item shows
    beyond the shared fields (its defaults are shown for values a record lacks). ``key_fields``
    make the key (``externalId``, or ``{a}/{b}``); ``complete`` fills what a push may leave out;
    ``embeds`` are other entities' records carried inside this one's; ``indexed`` the envelope
    fields copied into columns of the entity's ``table`` (default: the name, ``-`` as ``_``).
    ``comparable`` maps an envelope to the values compared (a price quantized to its currency's
    precision, say); ``derive`` computes the derived fields of the new state from the old one;
    ``tracks_fields`` says whether consumers get ``changedFields`` (and so whether the data they
    acknowledged must be kept). ``odoo`` is how the entity is pulled from Odoo (None: it is not).
    """

    name: str
    shape: type[Any]
    output: type[Any]
    key_fields: tuple[str, ...] = ("externalId",)
    complete: EnvelopeRule | None = None
    embeds: tuple[Embed, ...] = ()
    indexed: tuple[str, ...] = ()
    table: str | None = None
    tracks_fields: bool = True
    comparable: Callable[[JsonObject], JsonObject] = _identity
    derive: Deriver = _no_derived
    odoo: OdooMapping | None = None

    def key(self, envelope: JsonObject) -> str:
        """The record's key by the entity's key rule: its externalId, or ``{a}/{b}``."""
        fields = self.key_fields
        if len(fields) == 1:
            key: str = envelope[fields[0]]
            return key
        return "/".join(envelope[f] for f in fields)

    def incoming(self, envelope: dict[str, Any], data: JsonObject | None = None) -> Incoming:
        """A validated record: what the push left out filled in (``complete``), keyed."""
        if data is None:
            data = {}
        if self.complete is not None:
            self.complete(envelope, data)
        fields = self.key_fields  # the key rule, inline: this runs for every pushed record
        key: str = envelope[fields[0]] if len(fields) == 1 else "/".join(envelope[f] for f in fields)
        return Incoming(key, envelope, data)


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
