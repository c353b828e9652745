"""Fault injection: what the simulator does wrong on purpose, settable while it runs.

Random choices come from one seeded generator, so a run with a seed and a single client is
reproducible. Refusing connections is the listener's business (see ``server.py``).
"""

from __future__ import annotations

import random
import threading
from typing import Literal

TransientKind = Literal["fault", "http503", "lock", "mixed"]
Failure = Literal["fault", "http503", "lock"]

# The last line of the traceback Odoo sends once its five retries of a conflict are spent.
SERIALIZATION_MESSAGE = "could not serialize access due to concurrent update"


class FaultPlan:
    """The current faults; every method is thread-safe."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self.reset()

    def reset(self) -> None:
        """No delay, no failures, no drops."""
        with self._lock:
            self._delay = 0.0
            self._fail_share = 0.0
            self._fail_next = 0
            self._fail_kind: TransientKind = "fault"
            self._drop_share = 0.0
            self._drop_next = 0

    def reseed(self, seed: int | None) -> None:
        with self._lock:
            self._random.seed(seed)

    @property
    def delay(self) -> float:
        with self._lock:
            return self._delay

    def set_delay(self, seconds: float) -> None:
        """Wait this long before answering every call."""
        if seconds < 0:
            raise ValueError("delay must not be negative")
        with self._lock:
            self._delay = float(seconds)

    def fail_share(self, share: float, kind: TransientKind = "fault") -> None:
        """Fail this share (0.0–1.0) of object calls, before they run, with a transient error:
        ``fault`` is Fault 1 with a serialization failure, ``http503`` a 503, ``lock`` Odoo 19's
        LockError (JSON-2: 409), ``mixed`` fault or http503."""
        _check_share(share)
        with self._lock:
            self._fail_share, self._fail_kind = float(share), kind

    def fail_next(self, count: int, kind: TransientKind = "fault") -> None:
        """Fail the next ``count`` object calls, before they run."""
        with self._lock:
            self._fail_next, self._fail_kind = max(0, count), kind

    def drop_share(self, share: float) -> None:
        """For this share of data-changing object calls: commit, then close without answering."""
        _check_share(share)
        with self._lock:
            self._drop_share = float(share)

    def drop_next(self, count: int) -> None:
        """Commit the next ``count`` data-changing object calls, then close without answering."""
        with self._lock:
            self._drop_next = max(0, count)

    def next_failure(self) -> Failure | None:
        """Whether the object call being handled fails, and how."""
        with self._lock:
            if self._fail_next > 0:
                self._fail_next -= 1
            elif not (self._fail_share and self._random.random() < self._fail_share):
                return None
            if self._fail_kind == "mixed":
                return "fault" if self._random.random() < 0.5 else "http503"
            return self._fail_kind

    def next_drop(self) -> bool:
        """Whether the answer to the data-changing call just committed is lost."""
        with self._lock:
            if self._drop_next > 0:
                self._drop_next -= 1
                return True
            return bool(self._drop_share) and self._random.random() < self._drop_share


def _check_share(share: float) -> None:
    if not 0.0 <= share <= 1.0:
        raise ValueError("a share is between 0.0 and 1.0")
