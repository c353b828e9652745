"""Webhooks on the memory adapters with a fake sender: which deliveries an ingest records (one per
batch and subscribed webhook, split past the item bound), sync failures, and how a worker sends,
retries, gives up, disables on 410, skips duplicates and reports outcomes."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import attrs
import pytest

from atraxion.application import retention, webhooks
from atraxion.application.feed import register_consumer
from atraxion.application.ingest import Batch, ingest
from atraxion.application.reverse_sync import open_failure
from atraxion.application.webhooks import DeliveryOutcome, process_delivery
from atraxion.bootstrap import Atraxion
from atraxion.domain.outbox import OutboxEntry, OutboxStatus
from atraxion.domain.records import Incoming
from atraxion.domain.request_log import clean
from atraxion.domain.webhook_signing import verify
from atraxion.domain.webhooks import (
    DeliveryPolicy,
    DeliveryStatus,
    RetrySchedule,
    WebhookDelivery,
    WebhookEvent,
)
from atraxion.domain.webshop_orders import SALE_ORDER, OrderLine, OutboundOrder, WebshopSaleOrder
from atraxion.ports.webhooks import SendResult
from atraxion.testing import FakeClock, memory_atraxion

SCHEDULE = RetrySchedule((5.0, 300.0), jitter=0.2)
POLICY = DeliveryPolicy(SCHEDULE, stale_after=timedelta(seconds=60))


class FakeSender:
    def __init__(self, *answers: SendResult) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, dict[str, str], bytes]] = []

    def send(self, url: str, headers: Mapping[str, str], body: bytes) -> SendResult:
        self.sent.append((url, dict(headers), body))
        return self.answers.pop(0) if self.answers else SendResult(204, 1.5)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(clock: FakeClock) -> Atraxion:
    made = memory_atraxion(clock)
    register_consumer(made.context, "webshop")
    register_consumer(made.context, "mobile")
    return made


def subscribe(app: Atraxion, consumer: str = "webshop", **options: Any) -> int:
    webhook = webhooks.webhook_creation(
        app.context,
        options.get("url", "http://127.0.0.1:9/hook"),
        consumer,
        options.get("entities", []),
        options.get("events", frozenset(WebhookEvent)),
        options.get("secret"),
    ).run(app.context)
    assert webhook.id is not None
    return webhook.id


def push(app: Atraxion, entity: str, *keys: str, rev: int = 1, deletions: Sequence[str] = ()) -> None:
    records = [Incoming(key, {"externalId": key}, {"name": key, "rev": rev}) for key in keys]
    ingest(app.context, [Batch(entity, records, deletions)])


def all_deliveries(app: Atraxion, hook: int) -> list[WebhookDelivery]:
    return list(reversed(webhooks.list_deliveries(app.context, hook, None, 1000)))


def data(delivery: WebhookDelivery) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(delivery.body)
    return body


# -- recording -------------------------------------------------------------------------------------


def test_one_delivery_per_batch_with_every_pending_key_and_version(app: Atraxion) -> None:
    hook = subscribe(app)
    push(app, "products", "A", "B")
    push(app, "products", "A", rev=2)
    push(app, "products", "A", rev=2)  # unchanged: nothing pending, no delivery
    first, second = all_deliveries(app, hook)
    assert data(first)["type"] == "changes.pending" and first.event == "changes.pending"
    assert data(first)["data"] == {
        "consumer": "webshop",
        "entity": "products",
        "items": [{"key": "A", "version": 1}, {"key": "B", "version": 1}],
    }
    assert data(second)["data"]["items"] == [{"key": "A", "version": 2}]
    assert first.message_id != second.message_id and first.status is DeliveryStatus.PENDING


def test_only_the_subscribed_consumer_entities_and_events_get_deliveries(app: Atraxion) -> None:
    products_only = subscribe(app, entities=["products"])
    mobile = subscribe(app, "mobile")
    failures_only = subscribe(app, events=frozenset({WebhookEvent.FAILURES}))
    unknown_consumer = subscribe(app, "nobody")
    inactive = subscribe(app)
    webhooks.update_webhook(app.context, inactive, webhooks.WebhookChanges(is_active=False))
    push(app, "partners", "P1")
    push(app, "products", "A")
    assert [data(d)["data"]["entity"] for d in all_deliveries(app, products_only)] == ["products"]
    assert [(data(d)["data"]["consumer"], data(d)["data"]["entity"]) for d in all_deliveries(app, mobile)] == [
        ("mobile", "partners"),
        ("mobile", "products"),
    ]
    for hook in (failures_only, unknown_consumer, inactive):
        assert all_deliveries(app, hook) == []


def test_a_large_batch_is_split_into_bounded_deliveries(app: Atraxion) -> None:
    app.context = attrs.evolve(app.context, delivery_max_items=3)
    hook = subscribe(app)
    push(app, "products", *[f"K{n}" for n in range(7)])
    sizes = [len(data(d)["data"]["items"]) for d in all_deliveries(app, hook)]
    assert sizes == [3, 3, 1]
    keys = [i["key"] for d in all_deliveries(app, hook) for i in data(d)["data"]["items"]]
    assert keys == [f"K{n}" for n in range(7)]


def test_a_deletion_is_announced_with_the_tombstone_version(app: Atraxion) -> None:
    hook = subscribe(app)
    push(app, "products", "A", "B")
    push(app, "products", "C", deletions=["A"])  # records and deletions of one batch: one delivery
    _, second = all_deliveries(app, hook)
    assert data(second)["data"]["items"] == [{"key": "C", "version": 1}, {"key": "A", "version": 2}]


def test_a_failed_order_is_announced_to_its_consumer_only(app: Atraxion, clock: FakeClock) -> None:
    own = subscribe(app, events=frozenset({WebhookEvent.FAILURES}))
    changes_only = subscribe(app, events=frozenset({WebhookEvent.CHANGES}))
    other = subscribe(app, "mobile")
    order = WebshopSaleOrder("SO-1", "P1", [OrderLine("A", 1)])

    def fail(uow: Any) -> None:
        now = clock.now()
        entry = uow.outbox.add(OutboxEntry.new(SALE_ORDER, "SO-1", {}, now))
        uow.outbound_orders.add(OutboundOrder("SO-1", order, entry.id, "webshop", now))
        failed = attrs.evolve(entry, status=OutboxStatus.FAILED, attempts=8, last_error="Odoo refused it")
        open_failure(uow, failed, now)
        uow.commit()

    app.context.transaction(fail)
    (delivery,) = all_deliveries(app, own)
    assert delivery.event == "sync.failed" and delivery.published_at is None  # the sweeper sends it
    assert data(delivery)["data"] == {
        "consumer": "webshop",
        "entity": "sale-orders",
        "externalId": "SO-1",
        "queueId": 1,
        "attempts": 8,
        "error": "Odoo refused it",
    }
    assert all_deliveries(app, changes_only) == [] and all_deliveries(app, other) == []


# -- sending ---------------------------------------------------------------------------------------


def only(app: Atraxion, hook: int) -> WebhookDelivery:
    (delivery,) = all_deliveries(app, hook)
    return delivery


def test_a_delivery_is_signed_and_sent_once(app: Atraxion) -> None:
    hook = subscribe(app, url="http://receiver.test/in")
    push(app, "products", "A")
    delivery = only(app, hook)
    sender, heard = FakeSender(), []
    assert delivery.id is not None
    assert process_delivery(app.context, sender, delivery.id, POLICY, observe=heard.append) is DeliveryOutcome.DELIVERED
    assert process_delivery(app.context, sender, delivery.id, POLICY, observe=heard.append) is DeliveryOutcome.SKIPPED
    assert heard == [DeliveryOutcome.DELIVERED, DeliveryOutcome.SKIPPED]
    ((url, headers, body),) = sender.sent
    secret = app.context.transaction(lambda uow: uow.webhooks.get(hook)).secret
    assert url == "http://receiver.test/in" and body == delivery.body.encode()
    assert headers["webhook-id"] == delivery.message_id and headers["content-type"] == "application/json"
    assert verify(secret, headers["webhook-id"], int(headers["webhook-timestamp"]), body, headers["webhook-signature"])
    done = only(app, hook)
    assert (done.status, done.attempts, done.response_status, done.latency_ms) == (
        DeliveryStatus.DELIVERED,
        1,
        204,
        1.5,
    )


def test_failures_follow_the_schedule_then_fail(app: Atraxion, clock: FakeClock) -> None:
    hook = subscribe(app)
    push(app, "products", "A")
    delivery_id = only(app, hook).id
    assert delivery_id is not None
    sender = FakeSender(SendResult(500, 2.0), SendResult(None, 3.0, "connection refused"), SendResult(502, 1.0))
    assert process_delivery(app.context, sender, delivery_id, POLICY, jitter=lambda: 0.5).value == "retry_scheduled"
    waiting = only(app, hook)
    assert waiting.next_attempt_at - clock.now() == timedelta(seconds=5 * 1.1)
    assert waiting.response_status == 500 and waiting.last_error == "the receiver answered 500"
    assert process_delivery(app.context, sender, delivery_id, POLICY).value == "skipped"  # not due yet
    clock.advance(seconds=6)
    assert process_delivery(app.context, sender, delivery_id, POLICY, jitter=lambda: 0.0).value == "retry_scheduled"
    assert only(app, hook).response_status is None and only(app, hook).last_error == "connection refused"
    clock.advance(seconds=300)
    assert process_delivery(app.context, sender, delivery_id, POLICY).value == "failed"
    failed = only(app, hook)
    assert (failed.status, failed.attempts, failed.response_status) == (DeliveryStatus.FAILED, 3, 502)
    assert len({h["webhook-id"] for _, h, _ in sender.sent}) == 1

    again = webhooks.redelivery(app.context, hook, delivery_id).run(app.context)
    assert again.status is DeliveryStatus.PENDING and again.next_attempt_at == clock.now()
    assert process_delivery(app.context, FakeSender(), delivery_id, POLICY).value == "delivered"
    assert only(app, hook).attempts == 4


def test_retry_after_is_a_floor_and_410_disables_the_webhook(app: Atraxion, clock: FakeClock) -> None:
    hook = subscribe(app)
    push(app, "products", "A")
    push(app, "products", "B")
    first, second = (d.id for d in all_deliveries(app, hook))
    assert first is not None and second is not None
    process_delivery(app.context, FakeSender(SendResult(503, 1.0, None, 120.0)), first, POLICY, jitter=lambda: 0.0)
    assert all_deliveries(app, hook)[0].next_attempt_at - clock.now() == timedelta(seconds=120)
    assert process_delivery(app.context, FakeSender(SendResult(410, 1.0)), second, POLICY).value == "failed"
    webhook = app.context.transaction(lambda uow: uow.webhooks.get(hook))
    assert not webhook.is_active and "410" in (webhook.disabled_reason or "")
    clock.advance(seconds=200)
    sender = FakeSender()
    assert process_delivery(app.context, sender, first, POLICY).value == "failed"  # inactive: no attempt
    assert sender.sent == [] and all_deliveries(app, hook)[0].last_error == "the webhook is inactive"
    webhooks.update_webhook(app.context, hook, webhooks.WebhookChanges(is_active=True))
    assert app.context.transaction(lambda uow: uow.webhooks.get(hook)).disabled_reason is None


def test_a_dead_workers_claim_is_taken_over_and_its_late_outcome_dropped(app: Atraxion, clock: FakeClock) -> None:
    hook = subscribe(app)
    push(app, "products", "A")
    delivery_id = only(app, hook).id
    assert delivery_id is not None

    class Dies:
        """Sends, then the worker 'dies': a second worker takes over before the first records."""

        def send(self, url: str, headers: Mapping[str, str], body: bytes) -> SendResult:
            clock.advance(seconds=61)
            assert process_delivery(app.context, FakeSender(), delivery_id, POLICY).value == "delivered"
            return SendResult(500, 1.0)

    assert process_delivery(app.context, Dies(), delivery_id, POLICY).value == "superseded"
    assert only(app, hook).status is DeliveryStatus.DELIVERED and only(app, hook).attempts == 2


def test_the_sweeper_publishes_what_is_due_once(app: Atraxion, clock: FakeClock) -> None:
    hook = subscribe(app)
    push(app, "products", "A")  # announced at commit: published now
    published: list[list[int]] = []
    assert webhooks.sweep_deliveries(app.context, lambda ids: published.append(list(ids)), POLICY) == []
    clock.advance(seconds=11)  # its message was lost: published again after redeliver_after
    (delivery_id,) = webhooks.sweep_deliveries(app.context, lambda ids: published.append(list(ids)), POLICY)
    assert published == [[delivery_id]] and only(app, hook).published_at == clock.now()
    assert webhooks.sweep_deliveries(app.context, lambda ids: published.append(list(ids)), POLICY) == []


def test_bulk_redelivery_takes_the_filtered_deliveries(app: Atraxion, clock: FakeClock) -> None:
    hook = subscribe(app)
    for key in "ABC":
        push(app, "products", key)
    ids = [d.id for d in all_deliveries(app, hook)]
    for delivery_id in ids[:2]:
        assert delivery_id is not None
        process_delivery(app.context, FakeSender(SendResult(410, 1.0)), delivery_id, POLICY)
    webhooks.update_webhook(app.context, hook, webhooks.WebhookChanges(is_active=True))
    taken = webhooks.bulk_redelivery(app.context, hook, None, DeliveryStatus.FAILED).run(app.context)
    assert taken == ids[:2]
    assert webhooks.bulk_redelivery(app.context, hook, [ids[2]], DeliveryStatus.FAILED).run(app.context) == []
    assert [d.status for d in all_deliveries(app, hook)] == [DeliveryStatus.PENDING] * 3


def test_prune_deletes_old_finished_deliveries_only(app: Atraxion, clock: FakeClock) -> None:
    hook = subscribe(app)
    push(app, "products", "A")
    push(app, "products", "B")
    first = all_deliveries(app, hook)[0].id
    assert first is not None
    process_delivery(app.context, FakeSender(), first, POLICY)
    clock.advance(days=31)
    push(app, "products", "C")
    [pruned] = retention.prune(app.context, {"deliveries": timedelta(days=30)})
    assert pruned.removed == 1
    assert [data(d)["data"]["items"][0]["key"] for d in all_deliveries(app, hook)] == ["B", "C"]


def test_removing_a_webhook_removes_its_deliveries(app: Atraxion) -> None:
    hook = subscribe(app)
    push(app, "products", "A")
    webhooks.remove_webhook(app.context, hook)
    assert app.context.transaction(lambda uow: uow.deliveries.newest(hook, None, 10)) == []


def test_the_schedule_starts_within_ten_seconds_and_ends() -> None:
    schedule = RetrySchedule()
    assert schedule.attempts == 8
    first = schedule.delay(1, 0.999)
    assert first is not None and first < timedelta(seconds=10)
    assert [schedule.delay(n, 0.0) for n in (2, 7)] == [timedelta(minutes=5), timedelta(hours=10)]
    assert schedule.delay(8, 0.0) is None


def test_webhook_secrets_are_masked_in_request_log_text() -> None:
    assert clean("bad secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw=", 500) == "bad secret whsec_***"


def test_the_webhook_settings_are_read_from_the_environment() -> None:
    from atraxion.config import Settings

    settings = Settings.from_env(
        {"ATRAXION_WEBHOOK_RETRY_SCHEDULE": "1, 60,3600", "ATRAXION_WEBHOOK_ALLOW_PRIVATE": "0"}, env_file=None
    )
    assert settings.webhook_retry_schedule == (1.0, 60.0, 3600.0) and not settings.webhook_allow_private
    assert Settings.from_env({}, env_file=None).webhook_retry_schedule == RetrySchedule().delays
    with pytest.raises(ValueError, match="ATRAXION_WEBHOOK_RETRY_SCHEDULE"):
        Settings.from_env({"ATRAXION_WEBHOOK_RETRY_SCHEDULE": "5,soon"}, env_file=None)


def test_a_pull_records_unannounced_deliveries_that_the_sweeper_publishes(app: Atraxion) -> None:
    from atraxion.application.ingest import apply_batches

    hook = subscribe(app)

    def pulled(uow: Any) -> None:  # as a pull does: the page and its cursor in the caller's unit of work
        apply_batches(app.context, uow, [Batch("products", [Incoming("A", {"externalId": "A"}, {"n": 1})])])
        uow.commit()

    app.context.transaction(pulled)
    assert only(app, hook).published_at is None
    published: list[int] = []
    assert webhooks.sweep_deliveries(app.context, published.extend, POLICY) == published == [only(app, hook).id]


def test_the_embedded_queue_hands_deliveries_to_their_handler() -> None:
    from atraxion.adapters.queue import EmbeddedQueue

    entries: list[int] = []
    deliveries: list[int] = []
    queue = EmbeddedQueue(1)
    queue.publish_deliveries([7, 8])
    queue.publish([1])
    queue.start(entries.append, None, deliveries.append)
    try:
        assert queue.join(5.0)
    finally:
        queue.stop()
    assert (entries, deliveries) == ([1], [7, 8])
