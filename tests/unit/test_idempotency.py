"""The idempotency use case on the memory fakes: one key, one execution, one answer.

The command of these tests issues a real token (a write through the ports) and counts its runs, so
"the work was done once" is read both from the counter and from the store.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atraxion.application import tokens
from atraxion.application.command import Command
from atraxion.application.context import Context
from atraxion.application.idempotency import (
    IdempotencyInProgress,
    IdempotencyKeyReused,
    IdempotentRequest,
    run_once,
)
from atraxion.domain.auth import Scope
from atraxion.domain.errors import InvalidBatch
from atraxion.ports.idempotency import Answer
from atraxion.ports.unit_of_work import UnitOfWork
from atraxion.testing import memory_atraxion

READ = frozenset({Scope.WEBSHOP_READ})


class Issuing:
    """A command factory: each command issues one token named after the request body, counting runs
    and commits (``after_commit``)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.runs = 0
        self.published: list[int] = []

    def command(self, body: str) -> Command[tokens.NewToken]:
        inner = tokens.token_creation(self.ctx, body, READ, "webshop")

        def work(uow: UnitOfWork) -> tokens.NewToken:
            self.runs += 1
            return inner.work(uow)

        return Command(work, lambda new: self.published.append(new.token.id or 0))


def view(new: tokens.NewToken) -> Answer:
    return Answer(201, json.dumps({"id": new.token.id, "token": new.secret}).encode(), "application/json")


def without_secret(new: tokens.NewToken) -> Answer:
    return Answer(201, json.dumps({"id": new.token.id, "token": None}).encode(), "application/json")


def ask(key: str, body: str, owner: str = "1:POST /api/v1/admin/tokens") -> IdempotentRequest:
    return IdempotentRequest(owner, key, f"sha-of-{body}")


def stored_tokens(ctx: Context) -> list[str]:
    return [t.name for t in tokens.list_tokens(ctx)]


@pytest.fixture
def issuing() -> Issuing:
    return Issuing(memory_atraxion().context)


def test_a_replay_answers_the_first_answer_without_doing_the_work_again(issuing: Issuing) -> None:
    ctx = issuing.ctx
    first = run_once(ctx, ask("k", "dash"), issuing.command("dash"), view, without_secret)
    replay = run_once(ctx, ask("k", "dash"), issuing.command("dash"), view, without_secret)
    assert (first.replayed, replay.replayed) == (False, True)
    assert json.loads(first.answer.body)["token"] is not None
    assert json.loads(replay.answer.body) == {"id": json.loads(first.answer.body)["id"], "token": None}
    assert issuing.runs == 1 and len(issuing.published) == 1  # after_commit only for the first
    assert stored_tokens(ctx) == ["dash"]


def test_without_a_stored_view_the_replay_is_the_first_answer_byte_for_byte(issuing: Issuing) -> None:
    first = run_once(issuing.ctx, ask("k", "dash"), issuing.command("dash"), view)
    assert run_once(issuing.ctx, ask("k", "dash"), issuing.command("dash"), view).answer == first.answer


def test_the_same_key_with_another_body_is_refused_and_does_nothing(issuing: Issuing) -> None:
    run_once(issuing.ctx, ask("k", "dash"), issuing.command("dash"), view)
    with pytest.raises(IdempotencyKeyReused):
        run_once(issuing.ctx, ask("k", "other"), issuing.command("other"), view)
    assert issuing.runs == 1 and stored_tokens(issuing.ctx) == ["dash"]


def test_keys_are_per_owner(issuing: Issuing) -> None:
    run_once(issuing.ctx, ask("k", "dash", owner="1:POST /x"), issuing.command("dash"), view)
    other = run_once(issuing.ctx, ask("k", "dash", owner="2:POST /x"), issuing.command("dash"), view)
    assert not other.replayed and issuing.runs == 2


def test_a_command_that_fails_stores_nothing_and_the_key_stays_usable(issuing: Issuing) -> None:
    def invalid(uow: UnitOfWork) -> tokens.NewToken:
        issuing.command("half-done").work(uow)  # written, then the command fails: rolled back whole
        raise InvalidBatch([])

    with pytest.raises(InvalidBatch):
        run_once(issuing.ctx, ask("k", "bad"), Command(invalid), view)
    assert stored_tokens(issuing.ctx) == []
    done = run_once(issuing.ctx, ask("k", "dash"), issuing.command("dash"), view)
    assert not done.replayed and stored_tokens(issuing.ctx) == ["dash"]


def test_a_crash_after_the_work_and_before_the_commit_lets_the_replay_do_it_once(issuing: Issuing) -> None:
    def crashing_view(new: tokens.NewToken) -> Answer:
        raise RuntimeError("the process died here")  # after the work, inside the unit of work

    with pytest.raises(RuntimeError):
        run_once(issuing.ctx, ask("k", "dash"), issuing.command("dash"), crashing_view)
    assert stored_tokens(issuing.ctx) == [] and issuing.published == []
    replay = run_once(issuing.ctx, ask("k", "dash"), issuing.command("dash"), view)
    again = run_once(issuing.ctx, ask("k", "dash"), issuing.command("dash"), view)
    assert (replay.replayed, again.replayed) == (False, True)
    assert stored_tokens(issuing.ctx) == ["dash"] and len(issuing.published) == 1


def test_a_claim_left_without_an_answer_reads_as_in_progress(issuing: Issuing) -> None:
    def claim_only(uow: UnitOfWork) -> None:
        uow.idempotency.claim("1:POST /x", "k", "sha-of-dash", issuing.ctx.clock.now())
        uow.commit()  # what run_once never does: commit a claim without its answer

    issuing.ctx.transaction(claim_only)
    with pytest.raises(IdempotencyInProgress, match="in progress"):
        run_once(issuing.ctx, ask("k", "dash", owner="1:POST /x"), issuing.command("dash"), view)
    assert issuing.runs == 0


requests = st.lists(st.tuples(st.sampled_from("AB"), st.sampled_from("xyz"), st.sampled_from("pq")), max_size=25)


@given(requests)
def test_each_key_runs_its_first_request_once_and_answers_it_to_every_same_body(
    sequence: list[tuple[str, str, str]],
) -> None:
    issuing = Issuing(memory_atraxion().context)
    first: dict[tuple[str, str], tuple[str, Answer]] = {}
    for owner, key, body in sequence:
        try:
            answered = run_once(issuing.ctx, ask(key, body, owner), issuing.command(body), view)
        except IdempotencyKeyReused:
            assert first[(owner, key)][0] != body
            continue
        if (owner, key) in first:
            assert answered.replayed and (body, answered.answer) == first[(owner, key)]
        else:
            assert not answered.replayed
            first[(owner, key)] = (body, answered.answer)
    assert issuing.runs == len(first) == len(stored_tokens(issuing.ctx))
