"""The embedded queue: worker threads in this process, fed through a ``queue.Queue`` of entry ids.

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

from atraxion.ports.task_queue import EntryHandler

log = logging.getLogger(__name__)

_STOP = object()


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

    def publish(self, entry_ids: Sequence[int]) -> None:
        for entry_id in entry_ids:
            self._queue.put(entry_id)

    def start(self, handler: EntryHandler) -> None:
        with self._lock:
            if self._workers:
                raise RuntimeError("the embedded queue is already started")
            self._workers = [
                threading.Thread(target=self._work, args=(handler,), name=f"{self._name}-{n}", daemon=True)
                for n in range(1, self.threads + 1)
            ]
            for worker in self._workers:
                worker.start()

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
                assert isinstance(item, int)
                handler(item)
            except Exception:  # noqa: BLE001 - one bad message must not kill the worker
                log.exception("handling outbox entry %r failed", item)
            finally:
                self._queue.task_done()
