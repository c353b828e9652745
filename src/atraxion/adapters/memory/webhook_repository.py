"""Memory implementations of the webhook and delivery repositories (transactions are serial)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from atraxion.adapters.memory.store import TableAccess
from atraxion.domain.webhooks import DeliveryStatus, Webhook, WebhookDelivery
from atraxion.ports.unit_of_work import ConcurrentUpdate

_HOOKS = "webhooks"
_DELIVERIES = "webhook_deliveries"
_SEQUENCE = "webhook_deliveries_seq"


class MemoryWebhookRepository(TableAccess):
    def add(self, webhook: Webhook) -> Webhook:
        table = self.table(_HOOKS)
        stored = attrs.evolve(webhook, id=max(table, default=0) + 1)
        table[stored.id] = stored
        return stored

    def get(self, webhook_id: int) -> Webhook | None:
        found: Webhook | None = self.table(_HOOKS).get(webhook_id)
        return found

    def save(self, webhook: Webhook) -> None:
        table = self.table(_HOOKS)
        if webhook.id not in table:
            raise KeyError(f"no webhook {webhook.id}")
        table[webhook.id] = webhook

    def remove(self, webhook_id: int) -> bool:
        table = self.table(_HOOKS)
        if table.pop(webhook_id, None) is None:
            return False
        deliveries = self.table(_DELIVERIES)
        for delivery_id in [i for i, d in deliveries.items() if d.webhook_id == webhook_id]:
            del deliveries[delivery_id]
        return True

    def all(self) -> list[Webhook]:
        return [w for _, w in sorted(self.table(_HOOKS).items())]

    def active(self) -> list[Webhook]:
        return [w for w in self.all() if w.is_active]


class MemoryDeliveryRepository(TableAccess):
    def add(self, deliveries: Sequence[WebhookDelivery]) -> list[int]:
        table = self.table(_DELIVERIES)
        # Ids are never reused, even after a prune emptied the table (as an auto-increment column).
        counter = self.table(_SEQUENCE)
        next_id = max(counter.get("next", 1), max(table, default=0) + 1)
        ids = []
        for delivery in deliveries:
            table[next_id] = attrs.evolve(delivery, id=next_id)
            ids.append(next_id)
            next_id += 1
        counter["next"] = next_id
        return ids

    def get(self, delivery_id: int, *, lock: bool = False) -> WebhookDelivery | None:
        found: WebhookDelivery | None = self.table(_DELIVERIES).get(delivery_id)
        return found

    def save(self, delivery: WebhookDelivery) -> None:
        table = self.table(_DELIVERIES)
        current = table.get(delivery.id)
        if current is None or current.revision != delivery.revision - 1:
            raise ConcurrentUpdate(f"webhook delivery {delivery.id} changed since it was read")
        table[delivery.id] = delivery

    def newest(self, webhook_id: int, before_id: int | None, limit: int) -> list[WebhookDelivery]:
        found = sorted(self.table(_DELIVERIES).items(), reverse=True)
        return [d for i, d in found if d.webhook_id == webhook_id and (before_id is None or i < before_id)][:limit]

    def select(
        self, webhook_id: int, *, ids: Sequence[int] | None, status: DeliveryStatus | None, limit: int
    ) -> list[WebhookDelivery]:
        wanted = None if ids is None else set(ids)
        return [
            d
            for i, d in sorted(self.table(_DELIVERIES).items())
            if d.webhook_id == webhook_id and (wanted is None or i in wanted) and (status is None or d.status is status)
        ][:limit]

    def due(self, now: datetime, redeliver_before: datetime, stale_before: datetime, limit: int) -> list[int]:
        def wanted(d: WebhookDelivery) -> bool:
            if d.status is not DeliveryStatus.PENDING:
                return False
            if d.published_at is not None and d.published_at > redeliver_before:
                return False
            if d.claimed_at is None:
                return d.next_attempt_at <= now
            return d.claimed_at <= stale_before

        return sorted(i for i, d in self.table(_DELIVERIES).items() if wanted(d))[:limit]

    def mark_published(self, delivery_ids: Sequence[int], at: datetime) -> None:
        table = self.table(_DELIVERIES)
        for delivery_id in delivery_ids:
            if delivery_id in table:
                # Not a state change: the revision stays, so no worker's save is refused for it.
                table[delivery_id] = attrs.evolve(table[delivery_id], published_at=at)

    def prune(self, older_than: datetime, limit: int) -> int:
        table = self.table(_DELIVERIES)
        old = sorted(
            i for i, d in table.items() if d.status is not DeliveryStatus.PENDING and d.created_at < older_than
        )[:limit]
        for delivery_id in old:
            del table[delivery_id]
        return len(old)
