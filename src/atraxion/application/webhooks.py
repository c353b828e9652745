"""Webhooks instead of polling: subscriptions, deliveries recorded with what they announce, sent
by workers with retries.

* Admin: :func:`webhook_creation`, :func:`list_webhooks`, :func:`update_webhook`,
  :func:`remove_webhook`, :func:`list_deliveries`, :func:`redelivery`, :func:`bulk_redelivery`.
* Recording (inside the caller's unit of work, so a delivery exists exactly when what it announces
  committed): :class:`ChangeNotices` during an ingest batch (``changes.pending``), and
  :func:`record_sync_failure` when an order's sync fails (``sync.failed``).
* Sending: :func:`process_delivery` is what a worker runs for a message (claim, sign, POST outside
  any transaction, record the outcome); :func:`sweep_deliveries` publishes what is due (retries,
  lost messages, deliveries no one announced); their retention is ``application/retention.py``'s.
"""

from __future__ import annotations

import enum
import logging
import random
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from attrs import frozen

from atraxion.application import sweeping
from atraxion.application.command import Command
from atraxion.application.context import Context
from atraxion.domain import webhook_signing
from atraxion.domain.errors import NotFound
from atraxion.domain.feed import PendingEntry
from atraxion.domain.outbox import OutboxEntry
from atraxion.domain.webhooks import (
    DeliveryPolicy,
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    changes_data,
    chunked,
    message_body,
)
from atraxion.domain.webshop_orders import SALE_ORDER
from atraxion.ports.unit_of_work import ConcurrentUpdate, IngestUnitOfWork, OutboxUnitOfWork, WebhookUnitOfWork
from atraxion.ports.webhooks import SendResult, WebhookSender

log = logging.getLogger(__name__)

DEFAULT_POLICY = DeliveryPolicy()
SECRET_BYTES = 32
MAX_BULK = 1000
"""Deliveries one bulk redelivery takes; repeat it for more (it answers how many it took)."""
MAX_RETRY_AFTER = timedelta(hours=24)
USER_AGENT = "atraxion-webhooks"


def generate_secret() -> str:
    """A new ``whsec_`` secret: the base64 of 32 random bytes."""
    return webhook_signing.encode_secret(secrets.token_bytes(SECRET_BYTES))


def new_message_id() -> str:
    """A ``webhook-id``: unique per delivery, the same on each of its attempts."""
    return f"msg_{secrets.token_hex(16)}"


# -- admin -------------------------------------------------------------------------------------------


@frozen
class WebhookChanges:
    """A PATCH: the fields given (None: unchanged)."""

    url: str | None = None
    entities: Sequence[str] | None = None
    events: frozenset[WebhookEvent] | None = None
    is_active: bool | None = None


def webhook_creation(
    ctx: Context[WebhookUnitOfWork],
    url: str,
    consumer: str,
    entities: Sequence[str],
    events: frozenset[WebhookEvent],
    secret: str | None,
) -> Command[WebhookUnitOfWork, Webhook]:
    """Subscribe ``consumer``; the secret is generated when not given (checked by the caller)."""
    chosen = secret if secret is not None else generate_secret()

    def work(uow: WebhookUnitOfWork) -> Webhook:
        now = ctx.clock.now()
        return uow.webhooks.add(Webhook(None, url, consumer, chosen, entities, events, True, now, now))

    return Command(work)


def list_webhooks(ctx: Context[WebhookUnitOfWork]) -> list[Webhook]:
    return ctx.transaction(lambda uow: uow.webhooks.all())


def update_webhook(ctx: Context[WebhookUnitOfWork], webhook_id: int, changes: WebhookChanges) -> Webhook:
    """Apply ``changes``; reactivating clears the reason it was disabled. Raises NotFound."""

    def work(uow: WebhookUnitOfWork) -> Webhook:
        webhook = _webhook(uow, webhook_id)
        updated = Webhook(
            webhook.id,
            changes.url if changes.url is not None else webhook.url,
            webhook.consumer,
            webhook.secret,
            changes.entities if changes.entities is not None else webhook.entities,
            changes.events if changes.events is not None else webhook.events,
            changes.is_active if changes.is_active is not None else webhook.is_active,
            webhook.created_at,
            ctx.clock.now(),
            None if changes.is_active else webhook.disabled_reason,
            webhook.secret_error,
        )
        uow.webhooks.save(updated)
        uow.commit()
        return updated

    return ctx.transaction(work)


