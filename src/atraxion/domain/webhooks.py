"""Webhooks: a consumer's subscription (:class:`Webhook`) and the messages sent to it
(:class:`WebhookDelivery`), with their retry schedule.

A delivery is recorded in the same transaction as what it announces (records becoming pending for
the consumer, an order's sync failing): the transactional outbox again. A queue message only nudges
a worker with its id; the row's state decides, so handling a message twice sends nothing twice:

* ``pending`` (due, unclaimed) → claimed by a worker (:meth:`WebhookDelivery.claim`; still
  ``pending`` to the outside, ``claimed_at`` set) → ``delivered`` on a 2xx answer
  (:meth:`~WebhookDelivery.succeed`), or back to ``pending`` with the next delay of the
  :class:`RetrySchedule` on a network error or any other answer, or ``failed`` once the schedule
  is spent (:meth:`~WebhookDelivery.fail`);
* a claim older than ``stale_after`` is presumed dead and taken over;
* any status → ``pending``, due now, with a fresh schedule (:meth:`~WebhookDelivery.redeliver`).

Every attempt of one delivery carries the same message id (``webhook-id``) and body; only the
timestamp and signature are per attempt (``webhook_signing.py``).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs
from attrs import field, frozen

from atraxion.domain.errors import Conflict

MAX_ERROR_LENGTH = 500


class WebhookEvent(enum.Enum):
    """What a webhook subscribes to (``events`` of the API) and the ``type`` each one sends."""

    CHANGES = "changes"
    FAILURES = "failures"

    @property
    def message_type(self) -> str:
        return _TYPES[self]


_TYPES = {WebhookEvent.CHANGES: "changes.pending", WebhookEvent.FAILURES: "sync.failed"}
MESSAGE_TYPES = tuple(_TYPES.values())


class DeliveryStatus(enum.Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class InvalidTransition(Conflict):
    """The delivery is not in a state that allows this."""


STANDARD_DELAYS = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
"""5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: the Standard Webhooks kind of schedule."""


@frozen
class RetrySchedule:
    """The waits between attempts, in seconds: after failed attempt ``n`` (1-based), wait
    ``delays[n - 1]``, stretched by up to ``jitter`` of itself; after attempt ``len(delays) + 1``,
    give up. The default is the Standard Webhooks kind: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h
    (eight attempts over about a day and a half)."""

    delays: tuple[float, ...] = STANDARD_DELAYS
    jitter: float = 0.2

    def __attrs_post_init__(self) -> None:
        if any(not 0 <= d < float("inf") for d in self.delays):
            raise ValueError("retry delays are 0 or more seconds")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter is a share between 0 and 1")

    @property
    def attempts(self) -> int:
        """Attempts in all: the first, and one after each delay."""
        return len(self.delays) + 1

    def delay(self, failed_attempt: int, fraction: float) -> timedelta | None:
        """The wait after failed attempt ``failed_attempt`` given a random ``fraction`` in [0, 1),
        or None when it was the last."""
        if not 0.0 <= fraction < 1.0:
            raise ValueError("fraction must be in [0, 1)")
        if failed_attempt < 1 or failed_attempt > len(self.delays):
            return None
        base = self.delays[failed_attempt - 1]
        return timedelta(seconds=base * (1 + self.jitter * fraction))


def _names(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(value)))


def _events(value: Iterable[WebhookEvent]) -> frozenset[WebhookEvent]:
    return frozenset(value)


@frozen
class Webhook:
    """A consumer's subscription: POST ``events`` about ``entities`` (empty: every entity) to ``url``,
    signed with ``secret`` (``whsec_…``; never shown after creation, sealed at rest)."""

    id: int | None
    url: str
    consumer: str
    secret: str = field(repr=False)
    entities: tuple[str, ...] = field(default=(), converter=_names)
    events: frozenset[WebhookEvent] = field(default=frozenset(WebhookEvent), converter=_events)
    is_active: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None
    disabled_reason: str | None = None
    secret_error: str | None = None
    """Why ``secret`` could not be read back from storage (it is empty then): its deliveries fail
    with this reason, and saving the webhook leaves the stored secret as it is."""

    def wants(self, event: WebhookEvent, entity: str | None = None) -> bool:
        """Whether this webhook is sent ``event`` (about ``entity``, for changes)."""
        if not self.is_active or event not in self.events:
            return False
        return entity is None or not self.entities or entity in self.entities

    def disable(self, now: datetime, reason: str) -> Webhook:
        """Stop sending (the receiver answered 410 Gone, say)."""
        return attrs.evolve(self, is_active=False, updated_at=now, disabled_reason=_text(reason))


def _text(error: str) -> str:
    error = error.strip() or "unknown error"
    return error if len(error) <= MAX_ERROR_LENGTH else error[: MAX_ERROR_LENGTH - 1] + "…"


def message_body(message_type: str, at: datetime, data: Mapping[str, Any]) -> str:
    """The JSON body of a delivery: ``{"type", "timestamp", "data"}``, compact, fixed at creation
    (every attempt sends the same bytes)."""
    timestamp = at.isoformat().replace("+00:00", "Z")
    return json.dumps({"type": message_type, "timestamp": timestamp, "data": data}, separators=(",", ":"))


def changes_data(consumer: str, entity: str, items: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """``data`` of a ``changes.pending`` delivery: the keys and versions now pending."""
    return {
        "consumer": consumer,
        "entity": entity,
        "items": [{"key": key, "version": version} for key, version in items],
    }


@frozen
class WebhookDelivery:
    """One message to one webhook, and how its attempts went.

    ``attempts`` counts claims; ``retry_base`` is its value at the last redelivery, so each
    redelivery grants the whole schedule again. ``published_at`` is when a queue message for it
    was last sent (None: none in flight; the sweeper sends one once it is due). ``revision`` grows
    with every change: stores save a delivery only over the revision it was read at.
    """

    id: int | None
    webhook_id: int
    event: str
    message_id: str
    body: str
    status: DeliveryStatus
    created_at: datetime
    next_attempt_at: datetime
    attempts: int = 0
    retry_base: int = 0
    response_status: int | None = None
    latency_ms: float | None = None
    last_error: str | None = None
    last_attempt_at: datetime | None = None
    claimed_at: datetime | None = None
    published_at: datetime | None = None
    revision: int = 0

    @classmethod
    def new(
        cls, webhook_id: int, event: str, message_id: str, body: str, now: datetime, *, published: bool
    ) -> WebhookDelivery:
        """A pending delivery, due now; ``published`` when a message for it is about to be sent."""
        return cls(
            None,
            webhook_id,
            event,
            message_id,
            body,
            DeliveryStatus.PENDING,
            created_at=now,
            next_attempt_at=now,
            published_at=now if published else None,
        )

    # -- queries ----------------------------------------------------------------------------------

    def is_stale(self, now: datetime, stale_after: timedelta) -> bool:
        return (
            self.status is DeliveryStatus.PENDING
            and self.claimed_at is not None
            and self.claimed_at <= now - stale_after
        )

    def is_claimable(self, now: datetime, stale_after: timedelta) -> bool:
        """Pending, unclaimed and due, or claimed by a worker presumed dead."""
        due = self.status is DeliveryStatus.PENDING and self.claimed_at is None and self.next_attempt_at <= now
        return due or self.is_stale(now, stale_after)

    def attempts_made(self) -> int:
        """Attempts since the last redelivery."""
        return self.attempts - self.retry_base

    def holds(self, attempt: int) -> bool:
        return self.status is DeliveryStatus.PENDING and self.claimed_at is not None and self.attempts == attempt

    # -- transitions ------------------------------------------------------------------------------

    def claim(self, now: datetime, stale_after: timedelta, schedule: RetrySchedule) -> WebhookDelivery:
        """Start attempt ``attempts + 1``. Taking over a stale claim when that was the last attempt
        the schedule allows fails the delivery instead (callers check the returned status)."""
        if not self.is_claimable(now, stale_after):
            raise InvalidTransition(f"delivery {self.id} is {self.status.value} and cannot be claimed now")
        if self.claimed_at is not None and self.attempts_made() >= schedule.attempts:
            error = f"the worker gave no outcome within {stale_after.total_seconds():g} s"
            return self._evolve(status=DeliveryStatus.FAILED, claimed_at=None, last_error=error)
        return self._evolve(attempts=self.attempts + 1, claimed_at=now, published_at=None, last_attempt_at=now)

    def succeed(self, attempt: int, status: int, latency_ms: float) -> WebhookDelivery:
        self._check_holder(attempt)
        return self._evolve(
            status=DeliveryStatus.DELIVERED,
            claimed_at=None,
            response_status=status,
            latency_ms=latency_ms,
            last_error=None,
        )

    def fail(
        self,
        now: datetime,
        attempt: int,
        *,
        status: int | None,
        latency_ms: float | None,
        error: str,
        schedule: RetrySchedule,
        fraction: float,
        at_least: timedelta = timedelta(0),
        permanent: bool = False,
    ) -> WebhookDelivery:
        """A failed attempt (``status`` None: no answer). Back off by the schedule (``at_least`` is a
        floor: the receiver's ``Retry-After``), or fail when the schedule is spent or ``permanent``."""
        self._check_holder(attempt)
        common = {"claimed_at": None, "response_status": status, "latency_ms": latency_ms, "last_error": _text(error)}
        delay = None if permanent else schedule.delay(self.attempts_made(), fraction)
        if delay is None:
            return self._evolve(status=DeliveryStatus.FAILED, **common)
        return self._evolve(next_attempt_at=now + max(delay, at_least), published_at=None, **common)

    def cancel(self, reason: str) -> WebhookDelivery:
        """Fail without an attempt (its webhook was deactivated): redeliver it to send it after all.
        Callers hold it claimable (waiting, or claimed by a worker presumed dead)."""
        if self.status is not DeliveryStatus.PENDING:
            raise InvalidTransition(f"delivery {self.id} is {self.status.value}; it cannot be cancelled")
        return self._evolve(status=DeliveryStatus.FAILED, claimed_at=None, published_at=None, last_error=_text(reason))

    def redeliver(self, now: datetime) -> WebhookDelivery:
        """Send again now, with the whole schedule: after a failure, or to resend a delivered one.
        A delivery being attempted right now cannot be redelivered (its outcome is due)."""
        if self.claimed_at is not None and self.status is DeliveryStatus.PENDING:
            raise InvalidTransition(f"delivery {self.id} is being attempted now; redeliver it once that is over")
        return self._evolve(
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            retry_base=self.attempts,
            published_at=now,
        )

    def _check_holder(self, attempt: int) -> None:
        if not self.holds(attempt):
            raise InvalidTransition(f"attempt {attempt} of delivery {self.id} no longer holds it")

    def _evolve(self, **changes: Any) -> WebhookDelivery:
        return attrs.evolve(self, revision=self.revision + 1, **changes)


def chunked(items: Sequence[tuple[str, int]], size: int) -> list[Sequence[tuple[str, int]]]:
    """``items`` in runs of at most ``size``: one delivery each, so no body grows without bound."""
    if size < 1:
        raise ValueError("size must be at least 1")
    return [items[start : start + size] for start in range(0, len(items), size)]


@frozen
class DeliveryPolicy:
    """How deliveries are sent and retried.

    ``schedule``: the waits between attempts. ``stale_after``: a claim older than this is presumed
    dead (well above the send timeout). ``redeliver_after``: a due delivery whose message was sent
    this long ago and still not claimed gets another one. ``sweep_batch`` bounds one sweep;
    ``max_items`` the keys one ``changes.pending`` delivery carries (a larger batch is split).
    """

    schedule: RetrySchedule = field(factory=RetrySchedule)
    stale_after: timedelta = timedelta(minutes=2)
    redeliver_after: timedelta = timedelta(seconds=10)
    sweep_batch: int = 500
    max_items: int = 1000

    def __attrs_post_init__(self) -> None:
        if self.max_items < 1:
            raise ValueError("max_items must be at least 1")
