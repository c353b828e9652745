"""What every use case is handed: the unit-of-work factory, the clock and the entity catalogue."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from attrs import field, frozen

from atraxion.domain.errors import UnknownEntity
from atraxion.domain.records import Fingerprinter, Kind, StoredRecord
from atraxion.ports.clock import Clock
from atraxion.ports.unit_of_work import ConcurrentUpdate, UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")

AfterIngest = Callable[["Context", UnitOfWork, Sequence[StoredRecord]], None]
"""A hook run inside the ingest transaction after an entity's batch was written, with the records
whose content changed (parent linking, say), new tombstones included (``deleted``: treat them as
gone). It may raise InvalidBatch to reject the whole push."""


@frozen
class Context:
    uow: UnitOfWorkFactory
    clock: Clock
    kinds: Mapping[str, Kind]
    fingerprinter: Fingerprinter = field(factory=Fingerprinter)
    after_ingest: Mapping[str, AfterIngest] = field(factory=dict)
    max_attempts: int = 8

    def kind(self, name: str) -> Kind:
        try:
            return self.kinds[name]
        except KeyError:
            raise UnknownEntity(f"unknown entity {name!r}; known: {', '.join(sorted(self.kinds))}") from None

    def transaction(self, work: Callable[[UnitOfWork], T]) -> T:
        """Run ``work`` in a fresh unit of work, retrying it whole on a concurrency conflict.

        ``work`` must commit; anything it does not commit is rolled back.
        """
        for attempt in range(1, self.max_attempts + 1):
            try:
                with self.uow() as uow:
                    return work(uow)
            except ConcurrentUpdate:
                if attempt == self.max_attempts:
                    raise
                time.sleep(random.uniform(0, 0.01 * 2**attempt))
        raise AssertionError("unreachable")
