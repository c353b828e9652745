"""The webhook sender on httpx: one POST per attempt, no redirects followed, a bounded timeout.

A 3xx is an answer like any other non-2xx (a failure: Standard Webhooks senders do not follow
redirects, which could lead a signed message anywhere). ``Retry-After`` (seconds or an HTTP date)
is reported for the retry's floor. With ``allow_private=False`` a target whose host resolves to a
loopback, private, link-local or otherwise non-public address is refused before connecting.
"""

from __future__ import annotations

import email.utils
import ipaddress
import socket
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from atraxion.ports.webhooks import SendResult

DEFAULT_TIMEOUT = 15.0
_MAX_ERROR = 300


class HttpWebhookSender:
    def __init__(self, timeout: float = DEFAULT_TIMEOUT, *, allow_private: bool = True) -> None:
        self.timeout = timeout
        self.allow_private = allow_private
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)

    def send(self, url: str, headers: Mapping[str, str], body: bytes) -> SendResult:
        started = time.monotonic()
        if not self.allow_private:
            refused = _private_target(url)
            if refused is not None:
                return SendResult(None, 0.0, refused)
        try:
            response = self._client.post(url, content=body, headers=dict(headers))
        except httpx.TimeoutException:
            return SendResult(None, _since(started), f"no answer within {self.timeout:g} s")
        except httpx.HTTPError as error:
            return SendResult(None, _since(started), _error(error))
        except (ValueError, OSError) as error:  # an URL httpx cannot use, a socket error it did not wrap
            return SendResult(None, _since(started), _error(error))
        retry_after = _retry_after(response.headers.get("retry-after"))
        return SendResult(response.status_code, _since(started), None, retry_after)

    def close(self) -> None:
        self._client.close()


def _since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 3)


def _error(error: Exception) -> str:
    text = f"{type(error).__name__}: {error}".strip()
    return text[:_MAX_ERROR]


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _private_target(url: str) -> str | None:
    """Why ``url`` may not be sent to when private targets are forbidden, or None."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        return f"cannot resolve the webhook's host: {error}"[:_MAX_ERROR]
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            return "the webhook's host resolves to a non-public address, and private targets are forbidden"
    return None
