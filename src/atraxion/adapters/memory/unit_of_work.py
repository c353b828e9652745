"""The memory unit of work: copy-on-write tables, swapped in on commit."""

from __future__ import annotations

from functools import cached_property
from types import TracebackType
from typing import Any, Self

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
from atraxion.adapters.memory.request_log_repository import MemoryApiLogRepository
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
        self._forget_repositories()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.rollback()
        self.store.lock.release()

    def _forget_repositories(self) -> None:
        """Repositories are made on first use, for this transaction's working copy."""
        for name in _REPOSITORIES:
            self.__dict__.pop(name, None)

    @cached_property
    def _work(self) -> _WorkingCopy:
        return _WorkingCopy(self.store)

    @cached_property
    def records(self) -> MemoryRecordRepository:
        return MemoryRecordRepository(self._work)

    @cached_property
    def feed(self) -> MemoryFeedRepository:
        return MemoryFeedRepository(self._work)

    @cached_property
    def tokens(self) -> MemoryTokenRepository:
        return MemoryTokenRepository(self._work)

    @cached_property
    def idempotency(self) -> MemoryIdempotencyRepository:
        return MemoryIdempotencyRepository(self._work)

    @cached_property
    def outbox(self) -> MemoryOutboxRepository:
        return MemoryOutboxRepository(self._work)

    @cached_property
    def failures(self) -> MemorySyncFailureRepository:
        return MemorySyncFailureRepository(self._work)

    @cached_property
    def outbound_orders(self) -> MemoryOutboundOrderRepository:
        return MemoryOutboundOrderRepository(self._work)

    @cached_property
    def partners(self) -> MemoryPartnerRepository:
        return MemoryPartnerRepository(self._work)

    @cached_property
    def purchase_order_lines(self) -> MemoryPurchaseOrderLineRepository:
        return MemoryPurchaseOrderLineRepository(self._work)

    @cached_property
    def api_logs(self) -> MemoryApiLogRepository:
        return MemoryApiLogRepository(self._work)

    @cached_property
    def leases(self) -> MemoryLeaseRepository:
        return MemoryLeaseRepository(self._work)

    @cached_property
    def queued_pulls(self) -> MemoryQueuedPullRepository:
        return MemoryQueuedPullRepository(self._work)

    @cached_property
    def reconcile_runs(self) -> MemoryReconcileRunRepository:
        return MemoryReconcileRunRepository(self._work)

    @cached_property
    def pull_cursors(self) -> MemoryPullCursorRepository:
        return MemoryPullCursorRepository(self._work)

    @cached_property
    def users(self) -> MemoryUserRepository:
        return MemoryUserRepository(self._work)

    @cached_property
    def allowed_domains(self) -> MemoryAllowedDomainRepository:
        return MemoryAllowedDomainRepository(self._work)

    @cached_property
    def verifications(self) -> MemoryVerificationRepository:
        return MemoryVerificationRepository(self._work)

    @cached_property
    def admin_sessions(self) -> MemoryAdminSessionRepository:
        return MemoryAdminSessionRepository(self._work)

    @cached_property
    def overview(self) -> MemoryOverviewRepository:
        return MemoryOverviewRepository(self._work)

    @cached_property
    def webhooks(self) -> MemoryWebhookRepository:
        return MemoryWebhookRepository(self._work)

    @cached_property
    def deliveries(self) -> MemoryDeliveryRepository:
        return MemoryDeliveryRepository(self._work)

    def commit(self) -> None:
        self.store.tables.update(self._work.copies)
        self._work.copies = {}

    def rollback(self) -> None:
        self._work.copies = {}


_REPOSITORIES = tuple(name for name, value in vars(MemoryUnitOfWork).items() if isinstance(value, cached_property))
