"""The memory unit of work: copy-on-write tables, swapped in on commit."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from atraxion.adapters.memory.api_log_repository import MemoryApiLogRepository
from atraxion.adapters.memory.idempotency_repository import MemoryIdempotencyRepository
from atraxion.adapters.memory.lease_repository import MemoryLeaseRepository
from atraxion.adapters.memory.outbox_repository import (
    MemoryOutboundOrderRepository,
    MemoryOutboxRepository,
    MemorySyncFailureRepository,
)
from atraxion.adapters.memory.overview_repository import MemoryOverviewRepository
from atraxion.adapters.memory.partner_repository import MemoryPartnerRepository
from atraxion.adapters.memory.pull_cursor_repository import MemoryPullCursorRepository
from atraxion.adapters.memory.purchase_order_line_repository import MemoryPurchaseOrderLineRepository
from atraxion.adapters.memory.queued_pull_repository import MemoryQueuedPullRepository
from atraxion.adapters.memory.reconcile_run_repository import MemoryReconcileRunRepository
from atraxion.adapters.memory.repositories import (
    MemoryFeedRepository,
    MemoryRecordRepository,
    MemoryTokenRepository,
)
from atraxion.adapters.memory.store import MemoryStore
from atraxion.adapters.memory.user_repository import (
    MemoryAdminSessionRepository,
    MemoryAllowedDomainRepository,
    MemoryUserRepository,
    MemoryVerificationRepository,
)
from atraxion.adapters.memory.webhook_repository import MemoryDeliveryRepository, MemoryWebhookRepository


class _WorkingCopy:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.copies: dict[str, dict[Any, Any]] = {}

    def table(self, name: str) -> dict[Any, Any]:
        if name not in self.copies:
            self.copies[name] = dict(self.store.table(name))
        return self.copies[name]


class MemoryUnitOfWork:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def __enter__(self) -> Self:
        self.store.lock.acquire()
        self._work = _WorkingCopy(self.store)
        self.records = MemoryRecordRepository(self._work)
        self.feed = MemoryFeedRepository(self._work)
        self.tokens = MemoryTokenRepository(self._work)
        self.idempotency = MemoryIdempotencyRepository(self._work)
        self.outbox = MemoryOutboxRepository(self._work)
        self.failures = MemorySyncFailureRepository(self._work)
        self.outbound_orders = MemoryOutboundOrderRepository(self._work)
        self.partners = MemoryPartnerRepository(self._work)
        self.purchase_order_lines = MemoryPurchaseOrderLineRepository(self._work)
        self.api_logs = MemoryApiLogRepository(self._work)
        self.leases = MemoryLeaseRepository(self._work)
        self.queued_pulls = MemoryQueuedPullRepository(self._work)
        self.reconcile_runs = MemoryReconcileRunRepository(self._work)
        self.pull_cursors = MemoryPullCursorRepository(self._work)
        self.users = MemoryUserRepository(self._work)
        self.allowed_domains = MemoryAllowedDomainRepository(self._work)
        self.verifications = MemoryVerificationRepository(self._work)
        self.admin_sessions = MemoryAdminSessionRepository(self._work)
        self.overview = MemoryOverviewRepository(self._work)
        self.webhooks = MemoryWebhookRepository(self._work)
        self.deliveries = MemoryDeliveryRepository(self._work)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.rollback()
        self.store.lock.release()

    def commit(self) -> None:
        self.store.tables.update(self._work.copies)
        self._work.copies = {}

    def rollback(self) -> None:
        self._work.copies = {}
