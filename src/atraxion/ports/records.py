"""Storage of syncable records and of each consumer's view of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from atraxion.domain.consumers import Backlog
from atraxion.domain.feed import AckState, PendingEntry, PendingItem
from atraxion.domain.history import Version
from atraxion.domain.records import IncomingColumns, RecordHead, Screening, StoredRecord


class RecordRepository(Protocol):
    """Records of every entity, addressed by entity name (``products``) and key.

    Every method works on a set of keys at once: implementations must not issue one query per key.
    """

    def heads(self, entity: str, keys: Sequence[str], *, lock: bool = False) -> dict[str, RecordHead]:
        """Version and hashes of the stored records among ``keys``; ``lock`` holds them until commit."""

    def screen(self, entity: str, records: IncomingColumns) -> Screening:
        """What is stored of the keys of ``records`` (not locked): the versions of the live records
        stored exactly as ``records`` has them (the same envelope and data, the same types), and
        :meth:`heads` of the other stored ones. How a storage compares documents is its own
        business; one that cannot tell cheaply finds none the same (the push is hashed)."""

    def load(self, entity: str, keys: Sequence[str], *, lock: bool = False) -> dict[str, StoredRecord]:
        """Full stored state of the records among ``keys``; ``lock`` reads the latest committed
        state and holds it until commit."""

    def insert(self, entity: str, records: Sequence[StoredRecord]) -> None:
        """Store new records (none of their keys is stored yet)."""

    def update(self, entity: str, records: Sequence[StoredRecord]) -> None:
        """Overwrite the stored records of these keys with ``records``."""

    def count(self, entity: str) -> int:
        """How many records of ``entity`` are stored, tombstones included."""

    def odoo_ids(self, entity: str, after: str | None, limit: int) -> list[tuple[str, int]]:
        """A page of ``(key, odooId)`` of the live (not deleted) records of ``entity`` that carry an Odoo id,
        ordered by key, keys after ``after`` (from the start when None): what reconcile checks
        against Odoo, a page at a time. Empty for entities without Odoo ids (stock, prices)."""

    def keys_by_odoo_id(self, entity: str, odoo_ids: Sequence[int]) -> dict[int, str]:
        """The keys of the live records whose ``odooId`` is among ``odoo_ids`` (entities keyed by
        externalId: products, partners, sale and purchase orders; others have none)."""

    def add_versions(self, entity: str, versions: Sequence[tuple[str, Version]], keep: int) -> None:
        """Store ``versions`` (key, version) and drop every version of their keys older than the
        newest ``keep``: a bounded number of statements per batch, never one per key."""

    def versions(self, entity: str, key: str, limit: int) -> list[Version]:
        """The stored versions of one record, newest first, at most ``limit``."""


class FeedRepository(Protocol):
    """Consumers, their acknowledgements and the pending rows derived from them."""

    def consumers(self) -> list[str]:
        """The registered consumers, sorted."""

    def add_consumer(self, name: str, entities: Sequence[str]) -> bool:
        """Register ``name``; a new consumer gets every live (not deleted) record of ``entities`` pending."""

    def acks(self, entity: str, consumers: Sequence[str], keys: Sequence[str]) -> dict[tuple[str, str], AckState]:
        """What each of ``consumers`` last acknowledged of ``keys``, by (consumer, key); no ack, no entry."""

    def save_acks(self, entity: str, consumer: str, acks: Mapping[str, AckState]) -> None:
        """Store ``consumer``'s acks by key, replacing the ones it had for those keys."""

    def forget_acks(self, entity: str, consumers: Sequence[str], keys: Sequence[str]) -> None:
        """Drop the acks of ``consumers`` for ``keys`` (a deletion acknowledged, or a re-creation)."""

    def pending_of(self, entity: str, consumers: Sequence[str], keys: Sequence[str]) -> set[tuple[str, str]]:
        """The (consumer, key) pairs among ``consumers`` × ``keys`` that are pending."""

    def set_pending(self, entity: str, add: Sequence[PendingEntry], clear: Sequence[tuple[str, str]]) -> None:
        """Insert or move ``add`` rows to their new position; delete ``clear`` rows."""

    def pending_page(self, entity: str, consumer: str, after: tuple[int, str] | None, limit: int) -> list[PendingItem]:
        """Records pending for ``consumer``, ordered by (change_seq, key), strictly after ``after``."""

    def is_pending(self, entity: str, consumer: str, key: str) -> bool:
        """Whether ``key`` is pending for ``consumer``."""

    def backlog(self, entity: str, consumer: str | None = None) -> dict[str, Backlog]:
        """Per consumer (only ``consumer`` when given), the count of its pending ``entity`` records
        and the oldest ``updated_at`` among them; consumers with nothing pending are left out.
        One grouped query, whatever the number of records."""

    def refeed(self, entity: str, consumer: str) -> None:
        """Make every live record of ``entity`` pending for ``consumer`` as new: its acks and
        pending rows of that entity are dropped, then one pending row (no changed fields: new) per
        live record is written, set-based (never one statement per record)."""

    def remove_consumer(self, name: str) -> bool:
        """Unregister ``name`` and delete its acks and pending rows (every entity); other consumers
        are untouched. False when ``name`` is not registered."""
