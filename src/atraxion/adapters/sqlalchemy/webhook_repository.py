"""Webhooks and their deliveries in SQL (SQLite, MariaDB/MySQL, PostgreSQL alike).

Claims work as in the outbox: :meth:`SqlDeliveryRepository.get` with ``lock`` reads ``FOR UPDATE``,
and :meth:`SqlDeliveryRepository.save` is an ``UPDATE … WHERE revision =`` whose row count tells
whether the delivery moved on in between.

Secrets are sealed at rest by a :class:`~atraxion.adapters.secret_box.SecretBox`: a stored secret in
clear (written before they were sealed) is read as is and sealed on the webhook's next save; one the
box cannot open gives a webhook whose ``secret_error`` says so, and whose save leaves it stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs
from sqlalchemy import Connection, Row, and_, bindparam, delete, or_, select, update

from atraxion.adapters.secret_box import SecretBox, UnreadableSecret
from atraxion.adapters.sqlalchemy._rows import delete_ids, mark_published, new_id, newest_before, required_time
from atraxion.adapters.sqlalchemy._sql import dumps, from_db_time, loads, to_db_time
from atraxion.adapters.sqlalchemy.tables import webhook_deliveries, webhooks
from atraxion.domain.webhooks import DeliveryStatus, Webhook, WebhookDelivery, WebhookEvent
from atraxion.ports.unit_of_work import ConcurrentUpdate


def _webhook_row(webhook: Webhook, box: SecretBox) -> dict[str, Any]:
    secret = {} if webhook.secret_error is not None else {"secret": box.seal(webhook.secret)}
    return {
        **secret,
        "url": webhook.url,
        "consumer": webhook.consumer,
        "entities": dumps(list(webhook.entities)),
        "events": ",".join(sorted(e.value for e in webhook.events)),
        "is_active": webhook.is_active,
        "disabled_reason": webhook.disabled_reason,
        "created_at": to_db_time(webhook.created_at),
        "updated_at": to_db_time(webhook.updated_at),
    }


def _webhook(row: Row[Any], box: SecretBox) -> Webhook:
    try:
        secret, error = box.open(row.secret), None
    except UnreadableSecret as unreadable:
        secret, error = "", str(unreadable)
    return Webhook(
        id=row.id,
        url=row.url,
        consumer=row.consumer,
        secret=secret,
        secret_error=error,
        entities=loads(row.entities),
        events=[WebhookEvent(e) for e in row.events.split(",") if e],
        is_active=bool(row.is_active),
        created_at=from_db_time(row.created_at),
        updated_at=from_db_time(row.updated_at),
        disabled_reason=row.disabled_reason,
    )


class SqlWebhookRepository:
    def __init__(self, conn: Connection, box: SecretBox) -> None:
        self.conn = conn
        self.box = box

    def add(self, webhook: Webhook) -> Webhook:
        result = self.conn.execute(webhooks.insert().values(**_webhook_row(webhook, self.box)))
        return attrs.evolve(webhook, id=new_id(result))

    def get(self, webhook_id: int) -> Webhook | None:
        row = self.conn.execute(select(webhooks).where(webhooks.c.id == webhook_id)).first()
        return _webhook(row, self.box) if row else None

    def save(self, webhook: Webhook) -> None:
        statement = update(webhooks).where(webhooks.c.id == webhook.id).values(**_webhook_row(webhook, self.box))
        if self.conn.execute(statement).rowcount != 1:
            raise KeyError(f"no webhook {webhook.id}")

    def remove(self, webhook_id: int) -> bool:
        self.conn.execute(delete(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook_id))
        return bool(self.conn.execute(delete(webhooks).where(webhooks.c.id == webhook_id)).rowcount)

    def all(self) -> list[Webhook]:
        return [_webhook(row, self.box) for row in self.conn.execute(select(webhooks).order_by(webhooks.c.id))]

    def active(self) -> list[Webhook]:
        query = select(webhooks).where(webhooks.c.is_active.is_(True)).order_by(webhooks.c.id)
        return [_webhook(row, self.box) for row in self.conn.execute(query)]


def _delivery_row(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "webhook_id": delivery.webhook_id,
        "event": delivery.event,
        "message_id": delivery.message_id,
        "body": delivery.body,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "retry_base": delivery.retry_base,
        "response_status": delivery.response_status,
        "latency_ms": delivery.latency_ms,
        "last_error": delivery.last_error,
        "created_at": to_db_time(delivery.created_at),
        "next_attempt_at": to_db_time(delivery.next_attempt_at),
        "last_attempt_at": to_db_time(delivery.last_attempt_at),
        "claimed_at": to_db_time(delivery.claimed_at),
        "published_at": to_db_time(delivery.published_at),
        "revision": delivery.revision,
    }


def _delivery(row: Row[Any]) -> WebhookDelivery:
    return WebhookDelivery(
        id=row.id,
        webhook_id=row.webhook_id,
        event=row.event,
        message_id=row.message_id,
        body=row.body,
        status=DeliveryStatus(row.status),
        created_at=required_time(row.created_at),
        next_attempt_at=required_time(row.next_attempt_at),
        attempts=row.attempts,
        retry_base=row.retry_base,
        response_status=row.response_status,
        latency_ms=row.latency_ms,
        last_error=row.last_error,
        last_attempt_at=from_db_time(row.last_attempt_at),
        claimed_at=from_db_time(row.claimed_at),
        published_at=from_db_time(row.published_at),
        revision=row.revision,
    )


_COLUMNS = [c.name for c in webhook_deliveries.columns if c.name != "id"]
_GET = select(webhook_deliveries).where(webhook_deliveries.c.id == bindparam("delivery_id"))
_LOCK = _GET.with_for_update()
_SAVE = (
    update(webhook_deliveries)
    .where(webhook_deliveries.c.id == bindparam("delivery_id"), webhook_deliveries.c.revision == bindparam("read"))
    .values({name: bindparam(name) for name in _COLUMNS})
)


class SqlDeliveryRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, deliveries: Sequence[WebhookDelivery]) -> list[int]:
        # One INSERT each: ids in order on every database (a multi-row insert reports none).
        return [new_id(self.conn.execute(webhook_deliveries.insert(), _delivery_row(d))) for d in deliveries]

    def get(self, delivery_id: int, *, lock: bool = False) -> WebhookDelivery | None:
        row = self.conn.execute(_LOCK if lock else _GET, {"delivery_id": delivery_id}).first()
        return _delivery(row) if row else None

    def save(self, delivery: WebhookDelivery) -> None:
        params = {**_delivery_row(delivery), "delivery_id": delivery.id, "read": delivery.revision - 1}
        if self.conn.execute(_SAVE, params).rowcount != 1:
            raise ConcurrentUpdate(f"webhook delivery {delivery.id} changed since it was read")

    def newest(self, webhook_id: int, before_id: int | None, limit: int) -> list[WebhookDelivery]:
        query = newest_before(webhook_deliveries, before_id, limit).where(webhook_deliveries.c.webhook_id == webhook_id)
        return [_delivery(row) for row in self.conn.execute(query)]

    def select(
        self, webhook_id: int, *, ids: Sequence[int] | None, status: DeliveryStatus | None, limit: int
    ) -> list[WebhookDelivery]:
        c = webhook_deliveries.c
        query = select(webhook_deliveries).where(c.webhook_id == webhook_id).order_by(c.id).limit(limit)
        if ids is not None:
            query = query.where(c.id.in_(list(ids)))
        if status is not None:
            query = query.where(c.status == status.value)
        return [_delivery(row) for row in self.conn.execute(query.with_for_update())]

    def due(self, now: datetime, redeliver_before: datetime, stale_before: datetime, limit: int) -> list[int]:
        c = webhook_deliveries.c
        unsent = or_(c.published_at.is_(None), c.published_at <= to_db_time(redeliver_before))
        query = (
            select(c.id)
            .where(
                c.status == DeliveryStatus.PENDING.value,
                unsent,
                or_(
                    and_(c.claimed_at.is_(None), c.next_attempt_at <= to_db_time(now)),
                    c.claimed_at <= to_db_time(stale_before),
                ),
            )
            .order_by(c.id)
            .limit(limit)
        )
        return [row.id for row in self.conn.execute(query)]

    def mark_published(self, delivery_ids: Sequence[int], at: datetime) -> None:
        mark_published(self.conn, webhook_deliveries, delivery_ids, at)

    def prune(self, older_than: datetime, limit: int) -> int:
        c = webhook_deliveries.c
        old = select(c.id).where(c.status != DeliveryStatus.PENDING.value, c.created_at < to_db_time(older_than))
        ids = [row.id for row in self.conn.execute(old.order_by(c.id).limit(limit))]
        return delete_ids(self.conn, webhook_deliveries, ids)
