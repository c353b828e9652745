"""The unit of work: one transaction per use case call, rolled back unless committed.

Its repositories come in families, one protocol each, so that a use case is typed against the
narrowest one it needs, and an adapter of your own implements only the families its use cases use:

=========================  ===================================================================
``FeedUnitOfWork``         ``records``, ``feed``: what consumers poll and acknowledge
``IngestUnitOfWork``       the feed's, plus ``partners`` and ``purchase_order_lines`` (the
                           after-ingest hooks) and ``webhooks``/``deliveries`` as far as an
                           ingest batch records its ``changes.pending`` deliveries
``PullUnitOfWork``         the ingest's, plus ``pull_cursors``, ``queued_pulls``,
                           ``reconcile_runs`` and ``leases``: pulling from Odoo
``OutboxUnitOfWork``       ``records``, ``outbox``, ``failures``, ``outbound_orders`` (and
                           ``sync.failed`` deliveries): reverse sync to Odoo
``WebhookUnitOfWork``      ``webhooks``, ``deliveries``: subscriptions and their sending
``LeaseUnitOfWork``        ``leases``: periodic work done on one replica at a time
``IdempotencyUnitOfWork``  ``idempotency``: the ``Idempotency-Key`` answers
``AdminUnitOfWork``        the feed's, plus ``tokens``, ``users``, ``allowed_domains``,
                           ``verifications``, ``admin_sessions``, ``api_logs``, ``overview``
``UnitOfWork``             all of them: what the bundled adapters (SQLAlchemy, memory) implement
=========================  ===================================================================
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

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
from atraxion.ports.request_log import ApiLogRepository
from atraxion.ports.users import (
    AdminSessionRepository,
    AllowedDomainRepository,
    UserRepository,
    VerificationRepository,
)
from atraxion.ports.webhooks import ActiveWebhooks, DeliveryRecorder, DeliveryRepository, WebhookRepository


class Transaction(Protocol):
    """What every family has: the transaction itself."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Roll back whatever was not committed."""

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class FeedUnitOfWork(Transaction, Protocol):
    """The records and what each consumer has pending and acknowledged."""

    @property
    def records(self) -> RecordRepository: ...

    @property
    def feed(self) -> FeedRepository: ...


class IngestUnitOfWork(FeedUnitOfWork, Protocol):
    """A push: the feed's repositories, what the after-ingest hooks write, and the deliveries
    (``changes.pending``) a batch records for the active webhooks."""

    @property
    def partners(self) -> PartnerRepository: ...

    @property
    def purchase_order_lines(self) -> PurchaseOrderLineRepository: ...

    @property
    def webhooks(self) -> ActiveWebhooks: ...

    @property
    def deliveries(self) -> DeliveryRecorder: ...


class PullUnitOfWork(IngestUnitOfWork, Protocol):
    """Pulling from Odoo: ingest, plus cursors, queued pulls, reconcile runs and the pull's lease."""

    @property
    def pull_cursors(self) -> PullCursorRepository: ...

    @property
    def queued_pulls(self) -> QueuedPullRepository: ...

    @property
    def reconcile_runs(self) -> ReconcileRunRepository: ...

    @property
    def leases(self) -> LeaseRepository: ...


class OutboxUnitOfWork(Transaction, Protocol):
    """Reverse sync: webshop orders, their outbox entries and failures (resolved against the
    records), and the ``sync.failed`` deliveries a failure records."""

    @property
    def records(self) -> RecordRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def failures(self) -> SyncFailureRepository: ...

    @property
    def outbound_orders(self) -> OutboundOrderRepository: ...

    @property
    def webhooks(self) -> ActiveWebhooks: ...

    @property
    def deliveries(self) -> DeliveryRecorder: ...


class WebhookUnitOfWork(Transaction, Protocol):
    """Webhook subscriptions and the sending of their deliveries."""

    @property
    def webhooks(self) -> WebhookRepository: ...

    @property
    def deliveries(self) -> DeliveryRepository: ...


class LeaseUnitOfWork(Transaction, Protocol):
    @property
    def leases(self) -> LeaseRepository: ...


class IdempotencyUnitOfWork(Transaction, Protocol):
    @property
    def idempotency(self) -> IdempotencyRepository: ...


class AdminUnitOfWork(FeedUnitOfWork, Protocol):
    """Tokens, the admin UI's people and sessions, the API log and the dashboard's figures."""

    @property
    def tokens(self) -> TokenRepository: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def allowed_domains(self) -> AllowedDomainRepository: ...

    @property
    def verifications(self) -> VerificationRepository: ...

    @property
    def admin_sessions(self) -> AdminSessionRepository: ...

    @property
    def api_logs(self) -> ApiLogRepository: ...

    @property
    def overview(self) -> OverviewRepository: ...


class UnitOfWork(
    PullUnitOfWork,
    OutboxUnitOfWork,
    WebhookUnitOfWork,
    IdempotencyUnitOfWork,
    AdminUnitOfWork,
    Protocol,
):
    """Every family: what the bundled adapters implement, and what the service is wired with."""

    @property
    def webhooks(self) -> WebhookRepository: ...

    @property
    def deliveries(self) -> DeliveryRepository: ...


class ConcurrentUpdate(Exception):
    """The database refused the transaction because of a concurrent one (deadlock, duplicate
    insert race, lock timeout). Adapters raise it; use cases retry the whole unit of work."""


class DuplicateKey(ConcurrentUpdate):
    """A unique key was already taken. A race (two transactions inserting the same new key) is
    over once the other commits: the retry sees its row. The same duplicate on the next attempt is
    no race, and is reported instead of retried again. Its message names the duplicate entry."""
