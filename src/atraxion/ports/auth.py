"""Storage of API tokens (hashed) and of idempotent responses."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from attrs import frozen

from atraxion.domain.auth import ApiToken


class TokenRepository(Protocol):
    def add(self, token: ApiToken) -> ApiToken:
        """Store ``token`` and return it with its id."""

    def by_hash(self, token_hash: str) -> ApiToken | None: ...

    def list(self) -> list[ApiToken]: ...

    def revoke(self, token_id: int, at: datetime) -> bool: ...


@frozen
class StoredResponse:
    request_hash: str
    status: int
    body: bytes
    content_type: str


class IdempotencyRepository(Protocol):
    def get(self, scope: str, key: str) -> StoredResponse | None: ...

    def put(self, scope: str, key: str, response: StoredResponse, at: datetime) -> None: ...
