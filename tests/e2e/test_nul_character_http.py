"""A NUL character (U+0000) anywhere a client sends text is the same 422 on every database.

PostgreSQL stores no text holding one; rather than answer differently there (or 500), every backend
refuses it at the HTTP edge with the ``nul-character`` problem: in a key, a data string, a JSON
object name, a consumer name, a path or a query value. Nothing is stored, and the request still
leaves its row in the request log (with the character replaced).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from atraxion.application import request_log
from atraxion.bootstrap import Atraxion
from tests.e2e.conftest import Tokens

NUL = "\x00"
JSON = {"Content-Type": "application/json"}


def assert_nul_problem(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["type"] == "https://atraxion.dev/problems/nul-character"
    assert "NUL character (U+0000)" in problem["detail"]
    return problem


def stored(atraxion: Atraxion) -> int:
    return atraxion.context.transaction(lambda uow: uow.records.count("products"))


BODIES = {
    "key": {"records": [{"externalId": f"A{NUL}B", "data": {}}]},
    "data string": {"records": [{"externalId": "A", "data": {"name": f"Desk{NUL}"}}]},
    "object name": {"records": [{"externalId": "A", "data": {f"na{NUL}me": 1}}]},
    "deep value": {"records": [{"externalId": "A", "data": {"a": [{"b": [NUL]}]}}]},
}


@pytest.mark.parametrize("where", sorted(BODIES))
def test_a_push_holding_a_nul_character_is_a_422_and_stores_nothing(
    client: TestClient, tokens: Tokens, atraxion: Atraxion, where: str
) -> None:
    response = client.post("/api/v1/odoo/products", content=json.dumps(BODIES[where]), headers={**tokens.odoo, **JSON})
    assert_nul_problem(response)
    assert stored(atraxion) == 0


def test_a_consumer_name_holding_a_nul_character_is_a_422(client: TestClient, tokens: Tokens) -> None:
    body = {"name": "dash", "scopes": ["webshop:read"], "consumer": f"web{NUL}shop"}
    assert_nul_problem(client.post("/api/v1/admin/tokens", json=body, headers=tokens.admin))
    names = [t["name"] for t in client.get("/api/v1/admin/tokens", headers=tokens.admin).json()["items"]]
    assert "dash" not in names


def test_an_escaped_backslash_before_u0000_is_no_nul_character(
    client: TestClient, tokens: Tokens, atraxion: Atraxion
) -> None:
    body = b'{"records": [{"externalId": "A\\\\u0000", "data": {}}]}'  # the key is A\u0000, six characters
    response = client.post("/api/v1/odoo/products", content=body, headers={**tokens.odoo, **JSON})
    assert response.status_code == 200, response.text
    assert atraxion.context.transaction(lambda uow: sorted(uow.records.load("products", ["A\\u0000"])))


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/webshop/products/A%00B",
        "/api/v1/webshop/products/changes?cursor=%00",
        "/api/v1/webshop/products/changes?limit=1&cursor=x%00y",
        "/api/v1/admin/logs?consumer=web%00shop",
    ],
)
def test_a_path_or_query_holding_a_nul_character_is_a_422(
    client: TestClient, tokens: Tokens, atraxion: Atraxion, path: str
) -> None:
    headers = tokens.admin if "/admin/" in path else tokens.shop
    assert_nul_problem(client.get(path, headers=headers))
    client.app.state.api_log.flush()  # type: ignore[attr-defined]
    (row,) = request_log.search(atraxion.context, None, None, 10, None)
    assert row.status_code == 422 and NUL not in row.path
