"""Removing a Dramatiq queue from its broker entirely: for tests, benchmarks and decommissioning.

``DramatiqQueue.purge`` empties a queue; RabbitMQ keeps the (durable) queue itself and Redis keeps
the per-worker bookkeeping, which adds up when every test run uses a queue of its own.
"""

from __future__ import annotations

from typing import Any

from atraxion.adapters.queue.dramatiq_broker import DramatiqQueue

# Dramatiq's suffixes for a queue's delay and dead-letter queues (dramatiq.common.dq_name/xq_name).
_SUFFIXES = ("", ".DQ", ".XQ")


def delete_queue(queue: DramatiqQueue) -> None:
    """Delete ``queue`` with its delay and dead-letter queues and their messages.

    Call it once nothing consumes the queue any more (after ``queue.stop()`` is fine): it opens
    what connections it needs and closes them again.
    """
    from dramatiq.brokers.rabbitmq import RabbitmqBroker
    from dramatiq.brokers.redis import RedisBroker

    broker: Any = queue.broker
    if isinstance(broker, RabbitmqBroker):
        _delete_rabbitmq(broker, queue.queue_name)
    elif isinstance(broker, RedisBroker):
        _delete_redis(broker, queue.queue_name)
    else:  # pragma: no cover - make_dramatiq_queue builds only these two
        raise TypeError(f"cannot delete queues on {type(broker).__name__}")


def _delete_rabbitmq(broker: Any, name: str) -> None:
    # After broker.close() this thread's channel is closed but still cached: drop it first.
    del broker.connection
    try:
        channel = broker.channel
        for suffix in _SUFFIXES:
            channel.queue_delete(queue=name + suffix)
    finally:
        del broker.connection
    broker.queues.discard(name)


def _delete_redis(broker: Any, name: str) -> None:
    client = broker.client
    prefix = f"{broker.namespace}:"
    keys = [prefix + name + suffix + part for suffix in _SUFFIXES for part in ("", ".msgs")]
    try:
        # Each worker process keeps the ids it holds in "<ns>:__acks__.<worker id>.<queue>".
        keys += list(client.scan_iter(match=f"{prefix}__acks__.*.{name}"))
        keys += list(client.scan_iter(match=f"{prefix}__acks__.*.{name}.DQ"))
        client.delete(*keys)
        client.zrem(f"{prefix}__heartbeats__", broker.broker_id)
    finally:
        client.connection_pool.disconnect()  # the broker was closed before: leave no connection open
