"""Machine tokens: scopes, consumers, expiry. Tokens are stored only as hashes."""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from datetime import datetime

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
