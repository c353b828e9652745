"""The SQL unit of work: one connection and transaction per use case call."""

from __future__ import annotations

import threading
from functools import cached_property
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from atraxion.adapters.secret_box import SecretBox
from atraxion.adapters.sqlalchemy._sql import error_code
from atraxion.adapters.sqlalchemy.auth_repository import SqlTokenRepository
from atraxion.adapters.sqlalchemy.feed_repository import SqlFeedRepository
from atraxion.adapters.sqlalchemy.idempotency_repository import SqlIdempotencyRepository
from atraxion.adapters.sqlalchemy.lease_repository import SqlLeaseRepository
from atraxion.adapters.sqlalchemy.outbox_repository import (
    SqlOutboundOrderRepository,
    SqlOutboxRepository,
    SqlSyncFailureRepository,
)
from atraxion.adapters.sqlalchemy.overview_repository import SqlOverviewRepository
from atraxion.adapters.sqlalchemy.partner_repository import SqlPartnerRepository
from atraxion.adapters.sqlalchemy.pull_cursor_repository import SqlPullCursorRepository
from atraxion.adapters.sqlalchemy.purchase_order_line_repository import SqlPurchaseOrderLineRepository
from atraxion.adapters.sqlalchemy.queued_pull_repository import SqlQueuedPullRepository
from atraxion.adapters.sqlalchemy.reconcile_run_repository import SqlReconcileRunRepository
from atraxion.adapters.sqlalchemy.record_repository import SqlRecordRepository
from atraxion.adapters.sqlalchemy.request_log_repository import SqlApiLogRepository
from atraxion.adapters.sqlalchemy.user_repository import (
    SqlAdminSessionRepository,
    SqlAllowedDomainRepository,
    SqlUserRepository,
    SqlVerificationRepository,
)
from atraxion.adapters.sqlalchemy.webhook_repository import SqlDeliveryRepository, SqlWebhookRepository
from atraxion.ports.unit_of_work import ConcurrentUpdate, DuplicateKey

# Duplicate key (two inserts of a new key raced): MySQL/MariaDB's 1062, PostgreSQL's unique_violation.
_DUPLICATE: frozenset[int | str] = frozenset({1062, "23505"})
# Worth retrying: MySQL/MariaDB's deadlock and lock wait timeout; PostgreSQL's serialization
# failure, deadlock and lock_timeout.
_CONFLICTS: frozenset[int | str] = frozenset({1213, 1205, "40001", "40P01", "55P03"})


def is_duplicate(error: DBAPIError) -> bool:
    code = error_code(error)
    if code is not None:
        return code in _DUPLICATE
    return "unique constraint failed" in str(error.orig).lower()


def is_conflict(error: DBAPIError) -> bool:
    code = error_code(error)
    if code is not None:
        return code in _CONFLICTS or code in _DUPLICATE
    message = str(error.orig).lower()
    return "database is locked" in message or "unique constraint failed" in message


class SqlUnitOfWork:
    """``lock``: for an engine whose threads share one connection (in-memory SQLite), units of
    work must take turns, or one thread's BEGIN lands inside another's transaction."""

    def __init__(self, engine: Engine, lock: threading.RLock | None = None, *, secrets: SecretBox) -> None:
        self.engine = engine
        self.lock = lock
        self.secrets = secrets

    def __enter__(self) -> Self:
        if self.lock is not None:
            self.lock.acquire()
        # The connection begins a transaction on first use (SQLAlchemy's autobegin).
        self.connection = self.engine.connect()
        self._forget_repositories()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.connection.rollback()
        finally:
            self.connection.close()
            if self.lock is not None:
                self.lock.release()
        if isinstance(exc, DBAPIError) and is_duplicate(exc):
            raise DuplicateKey(str(exc.orig)) from exc
        if isinstance(exc, DBAPIError) and is_conflict(exc):
            raise ConcurrentUpdate(str(exc.orig)) from exc

    def _forget_repositories(self) -> None:
        """Repositories are made on first use (a unit of work builds only those its use case
        touches), and belong to one transaction: a unit of work entered again makes them anew."""
        for name in _REPOSITORIES:
            self.__dict__.pop(name, None)

    @cached_property
    def records(self) -> SqlRecordRepository:
        return SqlRecordRepository(self.connection)

    @cached_property
    def feed(self) -> SqlFeedRepository:
        return SqlFeedRepository(self.connection)

    @cached_property
    def tokens(self) -> SqlTokenRepository:
        return SqlTokenRepository(self.connection)

    @cached_property
    def idempotency(self) -> SqlIdempotencyRepository:
        return SqlIdempotencyRepository(self.connection)

    @cached_property
    def outbox(self) -> SqlOutboxRepository:
        return SqlOutboxRepository(self.connection)

    @cached_property
    def failures(self) -> SqlSyncFailureRepository:
        return SqlSyncFailureRepository(self.connection)

    @cached_property
    def outbound_orders(self) -> SqlOutboundOrderRepository:
        return SqlOutboundOrderRepository(self.connection)

    @cached_property
    def partners(self) -> SqlPartnerRepository:
        return SqlPartnerRepository(self.connection)

    @cached_property
    def purchase_order_lines(self) -> SqlPurchaseOrderLineRepository:
        return SqlPurchaseOrderLineRepository(self.connection)

    @cached_property
    def api_logs(self) -> SqlApiLogRepository:
        return SqlApiLogRepository(self.connection)

    @cached_property
    def leases(self) -> SqlLeaseRepository:
        return SqlLeaseRepository(self.connection)

    @cached_property
    def queued_pulls(self) -> SqlQueuedPullRepository:
        return SqlQueuedPullRepository(self.connection)

    @cached_property
    def reconcile_runs(self) -> SqlReconcileRunRepository:
        return SqlReconcileRunRepository(self.connection)

    @cached_property
    def pull_cursors(self) -> SqlPullCursorRepository:
        return SqlPullCursorRepository(self.connection)

    @cached_property
    def users(self) -> SqlUserRepository:
        return SqlUserRepository(self.connection)

    @cached_property
    def allowed_domains(self) -> SqlAllowedDomainRepository:
        return SqlAllowedDomainRepository(self.connection)

    @cached_property
    def verifications(self) -> SqlVerificationRepository:
        return SqlVerificationRepository(self.connection)

    @cached_property
    def admin_sessions(self) -> SqlAdminSessionRepository:
        return SqlAdminSessionRepository(self.connection)

    @cached_property
    def overview(self) -> SqlOverviewRepository:
        return SqlOverviewRepository(self.connection)

    @cached_property
    def webhooks(self) -> SqlWebhookRepository:
        return SqlWebhookRepository(self.connection, self.secrets)

    @cached_property
    def deliveries(self) -> SqlDeliveryRepository:
        return SqlDeliveryRepository(self.connection)

    def commit(self) -> None:
        self.connection.commit()

    def rollback(self) -> None:
        self.connection.rollback()


_REPOSITORIES = tuple(name for name, value in vars(SqlUnitOfWork).items() if isinstance(value, cached_property))
