"""The task queue on Dramatiq 2.x, over Redis or RabbitMQ, for several ``atraxion worker`` processes.

Every queue owns an explicit broker and declares its two actors against it: nothing touches
Dramatiq's global broker, which ``get_broker()`` would otherwise build silently (a RabbitMQ on
localhost), and nothing happens at import time.

A message of the first actor carries only an outbox entry id. The outbox row holds the retry state
and backoff, so Dramatiq's own retries are off (``max_retries=0``) and a message whose handling
failed is simply acknowledged: the sweeper publishes the entry again once it is due. The second
actor takes no argument: "drain the pulls Odoo's webhooks queued" (the rows are the truth).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

import dramatiq
from dramatiq.middleware import Retries

from atraxion.adapters.queue.dramatiq_url import BrokerUrl, parse_broker_url
from atraxion.ports.task_queue import DeliveryHandler, EntryHandler, PullsHandler

logger = logging.getLogger(__name__)

ACTOR_NAME = "atraxion_process_outbox_entry"
PULLS_ACTOR_NAME = "atraxion_drain_queued_pulls"
DELIVERY_ACTOR_NAME = "atraxion_send_webhook_delivery"
DEFAULT_WORKER_THREADS = 8
DEFAULT_WORKER_TIMEOUT_MS = 1000
DEFAULT_STOP_TIMEOUT_MS = 90_000  # an attempt makes two Odoo calls of up to 30 s each (ATRAXION_ODOO_TIMEOUT)
CHECK_TIMEOUT = 3.0
"""Seconds :meth:`DramatiqQueue.check` gives the broker to answer."""


class DramatiqQueue:
    """A :class:`~atraxion.ports.task_queue.TaskQueue` on an explicit Dramatiq broker.

    ``publish`` works in any process (the HTTP service, the sweeper). ``start`` runs a
    ``dramatiq.Worker`` with ``worker_threads`` threads in this process: call it in
    ``atraxion worker`` only, once (Dramatiq allows one Worker per process).
    """

    def __init__(
        self,
        broker: dramatiq.Broker,
        *,
        queue_name: str,
        description: str = "",
        worker_threads: int = DEFAULT_WORKER_THREADS,
        worker_timeout_ms: int = DEFAULT_WORKER_TIMEOUT_MS,
        probe: Callable[[], None] | None = None,
    ) -> None:
        if worker_threads < 1:
            raise ValueError("worker_threads must be at least 1")
        self.broker = broker
        self.queue_name = queue_name
        self._description = description or type(broker).__name__
        self._worker_threads = worker_threads
        self._worker_timeout_ms = worker_timeout_ms
        self._probe = probe
        self._handler: EntryHandler | None = None
        self._pulls: PullsHandler | None = None
        self._deliveries: DeliveryHandler | None = None
        self._worker: dramatiq.Worker | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._actor: dramatiq.Actor[[int], None] = dramatiq.actor(
            broker=broker, actor_name=ACTOR_NAME, queue_name=queue_name, max_retries=0
        )(self._process)
        self._pulls_actor: dramatiq.Actor[[], None] = dramatiq.actor(
            broker=broker, actor_name=PULLS_ACTOR_NAME, queue_name=queue_name, max_retries=0
        )(self._drain_pulls)
        self._delivery_actor: dramatiq.Actor[[int], None] = dramatiq.actor(
            broker=broker, actor_name=DELIVERY_ACTOR_NAME, queue_name=queue_name, max_retries=0
        )(self._deliver)

    def __repr__(self) -> str:
        return f"DramatiqQueue({self._description}, queue={self.queue_name!r})"

    # -- TaskQueue ----------------------------------------------------------------------------

    def publish(self, entry_ids: Sequence[int]) -> None:
        """Send one message per entry id. Best effort: the entries are committed already, so a
        broker that cannot be reached is logged and left to the sweeper, never raised."""
        messages = [_message("an outbox entry", entry_id) for entry_id in entry_ids]
        for position, message in enumerate(messages):
            try:
                self._actor.send(message)
            except _broker_errors() as error:
                left = len(entry_ids) - position
                logger.warning(
                    "could not publish %d outbox entr%s to %s (%s: %s); the sweeper will publish %s again",
                    left,
                    "y" if left == 1 else "ies",
                    self,
                    type(error).__name__,
                    error,
                    "it" if left == 1 else "them",
                )
                return

    def publish_deliveries(self, delivery_ids: Sequence[int]) -> None:
        """One message per webhook delivery id. Best effort, as :meth:`publish` (the sweeper
        publishes whatever is still due)."""
        messages = [_message("a delivery", delivery_id) for delivery_id in delivery_ids]
        for position, message in enumerate(messages):
            try:
                self._delivery_actor.send(message)
            except _broker_errors() as error:
                logger.warning(
                    "could not publish %d webhook deliveries to %s (%s: %s); the sweeper will",
                    len(delivery_ids) - position,
                    self,
                    type(error).__name__,
                    error,
                )
                return

    def nudge_pulls(self) -> None:
        """Send one "drain the queued pulls" message. Best effort, as :meth:`publish`."""
        try:
            self._pulls_actor.send()
        except _broker_errors() as error:
            logger.warning(
                "could not nudge the queued pulls on %s (%s: %s); the next nudge or periodic pull drains them",
                self,
                type(error).__name__,
                error,
            )

    def check(self) -> None:
        """Raise when the broker does not answer within :data:`CHECK_TIMEOUT` seconds: a fresh
        connection of its own (a PING on Redis, an AMQP handshake on RabbitMQ), closed at once."""
        if self._probe is not None:
            self._probe()

    def start(
        self, handler: EntryHandler, pulls: PullsHandler | None = None, deliveries: DeliveryHandler | None = None
    ) -> None:
        """Consume this queue in this process with a Dramatiq Worker, calling ``handler(entry_id)``
        for outbox entries, ``pulls()`` for queued-pull nudges and ``deliveries(delivery_id)`` for
        webhook deliveries."""
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self} is stopped")
            if self._worker is not None:
                raise RuntimeError(f"{self} is already consuming")
            self._handler = handler
            self._pulls = pulls
            self._deliveries = deliveries
            worker = dramatiq.Worker(
                self.broker,
                queues={self.queue_name},
                worker_threads=self._worker_threads,
                worker_timeout=self._worker_timeout_ms,
            )
            worker.start()
            self._worker = worker
        logger.info("consuming %s with %d worker threads", self, self._worker_threads)

    def stop(self, timeout_ms: int = DEFAULT_STOP_TIMEOUT_MS) -> None:
        """Let running handlers finish (up to ``timeout_ms``), hand prefetched messages back to the
        broker, and close its connections. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop(timeout=timeout_ms)
        self.broker.close()

    # -- for tests and operations -------------------------------------------------------------

    def purge(self) -> None:
        """Drop every message waiting in this queue (its delay and dead-letter queues too)."""
        self.broker.flush(self.queue_name)

    def join(self, timeout_ms: int) -> None:
        """Wait until the broker reports this queue empty (``dramatiq.QueueJoinTimeout`` otherwise).
        Messages being handled may not count: wait on the outbox for completion."""
        self.broker.join(self.queue_name, timeout=timeout_ms)

    # -- the actor ----------------------------------------------------------------------------

    def _process(self, entry_id: int) -> None:
        handler = self._handler
        if handler is None:
            # Only a process that called start() runs a Worker, so this is a wiring bug.
            raise RuntimeError(f"{self} received entry {entry_id} but has no handler")
        if _read(entry_id) is None:
            logger.error("ignoring a malformed message on %s: entry id %r", self, entry_id)
            return
        try:
            handler(entry_id)
        except Exception:
            # Expected Odoo faults never get here (the handler records them on the entry). This is
            # the unexpected (database down, a bug): the entry stays pending/processing in the
            # outbox and the sweeper publishes it again, so the message itself is done with.
            logger.exception("handling outbox entry %s failed; the sweeper will publish it again", entry_id)

    def _deliver(self, delivery_id: int) -> None:
        deliveries = self._deliveries
        if deliveries is None:
            logger.warning("%s received webhook delivery %s but has no delivery handler", self, delivery_id)
            return
        if _read(delivery_id) is None:
            logger.error("ignoring a malformed message on %s: delivery id %r", self, delivery_id)
            return
        try:
            deliveries(delivery_id)
        except Exception:
            # The delivery stays pending or claimed; the sweeper publishes it again.
            logger.exception("sending webhook delivery %s failed; the sweeper will publish it again", delivery_id)

    def _drain_pulls(self) -> None:
        pulls = self._pulls
        if pulls is None:
            logger.warning("%s received a queued-pulls nudge but has no pulls handler", self)
            return
        try:
            pulls()
        except Exception:
            # The rows stay queued: the next nudge or the periodic pull drains them.
            logger.exception("draining the queued pulls failed; they stay queued")


