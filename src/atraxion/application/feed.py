"""Outbound: what a consumer polls, and what its acknowledgements clear."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import partial

from attrs import frozen

from atraxion.application.command import Command
from atraxion.application.context import Context
from atraxion.domain.bounds import MAX_LIMIT
from atraxion.domain.errors import Conflict, FieldError, InvalidBatch, NotFound
from atraxion.domain.feed import (
    AckDecision,
    AckOutcome,
    AckState,
    FeedItem,
    decide_acks,
    doubt,
    feed_item,
    pending_feed_item,
    plan_pending,
)
from atraxion.domain.history import Version
from atraxion.domain.records import Kind, StoredRecord
from atraxion.ports.unit_of_work import FeedUnitOfWork


@frozen
class Page:
    items: list[FeedItem]
    next_cursor: str | None


CURSOR_PATTERN = (
    r"^(0|[1-9][0-9]{0,17})\.(?:00[0-9a-c][0-9a-f]{3}|00d[0-7][0-9a-f]{2}|00[ef][0-9a-f]{3}"
    r"|0[1-9a-f][0-9a-f]{4}|10[0-9a-f]{4}){0,511}$"
)
"""Every cursor this service issues, and nothing else: ``{position}.{key}`` (a position of at most
18 digits: within 64 bits), the key written as
six hex digits per character (any Unicode scalar value, no surrogate, at most 511 characters).
The OpenAPI document states it, so any string it matches is a position a client may page from."""
_CURSOR = re.compile(CURSOR_PATTERN)


def encode_cursor(position: tuple[int, str]) -> str:
    seq, key = position
    return f"{seq}." + "".join(f"{ord(char):06x}" for char in key)


def decode_cursor(cursor: str) -> tuple[int, str]:
    """The position a cursor of ours encodes. Anything else, however it is forged (a position
    beyond 64 bits, a key UTF-8 cannot encode, deep nesting, junk), is the same 422."""
    if len(cursor) <= 20 + 6 * 511 and _CURSOR.fullmatch(cursor):
        seq, _, key = cursor.partition(".")
        return int(seq), "".join(chr(int(key[i : i + 6], 16)) for i in range(0, len(key), 6))
    raise InvalidBatch([FieldError(None, "cursor", "not a cursor this service issued")])


def changes(ctx: Context[FeedUnitOfWork], entity: str, consumer: str, cursor: str | None, limit: int) -> Page:
    """Records pending for ``consumer``, oldest change first, with fields changed since its last ack."""
    kind = ctx.kind(entity)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidBatch([FieldError(None, "limit", f"must be between 1 and {MAX_LIMIT}")])
    after = decode_cursor(cursor) if cursor else None

    def work(uow: FeedUnitOfWork) -> Page:
        rows = uow.feed.pending_page(entity, consumer, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        items = [pending_feed_item(kind, row) for row in rows]
        last = rows[-1].record if rows else None
        return Page(items, encode_cursor((last.change_seq, last.key)) if more and last else None)

    return ctx.transaction(work)


def acknowledgement(
    ctx: Context[FeedUnitOfWork], entity: str, consumer: str, items: Sequence[tuple[str, int]]
) -> Command[FeedUnitOfWork, AckDecision]:
    """Acknowledge processed versions; only the current version of a record clears it. Acking a
    deletion also forgets the consumer's ack: a later re-creation is new to it. A stale ack of a
    version newer than the acknowledged one doubts the ack (see :func:`~atraxion.domain.feed.doubt`)."""
    kind = ctx.kind(entity)

    def work(uow: FeedUnitOfWork) -> AckDecision:
        keys = list(dict.fromkeys(key for key, _ in items))
        current = uow.records.load(entity, keys, lock=True)
        decision = decide_acks(kind, items, current)
        if decision.new_acks:
            uow.feed.save_acks(entity, consumer, decision.new_acks)
        if decision.forgotten:  # acked deletions: the consumer no longer holds those records
            uow.feed.forget_acks(entity, [consumer], decision.forgotten)
        cleared = [*decision.new_acks, *decision.forgotten]
        if cleared:
            uow.feed.set_pending(entity, [], [(consumer, key) for key in cleared])
        processed: dict[str, int] = {}
        for key, version in items:
            if decision.outcomes[key] is AckOutcome.STALE:
                processed[key] = max(version, processed.get(key, version))
        if processed:
            _doubt_stale(ctx, uow, kind, consumer, processed, current)
        return decision

    return Command(work)


def _doubt_stale(
    ctx: Context[FeedUnitOfWork],
    uow: FeedUnitOfWork,
    kind: Kind,
    consumer: str,
    processed: Mapping[str, int],
    current: Mapping[str, StoredRecord],
) -> None:
    """Record what stale acks of ``processed`` versions say about what ``consumer`` holds, and make
    the doubted records pending for it (a reverted change may have cleared them)."""
    held = uow.feed.acks(kind.name, [consumer], list(processed))
    doubted: dict[str, AckState] = {}
    for key, version in processed.items():
        ack = held.get((consumer, key))
        if ack is None:  # never acknowledged: the record is pending as new
            continue
        history = partial(_versions, uow, kind.name, key, ctx.history_versions)
        state = doubt(kind, ack, current[key], version, history, ctx.fingerprinter)
        if state is not None:
            doubted[key] = state
    if doubted:
        uow.feed.save_acks(kind.name, consumer, doubted)
        acks = {(consumer, key): state for key, state in doubted.items()}
        plan = plan_pending(kind, [current[key] for key in doubted], [consumer], acks, ctx.fingerprinter)
        uow.feed.set_pending(kind.name, plan.add, plan.clear)


def _versions(uow: FeedUnitOfWork, entity: str, key: str, kept: int, limit: int) -> list[Version]:
    """The newest ``limit`` versions of a record, none when no history is kept."""
    return uow.records.versions(entity, key, limit) if kept > 0 else []


def acknowledge(
    ctx: Context[FeedUnitOfWork], entity: str, consumer: str, items: Sequence[tuple[str, int]]
) -> AckDecision:
    """:func:`acknowledgement`, run."""
    return acknowledgement(ctx, entity, consumer, items).run(ctx)


def acknowledge_one(ctx: Context[FeedUnitOfWork], entity: str, consumer: str, key: str, version: int) -> None:
    """Single-record ack: raises NotFound for an unknown key and Conflict for a stale version."""
    decision = acknowledge(ctx, entity, consumer, [(key, version)])
    outcome = decision.outcomes[key]
    if outcome is AckOutcome.UNKNOWN:
        raise NotFound(f"no {entity} record {key!r}")
    if outcome is AckOutcome.STALE:
        raise Conflict(f"version {version} of {key!r} is not the current version; fetch the changes again")


@frozen
class RecordView:
    item: FeedItem
    pending: bool


def get_record(ctx: Context[FeedUnitOfWork], entity: str, consumer: str, key: str) -> RecordView:
    """One record as ``consumer`` sees it. A deleted record is shown (``deleted``, last known
    content) while its deletion is pending for some consumer; after that it is NotFound."""
    kind = ctx.kind(entity)

    def work(uow: FeedUnitOfWork) -> RecordView:
        record = uow.records.load(entity, [key]).get(key)
        if record is None or (record.deleted and not uow.feed.pending_of(entity, uow.feed.consumers(), [key])):
            raise NotFound(f"no {entity} record {key!r}")
        ack = uow.feed.acks(entity, [consumer], [key]).get((consumer, key))
        return RecordView(feed_item(kind, record, ack, ctx.fingerprinter), uow.feed.is_pending(entity, consumer, key))

    return ctx.transaction(work)


def register_consumer(ctx: Context[FeedUnitOfWork], name: str) -> bool:
    """Make ``name`` a consumer of every entity (done by token creation too). A new consumer finds
    every stored record pending, as new."""

    def work(uow: FeedUnitOfWork) -> bool:
        added = uow.feed.add_consumer(name, list(ctx.kinds))
        uow.commit()
        return added

    return ctx.transaction(work)
