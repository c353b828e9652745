"""Reverse sync end to end: HTTP intake → outbox → embedded workers → the Odoo simulator over real
XML-RPC (a 17.0 simulator) and JSON-2 (a 19.0 one), with Odoo failing in the ways R3–R5 of
quality.md describe. Real clock, tiny backoff."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from atraxion.application.reverse_sync import sync_status
from atraxion.application.sync_admin import failure_detail
from atraxion.bootstrap import Atraxion
from atraxion.domain.auth import Scope
from atraxion.domain.odoo_orders import OdooOrderLine, OdooSaleOrder
from atraxion.domain.outbox import AttemptOutcome, FailureStatus, OutboxEntry, OutboxStatus
from atraxion.entrypoints.runtime import Runtime
from atraxion.ports.unit_of_work import UnitOfWork
from atraxion.testing.odoo_sim import OdooSimulator
from tests.e2e.reverse_sync_support import (
    API_KEY,
    PROTOCOLS,
    SERVER_VERSIONS,
    Apps,
    client,
    lossy,
    odoo_orders,
    order,
    push,
    seed,
    wait_for,
)


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def sim(protocol: str) -> Iterator[OdooSimulator]:
    with OdooSimulator(seed=11, api_keys=[API_KEY], server_version=SERVER_VERSIONS[protocol]) as simulator:
        yield simulator


@pytest.fixture
def apps(backend: str, sim: OdooSimulator, protocol: str, request: pytest.FixtureRequest) -> Iterator[Apps]:
    made = Apps(backend, sim, request, protocol)
    yield made
    made.close()


def entry(app: Atraxion, queue_id: int) -> OutboxEntry:
    found = app.context.transaction(lambda uow: uow.outbox.get(queue_id))
    assert found is not None
    return found


def outcomes(app: Atraxion, queue_id: int) -> list[AttemptOutcome]:
    return [a.outcome for a in entry(app, queue_id).history]


def submit(app: Atraxion, body: dict[str, Any] | None = None) -> int:
    response = client(app, Scope.WEBSHOP_ORDERS).post("/api/v1/webshop/sale-orders", json=body or order())
    assert response.status_code == 202, response.text
    queue_id: int = response.json()["queueId"]
    return queue_id


def completed(app: Atraxion, external_id: str = "SO1") -> Any:
    return wait_for(lambda: sync_status(app.context, external_id), lambda s: s.status is OutboxStatus.COMPLETED)


def test_an_order_reaches_odoo_with_its_partners_lines_and_note(apps: Apps, sim: OdooSimulator) -> None:
    app = apps.make()
    ids = seed(app, sim)
    Runtime(app).start_workers()
    queue_id = submit(app)
    status = completed(app)
    (created,) = odoo_orders(sim, "SO1")
    assert status.odoo_id == created["id"] and status.attempts == 1 and status.error is None
    assert (created["partner_id"][0], created["partner_invoice_id"][0], created["partner_shipping_id"][0]) == (
        ids["P1"],
        ids["P1-INV"],
        ids["P1"],
    )
    lines = sim.read("sale.order.line", created["order_line"], ["product_id", "product_uom_qty", "price_unit"])
    assert sorted((line["product_id"][0], line["product_uom_qty"], line["price_unit"]) for line in lines) == sorted(
        [(ids["A"], 2.0, 99.5), (ids["B"], 4.0, 45.5)]
    )
    assert outcomes(app, queue_id) == [AttemptOutcome.CREATED]
    stored = app.context.transaction(lambda uow: uow.outbound_orders.get("SO1"))
    assert stored is not None and stored.odoo_id == created["id"]
    # The order is stored once (the outbound order); its entry keeps only the ids intake resolved.
    assert set(entry(app, queue_id).payload) == {"odooIds"}


def test_r3_odoo_down_then_up_completes(apps: Apps, sim: OdooSimulator) -> None:
    app = apps.make()
    seed(app, sim)
    sim.refuse_connections()
    Runtime(app).start_workers()
    queue_id = submit(app)
    down = wait_for(lambda: sync_status(app.context, "SO1"), lambda s: s.attempts >= 3)
    assert down.status in (OutboxStatus.PENDING, OutboxStatus.PROCESSING)
    assert odoo_orders(sim, "SO1") == []
    sim.refuse_connections(False)
    status = completed(app)
    assert [o["id"] for o in odoo_orders(sim, "SO1")] == [status.odoo_id]
    history = outcomes(app, queue_id)
    assert history[-1] is AttemptOutcome.CREATED
    assert set(history[:-1]) == {AttemptOutcome.TRANSIENT_ERROR} and len(history) >= 3
    assert "refused" in (entry(app, queue_id).history[0].error or "").lower()


def test_r3_transient_faults_exhaust_into_a_failure_and_nothing_is_lost(apps: Apps, sim: OdooSimulator) -> None:
    app = apps.make(outbox_max_attempts=3)
    seed(app, sim)
    sim.faults.fail_share(1.0, "mixed")
    Runtime(app).start_workers()
    queue_id = submit(app)
    failed = wait_for(lambda: sync_status(app.context, "SO1"), lambda s: s.status is OutboxStatus.FAILED)
    assert failed.attempts == 3 and failed.error
    (failure,) = app.context.transaction(lambda uow: uow.failures.list(FailureStatus.OPEN, None, 10))
    assert (failure.queue_id, failure.external_id, failure.source.value) == (queue_id, "SO1", "odoo")
    sim.faults.reset()
    admin = client(app, Scope.ADMIN)
    assert admin.post(f"/api/v1/admin/queue/{queue_id}/retry").status_code == 200
    status = completed(app)
    assert [o["id"] for o in odoo_orders(sim, "SO1")] == [status.odoo_id]
    failure_id = failure.id
    assert failure_id is not None
    resolved = app.context.transaction(lambda uow: uow.failures.get(failure_id))
    assert resolved is not None and resolved.status is FailureStatus.RESOLVED  # resolved by the success


def test_r4_response_lost_after_commit_creates_no_duplicate(apps: Apps, sim: OdooSimulator) -> None:
    app = apps.make()
    seed(app, sim)
    sim.faults.drop_next(1)  # Odoo commits the create, then the connection closes without an answer
    Runtime(app).start_workers()
    queue_id = submit(app)
    status = completed(app)
    assert [o["id"] for o in odoo_orders(sim, "SO1")] == [status.odoo_id]
    assert sim.calls("sale.order.create") == 1
    assert outcomes(app, queue_id) == [AttemptOutcome.TRANSIENT_ERROR, AttemptOutcome.FOUND]


def test_r5_dropped_message_is_recovered_by_sweeper(apps: Apps, sim: OdooSimulator) -> None:
    queue = lossy(1)
    app = apps.make(queue=queue)
    seed(app, sim)
    Runtime(app).start_workers()
    queue_id = submit(app)
    assert queue.lost == [queue_id]
    status = completed(app)
    assert [o["id"] for o in odoo_orders(sim, "SO1")] == [status.odoo_id]
    assert outcomes(app, queue_id) == [AttemptOutcome.CREATED]


def test_r5_worker_killed_mid_job_entry_completes_once(apps: Apps, sim: OdooSimulator) -> None:
    app = apps.make()
    ids = seed(app, sim)
    queue_id = submit(app)  # workers not started yet: the message waits in the queue

    # A worker claims the entry, gets Odoo to create the order, and dies before recording anything.
    def claim(uow: UnitOfWork) -> None:
        found = uow.outbox.get(queue_id, lock=True)
        assert found is not None
        uow.outbox.save(found.claim(app.context.clock.now(), app.outbox_policy.stale_after, app.outbox_policy.retry))
        uow.commit()

    app.context.transaction(claim)
    assert app.gateway is not None  # the app's own gateway, over the protocol under test
    lines = [OdooOrderLine(ids["A"], Decimal(2)), OdooOrderLine(ids["B"], Decimal(4))]
    created = app.gateway.create_sale_order(order=OdooSaleOrder("SO1", ids["P1"], lines))

    Runtime(app).start_workers()  # the original message arrives: the entry is held by the "dead" worker, skipped
    status = completed(app)
    assert status.odoo_id == created and status.attempts == 2
    assert [o["id"] for o in odoo_orders(sim, "SO1")] == [created]
    assert sim.calls("sale.order.create") == 1
    assert outcomes(app, queue_id) == [AttemptOutcome.ABANDONED, AttemptOutcome.FOUND]


def test_validation_fault_fails_fast_opens_failure_and_retry_works_after_fix(apps: Apps, sim: OdooSimulator) -> None:
    app = apps.make()
    ids = seed(app, sim)
    push(app, "products", [{"externalId": "B", "odooId": 999_999, "data": {"name": "Chair"}}])  # wrong mapping
    Runtime(app).start_workers()
    queue_id = submit(app)
    failed = wait_for(lambda: sync_status(app.context, "SO1"), lambda s: s.status is OutboxStatus.FAILED)
    assert failed.attempts == 1 and "does not exist" in (failed.error or "")
    assert outcomes(app, queue_id) == [AttemptOutcome.PERMANENT_ERROR]
    admin = client(app, Scope.ADMIN)
    (failure,) = admin.get("/api/v1/admin/failures", params={"status": "open"}).json()["items"]
    assert (failure["queueId"], failure["externalId"], failure["status"]) == (queue_id, "SO1", "open")
    assert "does not exist" in failure["errorMessage"]
    detail = failure_detail(app.context, failure["id"])  # what the admin UI's failure page shows
    assert detail.order is not None and detail.order.order.external_id == "SO1"
    assert detail.entry is not None and detail.entry.id == queue_id

    push(app, "products", [{"externalId": "B", "odooId": ids["B"], "data": {"name": "Chair"}}])  # Odoo fixes it
    retried = admin.post(f"/api/v1/admin/failures/{failure['id']}/retry")
    assert retried.status_code == 200 and retried.json()["entry"]["status"] == "pending"
    status = completed(app)
    assert [o["id"] for o in odoo_orders(sim, "SO1")] == [status.odoo_id]
    assert outcomes(app, queue_id) == [AttemptOutcome.PERMANENT_ERROR, AttemptOutcome.CREATED]
    assert admin.get("/api/v1/admin/failures", params={"status": "open"}).json()["items"] == []


def test_intake_rejects_unknown_partner_and_product_naming_each(apps: Apps, sim: OdooSimulator) -> None:
    app = apps.make()
    seed(app, sim)
    body = order(
        partnerExternalId="GHOST",
        invoicePartnerExternalId="NO-ODOO",
        lines=[{"productExternalId": "A", "quantity": 1}, {"productExternalId": "PHANTOM", "quantity": 1}],
    )
    response = client(app, Scope.WEBSHOP_ORDERS).post("/api/v1/webshop/sale-orders", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(errors) == {"partnerExternalId", "invoicePartnerExternalId", "lines[1].productExternalId"}
    assert "GHOST" in errors["partnerExternalId"] and "PHANTOM" in errors["lines[1].productExternalId"]
    assert "no odooId" in errors["invoicePartnerExternalId"]
    assert app.context.transaction(lambda uow: uow.outbox.list(None, None, 10)) == []
    assert client(app, Scope.WEBSHOP_READ).get("/api/v1/webshop/sale-orders/SO1/sync").status_code == 404


def test_intake_reused_external_id_is_409(apps: Apps, sim: OdooSimulator) -> None:
    app = apps.make()
    seed(app, sim)
    shop = client(app, Scope.WEBSHOP_ORDERS)
    first = shop.post("/api/v1/webshop/sale-orders", json=order(), headers={"Idempotency-Key": "k1"})
    assert first.status_code == 202
    assert first.headers["location"] == "/api/v1/webshop/sale-orders/SO1/sync"
    replay = shop.post("/api/v1/webshop/sale-orders", json=order(), headers={"Idempotency-Key": "k1"})
    assert (replay.status_code, replay.json()) == (202, first.json())  # the first answer, work not redone
    again = shop.post("/api/v1/webshop/sale-orders", json=order(note="changed"))
    assert again.status_code == 409 and "SO1" in again.json()["detail"]
    assert len(app.context.transaction(lambda uow: uow.outbox.list(None, None, 10))) == 1


def test_intake_validates_the_shape_strictly(apps: Apps, sim: OdooSimulator) -> None:
    app = apps.make()
    seed(app, sim)
    shop = client(app, Scope.WEBSHOP_ORDERS)
    body = order(lines=[{"productExternalId": "A", "quantity": 0}, {"productExternalId": "B"}], extra=1)
    response = shop.post("/api/v1/webshop/sale-orders", json=body)
    assert response.status_code == 422
    fields = sorted(e["field"] for e in response.json()["errors"])
    assert fields == ["", "lines[1].quantity"]  # the unknown key, the missing quantity: every problem at once
    empty = shop.post("/api/v1/webshop/sale-orders", json=order(lines=[]))
    assert [e["field"] for e in empty.json()["errors"]] == ["lines"]
    zero = shop.post("/api/v1/webshop/sale-orders", json=order(lines=[{"productExternalId": "A", "quantity": 0}]))
    assert [e["field"] for e in zero.json()["errors"]] == ["lines[0].quantity"]
    assert client(app, Scope.WEBSHOP_READ).post("/api/v1/webshop/sale-orders", json=order()).status_code == 403


def test_many_orders_under_injected_faults_each_reach_odoo_exactly_once(apps: Apps, sim: OdooSimulator) -> None:
    app = apps.make(worker_threads=4)
    seed(app, sim)
    sim.faults.fail_share(0.2, "mixed")
    sim.faults.drop_share(0.2)
    Runtime(app).start_workers()
    names = [f"SO{n}" for n in range(30)]
    for name in names:
        submit(app, order(name))
    for name in names:
        completed(app, name)
    refs = [o["client_order_ref"] for o in sim.records("sale.order", ["client_order_ref"])]
    assert sorted(refs) == sorted(names)
