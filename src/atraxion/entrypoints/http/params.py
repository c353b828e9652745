"""What the admin routes read from a request besides its body, each parsed and declared once.

The service behind a request, a positive path id, a ``status`` filter, the ``limit``/``cursor``
page with its ``nextCursor``; and, beside each parser, its OpenAPI declaration, so that what a
route accepts and what the contract says it accepts cannot drift apart.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse

from atraxion.bootstrap import Atraxion
from atraxion.domain.bounds import MAX_ID, MAX_LIMIT
from atraxion.domain.errors import FieldError, InvalidBatch, NotFound
from atraxion.entrypoints.http.body import bounded_int

DEFAULT_LIMIT = 100
_CURSOR_DIGITS = 18

SECURED: list[dict[str, list[str]]] = [{"bearer": []}]
"""An operation's ``security``: a bearer token (its scope is in the summary)."""
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
POSITIVE_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
LIMIT_PARAMETER = {
    "name": "limit",
    "in": "query",
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
}
"""The parameter :func:`query_limit` reads."""
PAGE_PARAMETERS = [
    LIMIT_PARAMETER,
    {
        "name": "cursor",
        "in": "query",
        "schema": {"type": "string", "pattern": f"^[0-9]{{1,{_CURSOR_DIGITS}}}$"},
        "description": "nextCursor of the previous page",
    },
]
"""The parameters :func:`page` reads."""


def id_parameter(name: str = "id") -> dict[str, Any]:
    """The path parameter :func:`path_id` reads."""
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}


def optional_body(schema: dict[str, Any]) -> dict[str, Any]:
    """A ``requestBody`` a client may leave out."""
    return {"required": False, "content": {"application/json": {"schema": schema}}}


def page_of(item: dict[str, Any]) -> dict[str, Any]:
    """The schema of a page of ``item``: ``{"items": [...], "nextCursor"}`` (:func:`next_cursor`)."""
    return {
        "type": "object",
        "required": ["items", "nextCursor"],
        "properties": {"items": {"type": "array", "items": item}, "nextCursor": {"type": ["string", "null"]}},
    }


def service(request: Request) -> Atraxion:
    """The wired service this request is served by."""
    atraxion: Atraxion = request.app.state.atraxion
    return atraxion


def path_id(request: Request, name: str = "id") -> int:
    """The ``{name:int}`` path parameter; NotFound (404) beyond any id a row can have."""
    value: int = request.path_params[name]
    if not 1 <= value <= MAX_ID:
        raise NotFound(f"no item with id {value}")
    return value


S = TypeVar("S", bound=enum.Enum)


def status_filter(request: Request, kind: type[S]) -> S | None:
    """The optional ``status`` query parameter, one of ``kind``'s values."""
    text = request.query_params.get("status")
    if text is None:
        return None  # an empty value is no status: refused below, as the document's enum says
    try:
        return kind(text)
    except ValueError:
        known = ", ".join(str(s.value) for s in kind)
        raise InvalidBatch([FieldError(None, "status", f"must be one of {known}")]) from None


def page(request: Request) -> tuple[int | None, int]:
    """``(cursor, limit)`` from the query: after the row whose id is ``cursor`` (None: from the
    start), at most ``limit`` rows (1 to MAX_LIMIT, 100 by default)."""
    errors: list[FieldError] = []
    limit = query_limit(request, errors)
    cursor_text = request.query_params.get("cursor")
    cursor = bounded_int(cursor_text, 0, MAX_ID) if cursor_text and len(cursor_text) <= _CURSOR_DIGITS else None
    if cursor_text is not None and cursor is None:
        errors.append(FieldError(None, "cursor", "not a cursor this service issued"))
    if errors or limit is None:
        raise InvalidBatch(errors)
    return cursor, limit


def query_limit(request: Request, errors: list[FieldError]) -> int | None:
    """The ``limit`` query parameter (1 to MAX_LIMIT, 100 by default); None, with its error added
    to ``errors``, when it is not one."""
    limit = bounded_int(request.query_params.get("limit", str(DEFAULT_LIMIT)), 1, MAX_LIMIT)
    if limit is None:
        errors.append(FieldError(None, "limit", f"must be an integer between 1 and {MAX_LIMIT}"))
    return limit


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


R = TypeVar("R", bound=_Row)


def next_cursor(found: Sequence[_Row], limit: int) -> str | None:
    """The ``nextCursor`` after a page: a full page may have more after it, a short page is the last."""
    last_id = found[-1].id if found else None
    return str(last_id) if last_id is not None and len(found) == limit else None


def page_answer(found: Sequence[R], limit: int, view: Callable[[R], Any]) -> JSONResponse:
    """A page of ``found`` rows, asked with ``limit``: ``{"items": [view(row)…], "nextCursor"}``."""
    return JSONResponse({"items": [view(row) for row in found], "nextCursor": next_cursor(found, limit)})