def remove_webhook(ctx: Context[WebhookUnitOfWork], webhook_id: int) -> None:
    """Delete the webhook and its deliveries. Raises NotFound."""

    def work(uow: WebhookUnitOfWork) -> None:
        if not uow.webhooks.remove(webhook_id):
            raise NotFound(f"no webhook with id {webhook_id}")
        uow.commit()

    ctx.transaction(work)


def list_deliveries(
    ctx: Context[WebhookUnitOfWork], webhook_id: int, before_id: int | None, limit: int
) -> list[WebhookDelivery]:
    """A webhook's deliveries, newest first, ids below ``before_id``. Raises NotFound."""

    def work(uow: WebhookUnitOfWork) -> list[WebhookDelivery]:
        _webhook(uow, webhook_id)
        return uow.deliveries.newest(webhook_id, before_id, limit)

    return ctx.transaction(work)


def redelivery(
    ctx: Context[WebhookUnitOfWork], webhook_id: int, delivery_id: int
) -> Command[WebhookUnitOfWork, WebhookDelivery]:
    """Send one delivery again now, with the whole retry schedule and the same ``webhook-id``.
    Raises NotFound (no such delivery of this webhook) or Conflict (being attempted right now)."""

    def work(uow: WebhookUnitOfWork) -> WebhookDelivery:
        _webhook(uow, webhook_id)
        found = uow.deliveries.select(webhook_id, ids=[delivery_id], status=None, limit=1)
        if not found:
            raise NotFound(f"webhook {webhook_id} has no delivery {delivery_id}")
        again = found[0].redeliver(ctx.clock.now())
        uow.deliveries.save(again)
        return again

    return Command(work, lambda delivery: _announce(ctx, [delivery.id]))


def bulk_redelivery(
    ctx: Context[WebhookUnitOfWork], webhook_id: int, ids: Sequence[int] | None, status: DeliveryStatus | None
) -> Command[WebhookUnitOfWork, list[int]]:
    """Redeliver up to :data:`MAX_BULK` of a webhook's deliveries among ``ids`` and/or of ``status``,
    oldest first; those being attempted right now are left out. The ids redelivered."""

    def work(uow: WebhookUnitOfWork) -> list[int]:
        _webhook(uow, webhook_id)
        now = ctx.clock.now()
        taken = []
        for delivery in uow.deliveries.select(webhook_id, ids=ids, status=status, limit=MAX_BULK):
            if delivery.claimed_at is not None and delivery.status is DeliveryStatus.PENDING:
                continue  # its attempt is in flight: its outcome comes first
            uow.deliveries.save(delivery.redeliver(now))
            assert delivery.id is not None
            taken.append(delivery.id)
        return taken

    return Command(work, lambda taken: _announce(ctx, taken))


def _webhook(uow: WebhookUnitOfWork, webhook_id: int) -> Webhook:
    webhook = uow.webhooks.get(webhook_id)
    if webhook is None:
        raise NotFound(f"no webhook with id {webhook_id}")
    return webhook


def _announce(ctx: Context[WebhookUnitOfWork], ids: Sequence[int | None]) -> None:
    """Nudge the workers; a failure only delays the deliveries until the sweeper's next run."""
    wanted = [i for i in ids if i is not None]
    if not wanted or ctx.announce_deliveries is None:
        return
    try:
        ctx.announce_deliveries(wanted)
    except Exception:  # noqa: BLE001 - the rows are the durable record; the message is a nudge
        log.warning("could not publish %d webhook deliveries; the sweeper will", len(wanted), exc_info=True)


# -- recording -----------------------------------------------------------------------------------


