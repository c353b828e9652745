"""Many replicas, one truth: 3 ``atraxion serve`` and 2 ``atraxion worker`` processes sharing one
database and one broker, driven round-robin for a bounded time — Odoo pushes of overlapping
records, 3 webshops polling and acknowledging, webshop orders — while a worker is killed, a replica
restarted and Odoo (the simulator) loses some of its answers.

Afterwards every webshop's copy, rebuilt from its changes alone, equals the latest data pushed;
every order exists exactly once in Odoo; and no request was answered with a 5xx."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from atraxion.adapters.queue.dramatiq_broker import make_dramatiq_queue
from atraxion.adapters.queue.dramatiq_cleanup import delete_queue
from atraxion.testing.odoo_sim import OdooSimulator
from tests.conftest import server_database
from tests.dramatiq_brokers import broker_url, unique_queue_name
from tests.e2e.reverse_sync_support import odoo_orders
from tests.e2e.test_serve_smoke import free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

ATRAXION = str(Path(sys.executable).parent / "atraxion")
DURATION = float(os.environ.get("ATRAXION_TEST_REPLICAS_SECONDS", "20"))
KEYS = [f"K{n:03d}" for n in range(100)]
CONSUMERS = ("shop-a", "shop-b", "shop-c")
FAST = {  # retries within a second, a dead worker's claim taken over after 4 s
    "ATRAXION_ODOO_TIMEOUT": "2.0",
    "ATRAXION_ODOO_SETTLE_AFTER": "1.0",
    "ATRAXION_WORKER_THREADS": "2",
    "ATRAXION_OUTBOX_MAX_ATTEMPTS": "200",
    "ATRAXION_OUTBOX_BACKOFF_BASE": "0.05",
    "ATRAXION_OUTBOX_BACKOFF_CAP": "0.5",
    "ATRAXION_OUTBOX_STALE_AFTER": "4.0",
    "ATRAXION_OUTBOX_REDELIVER_AFTER": "0.5",
    "ATRAXION_OUTBOX_SWEEP_INTERVAL": "0.2",
}


TOPOLOGIES = [
    pytest.param(("mariadb", "rabbitmq"), marks=[pytest.mark.mariadb, pytest.mark.rabbitmq], id="mariadb-rabbitmq"),
    pytest.param(("postgresql", "redis"), marks=[pytest.mark.postgresql, pytest.mark.redis], id="postgresql-redis"),
]


@pytest.fixture(params=TOPOLOGIES)
def shared(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(database URL, broker URL): a fresh database and a queue of this test's own."""
    database, broker = request.param
    base = broker_url(broker)
    queue = unique_queue_name("atraxion-replicas")
    with server_database(database, prefix="atraxion_replicas") as url:
        try:
            yield url, f"{base}{'&' if '?' in base else '?'}queue={queue}"
        finally:
            cleaner = make_dramatiq_queue(base, queue_name=queue)
            try:
                delete_queue(cleaner)
            finally:
                cleaner.stop()


