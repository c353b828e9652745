"""Hashing passwords with a memory-hard KDF (argon2 in the adapter)."""

from __future__ import annotations

from typing import Protocol


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str:
        """A salted hash of ``password`` that names its own parameters."""

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches; never raises for a wrong one."""

    def dummy_verify(self, password: str) -> None:
        """Spend the time of a verification, for an unknown account (no timing oracle)."""
