"""Storage of idempotent answers: a key is claimed in the unit of work of the command it protects.

The claim is a row written in that unit of work, so the command's writes and its stored answer
commit together or not at all: a crash in between rolls both back, and a replay does the work once.
While the claiming unit of work runs, the uncommitted row is what a concurrent duplicate waits on
(a unique key on MariaDB, the writer lock on SQLite, the store lock in memory).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from attrs import frozen

from atraxion.domain.errors import Conflict


@frozen
class Answer:
    """What a command answered, as its caller saw it: stored and replayed byte for byte."""

    status: int
    body: bytes
    content_type: str


@frozen
class IdempotencyRecord:
    """What a key holds: the fingerprint of the request that claimed it and, once that request's
    unit of work is done, the answer to replay (None only inside the claiming unit of work)."""

    fingerprint: str
    answer: Answer | None


class IdempotencyInProgress(Conflict):
    """The key is claimed by a unit of work that did not end within the storage's wait."""


class IdempotencyRepository(Protocol):
    def claim(self, owner: str, key: str, fingerprint: str, at: datetime) -> IdempotencyRecord | None:
        """Claim ``owner``'s ``key`` for this unit of work (None), or return what it holds.

        After a None the unit of work must :meth:`complete` the key before it commits; a rollback
        frees it. A concurrent claim of the same key waits until the claiming unit of work ends and
        then returns the committed record, or claims the key if that unit of work rolled back; it
        raises :class:`IdempotencyInProgress` if the storage gives up waiting first.
        """

    def complete(self, owner: str, key: str, answer: Answer) -> None:
        """Store the answer of a key this unit of work claimed."""
