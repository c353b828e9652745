"""P5 — reverse sync: 1,000 webshop sale orders through the queue into the Odoo simulator.

Each run starts a fresh simulator (a real XML-RPC server in this process), pushes the partner and
products the orders name (with their Odoo ids), starts the workers and the sweeper, submits the
orders one by one through the use case (``submit_sale_order``: order + outbox entry in one
transaction, then publish), and waits until every entry is completed. Throughput is orders over the
wall time from the first submit to the last completion. Runs:

* the embedded queue (``ATRAXION_BROKER_URL=memory``), judged against the bar (≥ 100 orders/s);
* Dramatiq on Redis, and on RabbitMQ, with a Worker in this process (reported; skipped with the
  reason when the broker does not answer: ``ATRAXION_BENCH_REDIS_URL``, ``ATRAXION_BENCH_AMQP_URL``);
* the same with faults: 20% of Odoo object calls fail transiently (a serialization fault or an
  HTTP 503, before running) and 20% of the creates that do run commit and then lose their answer.
  Judged: 0 duplicates in Odoo (``client_order_ref`` used twice), 0 lost (entries not completed),
  every order completed.

Baseline, same run: the same Odoo work without queue or database — one thread calling
``find_sale_order`` then ``create_sale_order`` on the XML-RPC gateway for each order, sequentially.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from attrs import frozen
from sqlalchemy import func, select

from atraxion.adapters.odoo.xmlrpc_gateway import XmlRpcOdooGateway
from atraxion.adapters.sqlalchemy.tables import outbox
from atraxion.application.ingest import ingest
from atraxion.application.reverse_sync import submit_sale_order
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.domain.odoo_orders import OdooOrderLine, OdooSaleOrder
from atraxion.domain.outbox import AttemptOutcome, OutboxEntry, OutboxStatus
from atraxion.domain.webshop_orders import OrderLine, WebshopSaleOrder
from atraxion.entrypoints.inbound import parse_push
from atraxion.entrypoints.runtime import Runtime
from atraxion.testing.odoo_sim import OdooSimulator
from benchmarks._env import CONSUMER, Env
from benchmarks._report import Figure, say, secs, show, times

FULL = {"orders": 1000}
QUICK = {"orders": 200}
BAR_ORDERS_PER_S = 100
FAULT_SHARE = 0.2
DEADLINE_S = 300.0

REDIS_URL = os.environ.get("ATRAXION_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
AMQP_URL = os.environ.get("ATRAXION_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")

# The shipped defaults except a short backoff (base 1 s would make the fault runs minutes long) and
# more attempts: with 20% + 20% faults an attempt fails about half the time, and 8 attempts would
# leave ~0.3% of the orders failed for a person to retry, which is the policy working, not a loss.
SETTINGS: dict[str, Any] = {
    "outbox_max_attempts": 20,
    "outbox_backoff_base": 0.02,
    "outbox_backoff_cap": 0.5,
    "outbox_sweep_interval": 0.05,
}
LOGIN = PASSWORD = "admin"


@frozen
class Outcome:
    """What one run through the queue did."""

    label: str
    orders: int
    seconds: float
    submitted: float  # seconds until the last submit returned
    completed: int
    failed: int
    duplicates: int
    attempts: int
    found_after_lost_answer: int
    odoo_orders: int

    @property
    def rate(self) -> float:
        return self.orders / self.seconds

    @property
    def lost(self) -> int:
        return self.orders - self.completed

    @property
    def exact(self) -> bool:
        return self.completed == self.orders == self.odoo_orders and self.duplicates == 0

    def describe(self) -> str:
        return (
            f"submitted in {secs(self.submitted)}; {self.completed}/{self.orders} completed, {self.failed} failed, "
            f"{self.duplicates} duplicates, "
            f"{self.odoo_orders} sale.order in Odoo, {self.attempts} attempts, "
            f"{self.found_after_lost_answer} found after a lost answer"
        )


def run(env: Env, quick: bool) -> list[Figure]:
    n = (QUICK if quick else FULL)["orders"]
    tag = dict(workload="P5", backend=env.backend)
    direct = _direct(n)
    say(f"  baseline: {n} orders by sequential find+create calls in {secs(n / direct)} = {direct:.0f} orders/s")
    baseline = f"direct find+create {direct:.0f} orders/s"
    figures: list[Figure] = []

    embedded = _through_queue(env, "embedded", "memory", n, faults=False)
    figures.append(
        Figure(
            **tag,
            name="embedded queue, orders/s",
            value=f"{embedded.rate:.0f}/s ({secs(embedded.seconds)})",
            baseline=baseline,
            ratio=times(embedded.rate / direct),
            bar=f"≥ {BAR_ORDERS_PER_S}/s, all exactly once",
            passed=embedded.rate >= BAR_ORDERS_PER_S and embedded.exact,
            notes=[embedded.describe()],
        )
    )
    faulty = _through_queue(env, "embedded", "memory", n, faults=True)
    figures.append(_fault_figure(tag, "embedded queue", faulty, baseline, direct))

    for kind, url, variable in (("redis", REDIS_URL, "REDIS"), ("rabbitmq", AMQP_URL, "AMQP")):
        reason = _unreachable(kind, url, f"ATRAXION_BENCH_{variable}_URL")
        if reason:
            figures.append(Figure(**tag, name=f"Dramatiq on {kind}", value="skipped", notes=[reason]))
            continue
        plain = _through_queue(env, kind, url, n, faults=False)
        figures.append(
            Figure(
                **tag,
                name=f"Dramatiq on {kind}, orders/s",
                value=f"{plain.rate:.0f}/s ({secs(plain.seconds)})",
                baseline=baseline,
                ratio=times(plain.rate / direct),
                bar="all exactly once (reported)",
                passed=plain.exact,
                notes=[plain.describe()],
            )
        )
        figures.append(
            _fault_figure(tag, f"Dramatiq on {kind}", _through_queue(env, kind, url, n, faults=True), baseline, direct)
        )
    return [show(f) for f in figures]


def _fault_figure(tag: dict[str, str], where: str, outcome: Outcome, baseline: str, direct: float) -> Figure:
    return Figure(
        **tag,
        name=f"{where}, {FAULT_SHARE:.0%} faults + {FAULT_SHARE:.0%} lost answers: duplicates/lost",
        value=f"{outcome.duplicates}/{outcome.lost}, {outcome.completed}/{outcome.orders} completed",
        baseline=f"{outcome.rate:.0f} orders/s vs {baseline}",
        ratio=times(outcome.rate / direct),
        bar="0/0, all completed",
        passed=outcome.exact,
        notes=[outcome.describe()],
    )


# -- the runs ---------------------------------------------------------------------------------------


@contextmanager
def _odoo() -> Iterator[tuple[OdooSimulator, dict[str, int]]]:
    with OdooSimulator(login=LOGIN, password=PASSWORD, seed=5) as sim:
        ids = {
            "P1": sim.seed_partner("Azure Interior", is_company=True),
            "A": sim.seed_product("Desk", list_price=120.0),
            "B": sim.seed_product("Chair", list_price=45.5),
        }
        yield sim, ids


def _direct(n: int) -> float:
    """Orders/s of the same Odoo calls, sequential, no queue, no database."""
    with _odoo() as (sim, ids):
        gateway = XmlRpcOdooGateway(sim.url, sim.db, LOGIN, PASSWORD)
        gateway.version()
        lines = (OdooOrderLine(ids["A"], Decimal(2), Decimal("99.50")), OdooOrderLine(ids["B"], Decimal(1)))
        started = time.perf_counter()
        for i in range(n):
            ref = f"DIRECT-{i}"
            if gateway.find_sale_order(client_order_ref=ref) is None:
                gateway.create_sale_order(order=OdooSaleOrder(ref, ids["P1"], lines))
        elapsed = time.perf_counter() - started
        assert sim.count("sale.order") == n
    return n / elapsed


def _through_queue(env: Env, kind: str, broker: str, n: int, *, faults: bool) -> Outcome:
    label = f"{kind}{'+faults' if faults else ''}"
    queue_name = f"atraxion-bench-{uuid.uuid4().hex[:8]}"
    broker_url = broker if broker == "memory" else f"{broker}{'&' if '?' in broker else '?'}queue={queue_name}"
    prefix = f"P5-{uuid.uuid4().hex[:6]}-"
    with _odoo() as (sim, ids):
        settings = Settings(
            database_url=env.url,
            broker_url=broker_url,
            odoo_url=sim.url,
            odoo_db=sim.db,
            odoo_username=LOGIN,
            odoo_api_key=PASSWORD,
            **SETTINGS,
        )
        app = bootstrap(settings, migrate=False)
        try:
            _push_catalog(app, ids)
            if faults:
                sim.faults.fail_share(FAULT_SHARE, "mixed")
                sim.faults.drop_share(FAULT_SHARE)
            runtime = Runtime(app)
            if not runtime.start_workers():
                raise RuntimeError("the workers did not start")
            started = time.perf_counter()
            first = last = 0
            for i in range(n):
                queue_id = submit_sale_order(app.context, app.queue.publish, _order(f"{prefix}{i}"), CONSUMER).queue_id
                first, last = first or queue_id, queue_id
            submitted = time.perf_counter() - started
            seconds = _wait_done(env, first, last, n, started)
            runtime.stop_workers()
            sim.faults.reset()
            entries = _entries(app, first, last)
        finally:
            app.close()
            if broker != "memory":
                _delete_queue(broker, queue_name)
        refs = Counter(r["client_order_ref"] for r in sim.records("sale.order", ["client_order_ref"]))
    outcome = Outcome(
        label=label,
        orders=n,
        seconds=seconds,
        submitted=submitted,
        completed=sum(e.status is OutboxStatus.COMPLETED for e in entries),
        failed=sum(e.status is OutboxStatus.FAILED for e in entries),
        duplicates=sum(count - 1 for count in refs.values() if count > 1),
        attempts=sum(e.attempts for e in entries),
        found_after_lost_answer=sum(a.outcome is AttemptOutcome.FOUND for e in entries for a in e.history),
        odoo_orders=sum(refs[f"{prefix}{i}"] > 0 for i in range(n)),
    )
    say(f"  {label}: {n} orders in {secs(seconds)} = {outcome.rate:.0f} orders/s; {outcome.describe()}")
    return outcome


def _push_catalog(app: Atraxion, ids: dict[str, int]) -> None:
    partners = [{"externalId": "P1", "odooId": ids["P1"], "type": "main", "data": {"name": "Azure Interior"}}]
    products = [
        {"externalId": "A", "odooId": ids["A"], "data": {"name": "Desk"}},
        {"externalId": "B", "odooId": ids["B"], "data": {"name": "Chair"}},
    ]
    ingest(app.context, parse_push("partners", {"records": partners}))
    ingest(app.context, parse_push("products", {"records": products}))


def _order(external_id: str) -> WebshopSaleOrder:
    lines = [OrderLine("A", Decimal(2), Decimal("99.50")), OrderLine("B", Decimal(1))]
    return WebshopSaleOrder(external_id, "P1", lines, note="benchmark")


def _wait_done(env: Env, first: int, last: int, n: int, started: float) -> float:
    """Seconds from ``started`` until no entry of the run is pending or processing any more."""
    unfinished = [OutboxStatus.PENDING.value, OutboxStatus.PROCESSING.value]
    open_ = (
        select(func.count())
        .select_from(outbox)
        .where(outbox.c.id.between(first, last), outbox.c.status.in_(unfinished))
    )
    while True:
        with env.engine.connect() as conn:
            remaining = conn.execute(open_).scalar_one()
        elapsed = time.perf_counter() - started
        if remaining == 0:
            return elapsed
        if elapsed > DEADLINE_S:
            say(f"  gave up after {secs(elapsed)}: {remaining} of {n} entries still open")
            return elapsed
        time.sleep(0.02)


def _entries(app: Atraxion, first: int, last: int) -> list[OutboxEntry]:
    found: list[OutboxEntry] = []
    while True:
        after = found[-1].id if found else first - 1
        page = app.context.transaction(lambda uow, after=after: uow.outbox.list(None, after, 500))
        found += [e for e in page if e.id is not None and e.id <= last]
        if len(page) < 500 or (found and found[-1].id == last):
            return found


def _unreachable(kind: str, url: str, variable: str) -> str | None:
    try:
        if kind == "redis":
            import redis

            client = redis.Redis.from_url(url, socket_connect_timeout=2)
            try:
                client.ping()
            finally:
                client.close()
        else:
            import pika

            parameters = pika.URLParameters(url)
            parameters.socket_timeout = 2
            pika.BlockingConnection(parameters).close()
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        from atraxion.adapters.queue.dramatiq_url import redact

        return f"{kind} not reachable at {redact(url)} ({type(error).__name__}); set {variable}"
    return None


def _delete_queue(url: str, queue_name: str) -> None:
    from atraxion.adapters.queue.dramatiq_broker import make_dramatiq_queue
    from atraxion.adapters.queue.dramatiq_cleanup import delete_queue

    queue = make_dramatiq_queue(url, queue_name=queue_name)
    try:
        delete_queue(queue)
    finally:
        queue.stop()
