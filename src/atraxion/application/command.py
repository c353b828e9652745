"""A write use case split at its commit, so that something else can join its unit of work.

A use case that writes returns a :class:`Command`; :meth:`Command.run` runs it alone. The
idempotency use case (``application/idempotency.py``) runs the same ``work`` in a unit of work that
also claims the request's key and stores its answer, so the three commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from attrs import frozen

from atraxion.application.context import Context
from atraxion.ports.unit_of_work import Transaction

T = TypeVar("T")
U = TypeVar("U", bound=Transaction, contravariant=True)
"""The unit of work ``work`` needs (contravariant: a command fits any unit of work that has more)."""


@frozen
class Command(Generic[U, T]):
    """``work`` does the writes in the unit of work it is handed and never commits: whoever runs it
    commits (and may retry it whole on a concurrency conflict). ``after_commit`` runs once that unit
    of work committed, with what ``work`` returned: a queue nudge, say, which must never announce a
    row a worker cannot see yet."""

    work: Callable[[U], T]
    after_commit: Callable[[T], None] | None = None

    def run(self, ctx: Context[U]) -> T:
        """Run alone: one unit of work, committed, then ``after_commit``."""

        def unit(uow: U) -> T:
            result = self.work(uow)
            uow.commit()
            return result

        result = ctx.transaction(unit)
        if self.after_commit is not None:
            self.after_commit(result)
        return result
