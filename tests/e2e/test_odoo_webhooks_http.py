"""``POST /api/v1/odoo/webhooks/{token}`` in-process, on every backend, with the bundled Odoo
simulator behind the gateway: what the route answers, and that its token never reaches a log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from atraxion.application.feed import changes, register_consumer
from atraxion.application.queued_pulls import queued_count
from atraxion.application.tokens import create_token, revoke_token
from atraxion.bootstrap import Atraxion
from atraxion.domain.auth import Scope
from atraxion.entrypoints.http import create_app
from atraxion.entrypoints.runtime import Runtime
from atraxion.testing.odoo_sim import OdooSimulator
from tests.e2e.reverse_sync_support import Apps, wait_for
from tests.e2e.test_request_log_http import dump, logged


@pytest.fixture
def sim() -> Iterator[OdooSimulator]:
    with OdooSimulator(seed=5) as simulator:
        yield simulator


@pytest.fixture
def app(backend: str, sim: OdooSimulator, request: pytest.FixtureRequest) -> Iterator[Atraxion]:
    apps = Apps(backend, sim, request)
    application = apps.make(webhook_settle=0.0, odoo_timeout=10.0)
    register_consumer(application.context, "shop")
    yield application
    apps.close()


def token(app: Atraxion, *scopes: Scope) -> str:
    return create_token(app.context, "odoo-webhook", frozenset(scopes), "odoo")[1]


def feed(app: Atraxion, entity: str) -> dict[str, Any]:
    return {i.record.key: i for i in changes(app.context, entity, "shop", None, 1000).items}


def webhook(odoo_id: int, model: str = "product.product", **fields: Any) -> dict[str, Any]:
    """Odoo's body: ``_model``, ``_id``, ``_action`` and the record's selected fields."""
    return {"_action": "Notify Atraxion(#7)", "_id": odoo_id, "_model": model, "id": odoo_id, **fields}


def test_a_webhook_is_queued_at_once_and_the_record_pulled_by_the_workers(app: Atraxion, sim: OdooSimulator) -> None:
    secret = token(app, Scope.ODOO_PUSH)
    desk = sim.create("product.product", {"name": "Desk", "default_code": "DESK", "list_price": 300.0})
    partner = sim.create("res.partner", {"name": "Wood Co", "ref": "WOODCO", "is_company": True})
    with TestClient(create_app(app)) as client:
        answers = [
            client.post(f"/api/v1/odoo/webhooks/{secret}", json=webhook(desk, name="Desk")),
            client.post(f"/api/v1/odoo/webhooks/{secret}", json=webhook(desk, name="Desk")),
            client.post(f"/api/v1/odoo/webhooks/{secret}", json=webhook(partner, "res.partner")),
        ]
        assert [(a.status_code, a.json()) for a in answers] == [(202, {"queued": True})] * 3
        assert queued_count(app.context) == 3  # no worker yet: durable rows, nothing lost
        assert Runtime(app).start_workers()
        wait_for(lambda: queued_count(app.context), lambda n: n == 0)
    assert feed(app, "products")["DESK"].record.data["list_price"] == 300.0
    assert feed(app, "partners")["WOODCO"].record.envelope["odooId"] == partner
    # Odoo's product form writes the template: its webhook stands for every variant of it.
    template = sim.read("product.product", [desk], ["product_tmpl_id"], load=None)[0]["product_tmpl_id"]
    sim.write("product.template", [template], {"list_price": 310.0})
    with TestClient(create_app(app)) as client:
        answer = client.post(f"/api/v1/odoo/webhooks/{secret}", json=webhook(template, "product.template"))
        assert answer.status_code == 202
        wait_for(lambda: queued_count(app.context), lambda n: n == 0)
    assert feed(app, "products")["DESK"].record.data["list_price"] == 310.0
    # The unlinked record: the next webhook's pull finds it gone and deletes it.
    sim.unlink("product.product", [desk])
    with TestClient(create_app(app)) as client:
        assert client.post(f"/api/v1/odoo/webhooks/{secret}", json=webhook(desk)).status_code == 202
        wait_for(lambda: queued_count(app.context), lambda n: n == 0)
    assert feed(app, "products")["DESK"].record.deleted


def test_what_the_webhook_route_refuses(app: Atraxion, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    good, shop = token(app, Scope.ODOO_PUSH), token(app, Scope.WEBSHOP_READ)
    stored, revoked = create_token(app.context, "revoked", frozenset({Scope.ODOO_PUSH}), "odoo")
    assert stored.id is not None and revoke_token(app.context, stored.id)
    path = "/api/v1/odoo/webhooks/"
    with TestClient(create_app(app)) as client:
        cases = [
            (client.post(path + "atx_unknown", json=webhook(1)), 401),
            (client.post(path + "plain-guess-1234", json=webhook(1)), 401),  # not even shaped like ours
            (client.post(path + revoked, json=webhook(1)), 401),
            (client.post(path + shop, json=webhook(1)), 403),
            (client.post(path + good, json=webhook(1, "sale.order")), 422),
            (client.post(path + good, json=webhook(1, "res.users")), 422),
            (client.post(path + good, json={"_model": "product.product"}), 422),
            (client.post(path + good, json=webhook(0)), 422),
            (client.post(path + good, json=webhook(True)), 422),  # type: ignore[arg-type]
            (client.post(path + good, json=webhook(2**63)), 422),
            (client.post(path + good, json={**webhook(1), "_model": 5}), 422),
            (client.post(path + good, json={**webhook(1), "_action": 5}), 422),
            (client.post(path + good, json=[webhook(1)]), 422),
            (client.post(path + good, content=b'{"_model":', headers={"content-type": "application/json"}), 400),
            (client.post(path + good, content=b"_id=1", headers={"content-type": "text/plain"}), 415),
            (client.get(path + good), 405),
        ]
        for answer, status in cases:
            assert answer.status_code == status, (answer.request.content, answer.text)
            if status != 405:
                assert answer.headers["content-type"] == "application/problem+json"
                assert good not in answer.text and shop not in answer.text
        unmapped = cases[4][0].json()
        assert unmapped["errors"][0]["field"] == "_model" and "sale.order" in unmapped["detail"] + str(unmapped)
        assert queued_count(app.context) == 0
        ok = client.post(path + good, json=webhook(1))
        assert ok.status_code == 202
        client.app.state.api_log.flush()  # type: ignore[attr-defined]
        rows = client.get("/api/v1/admin/logs?path=/api/v1/odoo/webhooks/", headers=admin(app)).json()["items"]
    assert rows and {r["path"] for r in rows} == {"/api/v1/odoo/webhooks/***"}
    rows_text, log_text = dump(app), logged(caplog)
    for secret in (good, shop, revoked, "atx_unknown", "plain-guess-1234"):
        assert secret not in rows_text and secret not in log_text


def admin(app: Atraxion) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(app, Scope.ADMIN)}"}
