"""The unit of work: one transaction per use case call, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from atraxion.ports.api_log import ApiLogRepository
from atraxion.ports.auth import TokenRepository
from atraxion.ports.idempotency import IdempotencyRepository
from atraxion.ports.leases import LeaseRepository
from atraxion.ports.outbox import OutboundOrderRepository, OutboxRepository, SyncFailureRepository
from atraxion.ports.overview import OverviewRepository
from atraxion.ports.partners import PartnerRepository
from atraxion.ports.pull_cursors import PullCursorRepository
from atraxion.ports.purchase_order_lines import PurchaseOrderLineRepository
from atraxion.ports.queued_pulls import QueuedPullRepository
from atraxion.ports.reconcile_runs import ReconcileRunRepository
from atraxion.ports.records import FeedRepository, RecordRepository
from atraxion.ports.users import (
    AdminSessionRepository,
    AllowedDomainRepository,
    UserRepository,
    VerificationRepository,
)
from atraxion.ports.webhooks import DeliveryRepository, WebhookRepository


class UnitOfWork(Protocol):
    @property
    def records(self) -> RecordRepository: ...

    @property
    def feed(self) -> FeedRepository: ...

    @property
    def tokens(self) -> TokenRepository: ...

    @property
    def idempotency(self) -> IdempotencyRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def failures(self) -> SyncFailureRepository: ...

    @property
    def outbound_orders(self) -> OutboundOrderRepository: ...

    @property
    def partners(self) -> PartnerRepository: ...

    @property
    def purchase_order_lines(self) -> PurchaseOrderLineRepository: ...

    @property
    def api_logs(self) -> ApiLogRepository: ...

    @property
    def leases(self) -> LeaseRepository: ...

    @property
    def queued_pulls(self) -> QueuedPullRepository: ...

    @property
    def reconcile_runs(self) -> ReconcileRunRepository: ...

    @property
    def pull_cursors(self) -> PullCursorRepository: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def allowed_domains(self) -> AllowedDomainRepository: ...

    @property
    def verifications(self) -> VerificationRepository: ...

    @property
    def admin_sessions(self) -> AdminSessionRepository: ...

    @property
    def overview(self) -> OverviewRepository: ...

    @property
    def webhooks(self) -> WebhookRepository: ...

    @property
    def deliveries(self) -> DeliveryRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Roll back whatever was not committed."""

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class ConcurrentUpdate(Exception):
    """The database refused the transaction because of a concurrent one (deadlock, duplicate
    insert race, lock timeout). Adapters raise it; use cases retry the whole unit of work."""


class DuplicateKey(ConcurrentUpdate):
    """A unique key was already taken. A race (two transactions inserting the same new key) is
    over once the other commits: the retry sees its row. The same duplicate on the next attempt is
    no race, and is reported instead of retried again. Its message names the duplicate entry."""
