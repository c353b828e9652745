"""Standard Webhooks signatures: a signature verifies for any body, message id and timestamp, and
fails for any altered byte of the body, the id, the timestamp, the signature or the secret. The
docs' receiver (an implementation of its own) agrees with the domain on every case."""

from __future__ import annotations

import base64
import time

from hypothesis import given
from hypothesis import strategies as st

from atraxion.domain.webhook_signing import encode_secret, headers, secret_key, sign, verify
from tests.e2e.webhook_receiver import receiver_namespace

keys = st.binary(min_size=24, max_size=64)
bodies = st.binary(max_size=2048)
message_ids = st.text(alphabet=st.characters(codec="ascii", exclude_characters=". "), min_size=1, max_size=40)
timestamps = st.integers(min_value=0, max_value=2**40)


def _flip(data: bytes, position: int, bit: int) -> bytes:
    index = position % len(data)
    return data[:index] + bytes([data[index] ^ (1 << bit)]) + data[index + 1 :]


@given(keys, message_ids, timestamps, bodies)
def test_a_signature_verifies_for_any_message(key: bytes, message_id: str, timestamp: int, body: bytes) -> None:
    secret = encode_secret(key)
    assert secret_key(secret) == key
    signature = sign(secret, message_id, timestamp, body)
    assert signature.startswith("v1,") and len(base64.b64decode(signature[3:])) == 32
    assert verify(secret, message_id, timestamp, body, signature)
    assert verify(secret, message_id, timestamp, body, f"v1,bm90IGl0 {signature}")  # one of several


@given(keys, message_ids, timestamps, bodies.filter(bool), st.integers(min_value=0), st.integers(0, 7))
def test_any_altered_body_byte_fails(
    key: bytes, message_id: str, timestamp: int, body: bytes, position: int, bit: int
) -> None:
    secret = encode_secret(key)
    signature = sign(secret, message_id, timestamp, body)
    assert not verify(secret, message_id, timestamp, _flip(body, position, bit), signature)


@given(keys, message_ids, timestamps, bodies, st.integers(min_value=0), st.integers(0, 7))
def test_any_altered_signature_byte_fails(
    key: bytes, message_id: str, timestamp: int, body: bytes, position: int, bit: int
) -> None:
    secret = encode_secret(key)
    digest = base64.b64decode(sign(secret, message_id, timestamp, body)[3:])
    altered = "v1," + base64.b64encode(_flip(digest, position, bit)).decode()
    assert not verify(secret, message_id, timestamp, body, altered)


@given(keys, message_ids, timestamps, bodies, st.integers(min_value=0), st.integers(0, 7), st.integers(1, 10**6))
def test_another_id_timestamp_or_key_fails(
    key: bytes, message_id: str, timestamp: int, body: bytes, position: int, bit: int, shift: int
) -> None:
    secret = encode_secret(key)
    signature = sign(secret, message_id, timestamp, body)
    assert not verify(secret, message_id + "x", timestamp, body, signature)
    assert not verify(secret, message_id, timestamp + shift, body, signature)
    assert not verify(encode_secret(_flip(key, position, bit)), message_id, timestamp, body, signature)


@given(keys, message_ids, bodies, st.integers(0, 7), st.integers(min_value=0))
def test_the_docs_receiver_agrees(key: bytes, message_id: str, body: bytes, bit: int, position: int) -> None:
    secret = encode_secret(key)
    verify_webhook = receiver_namespace(secret)["verify_webhook"]
    now = int(time.time())
    signed = headers(secret, message_id, now, body)
    assert verify_webhook(secret, signed, body)
    altered = _flip(body, position, bit) if body else b"\x00"  # an empty body altered: a byte added
    assert not verify_webhook(secret, signed, altered)
    old = headers(secret, message_id, now - 301, body)  # beyond its five minutes: a replay
    assert not verify_webhook(secret, old, body)
