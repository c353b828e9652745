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
from atraxion.ports.unit_of_work import ConcurrentUpdate, DuplicateKey, UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")

AfterIngest = Callable[["Context", UnitOfWork, Sequence[StoredRecord]], None]
"""A hook run inside the ingest transaction after an entity's batch was written, with the records
whose content changed (parent linking, say). It may raise InvalidBatch to reject the whole push."""


@frozen
class Context:
    uow: UnitOfWorkFactory
    clock: Clock
    kinds: Mapping[str, Kind]
    fingerprinter: Fingerprinter = field(factory=Fingerprinter)
    after_ingest: Mapping[str, AfterIngest] = field(factory=dict)
    max_attempts: int = 8
    duplicate_attempts: int = 2
    """A duplicate key is retried once: a race is over by then, anything else would repeat."""

    def kind(self, name: str) -> Kind:
        try:
            return self.kinds[name]
        except KeyError:
            raise UnknownEntity(f"unknown entity {name!r}; known: {', '.join(sorted(self.kinds))}") from None

    def transaction(self, work: Callable[[UnitOfWork], T]) -> T:
        """Run ``work`` in a fresh unit of work, retrying it whole on a concurrency conflict.

        ``work`` must commit; anything it does not commit is rolled back. A DuplicateKey that
        repeats after ``duplicate_attempts`` tries is raised, not retried until ``max_attempts``.
        """
        duplicates = 0
        for attempt in range(1, self.max_attempts + 1):
            try:
                with self.uow() as uow:
                    return work(uow)
            except ConcurrentUpdate as error:
                duplicates += isinstance(error, DuplicateKey)
                if attempt == self.max_attempts or duplicates >= self.duplicate_attempts:
                    raise
                time.sleep(random.uniform(0, 0.01 * 2**attempt))
        raise AssertionError("unreachable")
