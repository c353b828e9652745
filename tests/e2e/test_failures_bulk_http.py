"""Failures an operator can clear: bulk retry and resolve by filter, and resolving with the id of an
order entered in Odoo by hand, which the webshop then sees on the order's sync status."""

from __future__ import annotations

from starlette.testclient import TestClient

from atraxion.adapters.odoo.xmlrpc_gateway import XmlRpcOdooGateway
from atraxion.application.reverse_sync import Outcome
from atraxion.bootstrap import Atraxion
from atraxion.domain.auth import Scope
from atraxion.testing.odoo_sim import OdooSimulator
from tests.e2e.reverse_sync_support import client, push
from tests.e2e.test_reverse_sync_admin_http import admin, gateway, process, sim, submit

__all__ = ["admin", "gateway", "sim"]  # fixtures, shared with the single-failure tests


def _fail(atraxion: Atraxion, gateway: XmlRpcOdooGateway, *external_ids: str) -> list[int]:
    """Orders for a partner Odoo does not have: each ends as an open failure."""
    push(atraxion, "partners", [{"externalId": "P1", "odooId": 424242, "type": "main", "data": {"name": "Azure"}}])
    queue_ids = [submit(atraxion, external_id) for external_id in external_ids]
    for queue_id in queue_ids:
        assert process(atraxion, gateway, queue_id) is Outcome.FAILED
    return queue_ids


def _open_ids(admin: TestClient) -> list[int]:
    return [f["id"] for f in admin.get("/api/v1/admin/failures", params={"status": "open"}).json()["items"]]


def test_bulk_retry_by_status_and_kind_retries_every_open_failure(
    atraxion: Atraxion, admin: TestClient, gateway: XmlRpcOdooGateway
) -> None:
    queue_ids = _fail(atraxion, gateway, "SO1", "SO2", "SO3")
    first = _open_ids(admin)[0]
    assert admin.post(f"/api/v1/admin/failures/{first}/resolve").status_code == 200

    other_kind = admin.post("/api/v1/admin/failures/retry", json={"status": "open", "kind": "invoice"})
    assert other_kind.json() == {"matched": 0, "retried": 0, "skipped": 0}
    retried = admin.post("/api/v1/admin/failures/retry", json={"status": "open", "kind": "sale_order"})

    assert retried.status_code == 200
    assert retried.json() == {"matched": 2, "retried": 2, "skipped": 0}
    entries = {e["id"]: e["status"] for e in admin.get("/api/v1/admin/queue").json()["items"]}
    assert entries == {queue_ids[0]: "failed", queue_ids[1]: "pending", queue_ids[2]: "pending"}
    by_ids = admin.post("/api/v1/admin/failures/retry", json={"ids": [first, 999]})
    assert by_ids.json() == {"matched": 1, "retried": 0, "skipped": 1}  # resolved: not retried


def test_bulk_resolve_by_ids_and_by_status(atraxion: Atraxion, admin: TestClient, gateway: XmlRpcOdooGateway) -> None:
    _fail(atraxion, gateway, "SO1", "SO2", "SO3")
    first, *rest = _open_ids(admin)

    assert admin.post("/api/v1/admin/failures/resolve", json={"ids": [first]}).json() == {
        "matched": 1,
        "resolved": 1,
        "skipped": 0,
    }
    assert admin.post("/api/v1/admin/failures/resolve", json={"status": "open"}).json() == {
        "matched": 2,
        "resolved": 2,
        "skipped": 0,
    }
    assert _open_ids(admin) == []
    again = admin.post("/api/v1/admin/failures/resolve", json={"ids": [first, *rest]})
    assert again.json() == {"matched": 3, "resolved": 0, "skipped": 3}


def test_a_resolved_order_shows_as_resolved_with_the_odoo_id_entered_by_hand(
    atraxion: Atraxion, admin: TestClient, gateway: XmlRpcOdooGateway
) -> None:
    _fail(atraxion, gateway, "SO1", "SO2")
    one, two = _open_ids(admin)
    shop = client(atraxion, Scope.WEBSHOP_READ)
    assert shop.get("/api/v1/webshop/sale-orders/SO1/sync").json()["status"] == "failed"

    assert admin.post(f"/api/v1/admin/failures/{one}/resolve", json={"odooId": 4711}).json()["status"] == "resolved"
    bulk = admin.post("/api/v1/admin/failures/resolve", json={"ids": [two], "odooId": 4712})
    assert bulk.json()["resolved"] == 1

    for external_id, odoo_id in [("SO1", 4711), ("SO2", 4712)]:
        status = shop.get(f"/api/v1/webshop/sale-orders/{external_id}/sync").json()
        assert (status["status"], status["odooId"], status["error"]) == ("resolved", odoo_id, None)


def test_bulk_filters_are_validated(atraxion: Atraxion, admin: TestClient, sim: OdooSimulator) -> None:
    for path in ("/api/v1/admin/failures/retry", "/api/v1/admin/failures/resolve"):
        for body in ({}, {"ids": []}, {"ids": [0]}, {"ids": [1], "status": "open"}, {"status": "done"}, {"x": 1}):
            answer = admin.post(path, json=body)
            assert answer.status_code == 422, (path, body)
            assert answer.headers["content-type"] == "application/problem+json"
        assert admin.post(path, content=b"[1]", headers={"content-type": "application/json"}).status_code == 422
        assert admin.post(path, content=b"{", headers={"content-type": "application/json"}).status_code == 400
    many = admin.post("/api/v1/admin/failures/resolve", json={"status": "open", "odooId": 5})
    assert many.status_code == 422 and "odooId" in many.text
    assert admin.post("/api/v1/admin/failures/1/resolve", json={"odooId": "x"}).status_code == 422
    shop = client(atraxion, Scope.WEBSHOP_READ)
    assert shop.post("/api/v1/admin/failures/retry", json={"status": "open"}).status_code == 403
