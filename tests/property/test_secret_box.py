"""Sealing webhook secrets (adapters/secret_box.py): whatever the text, it opens to itself, the
sealed form never shows it, no two seals are alike, and clear values (written before sealing) read
as they are."""

from __future__ import annotations

from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st

from atraxion.adapters.secret_box import PREFIX, SecretBox
from atraxion.domain.webhook_signing import encode_secret

BOX = SecretBox([Fernet.generate_key()])
secrets_ = st.binary(min_size=24, max_size=64).map(encode_secret)


@given(st.text())
def test_any_text_opens_to_itself(text: str) -> None:
    sealed = BOX.seal(text)
    assert sealed.startswith(PREFIX) and BOX.open(sealed) == text


@given(secrets_)
def test_a_sealed_secret_never_shows_it_and_differs_each_time(secret: str) -> None:
    first, second = BOX.seal(secret), BOX.seal(secret)
    assert first != second
    key_part = secret.removeprefix("whsec_")
    assert key_part not in first and key_part.rstrip("=") not in first


@given(secrets_)
def test_a_clear_secret_reads_as_it_is(secret: str) -> None:
    assert BOX.open(secret) == secret
