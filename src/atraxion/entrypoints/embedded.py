"""Atraxion embedded in another Python program: the HTTP contract's operations as method calls.

    from atraxion.entrypoints.embedded import Embedded

    with Embedded.open("sqlite:///./shop-sync.db") as sync:
        sync.push("products", [{"externalId": "FURN_0001", "data": {"name": "Oak Desk"}}])
        page = sync.changes("products", consumer="webshop")
        sync.ack("products", [(item["key"], item["version"]) for item in page["items"]], consumer="webshop")

Inputs are validated exactly as over HTTP (``InvalidBatch`` lists every bad record) and answers
have the same JSON shapes.

:class:`EmbeddedFeed` is the same facade over a context of your own: its units of work need only
the ingest family of repositories (``atraxion.ports.unit_of_work.IngestUnitOfWork``), so an
adapter of your own implements those and nothing else (docs/embedding.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Self

from atraxion.application import deletions, feed
from atraxion.application.context import Context
from atraxion.application.ingest import ingest
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import DEFAULT_MAX_NODES_PER_RECORD, Settings
from atraxion.entrypoints import views
from atraxion.entrypoints.inbound import parse_deletion, parse_push
from atraxion.ports.unit_of_work import IngestUnitOfWork


class EmbeddedFeed:
    """Push, delete, poll and acknowledge over ``context``: the HTTP contract's feed operations.
    ``close`` is called by :meth:`close` (and on leaving a ``with`` block)."""

    def __init__(
        self,
        context: Context[IngestUnitOfWork],
        *,
        max_nodes_per_record: int = DEFAULT_MAX_NODES_PER_RECORD,
        close: Callable[[], None] | None = None,
    ) -> None:
        self.context = context
        self.max_nodes_per_record = max_nodes_per_record
        self._close = close

    def push(self, entity: str, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Store records Odoo sent: the answer of ``POST /api/v1/odoo/{entity}`` (results, summary).

        Raises :class:`~atraxion.domain.errors.InvalidBatch` (nothing stored) listing every bad record.
        """
        batches = parse_push(entity, {"records": list(records)}, max_record_values=self.max_nodes_per_record)
        plans = ingest(self.context, batches)
        return views.push_response(self.context.kind(entity), plans[0])

    def delete(self, entity: str, keys: Sequence[str]) -> dict[str, Any]:
        """Records Odoo no longer has: the answer of ``POST /api/v1/odoo/{entity}/delete``."""
        plan = deletions.delete(self.context, entity, parse_deletion(entity, {"keys": list(keys)}))
        return views.delete_response(plan)

    def add_consumer(self, name: str) -> bool:
        """Make ``name`` a consumer of every entity (all stored records pending for it, as new);
        True if it is new."""
        return feed.register_consumer(self.context, name)

    def changes(
        self, entity: str, consumer: str = "webshop", limit: int = 100, cursor: str | None = None
    ) -> dict[str, Any]:
        """A page of what is pending for ``consumer``: ``GET /api/v1/webshop/{entity}/changes``
        (``items`` and ``nextCursor``, None on the last page)."""
        page = feed.changes(self.context, entity, consumer, cursor, limit)
        kind = self.context.kind(entity)
        return {"items": [views.feed_item(kind, i) for i in page.items], "nextCursor": page.next_cursor}

    def ack(self, entity: str, items: Sequence[tuple[str, int]], consumer: str = "webshop") -> dict[str, list[str]]:
        """Acknowledge ``(key, version)`` pairs ``consumer`` applied: ``POST /api/v1/webshop/{entity}/ack``
        (the keys acknowledged, stale and unknown)."""
        return views.ack_response(feed.acknowledge(self.context, entity, consumer, items))

    def get(self, entity: str, key: str, consumer: str = "webshop") -> dict[str, Any]:
        """One record as ``consumer`` sees it, with whether it is pending for it: ``GET
        /api/v1/webshop/{entity}/{key}``. Raises :class:`~atraxion.domain.errors.NotFound`."""
        view = feed.get_record(self.context, entity, consumer, key)
        return {**views.feed_item(self.context.kind(entity), view.item), "pending": view.pending}

    def close(self) -> None:
        """Release the database connections (and anything else the application holds)."""
        if self._close is not None:
            self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class Embedded(EmbeddedFeed):
    """The service's data operations as method calls, in the caller's process (no HTTP server).

    Each method is one operation of the HTTP contract (docs/api.md) with the same validation and
    the same JSON answer: :meth:`push` and :meth:`delete` are Odoo's side, :meth:`changes`,
    :meth:`ack` and :meth:`get` a consumer's. Build one with :meth:`open` (it wires and migrates)
    and close it when done (or use it as a context manager); ``app`` is the wired
    :class:`~atraxion.bootstrap.Atraxion`, for the use cases this class does not wrap, closed with it.
    """

    def __init__(self, app: Atraxion) -> None:
        """Wrap an application that is already wired (:func:`~atraxion.bootstrap.bootstrap`)."""
        super().__init__(app.context, max_nodes_per_record=app.settings.max_nodes_per_record, close=app.close)
        self.app = app

    @classmethod
    def open(cls, database_url: str = "sqlite:///./atraxion.db", **settings: Any) -> Embedded:
        """Wire an application on ``database_url`` (``memory://`` for no database), migrated."""
        return cls(bootstrap(Settings(database_url=database_url, **settings)))
