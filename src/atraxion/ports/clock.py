"""Time, behind a port so tests can control it."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""

    def sequence(self) -> int:
        """A number that grows with time (microseconds): orders changes oldest first."""

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time (a fake clock moves on instead of waiting)."""
