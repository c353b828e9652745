"""Token administration over HTTP."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.e2e.conftest import Tokens


def test_admin_creates_lists_and_revokes_tokens(client: TestClient, tokens: Tokens) -> None:
    created = client.post(
        "/api/v1/admin/tokens",
        json={"name": "dash", "scopes": ["webshop:read"], "consumer": "dashboard"},
        headers=tokens.admin,
    )
    assert created.status_code == 201
    secret = created.json()["token"]
    assert created.json()["consumer"] == "dashboard" and created.json()["active"] is True
    assert created.json()["createdAt"].endswith("Z")  # the one time format of every answer (UTC, "Z")

    listed = client.get("/api/v1/admin/tokens", headers=tokens.admin)
    assert "dash" in [t["name"] for t in listed.json()["items"]]
    assert secret not in listed.text

    reader = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/webshop/products/changes", headers=reader).status_code == 200
    assert client.delete(f"/api/v1/admin/tokens/{created.json()['id']}", headers=tokens.admin).status_code == 204
    assert client.get("/api/v1/webshop/products/changes", headers=reader).status_code == 401
    assert client.delete(f"/api/v1/admin/tokens/{created.json()['id']}", headers=tokens.admin).status_code == 404


def test_token_requests_are_validated_and_need_admin(client: TestClient, tokens: Tokens) -> None:
    bad = client.post(
        "/api/v1/admin/tokens",
        json={"name": "", "scopes": ["root"], "expiresAt": "tomorrow"},
        headers=tokens.admin,
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"name", "scopes", "expiresAt"}
    assert client.get("/api/v1/admin/tokens", headers=tokens.shop).status_code == 403
