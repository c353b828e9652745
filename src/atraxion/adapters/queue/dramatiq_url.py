"""Reading a Dramatiq broker URL: which broker, which queue, and how to show it without its password.

The URL is the one setting that the HTTP service (which publishes) and every ``atraxion worker``
(which consume) share, so the queue name travels in it as a query parameter that is ours and is
removed before the URL reaches redis-py or pika::

    redis://127.0.0.1:6379/0?queue=atraxion-outbox
    amqp://user:secret@rabbit:5672/%2F?queue=atraxion-outbox&heartbeat=30
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from attrs import frozen

DEFAULT_QUEUE_NAME = "atraxion-outbox"
QUEUE_PARAMETER = "queue"

BrokerKind = Literal["redis", "rabbitmq"]

_SCHEMES: dict[str, BrokerKind] = {
    "redis": "redis",
    "rediss": "redis",
    "unix": "redis",
    "amqp": "rabbitmq",
    "amqps": "rabbitmq",
}
# Dramatiq's own rule for queue names (dramatiq.actor._queue_name_re).
_QUEUE_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9._-]*")


@frozen
class BrokerUrl:
    """A parsed broker URL: ``connection_url`` is what the client library receives."""

    kind: BrokerKind
    connection_url: str
    queue_name: str

    @property
    def redacted(self) -> str:
        """The connection URL with any password replaced by ``***``, for logs."""
        return redact(self.connection_url)


def is_dramatiq_url(url: str) -> bool:
    """Whether ``url`` names a Redis or RabbitMQ broker (anything else is not ours)."""
    return urlsplit(url).scheme.lower() in _SCHEMES


def parse_broker_url(url: str, *, queue_name: str | None = None) -> BrokerUrl:
    """Split ``url`` into broker kind, client URL and queue name.

    ``queue_name`` wins over the URL's ``queue`` parameter, which wins over the default.
    """
    parts = urlsplit(url)
    kind = _SCHEMES.get(parts.scheme.lower())
    if kind is None:
        raise ValueError(f"not a Dramatiq broker URL (want redis://, rediss://, amqp:// or amqps://): {redact(url)}")
    query = parse_qsl(parts.query, keep_blank_values=True)
    from_url = [value for name, value in query if name == QUEUE_PARAMETER]
    name = queue_name or (from_url[-1] if from_url else DEFAULT_QUEUE_NAME)
    if not _QUEUE_NAME.fullmatch(name):
        raise ValueError(f"bad queue name {name!r}: a letter or _ first, then letters, digits, '.', '_' or '-'")
    rest = urlencode([(n, v) for n, v in query if n != QUEUE_PARAMETER])
    return BrokerUrl(kind, urlunsplit(parts._replace(query=rest)), name)


def redact(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
