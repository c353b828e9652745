"""Consumers over HTTP and the CLI: backlog, re-feed, removal, and a consumer's own summary."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from atraxion.bootstrap import Atraxion
from atraxion.domain.auth import Scope
from atraxion.domain.catalog import ALL_KINDS
from atraxion.entrypoints import cli
from atraxion.testing import FakeClock
from tests.e2e.conftest import Tokens, bearer

ENTITIES = {kind.name for kind in ALL_KINDS}


def _push(client: TestClient, tokens: Tokens, *records: dict[str, object]) -> None:
    answer = client.post("/api/v1/odoo/products", json={"records": list(records)}, headers=tokens.odoo)
    assert answer.status_code == 200, answer.text


def _poll_and_ack(client: TestClient, headers: dict[str, str]) -> list[dict[str, object]]:
    items: list[dict[str, object]] = client.get("/api/v1/webshop/products/changes", headers=headers).json()["items"]
    acked = client.post(
        "/api/v1/webshop/products/ack",
        json={"items": [{"key": i["key"], "version": i["version"]} for i in items]},
        headers=headers,
    )
    assert acked.status_code == 200
    return items


def test_the_list_shows_each_consumers_backlog_and_lag(client: TestClient, tokens: Tokens, clock: FakeClock) -> None:
    _push(client, tokens, {"externalId": "P1", "data": {"name": "Desk"}})
    first_change = clock.now()
    clock.advance(minutes=5)
    _push(client, tokens, {"externalId": "P2", "data": {"name": "Lamp"}})
    _poll_and_ack(client, tokens.mobile)

    listed = client.get("/api/v1/admin/consumers", headers=tokens.admin)

    assert listed.status_code == 200
    by_name = {c["name"]: c for c in listed.json()["items"]}
    assert set(by_name) == {"webshop", "mobile", "ops"}  # every token's consumer
    shop = by_name["webshop"]
    assert set(shop["pending"]) == ENTITIES == set(shop["oldestPendingAt"])
    assert shop["pending"]["products"] == 2 and shop["pending"]["partners"] == 0
    assert shop["oldestPendingAt"]["products"] == first_change.isoformat().replace("+00:00", "Z")
    assert shop["oldestPendingAt"]["partners"] is None
    assert by_name["mobile"]["pending"]["products"] == 0
    assert client.get("/api/v1/admin/consumers/mobile", headers=tokens.admin).json() == by_name["mobile"]

    summary = client.get("/api/v1/webshop/products/changes/summary", headers=tokens.shop)
    assert summary.json() == {"pending": 2, "oldestPendingAt": shop["oldestPendingAt"]["products"]}
    assert client.get("/api/v1/webshop/products/changes/summary", headers=tokens.mobile).json() == {
        "pending": 0,
        "oldestPendingAt": None,
    }


def test_refeed_sends_every_record_again_as_new(client: TestClient, tokens: Tokens) -> None:
    _push(client, tokens, {"externalId": "P1", "data": {"name": "Desk", "price": 10}})
    _poll_and_ack(client, tokens.shop)
    _push(client, tokens, {"externalId": "P1", "data": {"name": "Desk", "price": 12}})
    _poll_and_ack(client, tokens.mobile)

    refed = client.post("/api/v1/admin/consumers/webshop/refeed", json={"entities": ["products"]}, headers=tokens.admin)

    assert refed.status_code == 200
    assert refed.json() == {"consumer": "webshop", "pending": {"products": 1}}
    items = client.get("/api/v1/webshop/products/changes", headers=tokens.shop).json()["items"]
    assert [(i["key"], i["isNew"], i["changedFields"]) for i in items] == [("P1", True, ["name", "price"])]
    assert client.get("/api/v1/webshop/products/changes", headers=tokens.mobile).json()["items"] == []
    everything = client.post("/api/v1/admin/consumers/mobile/refeed", headers=tokens.admin)
    assert everything.json()["pending"] == {e: (1 if e == "products" else 0) for e in ENTITIES}


def test_refeed_and_show_refuse_unknown_consumers_and_entities(client: TestClient, tokens: Tokens) -> None:
    for method, path in [("GET", ""), ("DELETE", ""), ("POST", "/refeed")]:
        answer = client.request(method, f"/api/v1/admin/consumers/nobody{path}", headers=tokens.admin)
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
        assert "nobody" in answer.json()["detail"]
    bad = client.post("/api/v1/admin/consumers/webshop/refeed", json={"entities": ["cars"]}, headers=tokens.admin)
    assert bad.status_code == 422 and "cars" in bad.text
    assert client.get("/api/v1/admin/consumers", headers=tokens.shop).status_code == 403
    assert client.get("/api/v1/webshop/products/changes/summary", headers=tokens.admin).status_code == 403


def test_removing_a_consumer_forgets_it_and_revokes_its_tokens(
    client: TestClient, tokens: Tokens, atraxion: Atraxion
) -> None:
    _push(client, tokens, {"externalId": "P1", "data": {"name": "Desk"}})
    _poll_and_ack(client, tokens.shop)
    _poll_and_ack(client, tokens.mobile)

    assert client.delete("/api/v1/admin/consumers/webshop", headers=tokens.admin).status_code == 204

    assert client.get("/api/v1/webshop/products/changes", headers=tokens.shop).status_code == 401
    names = [c["name"] for c in client.get("/api/v1/admin/consumers", headers=tokens.admin).json()["items"]]
    assert "webshop" not in names and "mobile" in names
    assert client.get("/api/v1/webshop/products/changes/summary", headers=tokens.mobile).json()["pending"] == 0
    again = bearer(atraxion, "shop-again", {Scope.WEBSHOP_READ}, "webshop")
    items = client.get("/api/v1/webshop/products/changes", headers=again).json()["items"]
    assert [(i["key"], i["isNew"]) for i in items] == [("P1", True)]


@pytest.fixture
def sqlite_env(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("ATRAXION_DATABASE_URL", url)
    monkeypatch.chdir(str(tmp_path))
    return url


def test_the_cli_lists_shows_refeeds_and_removes(sqlite_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["token", "create", "shop", "--scope", "webshop:read", "--consumer", "shop"]) == 0
    capsys.readouterr()

    assert cli.main(["consumer", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["CONSUMER", "PENDING", "OLDEST", "PENDING"]
    assert lines[1].split() == ["shop", "0", "-"]

    assert cli.main(["consumer", "show", "shop"]) == 0
    shown = capsys.readouterr().out
    assert "products" in shown and "prices" in shown

    assert cli.main(["consumer", "refeed", "shop", "--entity", "products"]) == 0
    assert capsys.readouterr().out.strip() == "re-fed consumer 'shop': pending products 0"

    assert cli.main(["consumer", "remove", "shop"]) == 0
    assert capsys.readouterr().out.strip() == "removed consumer 'shop'; 1 token revoked"

    for argv in (["consumer", "show", "shop"], ["consumer", "remove", "shop"], ["consumer", "refeed", "shop"]):
        assert cli.main(argv) == 1
        captured = capsys.readouterr()
        assert captured.err.strip().splitlines() == ["atraxion: no consumer 'shop'"]
