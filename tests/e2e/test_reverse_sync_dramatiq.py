"""Reverse sync through a real Dramatiq Worker on real Redis and RabbitMQ, into the Odoo simulator
over real XML-RPC: R3–R5 of quality.md, and a real ``atraxion worker`` process killed mid-job.

Each test has a queue of its own (``?queue=`` in the broker URL), deleted from the broker at the end,
and a SQLite file database that the worker processes share with the test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from attrs import frozen

from atraxion.adapters.queue.dramatiq_broker import DramatiqQueue, make_dramatiq_queue
from atraxion.adapters.queue.dramatiq_cleanup import delete_queue
from atraxion.application.reverse_sync import submit_sale_order, sync_status
from atraxion.bootstrap import Atraxion
from atraxion.config import Settings
from atraxion.domain.auth import Scope
from atraxion.domain.outbox import AttemptOutcome, OutboxEntry, OutboxStatus
from atraxion.domain.webshop_orders import OrderLine, WebshopSaleOrder
from atraxion.entrypoints.runtime import Runtime
from atraxion.entrypoints.worker import run_worker
from atraxion.testing.odoo_sim import OdooSimulator
from tests.dramatiq_brokers import BROKERS, broker_url, unique_queue_name
from tests.e2e.reverse_sync_support import Apps, client, odoo_orders, order, seed, wait_for

pytestmark = pytest.mark.timeout(90)

# Tests that run the Dramatiq Worker in the test process share two cores with the simulator: a
# client timeout as short as reverse_sync_support.FAST's would turn scheduling hiccups into
# timed-out creates whose retry can race their late commit.
IN_PROCESS = {"odoo_timeout": 5.0, "outbox_stale_after": 15.0}

REFS = ["SO-1", "SO-2", "SO-3"]


@frozen
class Broker:
    kind: str
    url: str  # with this test's ?queue=
    queue_name: str


@pytest.fixture(params=BROKERS)
def broker(request: pytest.FixtureRequest) -> Iterator[Broker]:
    kind = str(request.param)
    base = broker_url(kind)
    name = unique_queue_name("atraxion-e2e")
    yield Broker(kind, f"{base}{'&' if '?' in base else '?'}queue={name}", name)
    cleaner = make_dramatiq_queue(base, queue_name=name)
    try:
        delete_queue(cleaner)
    finally:
        cleaner.stop()


@pytest.fixture
def sim() -> Iterator[OdooSimulator]:
    with OdooSimulator(seed=23) as simulator:
        yield simulator


@pytest.fixture
def apps(broker: Broker, sim: OdooSimulator, request: pytest.FixtureRequest) -> Iterator[Apps]:
    made = Apps("sqlite", sim, request)
    yield made
    made.close()


def dramatiq_queue(app: Atraxion) -> DramatiqQueue:
    queue = app.queue
    assert isinstance(queue, DramatiqQueue), queue
    return queue


def entry(app: Atraxion, queue_id: int) -> OutboxEntry:
    found = app.context.transaction(lambda uow: uow.outbox.get(queue_id))
    assert found is not None
    return found


def outcomes(app: Atraxion, queue_id: int) -> list[AttemptOutcome]:
    return [a.outcome for a in entry(app, queue_id).history]


def statuses(app: Atraxion, refs: list[str]) -> dict[str, OutboxStatus]:
    return {ref: sync_status(app.context, ref).status for ref in refs}


def all_completed(app: Atraxion, refs: list[str], timeout: float = 20.0) -> None:
    wait_for(
        lambda: statuses(app, refs),
        lambda s: set(s.values()) == {OutboxStatus.COMPLETED},
        timeout,
    )


def submit_direct(app: Atraxion, ref: str) -> int:
    """Submit through the use case (not HTTP)."""
    lines = [OrderLine("A", Decimal(2), Decimal("99.50")), OrderLine("B", Decimal(1))]
    return submit_sale_order(app.context, app.queue.publish, WebshopSaleOrder(ref, "P1", lines), "webshop").queue_id


def assert_exactly_once_in_odoo(app: Atraxion, sim: OdooSimulator, refs: list[str]) -> None:
    for ref in refs:
        found = [o["id"] for o in odoo_orders(sim, ref)]
        assert found == [sync_status(app.context, ref).odoo_id], (ref, found)
    assert sim.count("sale.order") == len(refs)


# -- in-process Dramatiq Worker ---------------------------------------------------------------------


def test_r3_odoo_down_then_up_completes_on(broker: Broker, apps: Apps, sim: OdooSimulator) -> None:
    app = apps.make(broker_url=broker.url, **IN_PROCESS)
    seed(app, sim)
    sim.refuse_connections()
    assert Runtime(app).start_workers()
    shop = client(app, Scope.WEBSHOP_ORDERS)
    ids = {}
    for ref in REFS:
        response = shop.post("/api/v1/webshop/sale-orders", json=order(ref))
        assert response.status_code == 202, response.text
        ids[ref] = response.json()["queueId"]
    down = wait_for(lambda: [sync_status(app.context, ref) for ref in REFS], lambda s: all(x.attempts >= 3 for x in s))
    assert {x.status for x in down} <= {OutboxStatus.PENDING, OutboxStatus.PROCESSING}
    assert sim.count("sale.order") == 0
    sim.faults.fail_next(2, "mixed")  # back up, but answering the first calls with transient faults
    sim.refuse_connections(False)
    all_completed(app, REFS)
    assert_exactly_once_in_odoo(app, sim, REFS)
    for ref in REFS:
        history = outcomes(app, ids[ref])
        assert history[-1] is AttemptOutcome.CREATED and set(history[:-1]) == {AttemptOutcome.TRANSIENT_ERROR}
        answer = shop.get(f"/api/v1/webshop/sale-orders/{ref}/sync").json()
        assert answer["status"] == "completed" and answer["odooId"] == odoo_orders(sim, ref)[0]["id"]
    assert dramatiq_queue(app).queue_name == broker.queue_name


def test_r4_response_lost_after_commit_creates_no_duplicate_on(broker: Broker, apps: Apps, sim: OdooSimulator) -> None:
    app = apps.make(broker_url=broker.url, **IN_PROCESS)
    seed(app, sim)
    sim.faults.drop_next(len(REFS))  # every first create commits, then its answer is lost
    assert Runtime(app).start_workers()
    ids = {ref: submit_direct(app, ref) for ref in REFS}
    all_completed(app, REFS)
    assert_exactly_once_in_odoo(app, sim, REFS)
    assert sim.calls("sale.order.create") == len(REFS)
    for ref in REFS:
        assert outcomes(app, ids[ref]) == [AttemptOutcome.TRANSIENT_ERROR, AttemptOutcome.FOUND]


def test_r5_dropped_message_recovered_by_sweeper(broker: Broker, apps: Apps, sim: OdooSimulator) -> None:
    app = apps.make(broker_url=broker.url, **IN_PROCESS)
    seed(app, sim)
    ids = {ref: submit_direct(app, ref) for ref in REFS}  # no worker yet: the messages wait in the broker
    dramatiq_queue(app).purge()  # ... and the broker loses them
    assert statuses(app, REFS) == dict.fromkeys(REFS, OutboxStatus.PENDING)
    assert Runtime(app).start_workers()
    all_completed(app, REFS)
    assert_exactly_once_in_odoo(app, sim, REFS)
    for ref in REFS:
        assert outcomes(app, ids[ref]) == [AttemptOutcome.CREATED]


# -- real `atraxion worker` processes --------------------------------------------------------------

WORKER_ENV = {
    "ATRAXION_ODOO_TIMEOUT": "2.0",
    "ATRAXION_WORKER_THREADS": "2",
    "ATRAXION_OUTBOX_MAX_ATTEMPTS": "50",
    "ATRAXION_OUTBOX_BACKOFF_BASE": "0.01",
    "ATRAXION_OUTBOX_BACKOFF_CAP": "0.05",
    "ATRAXION_OUTBOX_STALE_AFTER": "4.0",
    "ATRAXION_OUTBOX_REDELIVER_AFTER": "0.3",
    "ATRAXION_OUTBOX_SWEEP_INTERVAL": "0.1",
}
SLOW_ODOO = 0.4  # seconds per call: long enough to kill the worker while its create is in flight


class WorkerProcess:
    """``python -m atraxion.entrypoints.cli worker`` with its output in a file."""

    def __init__(self, env: dict[str, str], cwd: Path, name: str) -> None:
        self.log = cwd / f"{name}.log"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "atraxion.entrypoints.cli", "worker"],
                env=env,
                cwd=cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def worker_env(settings: Settings) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("ATRAXION_", "ODOO_"))}
    return {
        **inherited,
        **WORKER_ENV,
        "ATRAXION_DATABASE_URL": settings.database_url,
        "ATRAXION_BROKER_URL": settings.broker_url,
        "ODOO_URL": settings.odoo_url or "",
        "ODOO_DB": settings.odoo_db or "",
        "ODOO_USERNAME": settings.odoo_username or "",
        "ODOO_API_KEY": settings.odoo_api_key or "",
    }


def test_r5_worker_killed_mid_job_completes_exactly_once(
    broker: Broker, apps: Apps, sim: OdooSimulator, tmp_path: Path
) -> None:
    app = apps.make(broker_url=broker.url, odoo_timeout=2.0, outbox_stale_after=4.0)
    seed(app, sim)
    env = worker_env(app.settings)
    workers: list[WorkerProcess] = []
    try:
        sim.faults.set_delay(SLOW_ODOO)
        first = WorkerProcess(env, tmp_path, "first")
        workers.append(first)
        queue_id = submit_direct(app, "SO-K")
        # The first worker claimed the entry and its create is in flight in Odoo: kill it there.
        wait_for(lambda: sim.calls("sale.order.create"), lambda n: n >= 1, timeout=30)
        first.process.send_signal(signal.SIGKILL)
        assert first.process.wait(10) == -signal.SIGKILL
        # Odoo commits the create anyway (the answer goes nowhere): a lookup must find it.
        wait_for(lambda: len(odoo_orders(sim, "SO-K")), lambda n: n == 1)
        sim.faults.set_delay(0)
        held = entry(app, queue_id)
        assert held.status is OutboxStatus.PROCESSING, first.output()

        second = WorkerProcess(env, tmp_path, "second")
        workers.append(second)
        status = wait_for(
            lambda: sync_status(app.context, "SO-K"), lambda s: s.status is OutboxStatus.COMPLETED, timeout=30
        )
        assert [o["id"] for o in odoo_orders(sim, "SO-K")] == [status.odoo_id]
        assert sim.calls("sale.order.create") == 1
        # The dead worker's attempt is recorded as abandoned; the next one found the order.
        assert status.attempts == held.attempts + 1
        assert outcomes(app, queue_id)[-2:] == [AttemptOutcome.ABANDONED, AttemptOutcome.FOUND], second.output()

        second.process.send_signal(signal.SIGTERM)  # graceful: stops consuming, exits 0
        assert second.process.wait(30) == 0, second.output()
        assert "worker stopped" in second.output()
    finally:
        for worker in workers:
            worker.close()


def test_worker_with_the_embedded_queue_says_so_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_worker(Settings(database_url="memory://", broker_url="memory")) == 2
    assert "embedded queue runs inside `atraxion serve`" in capsys.readouterr().err


def test_worker_without_odoo_exits_2(broker: Broker, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'w.db'}", broker_url=broker.url)
    assert run_worker(settings) == 2
    assert "ODOO_URL" in capsys.readouterr().err


# -- Odoo's webhooks through the broker ----------------------------------------------------------


def test_a_webhook_nudge_travels_through_the_broker_to_a_worker(broker: Broker, apps: Apps, sim: OdooSimulator) -> None:
    """`atraxion serve` (no workers with a broker) queues the pull and publishes the nudge; a worker
    process's Dramatiq Worker drains it. Two applications on one database and one broker."""
    from atraxion.application.feed import changes, register_consumer
    from atraxion.application.queued_pulls import queued_count
    from atraxion.application.tokens import create_token

    web = apps.make(broker_url=broker.url, webhook_settle=0.0, **IN_PROCESS)
    worker = apps.make(broker_url=broker.url, webhook_settle=0.0, **IN_PROCESS)
    register_consumer(web.context, "shop")
    _, secret = create_token(web.context, "odoo", frozenset({Scope.ODOO_PUSH}), "odoo")
    desk = sim.create("product.product", {"name": "Desk", "default_code": "DESK"})
    from starlette.testclient import TestClient

    from atraxion.entrypoints.http import create_app

    assert Runtime(worker).start_workers()  # consuming already: only the webhook's own nudge can wake it now
    with TestClient(create_app(web)) as http:
        body = {"_model": "product.product", "_id": desk, "_action": "Atraxion(#1)"}
        assert http.post(f"/api/v1/odoo/webhooks/{secret}", json=body).status_code == 202
    assert isinstance(web.queue, DramatiqQueue)
    wait_for(lambda: queued_count(worker.context), lambda n: n == 0)
    items = changes(worker.context, "products", "shop", None, 10).items
    assert [(i.record.key, i.record.envelope["odooId"]) for i in items] == [("DESK", desk)]
