"""``atraxion worker``: consume the Dramatiq queue (Redis or RabbitMQ) and sweep the outbox.

Run as many as you like, on as many machines as you like, next to one or more ``atraxion serve``:
each runs a Dramatiq Worker with ``ATRAXION_WORKER_THREADS`` threads and its own outbox sweeper
(sweeping from several processes is harmless: a re-published entry is claimed once). SIGINT or
SIGTERM stops it gracefully: running orders finish, prefetched messages go back to the broker.
See ``docs/deploying.md``.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

from atraxion.adapters.queue.dramatiq_url import is_dramatiq_url, redact
from atraxion.bootstrap import bootstrap
from atraxion.config import Settings
from atraxion.entrypoints.runtime import Runtime

log = logging.getLogger("atraxion.worker")

EXIT_OK = 0
EXIT_USAGE = 2

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run_worker(settings: Settings, *, ready: Callable[[], None] | None = None) -> int:
    """Run until SIGINT/SIGTERM; the exit status. ``ready`` is called once consuming has begun.

    Exits 2 at once when there is nothing for a worker process to do: the embedded queue
    (``ATRAXION_BROKER_URL=memory``) runs inside ``atraxion serve``, and without ``ODOO_URL`` there
    is nowhere to send orders.
    """
    if not is_dramatiq_url(settings.broker_url):
        print(
            f"atraxion worker: ATRAXION_BROKER_URL is {redact(settings.broker_url)!r}. The embedded queue "
            "runs inside `atraxion serve`; set ATRAXION_BROKER_URL to redis://… or amqp://… to run "
            "separate workers.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    stopping = threading.Event()
    previous = _install_handlers(stopping)
    try:
        app = bootstrap(settings)
        try:
            runtime = Runtime(app)  # stopped by app.close()
            if not runtime.start_workers():
                print("atraxion worker: set ODOO_URL and ODOO_API_KEY (docs/reverse-sync.md)", file=sys.stderr)
                return EXIT_USAGE
            runtime.check_odoo_in_background()  # one clear log line when the Odoo credentials are wrong
            runtime.start_pruner()  # when ATRAXION_PRUNE_INTERVAL is set; one replica at a time
            log.info("worker started on %s; SIGINT or SIGTERM stops it", app.queue)
            if ready is not None:
                ready()
            # A timed wait keeps the main thread responsive to signals on every platform.
            while not stopping.wait(1.0):
                pass
            log.info("stopping: finishing the orders in hand")
        finally:
            app.close()
    finally:
        _restore_handlers(previous)
    log.info("worker stopped")
    return EXIT_OK


_Handler = Callable[[int, FrameType | None], object] | int | None


def _install_handlers(stopping: threading.Event) -> dict[signal.Signals, _Handler]:
    if threading.current_thread() is not threading.main_thread():
        return {}  # only the main thread may set handlers; an embedding caller stops us otherwise

    def request_stop(number: int, _frame: FrameType | None) -> None:
        if stopping.is_set():
            # A second signal: the operator means it. Outbox entries in hand are taken over later.
            log.warning("second %s: exiting now", signal.Signals(number).name)
            raise SystemExit(130 if number == signal.SIGINT else 143)
        log.info("received %s", signal.Signals(number).name)
        stopping.set()

    return {number: signal.signal(number, request_stop) for number in _STOP_SIGNALS}


def _restore_handlers(previous: dict[signal.Signals, _Handler]) -> None:
    for number, handler in previous.items():
        signal.signal(number, handler if handler is not None else signal.SIG_DFL)
