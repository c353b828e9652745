"""Passwords hashed with argon2id (argon2-cffi): a memory-hard KDF with a salt per hash."""

from __future__ import annotations

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Argon2PasswordHasher:
    """argon2-cffi's defaults (RFC 9106's low-memory profile) unless told otherwise."""

    def __init__(self, hasher: argon2.PasswordHasher | None = None) -> None:
        self._hasher = hasher or argon2.PasswordHasher()
        self._dummy: str | None = None  # made on first use: bootstrap stays fast

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def dummy_verify(self, password: str) -> None:
        if self._dummy is None:
            self._dummy = self._hasher.hash("not a password of anyone")
        self.verify(self._dummy, password)
