"""``/docs`` and the OpenAPI document: Swagger UI gets a document it can render (OpenAPI 3.0), only
its own two assets are served, and the document states the bounds the server enforces."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from atraxion.application.feed import CURSOR_PATTERN
from atraxion.entrypoints.http import create_app
from atraxion.testing import memory_atraxion


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(memory_atraxion())) as client:
        yield client


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def test_the_docs_page_loads_an_openapi_30_rendering_of_the_document(client: TestClient) -> None:
    page = client.get("/docs").text
    assert '"/docs/openapi.json"' in page and "petstore" not in page
    document = client.get("/docs/openapi.json").json()
    assert document["openapi"] == "3.0.3"  # what the bundled Swagger UI (3.x) renders
    assert document["paths"].keys() == client.get("/openapi.json").json()["paths"].keys()
    for schema in _walk(document):
        assert not isinstance(schema.get("type"), list), schema
        assert "const" not in schema, schema
        for bound in ("exclusiveMinimum", "exclusiveMaximum"):
            assert isinstance(schema.get(bound, True), bool), schema
    nullable = document["paths"]["/api/v1/webshop/products/changes"]["get"]["responses"]["200"]
    next_cursor = nullable["content"]["application/json"]["schema"]["properties"]["nextCursor"]
    assert next_cursor == {"type": "string", "nullable": True}


@pytest.mark.parametrize(
    "name", ["index.html", "oauth2-redirect.html", "swagger-initializer.js", "index.j2", "..%2Fdocs.py"]
)
def test_only_the_two_assets_the_page_uses_are_served(client: TestClient, name: str) -> None:
    assert client.get(f"/docs/assets/{name}").status_code == 404


@pytest.mark.parametrize(
    ("name", "media_type"), [("swagger-ui.css", "text/css"), ("swagger-ui-bundle.js", "text/javascript")]
)
def test_the_page_assets_are_served(client: TestClient, name: str, media_type: str) -> None:
    response = client.get(f"/docs/assets/{name}")
    assert response.status_code == 200 and response.headers["content-type"].startswith(media_type)


def test_the_openapi_document_states_the_bounds_the_server_enforces(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    changes = paths["/api/v1/webshop/prices/changes"]["get"]
    cursor = next(p for p in changes["parameters"] if p["name"] == "cursor")["schema"]
    assert cursor["pattern"] == "^$|" + CURSOR_PATTERN and cursor["maxLength"] == 20 + 6 * 511
    ack = paths["/api/v1/webshop/stock/ack"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    version = ack["properties"]["items"]["items"]["properties"]["version"]
    assert (version["format"], version["maximum"]) == ("int64", 2**63 - 1)
    price = paths["/api/v1/odoo/prices"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    live_price = price["properties"]["records"]["items"]["oneOf"][0]  # [1] is a deletion by key
    assert live_price["properties"]["price"]["maximum"] == 10**15
    for entity, name in (("stock", "key"), ("prices", "key"), ("products", "externalId")):
        assert f"/api/v1/webshop/{entity}/{{{name}}}" in paths
        assert "delete" in paths[f"/api/v1/webshop/{entity}/changes/{{{name}}}"]
    text = json.dumps(paths)
    assert "ATRAXION_MAX_NODES_PER_RECORD" in text
