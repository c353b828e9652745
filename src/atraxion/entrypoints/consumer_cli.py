"""``atraxion consumer list|show NAME|refeed NAME [--entity E]|remove NAME`` (docs/consumers.md)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from atraxion.application import consumers
from atraxion.application.context import Context
from atraxion.domain.consumers import Backlog, ConsumerBacklog
from atraxion.domain.errors import NotFound
from atraxion.ports.unit_of_work import UnitOfWork


def add_parser(commands: Any) -> None:
    consumer = commands.add_parser("consumer", help="consumers: backlog, re-feed, remove")
    actions = consumer.add_subparsers(dest="consumer_command", required=True)
    actions.add_parser("list", help="every consumer with its pending count and oldest pending change")
    show = actions.add_parser("show", help="one consumer's backlog per entity")
    show.add_argument("name")
    refeed = actions.add_parser("refeed", help="make every current record pending again for NAME, as new")
    refeed.add_argument("name")
    refeed.add_argument("--entity", action="append", default=[], help="only this entity (repeatable)")
    remove = actions.add_parser("remove", help="forget NAME's acks and pending rows and revoke its tokens")
    remove.add_argument("name")


def _time(value: datetime | None) -> str:
    return "-" if value is None else value.isoformat(timespec="seconds").replace("+00:00", "Z")


def _total(consumer: ConsumerBacklog) -> Backlog:
    found = [b for b in consumer.entities.values() if b.oldest_pending_at is not None]
    oldest = min((b.oldest_pending_at for b in found if b.oldest_pending_at), default=None)
    return Backlog(sum(b.pending for b in consumer.entities.values()), oldest)


def run(args: argparse.Namespace, context: Context[UnitOfWork]) -> int:
    try:
        return _run(args, context)
    except NotFound as error:  # an unknown consumer or entity: one line
        print(f"atraxion: {error}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace, context: Context[UnitOfWork]) -> int:
    command = args.consumer_command
    if command == "list":
        print(f"{'CONSUMER':<24} {'PENDING':>9}  OLDEST PENDING")
        for consumer in consumers.list_consumers(context):
            total = _total(consumer)
            print(f"{consumer.name:<24} {total.pending:>9}  {_time(total.oldest_pending_at)}")
        return 0
    if command == "show":
        consumer = consumers.show_consumer(context, args.name)
        print(f"consumer {consumer.name!r}")
        print(f"{'ENTITY':<24} {'PENDING':>9}  OLDEST PENDING")
        for entity, backlog in consumer.entities.items():
            print(f"{entity:<24} {backlog.pending:>9}  {_time(backlog.oldest_pending_at)}")
        return 0
    if command == "refeed":
        done = consumers.refeed(context, args.name, args.entity)
        counts = ", ".join(f"{entity} {b.pending}" for entity, b in done.entities.items())
        print(f"re-fed consumer {done.name!r}: pending {counts}")
        return 0
    revoked = consumers.remove(context, args.name)
    print(f"removed consumer {args.name!r}; {revoked} token{'' if revoked == 1 else 's'} revoked")
    return 0
