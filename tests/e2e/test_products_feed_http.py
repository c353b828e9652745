"""The products change feed over HTTP, as the contract describes it (every backend)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.e2e.conftest import Tokens

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
PRODUCTS = json.loads((SAMPLES / "products.json").read_text())


def sample_products() -> dict[str, Any]:
    return json.loads(json.dumps(PRODUCTS))


def changes(client: TestClient, tokens: Tokens, entity: str = "products", **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/webshop/{entity}/changes", params=params, headers=tokens.shop)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_push_poll_ack_round_trip(client: TestClient, tokens: Tokens) -> None:
    body = sample_products()
    first = client.post("/api/v1/odoo/products", json=body, headers=tokens.odoo)
    assert first.status_code == 200
    assert first.json()["summary"] == {"received": 2, "created": 2, "updated": 0, "unchanged": 0}
    assert {r["status"] for r in first.json()["results"]} == {"created"}

    items = {i["key"]: i for i in changes(client, tokens)["items"]}
    desk = items["FURN_0001"]
    assert desk["isNew"] is True and desk["version"] == 1 and desk["odooId"] == 41
    assert desk["data"] == body["records"][0]["data"]  # returned exactly as sent
    assert "x_dimensions.width" in desk["changedFields"] and "write_date" in desk["changedFields"]
    assert "prices" not in desk and "purchaseOrders" not in desk

    acked = client.post(
        "/api/v1/webshop/products/ack",
        json={"items": [{"key": "FURN_0001", "version": 1}, {"key": "NOPE", "version": 1}]},
        headers=tokens.shop,
    )
    assert acked.json() == {"acked": ["FURN_0001"], "stale": [], "unknown": ["NOPE"]}
    assert [i["key"] for i in changes(client, tokens)["items"]] == ["FURN_0002"]

    body["records"][0]["data"]["x_dimensions"]["width"] = 160
    body["records"][0]["data"]["list_price"] = 349  # same value as 349.0: not a change
    body["records"][0]["data"]["write_date"] = "2026-11-24 10:00:00"  # volatile
    second = client.post("/api/v1/odoo/products", json=body, headers=tokens.odoo)
    results = {r["key"]: r for r in second.json()["results"]}
    assert results["FURN_0001"] == {
        "key": "FURN_0001",
        "status": "updated",
        "version": 2,
        "changedFields": ["x_dimensions.width"],
    }
    assert results["FURN_0002"]["status"] == "unchanged" and results["FURN_0002"]["version"] == 1

    desk = {i["key"]: i for i in changes(client, tokens)["items"]}["FURN_0001"]
    assert (desk["isNew"], desk["version"], desk["changedFields"]) == (False, 2, ["x_dimensions.width"])


def test_a_price_only_change_flags_the_price_not_the_product(client: TestClient, tokens: Tokens) -> None:
    body = sample_products()
    client.post("/api/v1/odoo/products", json=body, headers=tokens.odoo)
    for entity in ("products", "prices"):
        items = changes(client, tokens, entity)["items"]
        client.post(
            f"/api/v1/webshop/{entity}/ack",
            json={"items": [{"key": i["key"], "version": i["version"]} for i in items]},
            headers=tokens.shop,
        )

    body["records"][0]["prices"][1]["price"] = 289.0
    body["records"][0]["prices"][0]["price"] = 349.001  # below EUR precision: not a change
    response = client.post("/api/v1/odoo/products", json=body, headers=tokens.odoo)
    assert response.json()["summary"]["unchanged"] == 2
    assert changes(client, tokens, "products")["items"] == []
    (price,) = changes(client, tokens, "prices")["items"]
    assert price["key"] == "PL_B2B/FURN_0001"
    assert (price["price"], price["previousPrice"], price["currency"], price["version"]) == (289.0, 299.0, "EUR", 2)


def test_delete_acks_one_record(client: TestClient, tokens: Tokens) -> None:
    client.post("/api/v1/odoo/products", json=sample_products(), headers=tokens.odoo)
    stale = client.delete("/api/v1/webshop/products/changes/FURN_0002", params={"version": 2}, headers=tokens.shop)
    assert stale.status_code == 409 and stale.headers["content-type"] == "application/problem+json"
    missing = client.delete("/api/v1/webshop/products/changes/NOPE", params={"version": 1}, headers=tokens.shop)
    assert missing.status_code == 404
    done = client.delete("/api/v1/webshop/products/changes/FURN_0002", params={"version": 1}, headers=tokens.shop)
    assert done.status_code == 204
    assert [i["key"] for i in changes(client, tokens)["items"]] == ["FURN_0001"]
    # the other consumer is untouched
    mobile = client.get("/api/v1/webshop/products/changes", headers=tokens.mobile).json()["items"]
    assert sorted(i["key"] for i in mobile) == ["FURN_0001", "FURN_0002"]


def test_get_one_and_unknown(client: TestClient, tokens: Tokens) -> None:
    client.post("/api/v1/odoo/products", json=sample_products(), headers=tokens.odoo)
    one = client.get("/api/v1/webshop/products/FURN_0002", headers=tokens.shop)
    assert one.status_code == 200
    assert (one.json()["externalId"], one.json()["version"], one.json()["pending"]) == ("FURN_0002", 1, True)
    missing = client.get("/api/v1/webshop/products/NOPE", headers=tokens.shop)
    assert missing.status_code == 404 and missing.json()["status"] == 404


def test_paging_with_cursor(client: TestClient, tokens: Tokens) -> None:
    records = [{"externalId": f"P{i:03d}", "data": {"n": i}} for i in range(25)]
    client.post("/api/v1/odoo/products", json={"records": records}, headers=tokens.odoo)
    seen: list[str] = []
    cursor = None
    while True:
        page = changes(client, tokens, limit=10, **({"cursor": cursor} if cursor else {}))
        seen += [i["key"] for i in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert sorted(seen) == [r["externalId"] for r in records] and len(seen) == 25


def test_an_invalid_record_rejects_the_whole_batch(client: TestClient, tokens: Tokens, atraxion: Any) -> None:
    records = [
        {"externalId": "OK", "data": {}},
        {"externalId": "", "data": {}},
        {"externalId": "X", "odooId": "41", "data": []},
        {"data": {}, "surprise": 1},
    ]
    response = client.post("/api/v1/odoo/products", json={"records": records}, headers=tokens.odoo)
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert {e["index"] for e in problem["errors"]} == {1, 2, 3}
    assert {(e["index"], e["field"]) for e in problem["errors"]} >= {(2, "odooId"), (2, "data"), (3, "externalId")}
    assert changes(client, tokens)["items"] == []


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b'{"records": [', "application/json", 400),
        (b"\xff\xfe{}", "application/json", 400),
        (b'{"records": [{"externalId": "A", "data": {"x": NaN}}]}', "application/json", 400),
        (b'{"records": []}', "application/json", 422),
        (b"{}", "text/plain", 415),
        (b'{"records": {}}', "application/json", 422),
    ],
)
def test_bad_bodies_get_a_problem(
    client: TestClient, tokens: Tokens, content: bytes, content_type: str, status: int
) -> None:
    response = client.post(
        "/api/v1/odoo/products", content=content, headers={**tokens.odoo, "Content-Type": content_type}
    )
    assert response.status_code == status
    assert set(response.json()) >= {"type", "title", "status", "detail"}


def test_idempotency_key_replays_and_conflicts(client: TestClient, tokens: Tokens) -> None:
    headers = {**tokens.odoo, "Idempotency-Key": "push-1"}
    body = {"records": [{"externalId": "A", "data": {"n": 1}}]}
    first = client.post("/api/v1/odoo/products", json=body, headers=headers)
    replay = client.post("/api/v1/odoo/products", json=body, headers=headers)
    assert replay.status_code == 200 and replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"
    other = client.post(
        "/api/v1/odoo/products", json={"records": [{"externalId": "A", "data": {"n": 2}}]}, headers=headers
    )
    assert other.status_code == 409
    assert changes(client, tokens)["items"][0]["version"] == 1


def test_request_id_is_echoed_or_made(client: TestClient) -> None:
    assert client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    assert len(client.get("/health").headers["x-request-id"]) == 32


def test_service_endpoints(client: TestClient) -> None:
    assert client.get("/ready").json() == {"status": "ready", "checks": {"database": "ok"}}
    document = client.get("/openapi.json").json()
    for path in (
        "/api/v1/odoo/products",
        "/api/v1/webshop/products/changes",
        "/api/v1/webshop/products/ack",
        "/api/v1/webshop/products/changes/{externalId}",
        "/api/v1/webshop/products/{externalId}",
    ):
        assert path in document["paths"]
    assert "swagger-ui" in client.get("/docs").text.lower()
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert "atraxion_http_request_duration_seconds_bucket" in client.get("/metrics").text


def test_unknown_entity_and_route(client: TestClient, tokens: Tokens) -> None:
    assert client.post("/api/v1/odoo/widgets", json={"records": []}, headers=tokens.odoo).status_code == 404
    assert client.get("/api/v1/nothing-here").status_code == 404
    assert client.get("/api/v1/nothing-here").headers["content-type"] == "application/problem+json"
