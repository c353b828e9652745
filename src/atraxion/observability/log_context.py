"""What every log line says about the work in hand: request id, consumer, entity, order, cause.

The HTTP middleware binds the request id, authentication the consumer, the entity routes the
entity, the reverse-sync worker the order's externalId. The log formatter
(``entrypoints/logs.py``) adds whatever is bound to each line. Context variables: each request
(an asyncio task, a worker thread) sees only its own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

FIELDS = ("request_id", "consumer", "entity", "order", "cause")

_bound: ContextVar[dict[str, str]] = ContextVar("atraxion_log_context", default={})  # noqa: B039 - never mutated


def bind(**fields: str | None) -> None:
    """Add ``fields`` (None values are left out) to the current context, until it ends."""
    _bound.set({**_bound.get(), **{k: v for k, v in fields.items() if v is not None}})


@contextlib.contextmanager
def bound(**fields: str | None) -> Iterator[None]:
    """:func:`bind` for the ``with`` block only."""
    token = _bound.set({**_bound.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _bound.reset(token)


def current() -> dict[str, str]:
    return dict(_bound.get())
