"""The composition root: picks adapters from Settings and wires the application."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import attrs
from attrs import define, field
from sqlalchemy import Engine

from atraxion.adapters.clock import SystemClock
from atraxion.adapters.memory import MemoryStore, MemoryUnitOfWork
from atraxion.adapters.odoo.auto_gateway import AutoOdooGateway
from atraxion.adapters.odoo.json2_gateway import Json2OdooGateway
from atraxion.adapters.odoo.xmlrpc_gateway import XmlRpcOdooGateway
from atraxion.adapters.passwords import Argon2PasswordHasher
from atraxion.adapters.queue import EmbeddedQueue
from atraxion.adapters.secret_box import secret_box
from atraxion.adapters.smtp_mailer import SmtpMailer
from atraxion.adapters.sqlalchemy import SqlUnitOfWork, create_engine_from_url, shares_one_connection, upgrade
from atraxion.adapters.sqlalchemy.collation import refuse_unless_binary_keys
from atraxion.application.command import Command
from atraxion.application.context import AfterIngest, Context
from atraxion.application.partners import link_partners
from atraxion.application.pull import PullOptions
from atraxion.application.purchase_orders import extract_lines
from atraxion.application.reconcile import reconcilable
from atraxion.application.reconcile_runs import execute_run, run_start
from atraxion.application.retention import STORES, PrunableStore
from atraxion.application.reverse_sync import ConfigurationAlarm
from atraxion.application.users import Accounts
from atraxion.application.webhooks import DeliveryOutcome
from atraxion.config import Settings
from atraxion.domain.catalog import kinds_by_name
from atraxion.domain.errors import OdooNotConfigured
from atraxion.domain.outbox import OutboxPolicy, RetryPolicy
from atraxion.domain.reconcile import ReconcileRun
from atraxion.domain.records import Fingerprinter
from atraxion.domain.webhooks import DeliveryPolicy, RetrySchedule
from atraxion.observability import metrics
from atraxion.ports.clock import Clock
from atraxion.ports.odoo_gateway import OdooGateway
from atraxion.ports.task_queue import TaskQueue
from atraxion.ports.unit_of_work import PullUnitOfWork, UnitOfWork
from atraxion.ports.webhooks import WebhookSender

log = logging.getLogger(__name__)


def new_holder() -> str:
    """A lease holder id unique to this process instance: host, process id and a random part (a
    restarted process with a recycled pid must not inherit its predecessor's lease)."""
    return f"{socket.gethostname()[:64]}:{os.getpid()}:{secrets.token_hex(6)}"


@define
class Atraxion:
    """A wired application: the use-case context, the adapters the settings chose, and what must be
    closed on shutdown. Wiring only: nothing runs until an entrypoint starts it (the workers,
    sweepers, periodic pull and prune are ``atraxion.entrypoints.runtime.Runtime``'s).

    Reverse sync: ``queue`` (built on first use from ``broker_url``), ``gateway`` (None without
    ``ODOO_URL``), ``outbox_policy`` and ``alarm``. Webhooks: ``sender`` (built on first use),
    ``delivery_policy``, :meth:`publish_deliveries`. Pulling from Odoo: :meth:`nudge_pulls` (the
    webhooks' queued pulls), :meth:`pull_options`, :meth:`start_reconcile`; ``holder`` names this
    instance in the leases of periodic work.
    """

    settings: Settings
    context: Context[UnitOfWork]
    engine: Engine | None = None
    gateway: OdooGateway | None = None
    outbox_policy: OutboxPolicy = field(factory=OutboxPolicy)
    alarm: ConfigurationAlarm = field(factory=ConfigurationAlarm)
    """A configuration problem Odoo reported (credentials refused), said once."""
    queue_factory: Callable[[], TaskQueue] = field(default=EmbeddedQueue)
    _queue: TaskQueue | None = field(default=None, init=False)
    holder: str = field(factory=new_holder)
    accounts: Accounts = field(factory=lambda: Accounts(Argon2PasswordHasher()))
    """The admin UI's people: password hasher, mailer (``ATRAXION_SMTP_URL``), lockout."""
    delivery_policy: DeliveryPolicy = field(factory=DeliveryPolicy)
    sender_factory: Callable[[], WebhookSender] | None = None
    _sender: WebhookSender | None = field(default=None, init=False)
    delivery_observers: list[Callable[[DeliveryOutcome], None]] = field(factory=list)
    """Called with the outcome of every webhook delivery attempt (``atraxion_webhook_deliveries_total``)."""
    _closing: list[Callable[[], None]] = field(factory=list, init=False)

    @property
    def queue(self) -> TaskQueue:
        if self._queue is None:
            self._queue = self.queue_factory()
        return self._queue

    def broker_check(self) -> Callable[[], None] | None:
        """What checks the configured broker (None for the in-process ``memory`` queue)."""
        if self.settings.broker_url == "memory":
            return None
        return lambda: self.queue.check()

    # -- webhooks (docs/webhooks.md) --------------------------------------------------------------

    @property
    def sender(self) -> WebhookSender:
        if self._sender is None:
            factory = self.sender_factory or _http_sender(self.settings)
            self._sender = factory()
        return self._sender

    def observe_delivery(self, outcome: DeliveryOutcome) -> None:
        """Tell every observer the outcome of a delivery attempt."""
        for observer in self.delivery_observers:
            observer(outcome)

    def publish_deliveries(self, delivery_ids: Sequence[int]) -> None:
        """Nudge workers to send these committed deliveries. Best effort: the sweeper publishes
        whatever is due and unsent."""
        try:
            self.queue.publish_deliveries(delivery_ids)
        except Exception:  # noqa: BLE001 - the rows are the durable record; the message is a nudge
            log.warning("could not publish %d webhook deliveries; the sweeper will", len(delivery_ids), exc_info=True)

    def pull_options(self) -> PullOptions:
        """How pulls, webhooks' pulls and reconcile read Odoo (``ATRAXION_PULL_*``)."""
        s = self.settings
        return PullOptions.of(self.context, s.pull_overrides, page_size=s.pull_page_size, overlap=s.pull_overlap)

    def nudge_pulls(self) -> None:
        """Ask a worker to drain the queued pulls. Best effort: the rows are committed, and the
        next nudge, a worker's start or the periodic pull drains them if this one is lost."""
        try:
            self.queue.nudge_pulls()
        except Exception:  # noqa: BLE001 - the row is the durable record; the message is a nudge
            log.warning("could not nudge the queued pulls; the next nudge or periodic pull drains them", exc_info=True)

    def reconcile_command(self, entities: Sequence[str] = ()) -> Command[PullUnitOfWork, ReconcileRun]:
        """Record a reconcile run; once that is committed, run it on a background thread of this
        process (its state is in the database: :func:`~atraxion.application.reconcile_runs.get_run`).
        Raises UnknownEntity for an entity that is not pulled, OdooNotConfigured without Odoo."""
        reconcilable(self.context, entities)  # an unknown entity is the caller's error first
        gateway, options = self.odoo(), self.pull_options()

        def execute(run: ReconcileRun) -> None:
            threading.Thread(
                target=execute_run,
                args=(self.context, gateway, options, run),
                name=f"atraxion-reconcile-{run.id}",
                daemon=True,  # a run cut short by a stop is reported failed once it goes stale
            ).start()

        return run_start(self.context, entities, after_commit=execute)

    def start_reconcile(self, entities: Sequence[str] = ()) -> ReconcileRun:
        """:meth:`reconcile_command`, run: the run as started."""
        return self.reconcile_command(entities).run(self.context)

    def odoo(self) -> OdooGateway:
        """The Odoo gateway; raises OdooNotConfigured without one."""
        if self.gateway is None:
            raise OdooNotConfigured("Odoo is not configured: set ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_API_KEY")
        return self.gateway

    def on_close(self, stop: Callable[[], None]) -> None:
        """Have :meth:`close` call ``stop`` first (a runtime's threads, say), the latest first."""
        self._closing.append(stop)

    def close(self) -> None:
        while self._closing:
            self._closing.pop()()
        if self._queue is not None:
            self._queue.stop()
        for closable in (self.gateway, self._sender):
            close = getattr(closable, "close", None)
            if callable(close):
                close()
        if self.engine is not None:
            self.engine.dispose()


def prunable_stores() -> list[PrunableStore]:
    """What ``atraxion prune`` and the periodic prune can prune (``--logs``, ``--outbox``, …)."""
    return list(STORES)


def _after_ingest() -> dict[str, AfterIngest]:
    return {"partners": link_partners, "purchase-orders": extract_lines}


def bootstrap(
    settings: Settings | None = None,
    *,
    migrate: bool = True,
    clock: Clock | None = None,
    queue: TaskQueue | None = None,
    gateway: OdooGateway | None = None,
) -> Atraxion:
    """Build the application for ``settings``: ``memory://`` keeps everything in this process,
    any SQLAlchemy URL uses the database (migrated first unless ``migrate`` is false).
    ``queue`` and ``gateway`` replace the ones the settings name (tests, embedding)."""
    settings = settings or Settings.from_env()
    reverse_sync = _reverse_sync(settings, queue, gateway)
    engine: Engine | None = None
    uow_factory: Callable[[], UnitOfWork]
    if settings.database_url == "memory://":
        store = MemoryStore()

        def uow_factory() -> UnitOfWork:
            return MemoryUnitOfWork(store)

    else:
        sql_engine = engine = create_engine_from_url(settings.database_url)
        try:
            if migrate:
                upgrade(sql_engine)
            refuse_unless_binary_keys(sql_engine)  # keys compare byte for byte, or the service won't start
        except BaseException:
            sql_engine.dispose()  # no pooled connection outlives a refused start
            raise
        turns = threading.RLock() if shares_one_connection(sql_engine) else None
        box = secret_box(settings.secret_key, settings.secret_key_file)

        def uow_factory() -> UnitOfWork:
            return SqlUnitOfWork(sql_engine, turns, secrets=box)

    context = Context(
        uow_factory,
        clock or SystemClock(),
        kinds_by_name(),
        Fingerprinter(settings.volatile_fields),
        after_ingest=_after_ingest(),
        history_versions=settings.history_versions,
    )
    accounts = Accounts(Argon2PasswordHasher(), SmtpMailer.from_url(settings.smtp_url) if settings.smtp_url else None)
    app = Atraxion(settings, context, engine, accounts=accounts, **reverse_sync, **_webhooks(settings))
    # Use cases that record webhook deliveries nudge the workers once they committed.
    app.context = attrs.evolve(
        context, delivery_max_items=settings.webhook_max_items, announce_deliveries=app.publish_deliveries
    )
    return app


def _webhooks(settings: Settings) -> dict[str, Any]:
    timeout = settings.webhook_timeout
    policy = DeliveryPolicy(
        RetrySchedule(settings.webhook_retry_schedule),
        # A claim is presumed dead well after the POST's timeout.
        stale_after=timedelta(seconds=max(60.0, 4 * timeout)),
        redeliver_after=timedelta(seconds=settings.webhook_redeliver_after),
        max_items=settings.webhook_max_items,
    )
    return {"delivery_policy": policy, "delivery_observers": [_count_delivery]}


def _count_delivery(outcome: DeliveryOutcome) -> None:
    """``atraxion_webhook_deliveries_total{outcome}``: every attempt's outcome (a message skipped,
    with nothing attempted, is not counted)."""
    if outcome is not DeliveryOutcome.SKIPPED:
        metrics.observe_webhook_delivery(outcome.value)


def _http_sender(settings: Settings) -> Callable[[], WebhookSender]:
    def make() -> WebhookSender:
        from atraxion.adapters.webhooks.http_sender import HttpWebhookSender

        return HttpWebhookSender(settings.webhook_timeout, allow_private=settings.webhook_allow_private)

    return make


def _reverse_sync(settings: Settings, queue: TaskQueue | None, gateway: OdooGateway | None) -> dict[str, Any]:
    policy = OutboxPolicy(
        RetryPolicy(settings.outbox_max_attempts, settings.outbox_backoff_base, settings.outbox_backoff_cap),
        stale_after=timedelta(seconds=settings.outbox_stale_after),
        redeliver_after=timedelta(seconds=settings.outbox_redeliver_after),
        settle_after=timedelta(seconds=settings.odoo_settle_after),
        configuration_wait=timedelta(seconds=settings.outbox_configuration_wait),
    )
    if settings.outbox_stale_after < 3 * settings.odoo_timeout:
        # A worker may need two Odoo calls of up to odoo_timeout each; a shorter stale timeout lets
        # a live worker's entry be taken over while it still talks to Odoo.
        log.warning("ATRAXION_OUTBOX_STALE_AFTER should be at least 3 x ATRAXION_ODOO_TIMEOUT")
    return {
        "gateway": gateway if gateway is not None else odoo_gateway(settings),
        "outbox_policy": policy,
        "queue_factory": (lambda: queue) if queue is not None else _queue_factory(settings),
    }


ODOO_PROTOCOLS = ("auto", "json2", "xmlrpc")


def odoo_gateway(settings: Settings) -> OdooGateway | None:
    """The Odoo gateway ``ODOO_PROTOCOL`` names: JSON-2 needs only ODOO_API_KEY (ODOO_DB, when
    set, goes as ``X-Odoo-Database``), XML-RPC also ODOO_DB and ODOO_USERNAME; ``auto`` probes the
    server on first use (docs/reverse-sync.md)."""
    if not settings.odoo_url:
        return None
    protocol = settings.odoo_protocol
    if protocol not in ODOO_PROTOCOLS:
        raise ValueError(f"ODOO_PROTOCOL must be one of {', '.join(ODOO_PROTOCOLS)}, got {protocol!r}")
    required = [("ODOO_API_KEY", settings.odoo_api_key)]
    if protocol == "xmlrpc":
        required += [("ODOO_DB", settings.odoo_db), ("ODOO_USERNAME", settings.odoo_username)]
    missing = [name for name, value in required if not value]
    if missing:
        raise ValueError(f"ODOO_URL is set but {', '.join(missing)} not")
    url, key, timeout = settings.odoo_url, settings.odoo_api_key or "", settings.odoo_timeout
    if protocol == "json2":
        return Json2OdooGateway(url, key, settings.odoo_db, timeout, username=settings.odoo_username)
    if protocol == "xmlrpc":
        assert settings.odoo_db and settings.odoo_username
        return XmlRpcOdooGateway(url, settings.odoo_db, settings.odoo_username, key, timeout)
    return AutoOdooGateway(url, key, settings.odoo_db, settings.odoo_username, timeout)


def _queue_factory(settings: Settings) -> Callable[[], TaskQueue]:
    url = settings.broker_url
    if url == "memory":
        return lambda: EmbeddedQueue(settings.worker_threads)
    if url.partition("://")[0] in ("redis", "rediss", "amqp", "amqps"):

        def dramatiq_queue() -> TaskQueue:
            # Imported here: Dramatiq is only loaded when a broker is configured.
            from atraxion.adapters.queue.dramatiq_broker import make_dramatiq_queue

            return make_dramatiq_queue(url, worker_threads=settings.worker_threads)

        return dramatiq_queue
    raise ValueError(f"ATRAXION_BROKER_URL must be memory, redis://…, rediss://…, amqp://… or amqps://…, got {url!r}")
