"""Sending e-mail (an SMTP adapter behind it)."""

from __future__ import annotations

from typing import Protocol


class Mailer(Protocol):
    def send(self, to: str, subject: str, text: str) -> None:
        """Send a plain-text message. Raises OSError (or smtplib's errors) when it cannot."""


class MailNotConfigured(Exception):
    """No mailer is configured (``ATRAXION_SMTP_URL``): sign-up cannot send its link."""
