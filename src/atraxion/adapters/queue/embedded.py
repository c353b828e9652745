"""The embedded queue: worker threads in this process, fed through a ``queue.Queue`` of entry ids
(and of "drain the queued pulls" nudges).

The default (``ATRAXION_BROKER_URL=memory``). Messages live only in memory: a restart loses them,
which is fine because the outbox row is the durable record and the sweeper re-publishes whatever
is left pending or processing.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Sequence

from atraxion.ports.task_queue import DeliveryHandler, EntryHandler, PullsHandler

log = logging.getLogger(__name__)

_STOP = object()
_PULLS = object()


class _Delivery(int):
    """A webhook delivery id in the queue (a plain int is an outbox entry id)."""


class EmbeddedQueue:
    """A :class:`~atraxion.ports.task_queue.TaskQueue` with ``threads`` in-process workers.

    Messages published before :meth:`start` wait in the queue. A handler that raises is logged and
    the worker goes on with the next message.
    """

    def __init__(self, threads: int = 2, *, name: str = "atraxion-worker", stop_timeout: float = 30.0) -> None:
        if threads < 1:
            raise ValueError("threads must be at least 1")
        self.threads = threads
        self._name = name
        self._stop_timeout = stop_timeout
        self._queue: queue.Queue[object] = queue.Queue()
        self._workers: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._pulls: PullsHandler | None = None
        self._deliveries: DeliveryHandler | None = None
        self._pulls_waiting = False  # a nudge is queued and not yet taken: more nudges add nothing

    def publish(self, entry_ids: Sequence[int]) -> None:
        for entry_id in entry_ids:
            self._queue.put(entry_id)

    def publish_deliveries(self, delivery_ids: Sequence[int]) -> None:
        for delivery_id in delivery_ids:
            self._queue.put(_Delivery(delivery_id))

    def nudge_pulls(self) -> None:
        with self._lock:
            if self._pulls_waiting:
                return
            self._pulls_waiting = True
        self._queue.put(_PULLS)

    def start(
        self, handler: EntryHandler, pulls: PullsHandler | None = None, deliveries: DeliveryHandler | None = None
    ) -> None:
        with self._lock:
            if self._workers:
                raise RuntimeError("the embedded queue is already started")
            self._pulls = pulls
            self._deliveries = deliveries
            self._workers = [
                threading.Thread(target=self._work, args=(handler,), name=f"{self._name}-{n}", daemon=True)
                for n in range(1, self.threads + 1)
            ]
            for worker in self._workers:
                worker.start()

    def check(self) -> None:
        """In-process: nothing to reach."""

    def stop(self) -> None:
        """Let each worker finish its current message, then end. Messages still queued stay
        queued (a later :meth:`start` handles them)."""
        with self._lock:
            workers, self._workers = self._workers, []
            if not workers:
                return
            # Stop markers jump ahead of queued messages: stop does not wait for a backlog.
            with self._queue.mutex:
                for _ in workers:
                    self._queue.queue.appendleft(_STOP)
                    self._queue.unfinished_tasks += 1
                self._queue.not_empty.notify_all()
            deadline = time.monotonic() + self._stop_timeout
            for worker in workers:
                worker.join(max(0.0, deadline - time.monotonic()))
                if worker.is_alive():
                    log.warning("worker %s did not stop within %.0f s", worker.name, self._stop_timeout)

    @property
    def running(self) -> bool:
        return bool(self._workers)

    def backlog(self) -> int:
        """Messages waiting (approximate, as any queue size read while others publish)."""
        return self._queue.qsize()

    def join(self, timeout: float) -> bool:
        """Wait until every published message has been handled; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._queue.all_tasks_done.wait(remaining)
        return True

    def _work(self, handler: EntryHandler) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                if item is _PULLS:
                    self._drain_pulls()
                elif isinstance(item, _Delivery):
                    self._deliver(int(item))
                else:
                    assert isinstance(item, int)
                    handler(item)
            except Exception:  # noqa: BLE001 - one bad message must not kill the worker
                log.exception("handling %s failed", _describe(item))
            finally:
                self._queue.task_done()

    def _deliver(self, delivery_id: int) -> None:
        deliveries = self._deliveries
        if deliveries is None:
            log.warning("webhook delivery %s was published, but this queue has no delivery handler", delivery_id)
            return
        deliveries(delivery_id)

    def _drain_pulls(self) -> None:
        with self._lock:
            # Cleared before draining: a nudge arriving while we drain queues one more round.
            self._pulls_waiting = False
            pulls = self._pulls
        if pulls is None:
            log.warning("queued pulls were nudged, but this queue was started without a pulls handler")
            return
        pulls()


def _describe(item: object) -> str:
    if item is _PULLS:
        return "queued pulls"
    if isinstance(item, _Delivery):
        return f"webhook delivery {int(item)}"
    return f"outbox entry {item!r}"
