"""Operating consumers: their backlog, re-feeding one, removing one.

A consumer is registered by the first token created for it (``tokens.token_creation``); from then on
every change is tracked for it until it is removed. Removing it revokes its tokens too: a token left
active would register it again, silently, on its next poll's ack.
"""

from __future__ import annotations

from collections.abc import Sequence

from atraxion.application.command import Command
from atraxion.application.context import Context
from atraxion.domain.consumers import EMPTY, Backlog, ConsumerBacklog
from atraxion.domain.errors import NotFound
from atraxion.ports.unit_of_work import AdminUnitOfWork


def _unknown(name: str) -> NotFound:
    return NotFound(f"no consumer {name!r}")


def list_consumers(ctx: Context[AdminUnitOfWork]) -> list[ConsumerBacklog]:
    """Every registered consumer, by name, with every entity's backlog (one query per entity)."""

    def work(uow: AdminUnitOfWork) -> list[ConsumerBacklog]:
        names = uow.feed.consumers()
        by_entity = {entity: uow.feed.backlog(entity) for entity in ctx.kinds}
        return [
            ConsumerBacklog(name, {entity: found.get(name, EMPTY) for entity, found in by_entity.items()})
            for name in names
        ]

    return ctx.transaction(work)


def show_consumer(ctx: Context[AdminUnitOfWork], name: str) -> ConsumerBacklog:
    """One consumer's backlog; NotFound when ``name`` is not registered."""
    return ctx.transaction(lambda uow: _backlog_of(ctx, uow, name))


def _backlog_of(ctx: Context[AdminUnitOfWork], uow: AdminUnitOfWork, name: str) -> ConsumerBacklog:
    if name not in uow.feed.consumers():
        raise _unknown(name)
    return ConsumerBacklog(name, {entity: uow.feed.backlog(entity, name).get(name, EMPTY) for entity in ctx.kinds})


def backlog(ctx: Context[AdminUnitOfWork], entity: str, consumer: str) -> Backlog:
    """What ``consumer`` has pending of ``entity`` (its own token's view: no registration check)."""
    ctx.kind(entity)
    return ctx.transaction(lambda uow: uow.feed.backlog(entity, consumer).get(consumer, EMPTY))


def refeeding(
    ctx: Context[AdminUnitOfWork], name: str, entities: Sequence[str] = ()
) -> Command[AdminUnitOfWork, ConsumerBacklog]:
    """Make every current record of ``entities`` (all when empty) pending for ``name`` as new
    (``isNew``, every field changed): for a new webshop, or one that lost its database. Its acks of
    those entities are forgotten. Raises UnknownEntity, or NotFound for an unknown consumer. The
    answer is the consumer's backlog of those entities afterwards."""
    chosen = list(dict.fromkeys(entities)) or list(ctx.kinds)
    for entity in chosen:
        ctx.kind(entity)

    def work(uow: AdminUnitOfWork) -> ConsumerBacklog:
        if name not in uow.feed.consumers():
            raise _unknown(name)
        for entity in chosen:
            uow.feed.refeed(entity, name)
        pending = {entity: uow.feed.backlog(entity, name).get(name, EMPTY) for entity in chosen}
        return ConsumerBacklog(name, pending)

    return Command(work)


def refeed(ctx: Context[AdminUnitOfWork], name: str, entities: Sequence[str] = ()) -> ConsumerBacklog:
    """:func:`refeeding`, run."""
    return refeeding(ctx, name, entities).run(ctx)


def removal(ctx: Context[AdminUnitOfWork], name: str) -> Command[AdminUnitOfWork, int]:
    """Unregister ``name``: its acks and pending rows deleted, its tokens revoked, nothing else
    touched. A token created later under that name registers it anew, with everything pending as
    new. Returns how many tokens were revoked; NotFound for an unknown consumer."""

    def work(uow: AdminUnitOfWork) -> int:
        if not uow.feed.remove_consumer(name):
            raise _unknown(name)
        return uow.tokens.revoke_consumer(name, ctx.clock.now())

    return Command(work)


def remove(ctx: Context[AdminUnitOfWork], name: str) -> int:
    """:func:`removal`, run."""
    return removal(ctx, name).run(ctx)
