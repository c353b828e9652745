"""What every use case is handed: the unit-of-work factory, the clock and the entity catalogue.

``Context[U]`` hands out units of work of type ``U``. A use case asks for the narrowest family
of repositories it needs (``Context[FeedUnitOfWork]`` to poll, say: see
``atraxion.ports.unit_of_work``), and a context whose units of work have more is accepted too.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Generic, TypeVar

from attrs import field, frozen

from atraxion.domain.errors import UnknownEntity
from atraxion.domain.history import DEFAULT_KEEP
from atraxion.domain.records import Fingerprinter, Kind, StoredRecord
from atraxion.ports.clock import Clock
from atraxion.ports.unit_of_work import ConcurrentUpdate, DuplicateKey, IngestUnitOfWork, Transaction

T = TypeVar("T")
U = TypeVar("U", bound=Transaction, covariant=True)
"""The unit of work a context hands out (covariant: a context of a wider one fits a use case)."""

AfterIngest = Callable[["Context[IngestUnitOfWork]", IngestUnitOfWork, Sequence[StoredRecord]], None]
"""A hook run inside the ingest transaction after an entity's batch was written, with the records
whose content changed (parent linking, say), new tombstones included (``deleted``: treat them as
gone). It may raise InvalidBatch to reject the whole push."""

AnnounceDeliveries = Callable[[Sequence[int]], None]
"""Nudges workers to send these committed webhook deliveries (the queue's ``publish_deliveries``)."""


@frozen
class Context(Generic[U]):
    uow: Callable[[], U]
    clock: Clock
    kinds: Mapping[str, Kind]
    fingerprinter: Fingerprinter = field(factory=Fingerprinter)
    after_ingest: Mapping[str, AfterIngest] = field(factory=dict)
    max_attempts: int = 8
    history_versions: int = DEFAULT_KEEP
    """Versions of each record kept in its history (``ATRAXION_HISTORY_VERSIONS``); 0 keeps none."""
    # Webhooks (application/webhooks.py): keys per changes.pending delivery, and how a use case that
    # recorded deliveries nudges the workers once it committed (None: the sweeper finds them).
    delivery_max_items: int = 1000
    announce_deliveries: AnnounceDeliveries | None = None

    def kind(self, name: str) -> Kind:
        try:
            return self.kinds[name]
        except KeyError:
            raise UnknownEntity(f"unknown entity {name!r}; known: {', '.join(sorted(self.kinds))}") from None

    def transaction(self, work: Callable[[U], T]) -> T:
        """Run ``work`` in a fresh unit of work, retrying it whole on a concurrency conflict.

        ``work`` must commit; anything it does not commit is rolled back. A DuplicateKey is a race
        only once: the retry sees the row the other transaction committed. The same duplicate
        again on the next attempt is no race (two keys the database holds equal, say) and is
        raised at once; a different one (many processes inserting one batch's new keys) is
        retried like any other conflict.
        """
        last_duplicate: str | None = None
        for attempt in range(1, self.max_attempts + 1):
            try:
                with self.uow() as uow:
                    return work(uow)
            except ConcurrentUpdate as error:
                duplicate = str(error) if isinstance(error, DuplicateKey) else None
                if attempt == self.max_attempts or (duplicate is not None and duplicate == last_duplicate):
                    raise
                last_duplicate = duplicate
                time.sleep(random.uniform(0, 0.01 * 2**attempt))
        raise AssertionError("unreachable")