class ChangeNotices:
    """The ``changes.pending`` deliveries of one ingest batch of ``entity``, recorded in its unit of
    work: per subscribed consumer, the keys and versions that became pending for it, in runs of at
    most ``ctx.delivery_max_items`` keys (a full run is recorded at once, so memory stays bounded
    however large the batch). ``announced`` collects the new ids when a caller nudges the workers
    after commit; without it the deliveries wait for the sweeper."""

    def __init__(
        self,
        ctx: Context[IngestUnitOfWork],
        uow: IngestUnitOfWork,
        entity: str,
        hooks: Sequence[Webhook],
        announced: list[int] | None,
    ) -> None:
        self._ctx = ctx
        self._uow = uow
        self._entity = entity
        self._hooks: dict[str, list[Webhook]] = {}
        for hook in hooks:
            self._hooks.setdefault(hook.consumer, []).append(hook)
        self._announced = announced
        self._items: dict[str, list[tuple[str, int]]] = {}

    @classmethod
    def for_batch(
        cls,
        ctx: Context[IngestUnitOfWork],
        uow: IngestUnitOfWork,
        entity: str,
        active: Sequence[Webhook],
        announced: list[int] | None,
    ) -> ChangeNotices | None:
        """The notices of a batch of ``entity``, or None when no active webhook wants them."""
        hooks = [h for h in active if h.wants(WebhookEvent.CHANGES, entity)]
        return cls(ctx, uow, entity, hooks, announced) if hooks else None

    def add(self, pending: Sequence[PendingEntry], versions: dict[str, int]) -> None:
        limit = self._ctx.delivery_max_items
        for entry in pending:
            if entry.consumer not in self._hooks:
                continue
            items = self._items.setdefault(entry.consumer, [])
            items.append((entry.key, versions[entry.key]))
            if len(items) >= limit:
                self._record(entry.consumer, items)
                self._items[entry.consumer] = []

    def flush(self) -> None:
        """Record what is left (call once, at the end of the batch)."""
        for consumer, items in self._items.items():
            if items:
                self._record(consumer, items)
        self._items = {}

    def _record(self, consumer: str, items: Sequence[tuple[str, int]]) -> None:
        now = self._ctx.clock.now()
        deliveries = []
        for run in chunked(items, self._ctx.delivery_max_items):
            body = message_body(WebhookEvent.CHANGES.message_type, now, changes_data(consumer, self._entity, list(run)))
            for hook in self._hooks[consumer]:
                assert hook.id is not None
                deliveries.append(
                    WebhookDelivery.new(
                        hook.id,
                        WebhookEvent.CHANGES.message_type,
                        new_message_id(),
                        body,
                        now,
                        published=self._announced is not None,
                    )
                )
        ids = self._uow.deliveries.add(deliveries)
        if self._announced is not None:
            self._announced.extend(ids)


def record_sync_failure(uow: OutboxUnitOfWork, entry: OutboxEntry, now: datetime) -> list[int]:
    """``sync.failed`` deliveries for an outbox entry that just failed, to the webhooks of the
    consumer that submitted the order (no one else's). Left for the sweeper to publish."""
    if entry.entity_type != SALE_ORDER:
        return []
    hooks = [h for h in uow.webhooks.active() if h.wants(WebhookEvent.FAILURES)]
    order = uow.outbound_orders.get(entry.entity_key) if hooks else None
    if order is None:
        return []
    data = {
        "consumer": order.consumer,
        "entity": "sale-orders",
        "externalId": entry.entity_key,
        "queueId": entry.id,
        "attempts": entry.attempts,
        "error": entry.last_error,
    }
    event = WebhookEvent.FAILURES.message_type
    body = message_body(event, now, data)
    deliveries = [
        WebhookDelivery.new(h.id, event, new_message_id(), body, now, published=False)
        for h in hooks
        if h.consumer == order.consumer and h.id is not None
    ]
    return uow.deliveries.add(deliveries) if deliveries else []


# -- sending -------------------------------------------------------------------------------------


class DeliveryOutcome(enum.Enum):
    """What :func:`process_delivery` did with a message (the ``outcome`` label of the metrics)."""

    DELIVERED = "delivered"
    RETRY_SCHEDULED = "retry_scheduled"
    FAILED = "failed"
    SKIPPED = "skipped"
    """Nothing to do: unknown, delivered, failed, not due yet, or being sent by a live worker."""
    SUPERSEDED = "superseded"
    """This worker's claim was taken over (presumed dead); its outcome was dropped."""


Observer = Callable[[DeliveryOutcome], None]


@frozen
class _Job:
    delivery: WebhookDelivery
    webhook: Webhook | None


def process_delivery(
    ctx: Context[WebhookUnitOfWork],
    sender: WebhookSender,
    delivery_id: int,
    policy: DeliveryPolicy = DEFAULT_POLICY,
    *,
    jitter: Callable[[], float] = random.random,
    observe: Observer | None = None,
) -> DeliveryOutcome:
    """Attempt one delivery; safe to call any number of times for the same id, concurrently.
    ``observe`` hears every outcome (metrics)."""
    outcome = _process(ctx, sender, delivery_id, policy, jitter)
    if observe is not None:
        try:
            observe(outcome)
        except Exception:  # noqa: BLE001 - metrics never break a delivery
            log.warning("a webhook delivery observer failed", exc_info=True)
    return outcome


