"""The request log (ApiLog): one row per HTTP request, for operators looking for what happened.

What a row holds is chosen so that it can never carry a secret (quality R6):

* no request or response **bodies**: they carry customer data, and token requests carry tokens;
* no **header values**: ``Authorization`` holds the bearer token, ``Idempotency-Key`` may be anything;
* the **path** without its query string, and of the query only parameters known to be harmless
  (:data:`SAFE_QUERY_PARAMS`): a query string is where careless clients put API keys;
* the **token id** and its consumer, never the token;
* for 4xx/5xx answers the problem ``detail`` (our own words, truncated to :data:`MAX_ERROR`).

Anything that still looks like one of our tokens (``atx_…``) or a webhook secret (``whsec_…``) is
masked in every text field, and the token segment of an Odoo webhook's path
(``/api/v1/odoo/webhooks/***``) whatever it holds. The ``request_id`` links a row to the service
log, where the details of a failure are.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlencode

from attrs import field, frozen

MAX_PATH = 512
MAX_QUERY = 500
MAX_ERROR = 500
MAX_METHOD = 16
MAX_REQUEST_ID = 128
MAX_CONSUMER = 64

_NUMBER = re.compile(r"[0-9]{1,19}")
SAFE_QUERY_PARAMS: dict[str, re.Pattern[str]] = {
    "limit": _NUMBER,
    "version": _NUMBER,
    "before": _NUMBER,
    "status": re.compile(r"[a-z_]{1,32}"),
    "path": re.compile(r"/[A-Za-z0-9/._~%-]{0,200}"),
    # Ours are "{position}.{hex}" (the feed) or a row id; a secret in the wrong parameter
    # (``?cursor=sk_live_…``) matches neither.
    "cursor": re.compile(r"[0-9]{1,19}(\.[0-9a-f]{0,400})?"),
}
"""Query parameters whose values are kept, each only when it has the shape our own routes give
it (paging and filters); any other value, or any other parameter, is not stored."""
WITHHELD = "***"

_TOKEN = re.compile(r"atx_[A-Za-z0-9_\-]*", re.IGNORECASE)
MASK = "atx_***"
# A webhook secret (``whsec_<base64>``, docs/webhooks.md) is masked the same way.
_WEBHOOK_SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]*", re.IGNORECASE)
WEBHOOK_SECRET_MASK = "whsec_***"
# Odoo's automation webhooks cannot send headers, so their token travels in the path
# (``/api/v1/odoo/webhooks/{token}``): that segment is masked whatever it holds, a wrong token too.
_PATH_SECRET = re.compile(r"(/odoo/webhooks/)[^/]*")
PATH_MASK = "***"


class Direction(enum.Enum):
    INBOUND = "inbound"  # a request to us
    OUTBOUND = "outbound"  # reserved: a call we make (Odoo, webhooks)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("an ApiLogEntry time must be timezone-aware")
    return value.astimezone(UTC)


@frozen(kw_only=True)
class ApiLogEntry:
    """One request as recorded. ``id`` is None until the repository stored it."""

    id: int | None = None
    at: datetime = field(converter=_utc)
    method: str
    path: str
    query: str = ""
    direction: Direction = Direction.INBOUND
    status_code: int
    duration_ms: float
    request_id: str | None = None
    token_id: int | None = None
    consumer: str | None = None
    error: str | None = None


def clean(text: str, limit: int) -> str:
    """``text`` safe to store: tokens masked, encodable as UTF-8, no NUL character (PostgreSQL
    stores no text holding one), at most ``limit`` characters."""
    text = text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
    return _WEBHOOK_SECRET.sub(WEBHOOK_SECRET_MASK, _TOKEN.sub(MASK, text))[:limit]


def safe_path(path: str) -> str:
    """``path`` with the secret a path may carry (an Odoo webhook's token) masked: what logs,
    request-log rows and problem documents show."""
    return _PATH_SECRET.sub(rf"\g<1>{PATH_MASK}", path)


def safe_query(pairs: Iterable[tuple[str, str]]) -> str:
    """The query string rebuilt (URL-encoded) from the harmless parameters only, each value kept
    only if it has its parameter's shape (else :data:`WITHHELD`)."""
    kept = [
        (name, value if SAFE_QUERY_PARAMS[name].fullmatch(value) else WITHHELD)
        for name, value in pairs
        if name in SAFE_QUERY_PARAMS
    ]
    return clean(urlencode(kept, errors="replace"), MAX_QUERY)


def inbound(
    *,
    at: datetime,
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    status_code: int,
    duration_ms: float,
    request_id: str | None,
    token_id: int | None,
    consumer: str | None,
    error: str | None,
) -> ApiLogEntry:
    """An entry for a request to us, every text field cleaned and cut to its column's size."""
    return ApiLogEntry(
        at=at,
        method=clean(method, MAX_METHOD),
        path=clean(safe_path(path), MAX_PATH),
        query=safe_query(query),
        direction=Direction.INBOUND,
        status_code=status_code,
        duration_ms=round(max(duration_ms, 0.0), 3),
        request_id=None if request_id is None else clean(request_id, MAX_REQUEST_ID),
        token_id=token_id,
        consumer=None if consumer is None else clean(consumer, MAX_CONSUMER),
        error=None if error is None or status_code < 400 else clean(error, MAX_ERROR),
    )
