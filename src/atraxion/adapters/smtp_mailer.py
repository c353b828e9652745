"""Sending mail over SMTP (the standard library's smtplib).

``ATRAXION_SMTP_URL``: ``smtp://[user:password@]host[:port]`` (port 25; ``?starttls=1`` upgrades
the connection), or ``smtps://…`` (implicit TLS, port 465). ``?from=`` sets the sender
(default ``atraxion@<host name>``).
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from attrs import field, frozen


@frozen
class SmtpMailer:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False
    starttls: bool = False
    timeout: float = 15.0

    @classmethod
    def from_url(cls, url: str) -> SmtpMailer:
        """Raises ValueError for a URL that is not ``smtp://`` or ``smtps://`` with a host."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("ATRAXION_SMTP_URL must look like smtp://user:password@host:port")
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 25)
        except ValueError:
            raise ValueError("ATRAXION_SMTP_URL has a port that is not a number") from None
        query = parse_qs(parts.query)
        sender = query.get("from", [f"atraxion@{socket.gethostname() or 'localhost'}"])[0]
        return cls(
            host=parts.hostname,
            port=port,
            sender=sender,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=parts.scheme == "smtps",
            starttls=query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes"),
        )

    def send(self, to: str, subject: str, text: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(text)
        context = ssl.create_default_context()
        client: smtplib.SMTP = (
            smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            if self.tls
            else smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        )
        with client:
            if self.starttls:
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)
