"""What runs in a process of a wired application: the queue's consumers, the sweepers, the periodic
pull and prune, and the start-up Odoo check.

:func:`~atraxion.bootstrap.bootstrap` only wires; ``atraxion serve`` and ``atraxion worker`` (and a
program embedding Atraxion that wants workers in its own process) start a :class:`Runtime` on the
wired application::

    app = bootstrap(settings)
    runtime = Runtime(app)
    runtime.start_workers()     # consumers, sweepers, periodic pull
    runtime.start_pruner()      # when ATRAXION_PRUNE_INTERVAL is set
    ...
    app.close()                 # stops the runtime first (its leases released), then closes

Every periodic job runs on one replica at a time (a lease per job, ``holder`` naming this process).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from atraxion.adapters.queue import PeriodicTask
from atraxion.application.leases import release_lease, run_if_leading
from atraxion.application.odoo_check import check_odoo
from atraxion.application.pull import PullSummary
from atraxion.application.queued_pulls import drain_queued_pulls
from atraxion.application.retention import LEASE as PRUNE_LEASE
from atraxion.application.retention import Pruned, scheduled_prune
from atraxion.application.reverse_sync import process_entry, sweep
from atraxion.application.scheduled_pull import give_up, lease_ttl, scheduled_pull
from atraxion.application.webhooks import DeliveryOutcome, process_delivery, sweep_deliveries
from atraxion.bootstrap import Atraxion, prunable_stores
from atraxion.domain.odoo_orders import OdooCredentialsRefused, PermanentOdooError, TransientOdooError

log = logging.getLogger(__name__)

OUTBOX_SWEEPER = "outbox-sweeper"
DELIVERY_SWEEPER = "webhook-sweeper"
"""The leases of the periodic sweepers: each sweeps on one replica at a time."""


class Runtime:
    """The threads of one process over ``app``: started by :meth:`start_workers` and
    :meth:`start_pruner`, stopped by :meth:`stop` (which ``app.close()`` calls)."""

    def __init__(self, app: Atraxion) -> None:
        self.app = app
        self._sweeper: PeriodicTask | None = None
        self._puller: PeriodicTask | None = None
        self._pruner: PeriodicTask | None = None
        self._delivery_sweeper: PeriodicTask | None = None
        app.on_close(self.stop)

    # -- the queue's handlers ------------------------------------------------------------------

    def handle_entry(self, entry_id: int) -> None:
        """Process one outbox entry against Odoo. Without Odoo the entry waits in the outbox (the
        sweeper publishes it again once Odoo is configured)."""
        app = self.app
        if app.gateway is None:
            log.warning("outbox entry %s waits: Odoo is not configured (set ODOO_URL and ODOO_API_KEY)", entry_id)
            return
        process_entry(app.context, app.gateway, entry_id, app.outbox_policy, alarm=app.alarm)

    def handle_delivery(self, delivery_id: int) -> DeliveryOutcome:
        """Send one webhook delivery, record the outcome."""
        app = self.app
        return process_delivery(app.context, app.sender, delivery_id, app.delivery_policy, observe=app.observe_delivery)

    def drain_pulls(self) -> PullSummary:
        """Pull the records Odoo's webhooks announced (the queue's pull nudges)."""
        app = self.app
        return drain_queued_pulls(
            app.context, app.odoo(), app.pull_options(), app.holder, settle=app.settings.webhook_settle
        )

    # -- periodic jobs, one replica at a time ------------------------------------------------------

    def sweep(self) -> list[int]:
        """Re-publish entries left behind by a lost message or a dead worker. One replica at a
        time (lease ``outbox-sweeper``); on the others this does nothing."""
        app = self.app
        interval = app.settings.outbox_sweep_interval
        publish = app.queue.publish
        swept = run_if_leading(
            app.context, OUTBOX_SWEEPER, app.holder, interval, lambda: sweep(app.context, publish, app.outbox_policy)
        )
        return swept or []

    def sweep_deliveries(self) -> list[int]:
        """Publish the deliveries that are due: retries, unannounced ones, lost messages. One
        replica at a time (lease ``webhook-sweeper``); on the others this does nothing."""
        app = self.app
        interval = app.settings.webhook_sweep_interval
        due = run_if_leading(
            app.context,
            DELIVERY_SWEEPER,
            app.holder,
            interval,
            lambda: sweep_deliveries(app.context, app.publish_deliveries, app.delivery_policy),
        )
        return due or []

    def periodic_pull(self) -> PullSummary | None:
        """One run of the periodic pull, if this instance holds the pull lease (else None)."""
        app = self.app
        ttl = lease_ttl(app.settings.pull_interval)
        return scheduled_pull(app.context, app.odoo(), app.pull_options(), app.holder, ttl)

    def periodic_prune(self) -> list[Pruned] | None:
        """One run of the periodic prune, if this instance holds the prune lease (else None)."""
        app = self.app
        ages = {name: timedelta(days=days) for name, days in app.settings.retention_days.items()}
        ttl = lease_ttl(app.settings.prune_interval)
        return scheduled_prune(app.context, ages, prunable_stores(), app.holder, ttl)

    # -- lifecycle -------------------------------------------------------------------------------

    def start_workers(self) -> bool:
        """Consume the queue in this process (embedded threads, or a Dramatiq worker), run the
        sweeper every ``outbox_sweep_interval`` seconds and, when ``pull_interval`` is set, the
        periodic pull; and the webhook deliveries with their sweeper (Odoo or not). False, with a
        warning, without Odoo."""
        app = self.app
        if self._delivery_sweeper is None:
            app.queue.start(self.handle_entry, self.drain_pulls, self.handle_delivery)
            interval = app.settings.webhook_sweep_interval
            self._delivery_sweeper = PeriodicTask(self.sweep_deliveries, interval, name="atraxion-webhooks")
            self._delivery_sweeper.start()
        if app.gateway is None:
            log.warning("ODOO_URL is not set: webshop orders are queued but not sent to Odoo")
            return False
        if self._sweeper is not None:
            return True
        self._sweeper = PeriodicTask(self.sweep, app.settings.outbox_sweep_interval, name="atraxion-sweeper")
        self._sweeper.start()
        if app.settings.pull_interval > 0:
            self._puller = PeriodicTask(self.periodic_pull, app.settings.pull_interval, name="atraxion-puller")
            self._puller.start()
        app.nudge_pulls()  # pulls queued while no worker ran (a crash, a restart) are drained now
        return True

    def start_pruner(self) -> bool:
        """Prune every ``prune_interval`` seconds (``ATRAXION_PRUNE_INTERVAL``), one replica at a
        time; False when it is off (0)."""
        interval = self.app.settings.prune_interval
        if interval <= 0 or self._pruner is not None:
            return self._pruner is not None
        self._pruner = PeriodicTask(self.periodic_prune, interval, name="atraxion-pruner")
        self._pruner.start()
        return True

    def stop_workers(self) -> None:
        """Stop what :meth:`start_workers` started, and give up its leases: another replica takes
        over now, not when they expire."""
        app = self.app
        puller, self._puller = self._puller, None
        if puller is not None:
            puller.stop()
            try:
                give_up(app.context, app.holder)
            except Exception:  # noqa: BLE001 - stopping goes on; the lease expires by itself
                log.warning("could not release the pull lease; it expires by itself", exc_info=True)
        sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None:
            sweeper.stop()
        deliveries, self._delivery_sweeper = self._delivery_sweeper, None
        if deliveries is not None:
            deliveries.stop()
        if sweeper is not None or deliveries is not None:
            app.queue.stop()
        for lease, task in ((OUTBOX_SWEEPER, sweeper), (DELIVERY_SWEEPER, deliveries)):
            if task is not None:
                self._release(lease)

    def stop(self) -> None:
        """Stop every thread this runtime started (the pruner, then the workers)."""
        pruner, self._pruner = self._pruner, None
        if pruner is not None:
            pruner.stop()
            self._release(PRUNE_LEASE)
        self.stop_workers()

    def _release(self, lease: str) -> None:
        try:
            release_lease(self.app.context, lease, self.app.holder)  # another replica takes over now
        except Exception:  # noqa: BLE001 - stopping goes on; the lease expires by itself
            log.warning("could not release the %s lease; it expires by itself", lease, exc_info=True)

    # -- the start-up check ----------------------------------------------------------------------

    def check_odoo(self) -> bool:
        """Check the Odoo credentials and read access once, logging one line: an error when the
        credentials are refused (orders wait: the alarm is raised, so workers do not say it again),
        an error when Odoo refuses otherwise (orders would fail), a warning when Odoo cannot be
        reached now (orders wait in the outbox), info when all is well. True when all is well;
        never raises."""
        app = self.app
        if app.gateway is None:
            return False
        try:
            result = check_odoo(app.gateway)
        except OdooCredentialsRefused as error:  # said here, once: the workers' alarm stays quiet
            if app.alarm.raise_(str(error), announce=False):
                log.error("Odoo check failed, webshop orders wait in the queue until this is fixed: %s", error)
            return False
        except PermanentOdooError as error:
            log.error("Odoo check failed, webshop orders will fail until this is fixed: %s", error)
            return False
        except TransientOdooError as error:
            log.warning("Odoo cannot be reached now (orders wait in the outbox): %s", error)
            return False
        except Exception as error:  # noqa: BLE001 - a start-up check must not stop start-up
            log.warning("Odoo check could not run: %s: %s", type(error).__name__, error)
            return False
        (log.info if result.ok else log.warning)("%s", result.summary())
        return result.ok

    def check_odoo_in_background(self) -> threading.Thread | None:
        """:meth:`check_odoo` in a daemon thread, so that a slow or unreachable Odoo never holds up
        start-up; the thread, or None without ``ODOO_URL``."""
        if self.app.gateway is None:
            return None
        thread = threading.Thread(target=self.check_odoo, name="atraxion-odoo-check", daemon=True)
        thread.start()
        return thread