def _read(message: object) -> int | None:
    """A message's one argument, the id of the row it is about; None when it is not one (the row
    holds everything else, so a message never carries more)."""
    return None if isinstance(message, bool) or not isinstance(message, int) else message


def _message(what: str, row_id: int) -> int:
    """The message about ``row_id`` (what :func:`_read` reads back). Raises TypeError for a non-id."""
    if _read(row_id) is None:
        raise TypeError(f"{what} id is an int, got {row_id!r}")
    return row_id


def make_dramatiq_queue(
    url: str,
    *,
    queue_name: str | None = None,
    worker_threads: int = DEFAULT_WORKER_THREADS,
    worker_timeout_ms: int = DEFAULT_WORKER_TIMEOUT_MS,
) -> DramatiqQueue:
    """A queue on the broker named by ``url``: ``redis://…``/``rediss://…`` (RedisBroker) or
    ``amqp://…``/``amqps://…`` (RabbitmqBroker with publisher confirms).

    The queue is ``queue_name``, else the URL's ``?queue=`` parameter, else ``atraxion-outbox``.
    Connecting is lazy: nothing is contacted until the first publish or ``start``.
    """
    parsed = parse_broker_url(url, queue_name=queue_name)
    return DramatiqQueue(
        _make_broker(parsed),
        queue_name=parsed.queue_name,
        description=f"{parsed.kind} at {parsed.redacted}",
        worker_threads=worker_threads,
        worker_timeout_ms=worker_timeout_ms,
        probe=_probe(parsed),
    )


