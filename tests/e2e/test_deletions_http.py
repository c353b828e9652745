"""Deletions over HTTP (every backend): the delete route, deleted records in a push, the feed
item with ``deleted``, acks, GET of a deleted record, re-creation, validation and scopes."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from atraxion.bootstrap import Atraxion
from atraxion.domain.auth import Scope
from tests.e2e.conftest import Tokens, bearer


def push(client: TestClient, tokens: Tokens, entity: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    response = client.post(f"/api/v1/odoo/{entity}", json={"records": records}, headers=tokens.odoo)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def delete(client: TestClient, tokens: Tokens, entity: str, keys: list[Any]) -> Any:
    return client.post(f"/api/v1/odoo/{entity}/delete", json={"keys": keys}, headers=tokens.odoo)


def items(client: TestClient, headers: dict[str, str], entity: str = "products") -> dict[str, dict[str, Any]]:
    response = client.get(f"/api/v1/webshop/{entity}/changes", headers=headers)
    assert response.status_code == 200, response.text
    return {i["key"]: i for i in response.json()["items"]}


def ack(client: TestClient, headers: dict[str, str], entity: str, pairs: list[tuple[str, int]]) -> dict[str, Any]:
    body = {"items": [{"key": k, "version": v} for k, v in pairs]}
    response = client.post(f"/api/v1/webshop/{entity}/ack", json=body, headers=headers)
    assert response.status_code == 200, response.text
    acked: dict[str, Any] = response.json()
    return acked


def get(client: TestClient, tokens: Tokens, key: str, entity: str = "products") -> Any:
    return client.get(f"/api/v1/webshop/{entity}/{key}", headers=tokens.shop)


DESK = {"externalId": "FURN_0001", "odooId": 41, "data": {"name": "Oak Desk", "active": True}}
CHAIR = {"externalId": "FURN_0002", "data": {"name": "Chair", "active": True}}


def test_delete_route_poll_ack_get_and_recreate(client: TestClient, tokens: Tokens, atraxion: Atraxion) -> None:
    push(client, tokens, "products", [DESK, CHAIR])
    ack(client, tokens.shop, "products", [("FURN_0001", 1), ("FURN_0002", 1)])

    response = delete(client, tokens, "products", ["FURN_0001", "NOPE"])
    assert response.status_code == 200, response.text
    assert response.json() == {
        "results": [
            {"key": "FURN_0001", "status": "deleted", "version": 2},
            {"key": "NOPE", "status": "unknown", "version": None},
        ],
        "summary": {"received": 2, "deleted": 1, "unknown": 1},
    }
    again = delete(client, tokens, "products", ["FURN_0001"]).json()  # already deleted: nothing moves
    assert again["results"] == [{"key": "FURN_0001", "status": "unknown", "version": 2}]

    (item,) = items(client, tokens.shop).values()
    assert (item["key"], item["deleted"], item["version"], item["isNew"]) == ("FURN_0001", True, 2, False)
    assert item["data"] == DESK["data"] and item["odooId"] == 41 and item["changedFields"] == []
    mobile = items(client, tokens.mobile)  # never acked: both pending, the deleted one as new
    assert (mobile["FURN_0001"]["deleted"], mobile["FURN_0001"]["isNew"]) == (True, True)
    assert mobile["FURN_0002"]["deleted"] is False

    one = get(client, tokens, "FURN_0001")
    assert one.status_code == 200
    assert (one.json()["deleted"], one.json()["pending"], one.json()["data"]) == (True, True, DESK["data"])
    assert get(client, tokens, "FURN_0002").json()["deleted"] is False

    assert ack(client, tokens.shop, "products", [("FURN_0001", 2)])["acked"] == ["FURN_0001"]
    assert items(client, tokens.shop) == {}
    assert get(client, tokens, "FURN_0001").status_code == 200  # mobile still has the deletion pending
    assert (
        client.delete("/api/v1/webshop/products/changes/FURN_0001?version=2", headers=tokens.mobile).status_code == 204
    )
    assert get(client, tokens, "FURN_0001").status_code == 200  # so does ops, the admin token's consumer
    ops = bearer(atraxion, "ops-reader", {Scope.WEBSHOP_READ, Scope.WEBSHOP_ACK}, "ops")
    assert items(client, ops)["FURN_0001"]["deleted"] is True
    ack(client, ops, "products", [("FURN_0001", 2)])
    gone = get(client, tokens, "FURN_0001")
    assert gone.status_code == 404 and gone.headers["content-type"] == "application/problem+json"

    recreated = push(client, tokens, "products", [{**DESK, "data": {"name": "Oak Desk II", "active": True}}])
    assert recreated["results"] == [
        {"key": "FURN_0001", "status": "created", "version": 3, "changedFields": ["active", "name"]}
    ]
    item = items(client, tokens.shop)["FURN_0001"]
    assert (item["deleted"], item["isNew"], item["version"], item["changedFields"]) == (
        False,
        True,
        3,
        ["active", "name"],
    )
    assert get(client, tokens, "FURN_0001").json()["version"] == 3


def test_a_push_deletes_with_a_deleted_record(client: TestClient, tokens: Tokens) -> None:
    push(client, tokens, "products", [DESK, CHAIR])
    body = push(
        client,
        tokens,
        "products",
        [{"externalId": "FURN_0001", "deleted": True}, {**CHAIR, "data": {"name": "Chair 2", "active": True}}],
    )
    assert body["summary"] == {"received": 2, "created": 0, "updated": 1, "unchanged": 0, "deleted": 1, "unknown": 0}
    assert {r["key"]: r["status"] for r in body["results"]} == {"FURN_0002": "updated", "FURN_0001": "deleted"}
    item = items(client, tokens.shop)["FURN_0001"]
    assert item["deleted"] is True and item["data"] == DESK["data"] and item["version"] == 2


def test_archiving_is_a_data_change(client: TestClient, tokens: Tokens) -> None:
    push(client, tokens, "products", [DESK])
    ack(client, tokens.shop, "products", [("FURN_0001", 1)])
    push(client, tokens, "products", [{**DESK, "data": {"name": "Oak Desk", "active": False}}])
    item = items(client, tokens.shop)["FURN_0001"]
    assert (item["deleted"], item["changedFields"], item["data"]["active"]) == (False, ["active"], False)


@pytest.mark.parametrize(
    ("entity", "record", "key", "shown"),
    [
        ("partners", {"externalId": "RP_1", "type": "main", "data": {"name": "Nordlys"}}, "RP_1", "type"),
        ("sale-orders", {"externalId": "SO1", "data": {"name": "S00001"}}, "SO1", "data"),
        (
            "purchase-orders",
            {"externalId": "PO1", "name": "P1", "vendor": "V", "state": "draft", "lines": []},
            "PO1",
            "state",
        ),
        ("stock", {"supplierExternalId": "S1", "productExternalId": "P/1", "quantity": 4}, "S1/P/1", "quantity"),
        ("prices", {"pricelistExternalId": "PL", "productExternalId": "P1", "price": 9.5}, "PL/P1", "price"),
    ],
)
def test_every_entity_carries_deleted(
    client: TestClient, tokens: Tokens, entity: str, record: dict[str, Any], key: str, shown: str
) -> None:
    push(client, tokens, entity, [record])
    (live,) = items(client, tokens.shop, entity).values()
    assert live["deleted"] is False
    ack(client, tokens.shop, entity, [(key, 1)])
    result = delete(client, tokens, entity, [key]).json()["results"]
    assert result == [{"key": key, "status": "deleted", "version": 2}]
    (item,) = items(client, tokens.shop, entity).values()
    assert (item["key"], item["deleted"], item["version"], item[shown]) == (key, True, 2, live[shown])
    schema = client.get("/openapi.json").json()["paths"][f"/api/v1/webshop/{entity}/changes"]["get"]
    item_schema = schema["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["items"]["items"]
    assert "deleted" in item_schema["required"] and set(item) <= set(item_schema["properties"])


@pytest.mark.parametrize(
    "body",
    [{"keys": []}, {"keys": ["A", "A"]}, {"keys": [""]}, {"keys": [1]}, {"ids": ["A"]}, {"keys": "A"}, ["A"]],
)
def test_bad_deletion_bodies_are_422(client: TestClient, tokens: Tokens, body: Any) -> None:
    push(client, tokens, "products", [{"externalId": "A", "data": {}}])
    response = client.post("/api/v1/odoo/products/delete", json=body, headers=tokens.odoo)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]
    assert items(client, tokens.shop)["A"]["deleted"] is False


def test_bad_deleted_records_reject_the_whole_push(client: TestClient, tokens: Tokens) -> None:
    push(client, tokens, "products", [DESK])
    records = [{"externalId": "FURN_0001", "deleted": True}, {"externalId": "X", "deleted": 1}, {"deleted": True}]
    response = client.post("/api/v1/odoo/products", json={"records": records}, headers=tokens.odoo)
    assert response.status_code == 422
    assert {(e["index"], e["field"]) for e in response.json()["errors"]} == {(1, "deleted"), (2, "externalId")}
    assert items(client, tokens.shop)["FURN_0001"]["deleted"] is False


def test_deletion_needs_the_push_scope(client: TestClient, tokens: Tokens) -> None:
    url = "/api/v1/odoo/products/delete"
    assert client.post(url, json={"keys": ["A"]}).status_code == 401
    assert client.post(url, json={"keys": ["A"]}, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.post(url, json={"keys": ["A"]}, headers=tokens.shop).status_code == 403
    assert client.post("/api/v1/odoo/widgets/delete", json={"keys": ["A"]}, headers=tokens.odoo).status_code == 404
    bad = client.post(url, content=b'{"keys": [', headers={**tokens.odoo, "Content-Type": "application/json"})
    assert bad.status_code == 400


def test_a_deletion_replays_under_its_idempotency_key(client: TestClient, tokens: Tokens) -> None:
    push(client, tokens, "products", [DESK])
    headers = {**tokens.odoo, "Idempotency-Key": "del-1"}
    first = client.post("/api/v1/odoo/products/delete", json={"keys": ["FURN_0001"]}, headers=headers)
    replay = client.post("/api/v1/odoo/products/delete", json={"keys": ["FURN_0001"]}, headers=headers)
    assert replay.json() == first.json() and first.json()["results"][0]["status"] == "deleted"


def test_the_tree_of_a_deleted_partner_is_404(client: TestClient, tokens: Tokens) -> None:
    records = [
        {"externalId": "M", "type": "main", "data": {"name": "Company"}},
        {"externalId": "C", "externalParentId": "M", "data": {"name": "Contact"}},
    ]
    push(client, tokens, "partners", records)
    delete(client, tokens, "partners", ["M"])
    assert client.get("/api/v1/webshop/partners/M/tree", headers=tokens.shop).status_code == 404
    tree = client.get("/api/v1/webshop/partners/C/tree", headers=tokens.shop).json()
    assert (tree["externalId"], tree["children"]) == ("C", [])
    child = get(client, tokens, "C", "partners").json()
    assert (child["parentResolved"], child["externalParentId"], child["deleted"]) == (False, "M", False)
