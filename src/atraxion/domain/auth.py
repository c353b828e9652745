"""Machine tokens: scopes, consumers, expiry. Tokens are stored only as hashes."""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime

from attrs import frozen

TOKEN_PREFIX = "atx_"
DEFAULT_CONSUMER = "webshop"


class Scope(enum.Enum):
    ODOO_PUSH = "odoo:push"
    WEBSHOP_READ = "webshop:read"
    WEBSHOP_ACK = "webshop:ack"
    WEBSHOP_ORDERS = "webshop:orders"
    ADMIN = "admin"


def parse_scopes(values: list[str]) -> frozenset[Scope]:
    known = {s.value: s for s in Scope}
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ValueError(f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return frozenset(known[v] for v in values)


EARLIEST_EXPIRY = datetime(1000, 1, 1, tzinfo=UTC)
"""Every database stores times from the year 1000 on (MariaDB's DATETIME starts there)."""
EXPIRY_PATTERN = (
    r"^(100[1-9]|10[1-9][0-9]|1[1-9][0-9]{2}|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
    r"-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
"""The times accepted, as the OpenAPI document states them: RFC 3339 (``date-time``) of the years
1001 to 9998, which stay within the stored range whatever their offset."""
_EXPIRY = re.compile(EXPIRY_PATTERN)


def parse_expiry(text: str) -> datetime:
    """An RFC 3339 / ISO 8601 time with a timezone, as an aware UTC datetime in the stored range.
    Raises ValueError otherwise (year 1 or 9999 with an offset is no datetime once in UTC)."""
    if not _EXPIRY.fullmatch(text):
        raise ValueError("must be an RFC 3339 time of the years 1001 to 9998, e.g. 2027-01-01T00:00:00Z")
    value = datetime.fromisoformat(text[:10] + "T" + text[11:].upper())  # 3.11 reads "Z", not "z"
    if value.tzinfo is None:
        raise ValueError("give a timezone, e.g. 2027-01-01T00:00:00Z")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or utc < EARLIEST_EXPIRY:
        raise ValueError("must lie between the years 1000 and 9999 (UTC)")
    return utc


def hash_token(token: str) -> str:
    """SHA-256 of the token: tokens are long random strings, so no salt or slow hash is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@frozen
class ApiToken:
    id: int | None
    name: str
    token_hash: str
    scopes: frozenset[Scope]
    consumer: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    def matches(self, presented: str) -> bool:
        return hmac.compare_digest(self.token_hash, hash_token(presented))

    def is_active(self, now: datetime) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or now < self.expires_at

    def allows(self, scope: Scope) -> bool:
        return scope in self.scopes
