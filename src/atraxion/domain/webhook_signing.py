"""Signing webhook deliveries with the Standard Webhooks scheme (v1, HMAC-SHA256).

A delivery carries three headers:

* ``webhook-id``: the message id, the same on every attempt of one delivery (receivers de-duplicate
  on it);
* ``webhook-timestamp``: the attempt's time in whole unix seconds (receivers refuse old ones, which
  stops replays);
* ``webhook-signature``: ``v1,<base64 HMAC-SHA256 over "{id}.{timestamp}.{body}">``, keyed by the
  bytes the secret's base64 part decodes to (the secret is ``whsec_<base64>``). The header may hold
  several space-separated signatures (during a secret rotation, say); one that verifies is enough.

Pure functions of the standard library, so a receiver can use them as they are (``docs/webhooks.md``
shows an independent receiver).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

SECRET_PREFIX = "whsec_"
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64
SIGNATURE_VERSION = "v1"


class InvalidSecret(ValueError):
    """Not ``whsec_`` followed by the base64 of 24 to 64 bytes. The message never repeats the value."""


def encode_secret(key: bytes) -> str:
    """The secret text for the key bytes ``key`` (24 to 64 of them)."""
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise InvalidSecret(f"a webhook secret holds {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} random bytes")
    return SECRET_PREFIX + base64.b64encode(key).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key of ``secret``: its part after ``whsec_``, base64-decoded."""
    if not secret.startswith(SECRET_PREFIX):
        raise InvalidSecret(f"a webhook secret starts with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :].encode("ascii"), validate=True)
    except ValueError:  # binascii.Error and UnicodeEncodeError are both ValueErrors
        raise InvalidSecret(f"a webhook secret is {SECRET_PREFIX!r} followed by base64") from None
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise InvalidSecret(f"a webhook secret's base64 part decodes to {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes")
    return key


def signed_content(message_id: str, timestamp: int, body: bytes) -> bytes:
    """What is signed: ``{id}.{timestamp}.{body}``."""
    return f"{message_id}.{timestamp}.".encode() + body


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value: ``v1,<base64 HMAC-SHA256>``."""
    digest = hmac.new(secret_key(secret), signed_content(message_id, timestamp, body), hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def verify(secret: str, message_id: str, timestamp: int, body: bytes, header: str) -> bool:
    """Whether one of the space-separated signatures of ``header`` is the v1 signature of this
    message (compared in constant time). Checks no timestamp tolerance: that is the receiver's."""
    expected = sign(secret, message_id, timestamp, body).encode("ascii")
    found = False
    for candidate in header.split(" "):
        if candidate.startswith(SIGNATURE_VERSION + ","):
            found |= hmac.compare_digest(candidate.encode("utf-8", "replace"), expected)
    return found


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }
