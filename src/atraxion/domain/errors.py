"""Domain errors: each says what is wrong in terms a client can act on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from attrs import frozen


class DomainError(Exception):
    """Base of every rule violation the domain reports."""


@frozen
class FieldError:
    """One problem with one record of a batch (``index`` into the batch, ``field`` a path).

    Rules that see records rather than the batch name the record's ``key``; the use case that
    knows the batch fills in ``index`` (see :meth:`InvalidBatch.located`).
    """

    index: int | None
    field: str
    message: str
    key: str | None = None


class InvalidBatch(DomainError):
    """A batch with at least one invalid record: rejected whole, nothing stored."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__(f"{len(errors)} invalid record(s)")
        self.errors = list(errors)

    def located(self, positions: Mapping[str, int]) -> InvalidBatch:
        """The same errors, with the batch index of every error that names a key."""
        return InvalidBatch(
            [
                FieldError(positions.get(e.key, e.index), e.field, e.message, e.key) if e.key is not None else e
                for e in self.errors
            ]
        )


class DuplicateKeys(InvalidBatch):
    def __init__(self, duplicates: Sequence[tuple[int, str]]) -> None:
        super().__init__(
            [FieldError(index, "key", f"duplicate key {key!r} in the same batch") for index, key in duplicates]
        )


class NotFound(DomainError):
    pass


class LimitExceeded(DomainError):
    """A request over a configured bound (its message names the bound): refused whole."""


class Conflict(DomainError):
    pass


class UnknownEntity(NotFound):
    pass


class OdooNotConfigured(DomainError):
    """Something needs Odoo, and no Odoo is configured (ODOO_URL …)."""
