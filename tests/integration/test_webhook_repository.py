"""The webhook and delivery repositories: one contract on memory, SQLite and MariaDB."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import pytest

from atraxion.bootstrap import Atraxion
from atraxion.domain.webhooks import DeliveryStatus, RetrySchedule, Webhook, WebhookDelivery, WebhookEvent
from atraxion.ports.unit_of_work import ConcurrentUpdate, UnitOfWork
from atraxion.testing import FakeClock

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
STALE = timedelta(seconds=60)


def run(app: Atraxion, work: Any) -> Any:
    def unit(uow: UnitOfWork) -> Any:
        result = work(uow)
        uow.commit()
        return result

    return app.context.transaction(unit)


def hook(app: Atraxion, consumer: str = "webshop", **changes: Any) -> Webhook:
    now = app.context.clock.now()
    webhook = Webhook(None, "http://127.0.0.1:9/h?x=1", consumer, SECRET, ["stock", "products"], created_at=now)
    return run(app, lambda uow: uow.webhooks.add(attrs.evolve(webhook, updated_at=now, **changes)))  # type: ignore[no-any-return]


def deliver(app: Atraxion, webhook_id: int, count: int = 1, *, published: bool = True) -> list[int]:
    now = app.context.clock.now()
    body = '{"type":"changes.pending","data":{"items":[{"key":"ünï","version":1}]}}'
    new = [
        WebhookDelivery.new(webhook_id, "changes.pending", f"msg_{n}", body, now, published=published)
        for n in range(count)
    ]
    return run(app, lambda uow: uow.deliveries.add(new))  # type: ignore[no-any-return]


def get(app: Atraxion, delivery_id: int) -> WebhookDelivery:
    found = app.context.transaction(lambda uow: uow.deliveries.get(delivery_id))
    assert found is not None
    return found


def test_a_webhook_round_trips_and_consumers_compare_byte_for_byte(atraxion: Atraxion) -> None:
    first = hook(atraxion)
    second = hook(atraxion, "WebShop", events=frozenset({WebhookEvent.FAILURES}), entities=())
    assert first.id is not None and second.id is not None
    stored = atraxion.context.transaction(lambda uow: uow.webhooks.get(first.id))
    assert stored == first and stored.secret == SECRET and stored.entities == ("products", "stock")
    assert stored.events == frozenset(WebhookEvent)
    found = atraxion.context.transaction(lambda uow: uow.webhooks.all())
    assert [(w.consumer, w.events) for w in found] == [
        ("webshop", frozenset(WebhookEvent)),
        ("WebShop", frozenset({WebhookEvent.FAILURES})),
    ]
    disabled = first.disable(atraxion.context.clock.now(), "gone")
    run(atraxion, lambda uow: uow.webhooks.save(disabled))
    assert [w.id for w in atraxion.context.transaction(lambda uow: uow.webhooks.active())] == [second.id]
    assert atraxion.context.transaction(lambda uow: uow.webhooks.get(first.id)) == disabled


def test_deliveries_round_trip_page_newest_first_and_go_with_their_webhook(atraxion: Atraxion) -> None:
    first, other = hook(atraxion), hook(atraxion)
    assert first.id is not None and other.id is not None
    ids = deliver(atraxion, first.id, 5)
    deliver(atraxion, other.id)
    assert ids == sorted(ids) and len(set(ids)) == 5
    one = get(atraxion, ids[0])
    assert one.body.endswith('"version":1}]}}') and "ünï" in one.body and one.message_id == "msg_0"
    page = atraxion.context.transaction(lambda uow: uow.deliveries.newest(first.id, None, 2))
    assert [d.id for d in page] == [ids[4], ids[3]]
    page = atraxion.context.transaction(lambda uow: uow.deliveries.newest(first.id, ids[3], 10))
    assert [d.id for d in page] == [ids[2], ids[1], ids[0]]
    assert run(atraxion, lambda uow: uow.webhooks.remove(first.id)) is True
    assert run(atraxion, lambda uow: uow.webhooks.remove(first.id)) is False
    assert atraxion.context.transaction(lambda uow: uow.deliveries.get(ids[0])) is None
    assert len(atraxion.context.transaction(lambda uow: uow.deliveries.newest(other.id, None, 10))) == 1


def test_save_writes_only_over_the_revision_read(atraxion: Atraxion, clock: FakeClock) -> None:
    webhook = hook(atraxion)
    assert webhook.id is not None
    (delivery_id,) = deliver(atraxion, webhook.id)
    read = atraxion.context.transaction(lambda uow: uow.deliveries.get(delivery_id, lock=True))
    claimed = read.claim(clock.now(), STALE, RetrySchedule())
    run(atraxion, lambda uow: uow.deliveries.save(claimed))
    done = claimed.succeed(1, 204, 12.5)
    run(atraxion, lambda uow: uow.deliveries.save(done))
    assert get(atraxion, delivery_id) == done
    with pytest.raises(ConcurrentUpdate), atraxion.context.uow() as uow:
        uow.deliveries.save(read.claim(clock.now(), STALE, RetrySchedule()))  # over a revision long gone


def test_select_due_mark_published_and_prune(atraxion: Atraxion, clock: FakeClock) -> None:
    webhook = hook(atraxion)
    assert webhook.id is not None
    announced = deliver(atraxion, webhook.id, 2)
    unannounced = deliver(atraxion, webhook.id, 1, published=False)
    now = clock.now()
    due = atraxion.context.transaction(
        lambda uow: uow.deliveries.due(now, now - timedelta(seconds=10), now - STALE, 10)
    )
    assert due == unannounced
    later = now + timedelta(seconds=11)
    due = atraxion.context.transaction(lambda uow: uow.deliveries.due(later, now, later - STALE, 10))
    assert due == [*announced, *unannounced]
    run(atraxion, lambda uow: uow.deliveries.mark_published(due, later))
    assert get(atraxion, due[0]).published_at == later and get(atraxion, due[0]).revision == 0
    failed = attrs.evolve(get(atraxion, announced[0]), status=DeliveryStatus.FAILED, revision=1)
    run(atraxion, lambda uow: uow.deliveries.save(failed))
    chosen = atraxion.context.transaction(
        lambda uow: uow.deliveries.select(webhook.id, ids=None, status=DeliveryStatus.FAILED, limit=10)
    )
    assert [d.id for d in chosen] == [announced[0]]
    chosen = atraxion.context.transaction(
        lambda uow: uow.deliveries.select(webhook.id, ids=announced, status=None, limit=1)
    )
    assert [d.id for d in chosen] == [announced[0]]
    # Only finished deliveries older than the bound go; pending ones stay whatever their age.
    assert run(atraxion, lambda uow: uow.deliveries.prune(now, 100)) == 0
    assert run(atraxion, lambda uow: uow.deliveries.prune(now + timedelta(days=1), 100)) == 1
    assert atraxion.context.transaction(lambda uow: uow.deliveries.get(announced[0])) is None
    assert len(atraxion.context.transaction(lambda uow: uow.deliveries.newest(webhook.id, None, 10))) == 2
