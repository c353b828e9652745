"""Real Redis and RabbitMQ for the Dramatiq tests: URLs, a reachability check, throwaway queues.

``ATRAXION_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/15``) and ``ATRAXION_TEST_AMQP_URL``
(default ``amqp://guest:guest@127.0.0.1:5672/%2F``). A broker that cannot be reached fails the run
under ``CI=true`` and skips the test elsewhere (``tests.conftest.service_unavailable``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from atraxion.adapters.queue.dramatiq_broker import DramatiqQueue, make_dramatiq_queue
from atraxion.adapters.queue.dramatiq_cleanup import delete_queue
from atraxion.adapters.queue.dramatiq_url import redact
from tests.conftest import service_unavailable

REDIS_URL = os.environ.get("ATRAXION_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
AMQP_URL = os.environ.get("ATRAXION_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")

BROKERS = [
    pytest.param("redis", marks=pytest.mark.redis, id="redis"),
    pytest.param("rabbitmq", marks=pytest.mark.rabbitmq, id="rabbitmq"),
]


def broker_url(kind: str) -> str:
    """The test URL for ``kind``, after checking that the broker answers."""
    url = REDIS_URL if kind == "redis" else AMQP_URL
    try:
        if kind == "redis":
            import redis

            client = redis.Redis.from_url(url, socket_connect_timeout=2)
            try:
                client.ping()
            finally:
                client.close()
        else:
            import pika

            parameters = pika.URLParameters(url)
            parameters.socket_timeout = 2
            parameters.connection_attempts = 1
            pika.BlockingConnection(parameters).close()
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        service_unavailable(kind, f"{redact(url)}: {type(error).__name__}: {error}")
    return url


def unique_queue_name(prefix: str = "atraxion-test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@contextmanager
def throwaway_queue(url: str, queue_name: str, **options: int) -> Iterator[DramatiqQueue]:
    """A queue of its own on the broker, stopped and deleted from the broker at the end."""
    queue = make_dramatiq_queue(url, queue_name=queue_name, **options)
    try:
        yield queue
    finally:
        queue.stop()
        delete_queue(queue)
