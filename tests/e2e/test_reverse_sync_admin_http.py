"""The operations API (scope admin) and the sync-status endpoint, over HTTP, on every backend.

Workers are not started: the tests process entries themselves with :func:`process_entry`, against
the Odoo simulator, and move the fake clock, so every step is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from atraxion.adapters.odoo.xmlrpc_gateway import XmlRpcOdooGateway
from atraxion.application.reverse_sync import Outcome, process_entry, sweep
from atraxion.bootstrap import Atraxion
from atraxion.domain.auth import Scope
from atraxion.domain.outbox import OutboxPolicy, RetryPolicy
from atraxion.testing import FakeClock
from atraxion.testing.odoo_sim import OdooSimulator
from tests.e2e.reverse_sync_support import client, order, push, seed

POLICY = OutboxPolicy(RetryPolicy(max_attempts=2, base_seconds=1.0, cap_seconds=1.0))


@pytest.fixture
def sim() -> Iterator[OdooSimulator]:
    with OdooSimulator(seed=3) as simulator:
        yield simulator


@pytest.fixture
def gateway(sim: OdooSimulator) -> XmlRpcOdooGateway:
    return XmlRpcOdooGateway(sim.url, sim.db, "admin", "admin", timeout=5)


@pytest.fixture
def admin(atraxion: Atraxion, sim: OdooSimulator) -> TestClient:
    seed(atraxion, sim)
    return client(atraxion, Scope.ADMIN)


def submit(app: Atraxion, external_id: str) -> int:
    response = client(app, Scope.WEBSHOP_ORDERS).post("/api/v1/webshop/sale-orders", json=order(external_id))
    assert response.status_code == 202
    queue_id: int = response.json()["queueId"]
    return queue_id


def process(app: Atraxion, gateway: XmlRpcOdooGateway, queue_id: int) -> Outcome:
    return process_entry(app.context, gateway, queue_id, POLICY, jitter=lambda: 0.5)


def test_admin_endpoints_need_the_admin_scope(atraxion: Atraxion, admin: TestClient) -> None:
    shop = client(atraxion, Scope.WEBSHOP_ORDERS, Scope.WEBSHOP_READ)
    for method, path in [
        ("GET", "/api/v1/admin/failures"),
        ("POST", "/api/v1/admin/failures/1/retry"),
        ("POST", "/api/v1/admin/failures/1/resolve"),
        ("GET", "/api/v1/admin/queue"),
        ("POST", "/api/v1/admin/queue/1/retry"),
    ]:
        assert shop.request(method, path).status_code == 403, path
        assert TestClient(admin.app).request(method, path).status_code == 401, path


def test_a_failure_is_listed_retried_and_resolved_by_its_success(
    atraxion: Atraxion, admin: TestClient, sim: OdooSimulator, gateway: XmlRpcOdooGateway
) -> None:
    push(atraxion, "partners", [{"externalId": "P1", "odooId": 424242, "type": "main", "data": {"name": "Azure"}}])
    queue_id = submit(atraxion, "SO1")
    assert process(atraxion, gateway, queue_id) is Outcome.FAILED
    listed = admin.get("/api/v1/admin/failures", params={"status": "open"}).json()
    (failure,) = listed["items"]
    assert listed["nextCursor"] is None
    assert (failure["queueId"], failure["source"], failure["entityType"]) == (queue_id, "odoo", "sale_order")
    assert admin.get("/api/v1/admin/failures", params={"status": "resolved"}).json()["items"] == []

    retried = admin.post(f"/api/v1/admin/failures/{failure['id']}/retry").json()
    assert (retried["failure"]["status"], retried["entry"]["status"]) == ("open", "pending")
    assert [h["outcome"] for h in retried["entry"]["history"]] == ["permanent_error"]
    assert process(atraxion, gateway, queue_id) is Outcome.FAILED  # not fixed yet: fails again, same failure
    (again,) = admin.get("/api/v1/admin/failures").json()["items"]
    assert again["id"] == failure["id"] and again["status"] == "open"

    ids = {"P1": sim.seed_partner("Azure again")}
    push(atraxion, "partners", [{"externalId": "P1", "odooId": ids["P1"], "type": "main", "data": {"name": "Azure"}}])
    admin.post(f"/api/v1/admin/failures/{failure['id']}/retry")
    assert process(atraxion, gateway, queue_id) is Outcome.COMPLETED
    (done,) = admin.get("/api/v1/admin/failures", params={"status": "resolved"}).json()["items"]
    assert done["id"] == failure["id"] and done["resolvedAt"] is not None
    conflict = admin.post(f"/api/v1/admin/failures/{failure['id']}/retry")
    assert conflict.status_code == 409 and conflict.headers["content-type"] == "application/problem+json"


def test_resolving_by_hand_is_idempotent_and_leaves_the_entry_failed(
    atraxion: Atraxion, admin: TestClient, gateway: XmlRpcOdooGateway
) -> None:
    push(atraxion, "products", [{"externalId": "A", "odooId": 31337, "data": {"name": "Desk"}}])
    queue_id = submit(atraxion, "SO1")
    process(atraxion, gateway, queue_id)
    (failure,) = admin.get("/api/v1/admin/failures").json()["items"]
    first = admin.post(f"/api/v1/admin/failures/{failure['id']}/resolve")
    second = admin.post(f"/api/v1/admin/failures/{failure['id']}/resolve")
    assert first.status_code == second.status_code == 200
    assert first.json()["status"] == "resolved" and first.json() == second.json()
    (entry,) = admin.get("/api/v1/admin/queue", params={"status": "failed"}).json()["items"]
    assert entry["id"] == queue_id


@pytest.mark.parametrize("path", ["/api/v1/admin/queue", "/api/v1/admin/failures"])
@pytest.mark.parametrize("status", ["", "nope", "PENDING"])
def test_a_status_filter_outside_the_documented_values_is_a_422(admin: TestClient, path: str, status: str) -> None:
    answer = admin.get(path, params={"status": status})  # an empty one too: the document's enum has none
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "status", answer.text


def test_the_queue_lists_by_status_pages_and_retries(
    atraxion: Atraxion, admin: TestClient, clock: FakeClock, sim: OdooSimulator, gateway: XmlRpcOdooGateway
) -> None:
    ids = [submit(atraxion, f"SO{n}") for n in range(3)]
    assert process(atraxion, gateway, ids[0]) is Outcome.COMPLETED
    sim.refuse_connections()
    assert process(atraxion, gateway, ids[1]) is Outcome.RETRY_SCHEDULED
    assert process(atraxion, gateway, ids[1]) is Outcome.SKIPPED  # backing off: not due yet
    sim.refuse_connections(False)

    def listing(**params: str) -> list[int]:
        return [e["id"] for e in admin.get("/api/v1/admin/queue", params=params).json()["items"]]

    assert listing() == ids
    assert listing(status="pending") == ids[1:]
    assert listing(status="completed") == ids[:1]
    page = admin.get("/api/v1/admin/queue", params={"limit": "2"}).json()
    assert [e["id"] for e in page["items"]] == ids[:2] and page["nextCursor"] == str(ids[1])
    assert listing(cursor=page["nextCursor"]) == ids[2:]
    (backing_off,) = [e for e in admin.get("/api/v1/admin/queue").json()["items"] if e["id"] == ids[1]]
    assert backing_off["nextAttemptAt"] == "2026-01-01T00:00:00.750000Z"  # base 1 s: half fixed + 0.5 of half

    assert admin.post(f"/api/v1/admin/queue/{ids[0]}/retry").status_code == 409  # completed
    retried = admin.post(f"/api/v1/admin/queue/{ids[1]}/retry", headers={"Idempotency-Key": "r1"})
    assert retried.status_code == 200 and retried.json()["nextAttemptAt"] == "2026-01-01T00:00:00Z"
    assert process(atraxion, gateway, ids[1]) is Outcome.COMPLETED
    replay = admin.post(f"/api/v1/admin/queue/{ids[1]}/retry", headers={"Idempotency-Key": "r1"})
    assert replay.json() == retried.json()  # replayed, not retried again
    for bad in ({"status": "lost"}, {"limit": "0"}, {"limit": "1001"}, {"cursor": "x"}):
        assert admin.get("/api/v1/admin/queue", params=bad).status_code == 422, bad
    for missing in ("/api/v1/admin/queue/999/retry", f"/api/v1/admin/queue/{2**63}/retry"):
        assert admin.post(missing).status_code == 404


def test_the_sweeper_republishes_lost_messages_and_stale_claims_only(
    atraxion: Atraxion, admin: TestClient, clock: FakeClock
) -> None:
    queue_id = submit(atraxion, "SO1")
    assert sweep(atraxion.context, atraxion.queue.publish, POLICY) == []  # its message is presumably still queued
    clock.advance(seconds=POLICY.redeliver_after.total_seconds())
    assert sweep(atraxion.context, atraxion.queue.publish, POLICY) == [queue_id]
    assert sweep(atraxion.context, atraxion.queue.publish, POLICY) == []  # just re-published


def test_sync_status_over_http(atraxion: Atraxion, admin: TestClient, gateway: XmlRpcOdooGateway) -> None:
    queue_id = submit(atraxion, "SO/1 ü")
    reader = client(atraxion, Scope.WEBSHOP_READ)
    path = "/api/v1/webshop/sale-orders/SO%2F1%20%C3%BC/sync"
    assert reader.get(path).json() == {
        "externalId": "SO/1 ü",
        "status": "pending",
        "odooId": None,
        "attempts": 0,
        "error": None,
    }
    process(atraxion, gateway, queue_id)
    status = client(atraxion, Scope.WEBSHOP_ORDERS).get(path).json()
    assert status["status"] == "completed" and status["odooId"] > 0 and status["attempts"] == 1
    assert reader.get("/api/v1/webshop/sale-orders/unknown/sync").status_code == 404
    assert client(atraxion, Scope.ODOO_PUSH).get(path).status_code == 403


def test_the_openapi_document_lists_the_reverse_sync_paths(admin: TestClient) -> None:
    paths = admin.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/webshop/sale-orders",
        "/api/v1/webshop/sale-orders/{externalId}/sync",
        "/api/v1/admin/failures",
        "/api/v1/admin/failures/{id}/retry",
        "/api/v1/admin/failures/{id}/resolve",
        "/api/v1/admin/queue",
        "/api/v1/admin/queue/{id}/retry",
    ):
        assert path in paths
