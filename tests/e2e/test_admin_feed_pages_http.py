"""The consumers and webhooks pages: backlog, re-feed and removal after a confirmation, deliveries
and redelivery; each change refused to a role that may not make it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from atraxion.application import consumers
from atraxion.bootstrap import Atraxion
from atraxion.domain.auth import Scope
from atraxion.domain.users import Role
from tests.admin_support import admin_client, csrf_of, make_user, sign_in
from tests.e2e.conftest import bearer


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def web(atraxion: Atraxion) -> Iterator[TestClient]:
    with admin_client(atraxion) as client:
        yield client


def _push(web: TestClient, headers: dict[str, str], n: int) -> None:
    records = [{"externalId": f"P{i}", "data": {"name": f"product {i}"}} for i in range(n)]
    assert web.post("/api/v1/odoo/products", json={"records": records}, headers=headers).status_code == 200


def test_consumers_show_their_backlog_and_are_refed_after_a_confirmation(atraxion: Atraxion, web: TestClient) -> None:
    odoo = bearer(atraxion, "odoo", {Scope.ODOO_PUSH})
    shop = bearer(atraxion, "shop", {Scope.WEBSHOP_READ, Scope.WEBSHOP_ACK}, "webshop")
    _push(web, odoo, 3)
    items = web.get("/api/v1/webshop/products/changes", headers=shop).json()["items"]
    ack = {"items": [{"key": i["key"], "version": i["version"]} for i in items]}
    assert web.post("/api/v1/webshop/products/ack", json=ack, headers=shop).status_code == 200
    make_user(atraxion, "op@example.com", Role.OPERATOR)
    assert sign_in(web, "op@example.com") == 303
    listing = web.get("/admin/consumers").text
    assert 'data-consumer="webshop"' in listing and "Remove…" not in listing  # an operator may not remove
    confirm = web.get("/admin/consumers/confirm", params={"action": "refeed", "name": "webshop"})
    assert confirm.status_code == 200 and "Yes, re-feed webshop" in confirm.text
    done = web.post(
        "/admin/consumers/refeed", data={"name": "webshop", "entity": "products", "csrf_token": csrf_of(confirm.text)}
    )
    assert done.status_code == 303 and "3+record" in done.headers["location"]
    again = web.get("/api/v1/webshop/products/changes", headers=shop).json()["items"]
    assert len(again) == 3 and all(i["isNew"] for i in again)
    removal = web.post("/admin/consumers/remove", data={"name": "webshop", "csrf_token": csrf_of(confirm.text)})
    assert removal.status_code == 403


def test_an_admin_removes_a_consumer_and_its_tokens(atraxion: Atraxion, web: TestClient) -> None:
    shop = bearer(atraxion, "shop", {Scope.WEBSHOP_READ}, "mobile")
    make_user(atraxion, "ann@example.com", Role.ADMIN)
    assert sign_in(web, "ann@example.com") == 303
    confirm = web.get("/admin/consumers/confirm", params={"action": "remove", "name": "mobile"})
    assert "its tokens revoked" in confirm.text
    done = web.post("/admin/consumers/remove", data={"name": "mobile", "csrf_token": csrf_of(confirm.text)})
    assert done.status_code == 303
    assert "mobile" not in [c.name for c in consumers.list_consumers(atraxion.context)]
    assert web.get("/api/v1/webshop/products/changes", headers=shop).status_code == 401
    assert web.get("/admin/consumers/confirm", params={"action": "remove", "name": "mobile"}).status_code == 404


def test_a_viewer_cannot_refeed(atraxion: Atraxion, web: TestClient) -> None:
    bearer(atraxion, "shop", {Scope.WEBSHOP_READ}, "webshop")
    make_user(atraxion, "val@example.com", Role.VIEWER)
    assert sign_in(web, "val@example.com") == 303
    confirm = web.get("/admin/consumers/confirm", params={"action": "refeed", "name": "webshop"})
    assert "disabled" in confirm.text.split("Yes, re-feed")[0].rsplit("<button", 1)[1]
    refused = web.post("/admin/consumers/refeed", data={"name": "webshop", "csrf_token": csrf_of(confirm.text)})
    assert refused.status_code == 403


def test_webhook_deliveries_are_listed_and_redelivered(atraxion: Atraxion, web: TestClient) -> None:
    admin = bearer(atraxion, "ops", {Scope.ADMIN}, "ops")
    odoo = bearer(atraxion, "odoo", {Scope.ODOO_PUSH})
    bearer(atraxion, "shop", {Scope.WEBSHOP_READ}, "webshop")
    created = web.post(
        "/api/v1/admin/webhooks", json={"url": "http://127.0.0.1:9/hook", "consumer": "webshop"}, headers=admin
    )
    assert created.status_code == 201
    hook = created.json()["id"]
    _push(web, odoo, 2)
    deliveries = web.get(f"/api/v1/admin/webhooks/{hook}/deliveries", headers=admin).json()["items"]
    assert deliveries
    make_user(atraxion, "op@example.com", Role.OPERATOR)
    assert sign_in(web, "op@example.com") == 303
    assert "http://127.0.0.1:9/hook" in web.get("/admin/webhooks").text
    page = web.get(f"/admin/webhooks/{hook}")
    assert all(f'data-delivery="{d["id"]}"' in page.text for d in deliveries)
    delivery = deliveries[0]["id"]
    answer = web.post(
        f"/admin/webhooks/{hook}/deliveries/{delivery}/redeliver", data={"csrf_token": csrf_of(page.text)}
    )
    assert answer.status_code == 303 and "will+be+sent+again" in answer.headers["location"]  # no worker runs here
    assert web.get("/admin/webhooks/999999").status_code == 404
