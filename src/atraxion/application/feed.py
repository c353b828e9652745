"""Outbound: what a consumer polls, and what its acknowledgements clear."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence

from attrs import frozen

from atraxion.application.command import Command
from atraxion.application.context import Context
from atraxion.domain.errors import Conflict, FieldError, InvalidBatch, NotFound
from atraxion.domain.feed import AckDecision, AckOutcome, FeedItem, decide_acks, feed_item, pending_feed_item
from atraxion.ports.unit_of_work import UnitOfWork

MAX_LIMIT = 1000


@frozen
class Page:
    items: list[FeedItem]
    next_cursor: str | None


def encode_cursor(position: tuple[int, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(position)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        seq, key = raw
        if isinstance(seq, int) and not isinstance(seq, bool) and isinstance(key, str):
            return seq, key
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        pass
    raise InvalidBatch([FieldError(None, "cursor", "not a cursor this service issued")])


def changes(ctx: Context, entity: str, consumer: str, cursor: str | None, limit: int) -> Page:
    """Records pending for ``consumer``, oldest change first, with fields changed since its last ack."""
    kind = ctx.kind(entity)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidBatch([FieldError(None, "limit", f"must be between 1 and {MAX_LIMIT}")])
    after = decode_cursor(cursor) if cursor else None

    def work(uow: UnitOfWork) -> Page:
        rows = uow.feed.pending_page(entity, consumer, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        items = [pending_feed_item(kind, row) for row in rows]
        last = rows[-1].record if rows else None
        return Page(items, encode_cursor((last.change_seq, last.key)) if more and last else None)

    return ctx.transaction(work)


def acknowledgement(ctx: Context, entity: str, consumer: str, items: Sequence[tuple[str, int]]) -> Command[AckDecision]:
    """Acknowledge processed versions; only the current version of a record clears it. Acking a
    deletion also forgets the consumer's ack: a later re-creation is new to it."""
    kind = ctx.kind(entity)

    def work(uow: UnitOfWork) -> AckDecision:
        keys = list(dict.fromkeys(key for key, _ in items))
        decision = decide_acks(kind, items, uow.records.load(entity, keys, lock=True))
        if decision.new_acks:
            uow.feed.save_acks(entity, consumer, decision.new_acks)
        if decision.forgotten:  # acked deletions: the consumer no longer holds those records
            uow.feed.forget_acks(entity, [consumer], decision.forgotten)
        cleared = [*decision.new_acks, *decision.forgotten]
        if cleared:
            uow.feed.set_pending(entity, [], [(consumer, key) for key in cleared])
        return decision

    return Command(work)


def acknowledge(ctx: Context, entity: str, consumer: str, items: Sequence[tuple[str, int]]) -> AckDecision:
    """:func:`acknowledgement`, run."""
    return acknowledgement(ctx, entity, consumer, items).run(ctx)


def acknowledge_one(ctx: Context, entity: str, consumer: str, key: str, version: int) -> None:
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


def get_record(ctx: Context, entity: str, consumer: str, key: str) -> RecordView:
    """One record as ``consumer`` sees it. A deleted record is shown (``deleted``, last known
    content) while its deletion is pending for some consumer; after that it is NotFound."""
    kind = ctx.kind(entity)

    def work(uow: UnitOfWork) -> RecordView:
        record = uow.records.load(entity, [key]).get(key)
        if record is None or (record.deleted and not uow.feed.pending_of(entity, uow.feed.consumers(), [key])):
            raise NotFound(f"no {entity} record {key!r}")
        ack = uow.feed.acks(entity, [consumer], [key]).get((consumer, key))
        return RecordView(feed_item(kind, record, ack, ctx.fingerprinter), uow.feed.is_pending(entity, consumer, key))

    return ctx.transaction(work)


def register_consumer(ctx: Context, name: str) -> bool:
    """Make ``name`` a consumer of every entity (done by token creation too). A new consumer finds
    every stored record pending, as new."""

    def work(uow: UnitOfWork) -> bool:
        added = uow.feed.add_consumer(name, list(ctx.kinds))
        uow.commit()
        return added

    return ctx.transaction(work)
