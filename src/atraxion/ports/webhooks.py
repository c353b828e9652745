"""Storage of webhooks and their deliveries, and the sender that posts a delivery to its receiver."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from attrs import frozen

from atraxion.domain.webhooks import DeliveryStatus, Webhook, WebhookDelivery


class ActiveWebhooks(Protocol):
    """What recording a delivery needs of the webhooks (an ingest batch, a failed order)."""

    def active(self) -> list[Webhook]:
        """The active webhooks, by id (one read per ingest batch: keep it cheap)."""


class WebhookRepository(ActiveWebhooks, Protocol):
    def add(self, webhook: Webhook) -> Webhook:
        """Store a new webhook and return it with its id."""

    def get(self, webhook_id: int) -> Webhook | None:
        """The webhook, or None."""

    def save(self, webhook: Webhook) -> None:
        """Write every field of a stored webhook (by id)."""

    def remove(self, webhook_id: int) -> bool:
        """Delete the webhook and its deliveries; False when there was none."""

    def all(self) -> list[Webhook]:
        """Every webhook, by id."""


class DeliveryRecorder(Protocol):
    """What recording deliveries needs (inside the unit of work of what they announce)."""

    def add(self, deliveries: Sequence[WebhookDelivery]) -> list[int]:
        """Store new deliveries; their ids, in order."""


class DeliveryRepository(DeliveryRecorder, Protocol):
    """Deliveries. Claiming is atomic as in the outbox: read with ``lock=True``, decide in the
    domain, :meth:`save` over the revision read (or ConcurrentUpdate)."""

    def get(self, delivery_id: int, *, lock: bool = False) -> WebhookDelivery | None:
        """The delivery, or None; ``lock`` holds its row until commit (a claim)."""

    def save(self, delivery: WebhookDelivery) -> None:
        """Write ``delivery`` (revision ``r``) over the stored revision ``r - 1``, else raise
        :class:`~atraxion.ports.unit_of_work.ConcurrentUpdate`."""

    def newest(self, webhook_id: int, before_id: int | None, limit: int) -> list[WebhookDelivery]:
        """A webhook's deliveries, newest first, with ids below ``before_id``."""

    def select(
        self, webhook_id: int, *, ids: Sequence[int] | None, status: DeliveryStatus | None, limit: int
    ) -> list[WebhookDelivery]:
        """A webhook's deliveries among ``ids`` (None: any) of ``status`` (None: any), oldest first,
        locked for update."""

    def due(self, now: datetime, redeliver_before: datetime, stale_before: datetime, limit: int) -> list[int]:
        """Ids the sweeper must publish, oldest first: pending and due with no message sent since
        ``redeliver_before``, and claims older than ``stale_before`` under the same message rule."""

    def mark_published(self, delivery_ids: Sequence[int], at: datetime) -> None:
        """Record that a message for each delivery was just sent (one statement for all)."""

    def prune(self, older_than: datetime, limit: int) -> int:
        """Delete up to ``limit`` delivered or failed deliveries created before ``older_than``
        (pending ones are kept whatever their age); how many went."""


@frozen
class SendResult:
    """What one POST gave: the answer's status (None: no answer, ``error`` says why), how long
    it took, and the receiver's ``Retry-After`` in seconds when it sent one."""

    status: int | None
    latency_ms: float
    error: str | None = None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        """The receiver answered 2xx."""
        return self.status is not None and 200 <= self.status < 300


class WebhookSender(Protocol):
    def send(self, url: str, headers: Mapping[str, str], body: bytes) -> SendResult:
        """POST ``body`` to ``url``; never raises for what the network or the receiver did."""
