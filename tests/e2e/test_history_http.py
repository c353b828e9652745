"""GET /api/v1/webshop/{entity}/{externalId}/history over HTTP (every backend)."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.e2e.conftest import Tokens


def test_history_newest_first(client: TestClient, tokens: Tokens) -> None:
    record = {"externalId": "FURN_1", "odooId": 1, "data": {"name": "Desk", "price": 10}}
    assert client.post("/api/v1/odoo/products", json={"records": [record]}, headers=tokens.odoo).status_code == 200
    record["data"] = {"name": "Desk", "price": 12}
    assert client.post("/api/v1/odoo/products", json={"records": [record]}, headers=tokens.odoo).status_code == 200
    answer = client.get("/api/v1/webshop/products/FURN_1/history", headers=tokens.shop)
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [(i["version"], i["changedFields"]) for i in items] == [(2, ["price"]), (1, ["name", "price"])]
    assert all(i["at"].endswith("Z") for i in items)


def test_stock_keys_carry_a_slash(client: TestClient, tokens: Tokens) -> None:
    row = {"supplierExternalId": "S1", "productExternalId": "P1", "quantity": 3}
    assert client.post("/api/v1/odoo/stock", json={"records": [row]}, headers=tokens.odoo).status_code == 200
    answer = client.get("/api/v1/webshop/stock/S1/P1/history", headers=tokens.shop)
    assert answer.status_code == 200 and [i["version"] for i in answer.json()["items"]] == [1]


def test_unknown_record_and_scopes(client: TestClient, tokens: Tokens) -> None:
    unknown = client.get("/api/v1/webshop/products/NOPE/history", headers=tokens.shop)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/webshop/products/NOPE/history").status_code == 401
    assert client.get("/api/v1/webshop/products/NOPE/history", headers=tokens.odoo).status_code == 403
    assert client.get("/api/v1/webshop/unicorns/X/history", headers=tokens.shop).status_code == 404
