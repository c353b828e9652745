"""RFC 9457 problem details: every error the service answers is one of these."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from starlette.responses import Response

from atraxion.domain.errors import FieldError

PROBLEM_TYPE_BASE = "https://atraxion.dev/problems/"

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class Problem(Exception):
    """Raised anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        errors: Sequence[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind or _TITLES.get(status, "error").lower().replace(" ", "-")
        self.errors = list(errors) if errors is not None else None
        self.headers = headers or {}

    def body(self, instance: str | None = None) -> dict[str, Any]:
        document: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.kind,
            "title": _TITLES.get(self.status, "Error"),
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            document["instance"] = instance
        if self.errors is not None:
            document["errors"] = [{"index": e.index, "field": e.field, "message": e.message} for e in self.errors]
        return document

    def response(self, instance: str | None = None) -> Response:
        return Response(
            json.dumps(self.body(instance)),
            status_code=self.status,
            media_type="application/problem+json",
            headers=self.headers,
        )


NUL = "\x00"


def nul_character(where: str) -> Problem:
    """The 422 for a NUL character (U+0000) anywhere a client can send text: PostgreSQL stores no
    text holding one, so no database is given one (the answer is the same on every database)."""
    return Problem(
        422,
        f"{where} holds a NUL character (U+0000), which no key, name, value or query may contain",
        kind="nul-character",
    )
