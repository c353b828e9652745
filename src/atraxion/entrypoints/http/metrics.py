"""``GET /metrics``: the process's instruments plus gauges read from the database at scrape time."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from atraxion.application.context import Context
from atraxion.application.gauges import read_gauges
from atraxion.entrypoints.http.request_log_middleware import ApiLogRecorder
from atraxion.observability import metrics
from atraxion.ports.unit_of_work import UnitOfWork

log = logging.getLogger("atraxion.http.metrics")


class DatabaseCollector:
    """Pending changes and their age per consumer and entity, outbox entries per status, open
    failures, pull cursor ages: computed at each scrape (the database is shared by every replica,
    so any replica tells the same)."""

    def __init__(self, ctx: Context[UnitOfWork]) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[Metric]:
        try:
            gauges = read_gauges(self.ctx)
        except Exception as error:  # noqa: BLE001 - a scrape still shows the process's metrics
            log.warning("metrics: could not read the database (%s)", type(error).__name__)
            return
        pending = GaugeMetricFamily(
            "atraxion_pending_changes", "Records pending for a consumer, by entity.", labels=["consumer", "entity"]
        )
        oldest = GaugeMetricFamily(
            "atraxion_oldest_pending_age_seconds",
            "Age of the oldest change pending for a consumer, by entity (its lag).",
            labels=["consumer", "entity"],
        )
        for backlog in gauges.backlogs:
            pending.add_metric([backlog.consumer, backlog.entity], backlog.pending)
            oldest.add_metric([backlog.consumer, backlog.entity], backlog.oldest_age)
        outbox = GaugeMetricFamily(
            "atraxion_outbox_entries", "Outbox entries (orders for Odoo), by status.", labels=["status"]
        )
        for status, count in gauges.outbox.items():
            outbox.add_metric([status.value], count)
        failures = GaugeMetricFamily("atraxion_open_failures", "Sync failures waiting for an operator.")
        failures.add_metric([], gauges.open_failures)
        cursors = GaugeMetricFamily(
            "atraxion_pull_cursor_age_seconds",
            "Seconds since the entity's pull cursor was last stored.",
            labels=["entity"],
        )
        for entity, age in sorted(gauges.cursor_ages.items()):
            cursors.add_metric([entity], age)
        yield from (pending, oldest, outbox, failures, cursors)


class RequestLogCollector:
    """This process's request-log buffer: entries dropped (buffer full or database failing) and waiting."""

    def __init__(self, recorder: ApiLogRecorder | None) -> None:
        self.recorder = recorder

    def collect(self) -> Iterator[Metric]:
        dropped, waiting = (self.recorder.dropped, self.recorder.pending) if self.recorder is not None else (0, 0)
        counter = CounterMetricFamily(
            "atraxion_api_log_dropped", "Request-log entries dropped (buffer full or database failing)."
        )
        counter.add_metric([], dropped)
        gauge = GaugeMetricFamily("atraxion_api_log_pending", "Request-log entries waiting to be written.")
        gauge.add_metric([], waiting)
        yield from (counter, gauge)


async def metrics_route(request: Request) -> Response:
    collectors: list[Collector] = [
        DatabaseCollector(request.app.state.atraxion.context),
        RequestLogCollector(request.app.state.api_log),
    ]
    body = await run_in_threadpool(metrics.exposition, collectors)
    return Response(body, media_type=metrics.CONTENT_TYPE)
