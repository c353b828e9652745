"""The process's Prometheus instruments, and the ``/metrics`` exposition.

The names are fixed (dashboards are shared): ``atraxion_http_request_duration_seconds`` (histogram;
``route`` template, ``method``, ``status``), ``atraxion_records_received_total`` and
``atraxion_records_changed_total`` (``entity``), ``atraxion_webhook_deliveries_total``
(``outcome``). What lives in the database (pending changes, the outbox, failures, pull cursors)
is not counted here: a collector reads it at scrape time (``entrypoints/http/metrics.py``).

Several processes serving one port (gunicorn/uvicorn workers) each count their own requests. With
``PROMETHEUS_MULTIPROC_DIR`` set (an empty directory, before the processes start) the counts go to
files there and every scrape adds up all processes' (``prometheus_client.multiprocess``).

The instruments are made on first use, never at import.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Method label values; any other method (a client may invent one per request) is ``other``, so
unauthenticated requests cannot grow the metrics without bound."""
UNMATCHED = "unmatched"
"""The ``route`` of a request no route matched (never its raw path)."""
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

disable_created_metrics()  # type: ignore[no-untyped-call]  # no `*_created` series: dashboards never read them

_OUTCOME = re.compile(r"[a-z][a-z0-9_]{0,31}")


class Instruments:
    """The counters and the histogram, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.request_seconds = Histogram(
            "atraxion_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template, method and status.",
            ["route", "method", "status"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.received = Counter(
            "atraxion_records_received",
            "Records received from Odoo (pushes and pulls).",
            ["entity"],
            registry=self.registry,
        )
        self.changed = Counter(
            "atraxion_records_changed",
            "Records whose content changed (created, updated or deleted).",
            ["entity"],
            registry=self.registry,
        )
        self.webhook_deliveries = Counter(
            "atraxion_webhook_deliveries", "Webhook delivery attempts, by outcome.", ["outcome"], registry=self.registry
        )


_lock = threading.Lock()
_instruments: Instruments | None = None


def instruments() -> Instruments:
    global _instruments
    if _instruments is None:
        with _lock:
            if _instruments is None:
                _instruments = Instruments()
    return _instruments


def method_label(method: str) -> str:
    return method if method in METHODS else "other"


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    """One answered request: ``route`` is its template (``/api/v1/odoo/{entity}``), never its path."""
    instruments().request_seconds.labels(route, method_label(method), str(status)).observe(seconds)


def observe_ingest(entity: str, received: int, changed: int) -> None:
    """A committed ingest of ``entity``: records received, and how many of them changed."""
    if received:
        instruments().received.labels(entity).inc(received)
    if changed:
        instruments().changed.labels(entity).inc(changed)


def observe_webhook_delivery(outcome: str) -> None:
    """One webhook delivery attempt and its outcome (``delivered``, ``retried``, ``failed``, …: a
    short lower-case word; anything else is counted as ``other``)."""
    instruments().webhook_deliveries.labels(outcome if _OUTCOME.fullmatch(outcome) else "other").inc()


class _Local:
    """This process's instruments, as one collector of a scrape's registry."""

    def collect(self) -> Iterator[Metric]:
        yield from instruments().registry.collect()


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_DIR))


def exposition(collectors: Iterable[Collector] = ()) -> bytes:
    """The Prometheus text of this process's instruments (every process's, in multiprocess mode)
    and of ``collectors`` (read now)."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess():
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Local())
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry)
