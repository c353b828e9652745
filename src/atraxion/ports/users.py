"""Storage of the admin UI's people: users, allowed domains, e-mail verifications, sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from atraxion.domain.users import AdminSession, User, Verification


class UserRepository(Protocol):
    def add(self, user: User) -> User:
        """Store a new user and return it with its id (DuplicateKey if the e-mail is taken)."""

    def get(self, user_id: int) -> User | None:
        """The user, or None."""

    def by_email(self, email: str) -> User | None:
        """The user of a normalized address."""

    def save(self, user: User) -> None:
        """Write every field of an existing user."""

    def list(self) -> list[User]:
        """Every user, by e-mail."""


class AllowedDomainRepository(Protocol):
    def add(self, domain: str) -> bool:
        """Allow a normalized domain; False if it already was."""

    def remove(self, domain: str) -> bool:
        """Stop allowing a normalized domain; False if it was not allowed."""

    def list(self) -> list[str]:
        """The allowed domains, sorted."""


class VerificationRepository(Protocol):
    def add(self, verification: Verification) -> None:
        """Store a new e-mail verification (keyed by its token's hash)."""

    def by_hash(self, token_hash: str, *, lock: bool = False) -> Verification | None:
        """The verification of a token's hash, or None; ``lock`` holds it until commit (one use)."""

    def save(self, verification: Verification) -> None:
        """Write every field of a stored verification (used, say)."""


class AdminSessionRepository(Protocol):
    def add(self, session: AdminSession) -> None:
        """Store a new session (keyed by its id's hash)."""

    def by_hash(self, id_hash: str) -> AdminSession | None:
        """The session of an id's hash, expired or not, or None."""

    def delete(self, id_hash: str) -> None:
        """End the session (a logout); nothing if it is gone already."""

    def delete_for_user(self, user_id: int) -> None:
        """End every session of a user (disabled, say)."""

    def delete_expired(self, now: datetime) -> int:
        """Delete the sessions expired by ``now``; how many."""
