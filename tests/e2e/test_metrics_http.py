"""GET /metrics parsed with prometheus_client's own parser: names, labels and values checked
against what was pushed, acked and queued (every backend)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from atraxion.bootstrap import Atraxion
from atraxion.domain.odoo_records import OdooPosition
from atraxion.observability import metrics
from atraxion.testing.fakes import FakeClock
from tests.e2e.conftest import Tokens

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


class WallClock(FakeClock):
    """A fake clock whose change sequence counts microseconds of its own time, as the system
    clock's does: pending ages are then exact."""

    def sequence(self) -> int:
        return int(self.now().timestamp() * 1_000_000) + super().sequence()


@pytest.fixture
def clock() -> FakeClock:
    return WallClock(datetime(2026, 6, 1, tzinfo=UTC))


def scrape(client: TestClient) -> Samples:
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


PRODUCTS = {
    "records": [
        {"externalId": "M1", "odooId": 1, "data": {"name": "Desk"}},
        {"externalId": "M2", "odooId": 2, "data": {"name": "Chair"}},
    ]
}


def test_metrics_follow_pushes_acks_and_the_outbox(
    client: TestClient, tokens: Tokens, clock: FakeClock, atraxion: Atraxion
) -> None:
    before = scrape(client)
    assert client.post("/api/v1/odoo/products", json=PRODUCTS, headers=tokens.odoo).status_code == 200
    assert client.post("/api/v1/odoo/products", json=PRODUCTS, headers=tokens.odoo).status_code == 200  # unchanged
    clock.advance(seconds=90)
    ack = client.post(
        "/api/v1/webshop/products/ack", json={"items": [{"key": "M1", "version": 1}]}, headers=tokens.shop
    )
    assert ack.json()["acked"] == ["M1"]
    after = scrape(client)

    received = "atraxion_records_received_total"
    changed = "atraxion_records_changed_total"
    assert value(after, received, entity="products") - value(before, received, entity="products") == 4
    assert value(after, changed, entity="products") - value(before, changed, entity="products") == 2
    # From the database: what each consumer has pending, and for how long.
    assert value(after, "atraxion_pending_changes", consumer="webshop", entity="products") == 1
    assert value(after, "atraxion_pending_changes", consumer="mobile", entity="products") == 2
    assert value(after, "atraxion_oldest_pending_age_seconds", consumer="mobile", entity="products") == 90
    for status in ("pending", "processing", "completed", "failed"):  # every status, zero included
        assert ("atraxion_outbox_entries", (("status", status),)) in after
        assert value(after, "atraxion_outbox_entries", status=status) == 0
    assert ("atraxion_open_failures", ()) in after and value(after, "atraxion_open_failures") == 0

    # The latency histogram: route templates and fixed methods, never raw paths.
    count = "atraxion_http_request_duration_seconds_count"
    push_route = {"route": "/api/v1/odoo/{entity}", "method": "POST", "status": "200"}
    assert value(after, count, **push_route) - value(before, count, **push_route) == 2
    routes = {dict(labels)["route"] for name, labels in after if name.startswith("atraxion_http_request_duration")}
    assert "/api/v1/webshop/{entity}/ack" in routes
    assert not any("M1" in route or "/products" in route for route in routes)


def test_orders_in_the_outbox_and_pull_cursors(
    client: TestClient, tokens: Tokens, clock: FakeClock, atraxion: Atraxion
) -> None:
    partner = {"externalId": "C1", "odooId": 5, "data": {"name": "Cycles"}}
    product = {"externalId": "M1", "odooId": 1, "data": {"name": "Desk"}}
    client.post("/api/v1/odoo/partners", json={"records": [partner]}, headers=tokens.odoo)
    client.post("/api/v1/odoo/products", json={"records": [product]}, headers=tokens.odoo)
    order = {"externalId": "WEB-1", "partnerExternalId": "C1", "lines": [{"productExternalId": "M1", "quantity": 1}]}
    assert client.post("/api/v1/webshop/sale-orders", json=order, headers=tokens.shop).status_code == 202

    def advance(uow: object) -> None:
        uow.pull_cursors.advance("products", OdooPosition("2026-05-31 00:00:00", 7), clock.now())  # type: ignore[attr-defined]
        uow.commit()  # type: ignore[attr-defined]

    atraxion.context.transaction(advance)
    clock.advance(minutes=5)
    samples = scrape(client)
    assert value(samples, "atraxion_outbox_entries", status="pending") == 1
    assert value(samples, "atraxion_outbox_entries", status="completed") == 0
    assert value(samples, "atraxion_pull_cursor_age_seconds", entity="products") == 300


def test_webhook_deliveries_by_outcome(client: TestClient) -> None:
    name = "atraxion_webhook_deliveries_total"
    before = scrape(client)
    metrics.observe_webhook_delivery("delivered")
    metrics.observe_webhook_delivery("delivered")
    metrics.observe_webhook_delivery("Not a label!")  # an unexpected outcome cannot invent series
    after = scrape(client)
    assert value(after, name, outcome="delivered") - value(before, name, outcome="delivered") == 2
    assert value(after, name, outcome="other") - value(before, name, outcome="other") == 1


CHILD = """
import sys
from atraxion.observability import metrics
if sys.argv[1] == "count":
    metrics.observe_ingest("products", 3, 1)
    metrics.observe_request("/api/v1/odoo/{entity}", "POST", 200, 0.01)
else:
    sys.stdout.write(metrics.exposition().decode())
"""


def test_several_processes_add_up_in_multiprocess_mode(tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR, a scrape of any process shows every process's counts."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", CHILD, "count"], env=env, check=True, timeout=60)
    text = subprocess.run(
        [sys.executable, "-c", CHILD, "scrape"], env=env, check=True, timeout=60, capture_output=True, text=True
    ).stdout
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert value(samples, "atraxion_records_received_total", entity="products") == 6
    assert value(samples, "atraxion_records_changed_total", entity="products") == 2
    route = {"route": "/api/v1/odoo/{entity}", "method": "POST", "status": "200"}
    assert value(samples, "atraxion_http_request_duration_seconds_count", **route) == 2
