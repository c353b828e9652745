"""The system clock."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class SystemClock:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def sequence(self) -> int:
        # Strictly increasing within the process even if the wall clock stalls or steps back.
        with self._lock:
            self._last = max(self._last + 1, time.time_ns() // 1000)
            return self._last
