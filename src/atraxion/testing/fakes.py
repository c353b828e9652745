"""In-memory fakes: a controllable clock and a wired application without a database."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings


class FakeClock:
    """Starts at a fixed instant; ``advance`` moves it. ``sequence`` still strictly increases."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)

    def sleep(self, seconds: float) -> None:
        """Moves the clock on by ``seconds`` at once: code that waits for time to pass sees it pass."""
        self.advance(seconds=seconds)

    def sequence(self) -> int:
        with self._lock:
            return next(self._seq)


def memory_atraxion(clock: FakeClock | None = None, settings: Settings | None = None) -> Atraxion:
    """An application on the memory adapters (state lives and dies with the object)."""
    settings = settings or Settings(database_url="memory://")
    return bootstrap(settings, clock=clock or FakeClock())