class Process:
    """An ``atraxion`` command running in the background, its output in a file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.name, self.args, self.env, self.cwd = name, args, env, cwd
        self.log = cwd / f"{name}.log"
        self.start()

    def start(self) -> None:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [ATRAXION, *self.args], env=self.env, cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT
            )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout)


class Traffic:
    """Everything the clients saw: statuses by route, and what they could not reach."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.server_errors: list[str] = []
        self.answers = 0
        self.unreachable = 0

    def call(
        self,
        bases: list[str],
        turn: int,
        method: str,
        path: str,
        token: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send to the replicas round-robin from ``turn``, moving on when one does not answer."""
        for attempt in range(60):
            base = bases[(turn + attempt) % len(bases)]
            try:
                response = httpx.request(
                    method,
                    f"{base}{path}",
                    json=json,
                    timeout=30,
                    headers={"Authorization": f"Bearer {token}", **(headers or {})},
                )
            except httpx.TransportError:
                with self.lock:
                    self.unreachable += 1
                time.sleep(0.1)
                continue
            with self.lock:
                self.answers += 1
                if response.status_code >= 500:
                    self.server_errors.append(f"{method} {path} → {response.status_code} {response.text[:200]}")
            return response
        raise AssertionError(f"no replica answered {method} {path}")


def _cli(env: dict[str, str], cwd: Path, *args: str) -> str:
    done = subprocess.run([ATRAXION, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def _wait_healthy(base: str, process: Process) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.process.poll() is None, process.log.read_text()
        assert time.monotonic() < deadline, f"{process.name} did not start"
        time.sleep(0.2)


def test_three_replicas_and_two_workers_keep_one_truth(shared: tuple[str, str], tmp_path: Path) -> None:
    database_url, broker = shared
    with OdooSimulator(seed=7) as sim:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ATRAXION_", "ODOO_"))}
        env.update(
            FAST,
            ATRAXION_DATABASE_URL=database_url,
            ATRAXION_BROKER_URL=broker,
            ODOO_URL=sim.url,
            ODOO_DB=sim.db,
            ODOO_USERNAME="admin",
            ODOO_API_KEY="admin",
            ODOO_PROTOCOL="xmlrpc",
            ATRAXION_SECRET_KEY=Fernet.generate_key().decode(),  # every replica shares it (docs/scaling-out.md)
        )
        _cli(env, tmp_path, "db", "upgrade")  # once, before anything starts (docs/deploying.md)
        odoo = _cli(env, tmp_path, "token", "create", "odoo", "--scope", "odoo:push")
        shops = {
            name: _cli(
                env,
                tmp_path,
                "token",
                "create",
                name,
                "--consumer",
                name,
                "--scope",
                "webshop:read",
                "--scope",
                "webshop:ack",
                "--scope",
                "webshop:orders",
            )
            for name in CONSUMERS
        }
        ports = [free_port() for _ in range(3)]
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        replicas = [
            Process(f"serve-{n}", ["serve", "--port", str(port)], env, tmp_path) for n, port in enumerate(ports)
        ]
        workers = [Process(f"worker-{n}", ["worker"], env, tmp_path) for n in range(2)]
        everything = [*replicas, *workers]
        try:
            for base, replica in zip(bases, replicas, strict=True):
                _wait_healthy(base, replica)
            _run(sim, bases, replicas, workers, everything, env, tmp_path, odoo, shops)
        finally:
            for process in everything:
                process.stop(signal.SIGKILL)


def _run(
    sim: OdooSimulator,
    bases: list[str],
    replicas: list[Process],
    workers: list[Process],
    everything: list[Process],
    env: dict[str, str],
    cwd: Path,
    odoo: str,
    shops: dict[str, str],
) -> None:
    traffic = Traffic()
    partner = sim.seed_partner("Nordlys Interiors", is_company=True)
    products = {name: sim.seed_product(name, list_price=10.0) for name in ("DESK", "CHAIR")}
    seeded = traffic.call(
        bases,
        0,
        "POST",
        "/api/v1/odoo/partners",
        odoo,
        json={"records": [{"externalId": "P1", "odooId": partner, "data": {"name": "Nordlys"}}]},
    )
    assert seeded.status_code == 200, seeded.text
    seeded = traffic.call(
        bases,
        1,
        "POST",
        "/api/v1/odoo/products",
        odoo,
        json={
            "records": [
                {"externalId": name, "odooId": odoo_id, "data": {"name": name}} for name, odoo_id in products.items()
            ]
        },
    )
    assert seeded.status_code == 200, seeded.text
    latest: dict[str, Any] = {name: {"name": name} for name in products}
    copies: dict[str, dict[str, Any]] = {name: {} for name in shops}
    orders: dict[str, str] = {}  # externalId → the consumer that submitted it
    stop = threading.Event()
    sim.faults.drop_share(0.1)  # Odoo commits, its answer is lost: the worker must look before it creates again

    def push() -> None:
        turn = 0
        while not stop.is_set():
            keys = [KEYS[(turn * 7 + j) % len(KEYS)] for j in range(20)]  # windows overlap from one push to the next
            records = [
                {"externalId": k, "odooId": 10_000 + KEYS.index(k), "data": {"name": k, "push": turn}} for k in keys
            ]
            answer = traffic.call(bases, turn, "POST", "/api/v1/odoo/products", odoo, json={"records": records})
            assert answer.status_code == 200, answer.text
            for record in records:
                latest[record["externalId"]] = record["data"]
            turn += 1

    def poll(name: str, until_empty: bool = False) -> None:
        turn = 0
        while until_empty or not stop.is_set():
            page = traffic.call(bases, turn, "GET", "/api/v1/webshop/products/changes?limit=200", shops[name])
            assert page.status_code == 200, page.text
            items = page.json()["items"]
            for item in items:
                if item["deleted"]:
                    copies[name].pop(item["key"], None)
                else:
                    copies[name][item["key"]] = item["data"]
            if items:
                acked = traffic.call(
                    bases,
                    turn + 1,
                    "POST",
                    "/api/v1/webshop/products/ack",
                    shops[name],
                    json={"items": [{"key": i["key"], "version": i["version"]} for i in items]},
                )
                assert acked.status_code == 200, acked.text
            elif until_empty:
                return
            turn += 1
            time.sleep(0.05)

    def order() -> None:
        number = 0
        while not stop.is_set():
            name = list(shops)[number % len(shops)]
            reference = f"WEB-{number:04d}"
            body = {
                "externalId": reference,
                "partnerExternalId": "P1",
                "lines": [
                    {"productExternalId": "DESK", "quantity": 1 + number % 3},
                    {"productExternalId": "CHAIR", "quantity": 2},
                ],
            }
            while True:  # the same Idempotency-Key until it is answered: at most one order, whatever was lost
                answer = traffic.call(
                    bases,
                    number,
                    "POST",
                    "/api/v1/webshop/sale-orders",
                    shops[name],
                    json=body,
                    headers={"Idempotency-Key": f"order-{reference}"},
                )
                if answer.status_code == 202:
                    break
                assert answer.status_code == 409 and "in progress" in answer.text, answer.text
                time.sleep(0.2)
            orders[reference] = name
            number += 1
            time.sleep(0.1)

    def chaos() -> None:
        time.sleep(DURATION * 0.3)
        workers[0].stop(signal.SIGKILL)  # mid-job, perhaps: its claims are taken over when they go stale
        replacement = Process("worker-2", ["worker"], env, cwd)
        everything.append(replacement)
        time.sleep(DURATION * 0.2)
        # A rolling restart: uvicorn finishes the requests in flight, then exits by the signal it got.
        assert replicas[1].stop(signal.SIGTERM) in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in replicas[1].log.read_text()
        replicas[1].start()
        _wait_healthy(bases[1], replicas[1])

    failures: list[BaseException] = []

    def guarded(target: Callable[..., None], *args: Any) -> None:
        try:
            target(*args)
        except BaseException as error:  # noqa: BLE001 - reported below, after every thread stopped
            failures.append(error)
            stop.set()

    jobs: list[tuple[Callable[..., None], tuple[Any, ...]]] = [(push, ()), (order, ()), (chaos, ())]
    jobs += [(poll, (name,)) for name in shops]
    threads = [threading.Thread(target=guarded, args=(job, *args)) for job, args in jobs]
    for thread in threads:
        thread.start()
    time.sleep(DURATION)
    stop.set()
    for thread in threads:
        thread.join(120)
    assert not failures, failures
    sim.faults.reset()

    for name in shops:  # what is still pending, then nothing
        poll(name, until_empty=True)
        assert copies[name] == latest, f"{name}'s copy differs from the latest push"

    deadline = time.monotonic() + 120
    pending = dict(orders)
    while pending:
        for reference, name in list(pending.items()):
            answer = traffic.call(bases, 0, "GET", f"/api/v1/webshop/sale-orders/{reference}/sync", shops[name])
            assert answer.json()["status"] != "failed", answer.text
            if answer.json()["status"] == "completed":
                del pending[reference]
        assert time.monotonic() < deadline, f"orders not completed: {sorted(pending)}"
        time.sleep(0.5)
    for reference in orders:
        assert len(odoo_orders(sim, reference)) == 1, reference
    assert len(orders) >= 10 and len(latest) == len(KEYS) + 2
    assert traffic.server_errors == []
    print(
        f"\nmany replicas: {traffic.answers} answers, {len(orders)} orders, "
        f"{traffic.unreachable} connection attempts refused during the restart, 0 answers 5xx"
    )
