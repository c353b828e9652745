"""Helpers of the reverse-sync end-to-end tests: apps wired to a running Odoo simulator, seeding,
a queue that loses messages, and polling with a deadline. (Fixtures stay in the test modules.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pytest
from starlette.testclient import TestClient

from atraxion.adapters.queue import EmbeddedQueue
from atraxion.application import tokens
from atraxion.application.ingest import ingest
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.domain.auth import Scope
from atraxion.entrypoints.http import create_app
from atraxion.entrypoints.inbound import parse_push
from atraxion.ports.task_queue import DeliveryHandler, EntryHandler, PullsHandler, TaskQueue
from atraxion.testing.odoo_sim import OdooSimulator
from tests.conftest import SERVERS, server_engine

T = TypeVar("T")

# Tiny backoff and timeouts: retries happen within milliseconds, a dead worker is detected in 1 s.
FAST = {
    "odoo_timeout": 0.3,
    "odoo_settle_after": 0.3,
    "worker_threads": 2,
    "outbox_max_attempts": 50,
    "outbox_backoff_base": 0.01,
    "outbox_backoff_cap": 0.05,
    "outbox_stale_after": 1.0,
    "outbox_redeliver_after": 0.3,
    "outbox_sweep_interval": 0.05,
}


def wait_for(probe: Callable[[], T], done: Callable[[T], bool], timeout: float = 15.0) -> T:
    """Poll ``probe`` until ``done`` holds for its value; fail with the last value at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still not done after {timeout} s: {value!r}")
        time.sleep(0.01)


class LossyQueue:
    """The embedded queue, except that the next ``lose`` published messages vanish (a broker that
    dropped them)."""

    def __init__(self, inner: TaskQueue, lose: int) -> None:
        self.inner = inner
        self.lose = lose
        self.lost: list[int] = []
        self._lock = threading.Lock()

    def publish(self, entry_ids: Sequence[int]) -> None:
        kept = []
        with self._lock:
            for entry_id in entry_ids:
                if self.lose > 0:
                    self.lose -= 1
                    self.lost.append(entry_id)
                else:
                    kept.append(entry_id)
        self.inner.publish(kept)

    def nudge_pulls(self) -> None:
        self.inner.nudge_pulls()

    def publish_deliveries(self, delivery_ids: Sequence[int]) -> None:
        self.inner.publish_deliveries(delivery_ids)

    def start(
        self, handler: EntryHandler, pulls: PullsHandler | None = None, deliveries: DeliveryHandler | None = None
    ) -> None:
        self.inner.start(handler, pulls, deliveries)

    def stop(self) -> None:
        self.inner.stop()


PROTOCOLS = ("xmlrpc", "json2")
SERVER_VERSIONS = {"xmlrpc": "17.0", "json2": "19.0"}
API_KEY = "e2e-api-key"
"""The admin's API key in the simulators of these tests: JSON-2 takes no password."""


class Apps:
    """Builds applications on the backend under test, wired to ``sim`` over ``protocol``; closes them
    at the end."""

    def __init__(
        self, backend: str, sim: OdooSimulator, request: pytest.FixtureRequest, protocol: str = "xmlrpc"
    ) -> None:
        self.backend = backend
        self.sim = sim
        self.request = request
        self.protocol = protocol
        self.built: list[Atraxion] = []

    def database_url(self) -> str:
        if self.backend == "memory":
            return "memory://"
        if self.backend == "sqlite":
            return f"sqlite:///{self.request.getfixturevalue('tmp_path') / 'atraxion.db'}"
        return server_engine(self.request, self.backend).url.render_as_string(hide_password=False)

    def make(self, queue: TaskQueue | None = None, **overrides: Any) -> Atraxion:
        settings = Settings(
            database_url=self.database_url(),
            odoo_url=self.sim.url,
            odoo_db=self.sim.db,
            odoo_username="admin",
            odoo_api_key="admin" if self.protocol == "xmlrpc" else API_KEY,
            odoo_protocol=self.protocol,
            **{**FAST, **overrides},
        )
        app = bootstrap(settings, migrate=self.backend not in SERVERS, queue=queue)
        self.built.append(app)
        return app

    def close(self) -> None:
        for app in self.built:
            app.close()


def lossy(lose: int) -> LossyQueue:
    return LossyQueue(EmbeddedQueue(2), lose)


def push(app: Atraxion, entity: str, records: list[dict[str, Any]]) -> None:
    """What Odoo pushes, through the same parsing as ``POST /api/v1/odoo/{entity}``."""
    ingest(app.context, parse_push(entity, {"records": records}))


def seed(app: Atraxion, sim: OdooSimulator) -> dict[str, int]:
    """Partners P1 (with an invoice address P1-INV), products A and B, known to Odoo and pushed
    with their odooIds; partner NO-ODOO is stored without one."""
    ids = {
        "P1": sim.seed_partner("Azure Interior", is_company=True),
        "A": sim.seed_product("Desk", list_price=120.0),
        "B": sim.seed_product("Chair", list_price=45.5),
    }
    ids["P1-INV"] = sim.seed_partner("Azure billing", parent_id=ids["P1"], type="invoice")
    push(
        app,
        "partners",
        [
            {"externalId": "P1", "odooId": ids["P1"], "type": "main", "data": {"name": "Azure Interior"}},
            {
                "externalId": "P1-INV",
                "odooId": ids["P1-INV"],
                "type": "billing",
                "externalParentId": "P1",
                "data": {"name": "Azure billing"},
            },
            {"externalId": "NO-ODOO", "type": "main", "data": {"name": "Not in Odoo yet"}},
        ],
    )
    push(
        app,
        "products",
        [
            {"externalId": "A", "odooId": ids["A"], "data": {"name": "Desk"}},
            {"externalId": "B", "odooId": ids["B"], "data": {"name": "Chair"}},
        ],
    )
    return ids


def client(app: Atraxion, *scopes: Scope) -> TestClient:
    """An HTTP client on ``app`` holding a token with ``scopes``."""
    _, secret = tokens.create_token(app.context, "test", frozenset(scopes), "webshop")
    test_client = TestClient(create_app(app))
    test_client.headers["Authorization"] = f"Bearer {secret}"
    return test_client


def order(external_id: str = "SO1", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "externalId": external_id,
        "partnerExternalId": "P1",
        "invoicePartnerExternalId": "P1-INV",
        "lines": [
            {"productExternalId": "A", "quantity": 2, "priceUnit": 99.5},
            {"productExternalId": "B", "quantity": 4},
        ],
        "note": "Leave at the back door",
    }
    body.update(changes)
    return body


def odoo_orders(sim: OdooSimulator, external_id: str) -> list[dict[str, Any]]:
    return sim.read("sale.order", sim.search("sale.order", [("client_order_ref", "=", external_id)]))
