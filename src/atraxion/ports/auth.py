"""Storage of API tokens (hashed)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from atraxion.domain.auth import ApiToken


class TokenRepository(Protocol):
    def add(self, token: ApiToken) -> ApiToken:
        """Store ``token`` and return it with its id."""

    def by_hash(self, token_hash: str) -> ApiToken | None:
        """The token with this hash, revoked or not, or None."""

    def list(self) -> list[ApiToken]:
        """Every token, revoked ones included, by id."""

    def revoke(self, token_id: int, at: datetime) -> bool:
        """Revoke the token as of ``at``; False if there is none or it was revoked already."""

    def revoke_consumer(self, consumer: str, at: datetime) -> int:
        """Revoke every active token of ``consumer``; how many were revoked."""
