"""Context.transaction: a concurrency conflict is retried; the same duplicate key twice in a row is
no race (the retry would have seen the other transaction's row) and is raised instead of retried
eight times."""

from __future__ import annotations

import attrs
import pytest

from atraxion.ports.unit_of_work import ConcurrentUpdate, DuplicateKey, UnitOfWork
from atraxion.testing import memory_atraxion


def _failing(errors: list[Exception]) -> tuple[list[int], object]:
    calls: list[int] = []

    def work(uow: UnitOfWork) -> str:
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return "done"

    return calls, work


def test_a_duplicate_key_that_repeats_is_raised_after_one_retry() -> None:
    context = memory_atraxion().context
    calls, work = _failing([DuplicateKey("dup")] * 10)
    with pytest.raises(DuplicateKey):
        context.transaction(work)  # type: ignore[arg-type]
    assert len(calls) == 2


def test_different_duplicates_in_a_row_are_races_and_are_retried() -> None:
    context = memory_atraxion().context  # eight processes inserting one batch's new keys
    calls, work = _failing([DuplicateKey(f"Duplicate entry 'C{i}'") for i in range(5)])
    assert context.transaction(work) == "done"  # type: ignore[arg-type]
    assert len(calls) == 6


def test_a_duplicate_key_race_is_retried_and_succeeds() -> None:
    context = memory_atraxion().context
    calls, work = _failing([DuplicateKey("dup")])
    assert context.transaction(work) == "done"  # type: ignore[arg-type]
    assert len(calls) == 2


def test_other_conflicts_are_retried_up_to_the_attempt_budget() -> None:
    context = attrs.evolve(memory_atraxion().context, max_attempts=4)
    calls, work = _failing([ConcurrentUpdate("deadlock")] * 3)
    assert context.transaction(work) == "done"  # type: ignore[arg-type]
    calls, work = _failing([ConcurrentUpdate("deadlock")] * 10)
    with pytest.raises(ConcurrentUpdate):
        context.transaction(work)  # type: ignore[arg-type]
    assert len(calls) == 4
