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
MAX_DELAY = 60.0
"""The longest injected delay (seconds): longer is a hung server, which ``refuse`` models better."""
MAX_COUNT = 1_000_000
_KINDS = ("fault", "http503", "lock", "mixed")


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
        """Wait this long (0–60 s) before answering every call."""
        if not isinstance(seconds, (int, float)) or not 0 <= seconds <= MAX_DELAY:
            raise ValueError(f"a delay is between 0 and {MAX_DELAY:g} seconds, not {seconds!r}")
        with self._lock:
            self._delay = float(seconds)

    def fail_share(self, share: float, kind: TransientKind = "fault") -> None:
        """Fail this share (0.0–1.0) of object calls, before they run, with a transient error:
        ``fault`` is Fault 1 with a serialization failure, ``http503`` a 503, ``lock`` Odoo 19's
        LockError (JSON-2: 409), ``mixed`` fault or http503."""
        _check_share(share)
        _check_kind(kind)
        with self._lock:
            self._fail_share, self._fail_kind = float(share), kind

    def fail_next(self, count: int, kind: TransientKind = "fault") -> None:
        """Fail the next ``count`` object calls, before they run."""
        _check_count(count)
        _check_kind(kind)
        with self._lock:
            self._fail_next, self._fail_kind = count, kind

    def drop_share(self, share: float) -> None:
        """For this share of data-changing object calls: commit, then close without answering."""
        _check_share(share)
        with self._lock:
            self._drop_share = float(share)

    def drop_next(self, count: int) -> None:
        """Commit the next ``count`` data-changing object calls, then close without answering."""
        _check_count(count)
        with self._lock:
            self._drop_next = count

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
    if not isinstance(share, (int, float)) or not 0.0 <= share <= 1.0:  # NaN fails the comparison too
        raise ValueError("a share is between 0.0 and 1.0")


def _check_count(count: int) -> None:
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_COUNT:
        raise ValueError(f"a count is a whole number between 0 and {MAX_COUNT}, not {count!r}")


def _check_kind(kind: str) -> None:
    if kind not in _KINDS:
        raise ValueError(f"a failure kind is one of {', '.join(_KINDS)}, not {kind!r}")
