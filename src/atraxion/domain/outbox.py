"""The transactional outbox: jobs that push webshop data to Odoo, their retry policy and failures.

An :class:`OutboxEntry` is written in the same transaction as the business record it sends, so a
committed order always has its job. A queue message only *nudges* a worker with the entry's id; the
entry's state decides what happens, which makes every delivery idempotent:

* ``pending`` → ``processing`` (:meth:`OutboxEntry.claim`) when due, or ``processing`` → ``processing``
  when the claim is older than the stale timeout (the worker is presumed dead);
* ``processing`` → ``completed`` (:meth:`~OutboxEntry.complete`), → ``pending`` with a backoff or
  ``failed`` when attempts are exhausted (:meth:`~OutboxEntry.fail_transient`), → ``failed``
  (:meth:`~OutboxEntry.fail_permanent`);
* ``failed``/``pending`` → ``pending``, due now (:meth:`~OutboxEntry.retry`, by an operator).

Each attempt is numbered (``attempts`` grows with every claim); an outcome is only accepted from the
claim holding the current number, so a worker that was presumed dead cannot overwrite the outcome of
the worker that took over (a fencing token).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import attrs
from attrs import field, frozen

from atraxion.domain.errors import Conflict
from atraxion.domain.types import JsonObject

MAX_ERROR_LENGTH = 2000


class OutboxStatus(enum.Enum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


class AttemptOutcome(enum.Enum):
    CREATED = "created"
    """Odoo created the record."""
    FOUND = "found"
    """The record was already in Odoo (an earlier attempt's answer was lost): nothing created."""
    TRANSIENT_ERROR = "transient_error"
    PERMANENT_ERROR = "permanent_error"
    ABANDONED = "abandoned"
    """The worker holding the claim gave no outcome within the stale timeout."""
    CONFIGURATION_ERROR = "configuration_error"
    """Odoo refused the credentials: the attempt is given back and the entry waits (:meth:`OutboxEntry.wait`)."""


SUCCESSES = frozenset({AttemptOutcome.CREATED, AttemptOutcome.FOUND})


class InvalidTransition(Conflict):
    """The entry is not in a state that allows this (retrying a completed entry, say)."""


@frozen
class Attempt:
    number: int
    at: datetime
    outcome: AttemptOutcome
    error: str | None = None


@frozen
class RetryPolicy:
    """Capped exponential backoff with "equal jitter": after failed attempt ``n`` the wait is
    between half and all of ``min(cap, base * 2 ** (n - 1))`` seconds. The random half spreads the
    retries of many entries that failed together (Odoo was down) instead of sending them back in
    one burst; the fixed half guarantees the horizon (:meth:`horizon`).

    The defaults retry for 2.5 to 5 hours before an entry is ``failed``: an Odoo restart or upgrade
    of tens of minutes fails no order."""

    max_attempts: int = 20
    base_seconds: float = 2.0
    cap_seconds: float = 1800.0

    def __attrs_post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0 < self.base_seconds <= self.cap_seconds:
            raise ValueError("backoff needs 0 < base_seconds <= cap_seconds")

    def ceiling(self, attempt: int) -> float:
        """The longest wait after failed attempt number ``attempt`` (1-based), in seconds."""
        # Capping the exponent first keeps 2 ** n from growing without bound.
        exponent = min(max(attempt, 1) - 1, 64)
        return min(self.cap_seconds, self.base_seconds * 2.0**exponent)

    def delay(self, attempt: int, fraction: float) -> timedelta:
        """The wait after failed attempt ``attempt``, given a random ``fraction`` in [0, 1)."""
        if not 0.0 <= fraction < 1.0:
            raise ValueError("fraction must be in [0, 1)")
        return timedelta(seconds=self.ceiling(attempt) * (1.0 + fraction) / 2)

    def horizon(self) -> tuple[timedelta, timedelta]:
        """The least and the most time from a first failed attempt to the last attempt (every
        attempt failing at once): an Odoo outage shorter than the least fails no entry."""
        most = sum(self.ceiling(n) for n in range(1, self.max_attempts))
        return timedelta(seconds=most / 2), timedelta(seconds=most)


@frozen
class OutboxPolicy:
    """How the outbox retries and recovers.

    ``stale_after``: a claim older than this is presumed dead and taken over. It must be well above
    the longest a worker needs for one entry (the Odoo timeout times the calls it makes), or a slow
    worker and its successor could both talk to Odoo. ``redeliver_after``: a pending entry whose
    message was sent this long ago and still not claimed gets another one (the first was lost).
    ``sweep_batch`` bounds the entries one sweep re-publishes. ``settle_after``: the least wait after
    a *create* failed transiently — its outcome is unknown (Odoo may still be committing it), so the
    retry's lookup by reference must come after Odoo had time to finish; set it to the Odoo timeout.
    """

    retry: RetryPolicy = field(factory=RetryPolicy)
    stale_after: timedelta = timedelta(minutes=5)
    redeliver_after: timedelta = timedelta(seconds=30)
    sweep_batch: int = 500
    settle_after: timedelta = timedelta(seconds=0)
    configuration_wait: timedelta = timedelta(seconds=60)
    """How long an entry waits when Odoo refused the credentials, before it tries again."""


def _attempts(value: Iterable[Attempt]) -> tuple[Attempt, ...]:
    return tuple(value)


def _text(error: str) -> str:
    error = error.strip() or "unknown error"
    return error if len(error) <= MAX_ERROR_LENGTH else error[: MAX_ERROR_LENGTH - 1] + "…"


@frozen
class OutboxEntry:
    """One job: send ``payload`` (about ``entity_type`` ``entity_key``) to Odoo.

    ``attempts`` counts claims (every claim is an attempt, finished or not); ``retry_base`` is the
    value it had when an operator last retried the entry, so each manual retry grants a fresh
    budget of ``max_attempts``. ``published_at`` is when a message for it was last sent (None while
    none is in flight), which lets the sweeper tell a lost message from one still queued.
    ``revision`` grows with every change: stores save an entry only over the revision it was read at.
    """

    id: int | None
    entity_type: str
    entity_key: str
    payload: JsonObject
    status: OutboxStatus
    created_at: datetime
    updated_at: datetime
    next_attempt_at: datetime
    attempts: int = 0
    retry_base: int = 0
    claimed_at: datetime | None = None
    published_at: datetime | None = None
    last_error: str | None = None
    odoo_id: int | None = None
    history: tuple[Attempt, ...] = field(default=(), converter=_attempts)
    revision: int = 0

    @classmethod
    def new(cls, entity_type: str, entity_key: str, payload: JsonObject, now: datetime) -> OutboxEntry:
        """A pending entry, due now, whose message is about to be published."""
        return cls(
            None,
            entity_type,
            entity_key,
            payload,
            OutboxStatus.PENDING,
            created_at=now,
            updated_at=now,
            next_attempt_at=now,
            published_at=now,
        )

    # -- queries ----------------------------------------------------------------------------------

    def is_stale(self, now: datetime, stale_after: timedelta) -> bool:
        return (
            self.status is OutboxStatus.PROCESSING
            and self.claimed_at is not None
            and self.claimed_at <= now - stale_after
        )

    def is_claimable(self, now: datetime, stale_after: timedelta) -> bool:
        """Pending and due, or processing by a worker presumed dead."""
        due = self.status is OutboxStatus.PENDING and self.next_attempt_at <= now
        return due or self.is_stale(now, stale_after)

    def attempts_left(self, policy: RetryPolicy) -> int:
        return max(0, policy.max_attempts - (self.attempts - self.retry_base))

    @property
    def was_retried_by_hand(self) -> bool:
        return self.retry_base > 0

    # -- transitions ------------------------------------------------------------------------------

    def claim(self, now: datetime, stale_after: timedelta, policy: RetryPolicy) -> OutboxEntry:
        """Start attempt ``attempts + 1``. A stale claim is recorded as abandoned first; if it was
        the last attempt the policy allows, the entry fails instead (a job that kills its worker
        every time must not loop forever) — callers check the returned status."""
        if not self.is_claimable(now, stale_after):
            raise InvalidTransition(f"entry {self.id} is {self.status.value} and cannot be claimed now")
        history = self.history
        if self.status is OutboxStatus.PROCESSING:
            error = f"worker gave no outcome within {stale_after.total_seconds():g} s; presumed dead"
            history += (Attempt(self.attempts, now, AttemptOutcome.ABANDONED, error),)
            if self.attempts_left(policy) == 0:
                return self._evolve(now, status=OutboxStatus.FAILED, claimed_at=None, last_error=error, history=history)
        return self._evolve(
            now,
            status=OutboxStatus.PROCESSING,
            attempts=self.attempts + 1,
            claimed_at=now,
            published_at=None,
            history=history,
        )

    def complete(self, now: datetime, attempt: int, odoo_id: int, outcome: AttemptOutcome) -> OutboxEntry:
        """Record success of ``attempt`` with the id Odoo has the record under."""
        if outcome not in SUCCESSES:
            raise ValueError(f"{outcome.value} is not a success")
        self._check_holder(attempt)
        return self._evolve(
            now,
            status=OutboxStatus.COMPLETED,
            odoo_id=odoo_id,
            claimed_at=None,
            last_error=None,
            history=(*self.history, Attempt(attempt, now, outcome)),
        )

    def fail_transient(
        self,
        now: datetime,
        attempt: int,
        error: str,
        policy: RetryPolicy,
        fraction: float,
        at_least: timedelta = timedelta(0),
    ) -> OutboxEntry:
        """A retryable failure: back off (``fraction`` in [0, 1) draws the jitter, ``at_least``
        is a floor), or give up when this was the last attempt the policy allows."""
        self._check_holder(attempt)
        error = _text(error)
        history = (*self.history, Attempt(attempt, now, AttemptOutcome.TRANSIENT_ERROR, error))
        if self.attempts_left(policy) == 0:
            return self._evolve(now, status=OutboxStatus.FAILED, claimed_at=None, last_error=error, history=history)
        return self._evolve(
            now,
            status=OutboxStatus.PENDING,
            next_attempt_at=now + max(at_least, policy.delay(self.attempts - self.retry_base, fraction)),
            claimed_at=None,
            published_at=None,
            last_error=error,
            history=history,
        )

    def fail_permanent(self, now: datetime, attempt: int, error: str) -> OutboxEntry:
        """A failure retrying cannot fix (Odoo refused the values): failed at once."""
        self._check_holder(attempt)
        error = _text(error)
        return self._evolve(
            now,
            status=OutboxStatus.FAILED,
            claimed_at=None,
            last_error=error,
            history=(*self.history, Attempt(attempt, now, AttemptOutcome.PERMANENT_ERROR, error)),
        )

    def wait(self, now: datetime, attempt: int, error: str, until: datetime) -> OutboxEntry:
        """Give attempt ``attempt`` back and wait until ``until``: it failed for a reason outside
        this entry (Odoo refused the credentials), so it neither counts against the attempt budget
        nor ends in ``failed``. Consecutive waits keep one history item, the latest."""
        self._check_holder(attempt)
        error = _text(error)
        history = self.history
        if history and history[-1].outcome is AttemptOutcome.CONFIGURATION_ERROR and history[-1].number == attempt:
            history = history[:-1]
        return self._evolve(
            now,
            status=OutboxStatus.PENDING,
            attempts=self.attempts - 1,
            next_attempt_at=until,
            claimed_at=None,
            published_at=None,
            last_error=error,
            history=(*history, Attempt(attempt, now, AttemptOutcome.CONFIGURATION_ERROR, error)),
        )

    def retry(self, now: datetime) -> OutboxEntry:
        """An operator's retry: due now with a fresh attempt budget; the history is kept."""
        if self.status not in (OutboxStatus.FAILED, OutboxStatus.PENDING):
            raise InvalidTransition(
                f"entry {self.id} is {self.status.value}; only failed or pending entries can be retried"
            )
        return self._evolve(
            now,
            status=OutboxStatus.PENDING,
            next_attempt_at=now,
            retry_base=self.attempts,
            published_at=now,
        )

    def holds(self, attempt: int) -> bool:
        """Whether ``attempt`` is the claim in force (no one took the entry over since)."""
        return self.status is OutboxStatus.PROCESSING and self.attempts == attempt

    def _check_holder(self, attempt: int) -> None:
        if not self.holds(attempt):
            raise InvalidTransition(
                f"attempt {attempt} of entry {self.id} no longer holds it "
                f"({self.status.value}, attempt {self.attempts})"
            )

    def _evolve(self, now: datetime, **changes: Any) -> OutboxEntry:
        return attrs.evolve(self, updated_at=now, revision=self.revision + 1, **changes)


class FailureSource(enum.Enum):
    ODOO = "odoo"
    WEBSHOP = "webshop"


class FailureStatus(enum.Enum):
    OPEN = "open"
    RESOLVED = "resolved"


@frozen
class SyncFailure:
    """Something that could not be synced and needs a person: shown, retried or resolved by hand.

    ``queue_id`` links it to the outbox entry a retry restarts. One failure stays open per entry:
    failing again updates its message instead of opening another.
    """

    id: int | None
    entity_type: str
    external_id: str
    source: FailureSource
    status: FailureStatus
    error_message: str
    created_at: datetime
    queue_id: int | None = None
    resolved_at: datetime | None = None

    @classmethod
    def open_for(cls, entry: OutboxEntry, source: FailureSource, now: datetime) -> SyncFailure:
        return cls(
            None,
            entry.entity_type,
            entry.entity_key,
            source,
            FailureStatus.OPEN,
            _text(entry.last_error or "failed"),
            now,
            queue_id=entry.id,
        )

    def failed_again(self, error: str) -> SyncFailure:
        return attrs.evolve(self, error_message=_text(error))

    def resolve(self, now: datetime) -> SyncFailure:
        """Mark as handled; resolving twice keeps the first resolution time."""
        if self.status is FailureStatus.RESOLVED:
            return self
        return attrs.evolve(self, status=FailureStatus.RESOLVED, resolved_at=now)
