"""Idempotent commands: one key, one execution, one answer.

:func:`run_once` claims the request's key, runs the command and stores its answer in **one** unit
of work, so they commit together or not at all: a crash before the commit leaves neither the work
nor the answer, and the replay does the work once. A concurrent duplicate waits on the claim until
the first unit of work ends, then replays its answer (or raises :class:`IdempotencyInProgress` if
the storage gave up waiting). Only answers of commands that succeeded are stored: a command that
raises rolls its claim back, so a corrected request may use the same key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from attrs import frozen

from atraxion.application.command import Command
from atraxion.application.context import Context
from atraxion.domain.errors import Conflict
from atraxion.ports.idempotency import Answer, IdempotencyInProgress
from atraxion.ports.unit_of_work import IdempotencyUnitOfWork

T = TypeVar("T")
U = TypeVar("U", bound=IdempotencyUnitOfWork)
"""A unit of work that stores answers, and has what the command needs."""

__all__ = ["Answered", "IdempotencyInProgress", "IdempotencyKeyReused", "IdempotentRequest", "run_once"]


@frozen
class IdempotentRequest:
    """``owner``: who asks, and for which operation (the same key of two owners are two keys, so
    two callers never meet, nor read each other's answers). ``fingerprint``: of the request body."""

    owner: str
    key: str
    fingerprint: str


@frozen
class Answered:
    answer: Answer
    replayed: bool


@frozen
class _Ran(Generic[T]):
    answer: Answer
    result: T


class IdempotencyKeyReused(Conflict):
    """The key was already used for a request with another body."""


def run_once(
    ctx: Context[U],
    request: IdempotentRequest,
    command: Command[U, T],
    view: Callable[[T], Answer],
    stored_view: Callable[[T], Answer] | None = None,
) -> Answered:
    """The answer to ``request``: ``view`` of what ``command`` did, or the stored answer of the
    first request with this key. ``stored_view`` is what is stored for replays when it must differ
    from the first answer (a new token's secret is shown once and never stored)."""

    def unit(uow: U) -> Answered | _Ran[T]:
        found = uow.idempotency.claim(request.owner, request.key, request.fingerprint, ctx.clock.now())
        if found is not None:
            if found.fingerprint != request.fingerprint:
                raise IdempotencyKeyReused("this Idempotency-Key was used with a different body")
            if found.answer is None:  # claimed and never completed: not something this code commits
                raise IdempotencyInProgress("a request with this Idempotency-Key is still in progress")
            return Answered(found.answer, replayed=True)
        result = command.work(uow)
        answer = view(result)
        uow.idempotency.complete(request.owner, request.key, (stored_view or view)(result))
        uow.commit()
        return _Ran(answer, result)

    outcome = ctx.transaction(unit)
    if isinstance(outcome, Answered):
        return outcome
    if command.after_commit is not None:
        command.after_commit(outcome.result)
    return Answered(outcome.answer, replayed=False)
