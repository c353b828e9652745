"""Domain errors: each says what is wrong in terms a client can act on."""

from __future__ import annotations

from collections.abc import Sequence

from attrs import frozen


class DomainError(Exception):
    """Base of every rule violation the domain reports."""


@frozen
class FieldError:
    """One problem with one record of a batch (``index`` into the batch, ``field`` a path)."""

    index: int | None
    field: str
    message: str


class InvalidBatch(DomainError):
    """A batch with at least one invalid record: rejected whole, nothing stored."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__(f"{len(errors)} invalid record(s)")
        self.errors = list(errors)


class DuplicateKeys(InvalidBatch):
    def __init__(self, duplicates: Sequence[tuple[int, str]]) -> None:
        super().__init__(
            [FieldError(index, "key", f"duplicate key {key!r} in the same batch") for index, key in duplicates]
        )


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    pass


class UnknownEntity(NotFound):
    pass