def _process(
    ctx: Context[WebhookUnitOfWork],
    sender: WebhookSender,
    delivery_id: int,
    policy: DeliveryPolicy,
    jitter: Callable[[], float],
) -> DeliveryOutcome:
    job = ctx.transaction(lambda uow: _claim(ctx, uow, delivery_id, policy))
    if job is None:
        return DeliveryOutcome.SKIPPED
    claimed, webhook = job.delivery, job.webhook
    if claimed.status is DeliveryStatus.FAILED or webhook is None:
        return DeliveryOutcome.FAILED
    body = claimed.body.encode("utf-8")
    timestamp = int(ctx.clock.now().timestamp())
    headers = {
        **webhook_signing.headers(webhook.secret, claimed.message_id, timestamp, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
    try:
        result = sender.send(webhook.url, headers, body)
    except Exception as error:  # noqa: BLE001 - a sender bug is retried like a network error
        log.exception("sending webhook delivery %s failed unexpectedly", delivery_id)
        result = SendResult(None, 0.0, f"unexpected {type(error).__name__}")
    return _finish(ctx, claimed, result, policy, jitter())


def _claim(
    ctx: Context[WebhookUnitOfWork], uow: WebhookUnitOfWork, delivery_id: int, policy: DeliveryPolicy
) -> _Job | None:
    delivery = uow.deliveries.get(delivery_id, lock=True)
    now = ctx.clock.now()
    if delivery is None or not delivery.is_claimable(now, policy.stale_after):
        return None
    webhook = uow.webhooks.get(delivery.webhook_id)
    if webhook is None or not webhook.is_active:
        reason = "the webhook is inactive" if webhook is not None else "the webhook was removed"
        cancelled = delivery.cancel(reason)
        uow.deliveries.save(cancelled)
        uow.commit()
        return _Job(cancelled, None)
    if webhook.secret_error is not None:
        log.warning("webhook %s cannot sign delivery %s: %s", webhook.id, delivery_id, webhook.secret_error)
        cancelled = delivery.cancel(f"cannot sign: {webhook.secret_error}")
        uow.deliveries.save(cancelled)
        uow.commit()
        return _Job(cancelled, None)
    claimed = delivery.claim(now, policy.stale_after, policy.schedule)
    uow.deliveries.save(claimed)
    uow.commit()
    return _Job(claimed, webhook)


def _finish(
    ctx: Context[WebhookUnitOfWork],
    claimed: WebhookDelivery,
    result: SendResult,
    policy: DeliveryPolicy,
    fraction: float,
) -> DeliveryOutcome:
    attempt = claimed.attempts
    gone = result.status == 410  # Standard Webhooks: 410 Gone disables the endpoint

    def work(uow: WebhookUnitOfWork) -> DeliveryOutcome:
        now = ctx.clock.now()
        if result.ok:
            assert result.status is not None
            done = claimed.succeed(attempt, result.status, result.latency_ms)
        else:
            floor = timedelta(seconds=result.retry_after) if result.retry_after else timedelta(0)
            done = claimed.fail(
                now,
                attempt,
                status=result.status,
                latency_ms=result.latency_ms,
                error=result.error or f"the receiver answered {result.status}",
                schedule=policy.schedule,
                fraction=fraction,
                at_least=min(floor, MAX_RETRY_AFTER),
                permanent=gone,
            )
        try:
            uow.deliveries.save(done)
        except ConcurrentUpdate:
            return DeliveryOutcome.SUPERSEDED
        if gone:
            webhook = uow.webhooks.get(claimed.webhook_id)
            if webhook is not None and webhook.is_active:
                uow.webhooks.save(webhook.disable(now, "the receiver answered 410 Gone"))
                log.warning("webhook %s answered 410 Gone: it is disabled", claimed.webhook_id)
        uow.commit()
        if done.status is DeliveryStatus.DELIVERED:
            return DeliveryOutcome.DELIVERED
        return DeliveryOutcome.FAILED if done.status is DeliveryStatus.FAILED else DeliveryOutcome.RETRY_SCHEDULED

    outcome = ctx.transaction(work)
    level = logging.DEBUG if outcome is DeliveryOutcome.DELIVERED else logging.INFO
    if outcome is DeliveryOutcome.FAILED:
        level = logging.WARNING
    detail = result.error or f"HTTP {result.status}"
    log.log(level, "webhook delivery %s attempt %s: %s (%s)", claimed.id, attempt, outcome.value, detail)
    return outcome


def sweep_deliveries(
    ctx: Context[WebhookUnitOfWork], publish: Callable[[Sequence[int]], None], policy: DeliveryPolicy = DEFAULT_POLICY
) -> list[int]:
    """Publish deliveries that are due and have no message in flight (retries whose wait is over,
    deliveries recorded without a nudge, lost messages) and claims of dead workers. Their ids."""
    return sweeping.sweep(ctx, lambda uow: uow.deliveries, policy, publish, "webhook deliveries")
