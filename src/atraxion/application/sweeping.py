"""The sweep of a work queue kept in the database (the outbox, webhook deliveries), written once.

A row is worked on when a message names it; a message can be lost, never sent (the nudge after a
commit failed), or taken by a worker that died. A periodic sweep finds such rows (due, with no
message sent lately; or claimed too long ago), marks them published in the same transaction, so
that no other sweeper takes them too, and then publishes them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from atraxion.application.context import Context
from atraxion.ports.unit_of_work import Transaction

log = logging.getLogger(__name__)

U = TypeVar("U", bound=Transaction)


class SweptRows(Protocol):
    """The repository of the rows a sweep publishes."""

    def due(self, now: datetime, redeliver_before: datetime, stale_before: datetime, limit: int) -> list[int]: ...

    def mark_published(self, ids: Sequence[int], at: datetime, /) -> None: ...


class SweepPolicy(Protocol):
    """When a row is swept: no message for ``redeliver_after``, or claimed for ``stale_after``;
    at most ``sweep_batch`` rows a sweep."""

    @property
    def stale_after(self) -> timedelta: ...

    @property
    def redeliver_after(self) -> timedelta: ...

    @property
    def sweep_batch(self) -> int: ...


def sweep(
    ctx: Context[U],
    rows: Callable[[U], SweptRows],
    policy: SweepPolicy,
    publish: Callable[[Sequence[int]], None],
    what: str,
) -> list[int]:
    """Publish the ``rows`` (of a unit of work) the sweep finds, ``what`` naming them in the log;
    their ids. A failure to publish is only logged: the rows stay due, and the next sweep finds them."""

    def work(uow: U) -> list[int]:
        now = ctx.clock.now()
        found = rows(uow)
        ids = found.due(now, now - policy.redeliver_after, now - policy.stale_after, policy.sweep_batch)
        if ids:
            found.mark_published(ids, now)
            uow.commit()
        return ids

    ids = ctx.transaction(work)
    if ids:
        log.info("sweeper publishes %d %s", len(ids), what)
        try:
            publish(ids)
        except Exception:  # noqa: BLE001 - the rows are the durable record; the message is a nudge
            log.warning("could not publish %d %s; the next sweep will", len(ids), what, exc_info=True)
    return ids
