"""The adversarial review's reproductions (issue "No 500, no shared feed, no unbounded memory"),
each a regression test, on every backend (memory, SQLite, and MariaDB on a database created with
the server's default collation, see ``mysql_engine`` in tests/conftest.py).
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from starlette.testclient import TestClient

from atraxion.bootstrap import Atraxion
from atraxion.domain.auth import Scope
from atraxion.entrypoints.http import create_app
from tests.e2e.conftest import Tokens, bearer


def forged(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def push(client: TestClient, tokens: Tokens, entity: str, records: list[dict[str, Any]]) -> Any:
    return client.post(f"/api/v1/odoo/{entity}", json={"records": records}, headers=tokens.odoo)


def pending_keys(client: TestClient, headers: dict[str, str], entity: str = "products") -> list[str]:
    response = client.get(f"/api/v1/webshop/{entity}/changes", params={"limit": 1000}, headers=headers)
    assert response.status_code == 200, response.text
    return [item["key"] for item in response.json()["items"]]


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status and problem["detail"]
    return problem


# --- 1. Forged feed cursors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "cursor",
    [
        forged([9223372036854775808, "a"]),  # beyond the 64-bit column
        forged('[1, "\\ud800"]'),  # a lone surrogate: no key UTF-8 can encode
        forged("[" * 3000),  # nesting past the decoder's recursion limit
        forged("[" * 3000 + "]" * 3000),
        forged([-1, "a"]),
        forged([1.0, "a"]),
        forged([True, "a"]),
        forged([1, "a", 2]),
        forged({"seq": 1, "key": "a"}),
        forged([1, None]),
        "A" * 20_000,  # longer than any cursor we issue
        "é",  # not base64 at all
        "9223372036854775808.000061",  # our own form, a position beyond 64 bits
        "1.00d800",  # our own form, a lone surrogate
        "1.110000",  # our own form, beyond U+10FFFF
        "1.000061\n",  # a trailing newline ($ would let it match)
    ],
    ids=[
        "int64-overflow",
        "lone-surrogate",
        "3000-nested",
        "3000-nested-closed",
        "negative",
        "float",
        "bool",
        "three-items",
        "object",
        "null-key",
        "too-long",
        "non-ascii",
        "ours-int64-overflow",
        "ours-surrogate",
        "ours-beyond-unicode",
        "ours-newline",
    ],
)
def test_a_forged_cursor_is_the_same_422_as_any_cursor_we_did_not_issue(
    client: TestClient, tokens: Tokens, cursor: str
) -> None:
    response = client.get("/api/v1/webshop/products/changes", params={"cursor": cursor}, headers=tokens.shop)
    problem = assert_problem(response, 422)
    assert problem["errors"] == [{"index": None, "field": "cursor", "message": "not a cursor this service issued"}]


def test_a_cursor_of_our_form_pages_from_the_position_it_names(client: TestClient, tokens: Tokens) -> None:
    assert push(client, tokens, "products", [{"externalId": k, "data": {}} for k in ("A", "B")]).status_code == 200
    first = client.get("/api/v1/webshop/products/changes", params={"limit": 1}, headers=tokens.shop).json()
    assert first["nextCursor"] == first["nextCursor"].split(".")[0] + ".000041"  # position, then "A"
    for cursor in (first["nextCursor"], "0.", "1." + "0000e9" * 511):
        response = client.get("/api/v1/webshop/products/changes", params={"cursor": cursor}, headers=tokens.shop)
        assert response.status_code == 200, (cursor, response.text)


def test_a_cursor_we_issued_still_pages(client: TestClient, tokens: Tokens) -> None:
    assert push(client, tokens, "products", [{"externalId": f"P{i}", "data": {}} for i in range(3)]).status_code == 200
    first = client.get("/api/v1/webshop/products/changes", params={"limit": 2}, headers=tokens.shop).json()
    rest = client.get(
        "/api/v1/webshop/products/changes", params={"limit": 2, "cursor": first["nextCursor"]}, headers=tokens.shop
    ).json()
    assert [i["key"] for i in first["items"] + rest["items"]] == ["P0", "P1", "P2"]


# --- 2. Keys compare byte for byte --------------------------------------------------------------


@pytest.mark.parametrize(
    "keys",
    [("TRAIL", "TRAIL "), ("SKU-abc", "SKU-ABC"), ("cafe\u0301", "caf\u00e9"), ("ß", "ss"), ("a", "A ")],
    ids=["trailing-space", "case", "unicode-form", "sharp-s", "case-and-space"],
)
@pytest.mark.parametrize("together", [False, True], ids=["two-pushes", "one-batch"])
def test_keys_that_differ_in_any_byte_are_two_records(
    client: TestClient, tokens: Tokens, keys: tuple[str, str], together: bool
) -> None:
    records = [{"externalId": key, "data": {"name": repr(key)}} for key in keys]
    if together:
        answers = [push(client, tokens, "products", records)]
    else:
        answers = [push(client, tokens, "products", [record]) for record in records]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert {r["status"] for r in answer.json()["results"]} == {"created"}
    assert sorted(pending_keys(client, tokens.shop)) == sorted(keys)
    for key in keys:
        one = client.get(f"/api/v1/webshop/products/{key}", headers=tokens.shop)
        assert one.status_code == 200 and one.json()["data"] == {"name": repr(key)}


@pytest.mark.parametrize("other", ["WebShop", "webshop ", "WEBSHOP"])
def test_consumers_whose_names_differ_in_any_byte_have_feeds_of_their_own(
    atraxion: Atraxion, client: TestClient, tokens: Tokens, other: str
) -> None:
    theirs = bearer(atraxion, "other", {Scope.WEBSHOP_READ, Scope.WEBSHOP_ACK}, other)
    assert push(client, tokens, "products", [{"externalId": "A", "data": {"x": 1}}]).status_code == 200
    acked = client.post("/api/v1/webshop/products/ack", json={"items": [{"key": "A", "version": 1}]}, headers=theirs)
    assert acked.json()["acked"] == ["A"]
    assert pending_keys(client, theirs) == []
    assert pending_keys(client, tokens.shop) == ["A"], "an ack by one consumer cleared another's pending record"


@pytest.mark.parametrize("entity", ["stock", "prices"])
def test_a_stock_or_price_key_of_two_255_character_parts_fits(client: TestClient, tokens: Tokens, entity: str) -> None:
    a, b = "a" * 254 + "é", "B" * 255
    record = (
        {"supplierExternalId": a, "productExternalId": b, "quantity": 5}
        if entity == "stock"
        else {"pricelistExternalId": a, "productExternalId": b, "price": 9.5}
    )
    answer = push(client, tokens, entity, [record])
    assert answer.status_code == 200, answer.text
    key = f"{a}/{b}"
    assert pending_keys(client, tokens.shop, entity) == [key]
    encoded = key.replace("/", "%2F")
    assert client.get(f"/api/v1/webshop/{entity}/{encoded}", headers=tokens.shop).json()["key"] == key
    acked = client.delete(f"/api/v1/webshop/{entity}/changes/{encoded}", params={"version": 1}, headers=tokens.shop)
    assert acked.status_code == 204
    assert pending_keys(client, tokens.shop, entity) == []


# --- 3. Metrics labels come from a fixed set ------------------------------------------------------


def test_invented_http_methods_do_not_grow_the_metrics(client: TestClient) -> None:
    def series() -> set[str]:
        text = client.get("/metrics").text
        return {
            line.rsplit(" ", 1)[0]
            for line in text.splitlines()
            if line.startswith("atraxion_http") and 'route="/health"' in line
        }

    before = series()
    for i in range(200):
        client.request(f"X{i:04d}" + "M" * 8000, "/health")
    after = series()
    assert any('method="other"' in s for s in after)
    # At most one new histogram (its buckets, sum, count and created) for the one "other" method.
    assert len(after - before) <= 20, "every invented method became a label value"
    assert not any("MMMM" in s for s in after)


# --- 4. Bounded JSON values -----------------------------------------------------------------------


@pytest.fixture
def small_bounds(atraxion: Atraxion) -> Iterator[TestClient]:
    """The same application (same database) with bounds of 1,000 values per record and 5,000 per
    request."""
    settings = attrs.evolve(atraxion.settings, max_nodes_per_record=1000, max_nodes_per_request=5000)
    with TestClient(create_app(attrs.evolve(atraxion, settings=settings))) as client:
        yield client


def test_a_record_with_more_values_than_the_bound_is_a_413_naming_it(small_bounds: TestClient, tokens: Tokens) -> None:
    # data itself, the list, and 998 numbers: exactly 1,000 values
    fits = {"externalId": "FITS", "data": {"list": [0] * 998}}
    assert push(small_bounds, tokens, "products", [fits]).status_code == 200
    over = {"externalId": "OVER", "data": {"list": [{}] * 999}}
    problem = assert_problem(push(small_bounds, tokens, "products", [fits, over]), 413)
    assert "ATRAXION_MAX_NODES_PER_RECORD" in problem["detail"] and "record 1" in problem["detail"]
    assert pending_keys(small_bounds, tokens.shop) == ["FITS"]


def test_a_body_with_more_values_than_the_bound_is_a_413_naming_it(small_bounds: TestClient, tokens: Tokens) -> None:
    records = [{"externalId": f"P{i}", "data": {"a": [1, 2, 3]}} for i in range(1000)]
    problem = assert_problem(push(small_bounds, tokens, "products", records), 413)
    assert "ATRAXION_MAX_NODES_PER_REQUEST" in problem["detail"]
    assert pending_keys(small_bounds, tokens.shop) == []


def test_a_node_bomb_is_refused_before_it_is_parsed(client: TestClient, tokens: Tokens) -> None:
    # 5.5 million empty objects (11 MB) under the default bounds: refused from the raw bytes
    body = b'{"records": [{"externalId": "BOMB", "data": {"x": [' + b"{}," * 5_500_000 + b"{}]}}]}"
    response = client.post(
        "/api/v1/odoo/products", content=body, headers={**tokens.odoo, "Content-Type": "application/json"}
    )
    assert "ATRAXION_MAX_NODES_PER_REQUEST" in assert_problem(response, 413)["detail"]


# --- 5. Deep partner chains -----------------------------------------------------------------------


def test_a_chain_of_520_partners_has_a_tree_for_every_member(client: TestClient, tokens: Tokens) -> None:
    chain = [
        {"externalId": f"C{i:03d}", "type": "main" if i == 0 else "contact", "data": {"name": f"level {i}"}}
        | ({"externalParentId": f"C{i - 1:03d}"} if i else {})
        for i in range(520)
    ]
    assert push(client, tokens, "partners", chain).status_code == 200
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10_000)  # for the test's own json.loads of 1,040 nested containers
    try:
        for member in ("C000", "C260", "C519"):
            response = client.get(f"/api/v1/webshop/partners/{member}/tree", headers=tokens.shop)
            assert response.status_code == 200, response.text[:300]
            node, depth = response.json(), 1
            assert node["externalId"] == "C000"
            while node["children"]:
                (node,) = node["children"]
                depth += 1
            assert (node["externalId"], depth) == ("C519", 520)
    finally:
        sys.setrecursionlimit(limit)


# --- 7. The smaller ones --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expires",
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "0001-01-01T00:30:00+00:45", "0999-12-31T23:00:00Z"],
)
def test_an_expiry_out_of_range_is_a_422(client: TestClient, tokens: Tokens, expires: str) -> None:
    body = {"name": "t", "scopes": ["webshop:read"], "expiresAt": expires}
    problem = assert_problem(client.post("/api/v1/admin/tokens", json=body, headers=tokens.admin), 422)
    assert problem["errors"][0]["field"] == "expiresAt"


def test_an_expiry_near_the_end_of_the_range_is_stored_in_utc(client: TestClient, tokens: Tokens) -> None:
    body = {"name": "t", "scopes": ["webshop:read"], "expiresAt": "9998-12-31T18:00:00-05:00"}
    created = client.post("/api/v1/admin/tokens", json=body, headers=tokens.admin)
    assert created.status_code == 201 and created.json()["expiresAt"].startswith("9998-12-31T23:00:00")


def test_duplicate_object_names_are_a_400(client: TestClient, tokens: Tokens) -> None:
    bodies = [
        b'{"records": [{"externalId": "A", "externalId": "B", "data": {}}]}',
        b'{"records": [{"externalId": "A", "data": {"x": 1, "x": 2}}]}',
        b'{"records": [], "records": [{"externalId": "A", "data": {}}]}',
    ]
    for body in bodies:
        response = client.post(
            "/api/v1/odoo/products", content=body, headers={**tokens.odoo, "Content-Type": "application/json"}
        )
        assert "appears twice" in assert_problem(response, 400)["detail"]
    acked = client.post(
        "/api/v1/webshop/products/ack",
        content=b'{"items": [{"key": "A", "version": 1, "version": 2}]}',
        headers={**tokens.shop, "Content-Type": "application/json"},
    )
    assert_problem(acked, 400)
    assert pending_keys(client, tokens.shop) == []


@pytest.mark.parametrize("entity", ["prices", "stock", "products"])
def test_get_on_the_ack_route_is_a_405(client: TestClient, tokens: Tokens, entity: str) -> None:
    response = client.get(f"/api/v1/webshop/{entity}/ack", headers=tokens.shop)
    assert_problem(response, 405)
    assert response.headers["allow"] == "POST"


def _seed_orders(client: TestClient, tokens: Tokens) -> None:
    assert (
        push(client, tokens, "partners", [{"externalId": "P1", "odooId": 7, "type": "main", "data": {}}]).status_code
        == 200
    )
    assert push(client, tokens, "products", [{"externalId": "A", "odooId": 8, "data": {}}]).status_code == 200


def test_a_sale_order_status_is_seen_only_by_the_consumer_that_submitted_it(client: TestClient, tokens: Tokens) -> None:
    _seed_orders(client, tokens)
    order = {"externalId": "SO1", "partnerExternalId": "P1", "lines": [{"productExternalId": "A", "quantity": 1}]}
    assert client.post("/api/v1/webshop/sale-orders", json=order, headers=tokens.shop).status_code == 202
    path = "/api/v1/webshop/sale-orders/SO1/sync"
    assert client.get(path, headers=tokens.shop).json()["status"] == "pending"
    other = client.get(path, headers=tokens.mobile)  # same scopes, another consumer
    assert assert_problem(other, 404)["detail"] == assert_problem(
        client.get("/api/v1/webshop/sale-orders/NOPE/sync", headers=tokens.mobile), 404
    )["detail"].replace("NOPE", "SO1")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"note": "x" * 10_001}, "note"),
        ({"lines": [{"productExternalId": "A", "quantity": 5e-324}]}, "lines[0].quantity"),
        ({"lines": [{"productExternalId": "A", "quantity": 0.0000009}]}, "lines[0].quantity"),
        ({"lines": [{"productExternalId": "A", "quantity": 0}]}, "lines[0].quantity"),
    ],
    ids=["long-note", "denormal-quantity", "tiny-quantity", "zero-quantity"],
)
def test_an_order_note_and_quantities_are_bounded(
    client: TestClient, tokens: Tokens, change: dict[str, Any], field: str
) -> None:
    _seed_orders(client, tokens)
    order = {"externalId": "SO1", "partnerExternalId": "P1", "lines": [{"productExternalId": "A", "quantity": 1}]}
    response = client.post("/api/v1/webshop/sale-orders", json=order | change, headers=tokens.shop)
    assert [e["field"] for e in assert_problem(response, 422)["errors"]] == [field]
