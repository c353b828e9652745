"""Machine tokens: scopes, consumers, expiry. Tokens are stored only as hashes."""

from __future__ import annotations

import enum
import hashlib
import hmac
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


EARLIEST_EXPIRY = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_EXPIRY = datetime(9999, 1, 1, tzinfo=UTC)


def token_expiry(value: datetime) -> datetime:
    """``value`` in UTC, within the years every database stores (1970 up to 9999). Raises
    ValueError otherwise: year 1 or 9999 with an offset is not even a datetime once in UTC."""
    if value.tzinfo is None:
        raise ValueError("give a timezone, e.g. 2027-01-01T00:00:00Z")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST_EXPIRY <= utc < LATEST_EXPIRY:
        raise ValueError("must lie between 1970-01-01 and 9999-01-01 (UTC)")
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