def _probe(url: BrokerUrl) -> Callable[[], None]:
    if url.kind == "redis":

        def ping_redis() -> None:
            import redis

            client = redis.Redis.from_url(
                url.connection_url, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT
            )
            try:
                client.ping()
            finally:
                client.close()

        return ping_redis

    def handshake_amqp() -> None:
        import pika

        parameters = pika.URLParameters(url.connection_url)
        parameters.connection_attempts = 1
        parameters.socket_timeout = CHECK_TIMEOUT
        parameters.stack_timeout = CHECK_TIMEOUT
        pika.BlockingConnection(parameters).close()

    return handshake_amqp


def quiet_pika() -> None:
    """Pika logs every failed connection attempt at ERROR, with a traceback, from a dozen loggers:
    pages for one unreachable broker, every publish. The queue reports the failure itself (one
    warning with the count), so pika's own lines are kept for CRITICAL. Its child loggers are
    reset to inherit, whatever configured them before (a test run, say)."""
    pika_logger = logging.getLogger("pika")
    pika_logger.setLevel(logging.CRITICAL)
    for name, child in list(logging.Logger.manager.loggerDict.items()):
        if name.startswith("pika.") and isinstance(child, logging.Logger):
            child.setLevel(logging.NOTSET)


def _make_broker(url: BrokerUrl) -> dramatiq.Broker:
    # Retries is the only middleware: max_retries needs it. The defaults' TimeLimit would raise an
    # asynchronous exception into a handler mid-transaction, and the gateway has its own timeouts.
    middleware: list[dramatiq.Middleware] = [Retries(max_retries=0)]
    if url.kind == "redis":
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url.connection_url, middleware=middleware)  # type: ignore[no-untyped-call]
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    quiet_pika()
    # Publisher confirms: without them a message the broker never stored looks sent.
    return RabbitmqBroker(url=url.connection_url, middleware=middleware, confirm_delivery=True)


def _broker_errors() -> tuple[type[BaseException], ...]:
    import pika.exceptions
    import redis.exceptions

    return (dramatiq.BrokerConnectionError, redis.exceptions.RedisError, pika.exceptions.AMQPError, OSError)
