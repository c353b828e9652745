"""Secrets that must be read back (webhook signing secrets) sealed at rest with Fernet
(AES-128-CBC + HMAC-SHA256, from ``cryptography``).

A sealed value is ``enc:v1:<fernet token>``. A stored value without that prefix was written before
secrets were sealed (migration 0013 kept them in clear): :meth:`SecretBox.open` reads it as is, and
the next write of its row seals it.

The key: ``ATRAXION_SECRET_KEY`` (one or more comma-separated Fernet keys; the first seals, every
one opens, so a key can be rotated), else a key file (``ATRAXION_SECRET_KEY_FILE``, default
``./atraxion.key``) created on first use with mode 0600. Every replica must share the key.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

log = logging.getLogger(__name__)

PREFIX = "enc:v1:"
DEFAULT_KEY_FILE = "atraxion.key"


class UnreadableSecret(Exception):
    """A sealed value that none of the configured keys opens (the key changed, or another
    installation's key is configured). The message never holds the value."""


class SecretKeyError(ValueError):
    """The key cannot be used (not a Fernet key, an unreadable key file): one line saying what to fix."""


class SecretBox:
    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("a secret box needs at least one key")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def seal(self, clear: str) -> str:
        return PREFIX + self._fernet.encrypt(clear.encode("utf-8")).decode("ascii")

    def open(self, stored: str) -> str:
        """The clear text of ``stored``; a value without the prefix is clear already (legacy)."""
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise UnreadableSecret(
                "the stored secret cannot be decrypted with ATRAXION_SECRET_KEY (was the key changed, "
                "or is it not the one every replica shares?)"
            ) from None


def parse_keys(text: str) -> list[bytes]:
    """The Fernet keys of ``ATRAXION_SECRET_KEY``. Raises SecretKeyError (never repeating the value)."""
    keys = [part.strip().encode("ascii", "replace") for part in text.split(",") if part.strip()]
    if not keys:
        raise SecretKeyError("ATRAXION_SECRET_KEY is empty")
    for number, key in enumerate(keys, 1):
        try:
            Fernet(key)
        except ValueError:
            raise SecretKeyError(
                f"ATRAXION_SECRET_KEY key {number} is not a Fernet key (32 bytes in url-safe base64, "
                "44 characters); docs/deploying.md shows how to make one"
            ) from None
    return keys


def key_file(path: Path) -> tuple[bytes, bool]:
    """The key in ``path``, and whether it was created now (mode 0600, a new key) as it was missing."""
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        descriptor = os.open(path, flags, 0o600)
    except FileExistsError:
        try:
            return parse_keys(path.read_text().strip())[0], False
        except (OSError, UnicodeError, SecretKeyError):
            raise SecretKeyError(
                f"the secret key file {path} cannot be read or holds no Fernet key (ATRAXION_SECRET_KEY_FILE)"
            ) from None
    except OSError as error:
        raise SecretKeyError(
            f"cannot create the secret key file {path}: {error.strerror} (set ATRAXION_SECRET_KEY or "
            "ATRAXION_SECRET_KEY_FILE)"
        ) from None
    key = Fernet.generate_key()
    with os.fdopen(descriptor, "wb") as file:
        file.write(key + b"\n")
    return key, True


def secret_box(secret_key: str | None, secret_key_file: str) -> SecretBox:
    """The box for the settings: the keys of ``secret_key`` when set, else the key file's."""
    if secret_key is not None and secret_key.strip():
        return SecretBox(parse_keys(secret_key))
    path = Path(secret_key_file).expanduser().resolve()
    key, created = key_file(path)
    if created:  # said once, when it is made: later commands use it quietly (`serve` names it at start)
        log.info(
            "ATRAXION_SECRET_KEY is not set: webhook secrets are sealed with the key in %s "
            "(created now; every replica must share it)",
            path,
        )
    return SecretBox([key])
