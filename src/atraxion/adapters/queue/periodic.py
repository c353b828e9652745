"""A thread that calls a function every few seconds: the outbox sweeper runs on it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class PeriodicTask:
    """Calls ``task`` every ``interval`` seconds (the first call right away) until :meth:`stop`.

    An exception is logged and the next call happens on schedule: a database hiccup must not end
    the sweeping for good.
    """

    def __init__(self, task: Callable[[], object], interval: float, *, name: str = "atraxion-periodic") -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self._task = task
        self.interval = interval
        self._name = name
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError(f"{self._name} is already running")
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop calling; waits for a call in progress (up to ``timeout`` seconds)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        thread.join(timeout)
        if thread.is_alive():
            log.warning("%s did not stop within %.0f s", self._name, timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._task()
            except Exception:  # noqa: BLE001 - keep going; the next run may succeed
                log.exception("%s failed; retrying in %.3g s", self._name, self.interval)
            self._stopping.wait(self.interval)
