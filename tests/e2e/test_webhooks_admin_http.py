"""``/api/v1/admin/webhooks`` over HTTP on every backend: the secret shown once and nowhere else
(lists, replays, the request log, the database's answers), validation as problems, paging."""

from __future__ import annotations

from starlette.testclient import TestClient

from atraxion.application.feed import register_consumer
from atraxion.bootstrap import Atraxion
from tests.e2e.conftest import Tokens

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
HOOKS = "/api/v1/admin/webhooks"


def test_the_secret_is_shown_once_and_never_again(atraxion: Atraxion, client: TestClient, tokens: Tokens) -> None:
    body = {"url": "http://127.0.0.1:9/in", "consumer": "webshop", "secret": SECRET}
    headers = {**tokens.admin, "Idempotency-Key": "hook-1"}
    created = client.post(HOOKS, json=body, headers=headers)
    assert created.status_code == 201 and created.json()["secret"] == SECRET
    assert created.json()["events"] == ["changes", "failures"] and created.json()["entities"] == []
    replay = client.post(HOOKS, json=body, headers=headers)
    assert replay.status_code == 201 and replay.json()["secret"] is None
    assert replay.json()["id"] == created.json()["id"]
    generated = client.post(HOOKS, json={"url": "https://shop.test/h", "consumer": "webshop"}, headers=tokens.admin)
    secret = generated.json()["secret"]
    assert secret.startswith("whsec_") and secret != SECRET
    listed = client.get(HOOKS, headers=tokens.admin)
    assert [h["id"] for h in listed.json()["items"]] == [created.json()["id"], generated.json()["id"]]
    bad = client.post(HOOKS, json={**body, "secret": SECRET[:-4]}, headers=tokens.admin)
    assert bad.status_code == 422 and SECRET[6:-4] not in bad.text
    client.app.state.api_log.flush()  # type: ignore[attr-defined]
    log = client.get("/api/v1/admin/logs?limit=1000", headers=tokens.admin).text
    for shown in (SECRET, secret, SECRET[6:-4], secret[6:]):
        assert shown not in listed.text and shown not in log


def test_webhook_requests_are_validated_and_need_admin(client: TestClient, tokens: Tokens) -> None:
    good = {"url": "http://localhost:8080/hook", "consumer": "webshop"}
    assert client.post(HOOKS, json=good, headers=tokens.shop).status_code == 403
    assert client.get(HOOKS).status_code == 401
    for bad, field in [
        ({**good, "url": "ftp://host/x"}, "url"),
        ({**good, "url": "http://user:pw@host/x"}, "url"),
        ({**good, "url": "http://host:70000/x"}, "url"),
        ({**good, "consumer": " "}, "consumer"),
        ({**good, "entities": ["nope"]}, "entities"),
        ({**good, "events": []}, "events"),
        ({**good, "events": ["pings"]}, "events"),
        ({**good, "secret": "whsec_short"}, "secret"),
        ({"url": "http://h/x"}, "consumer"),
        ({**good, "colour": "red"}, ""),
    ]:
        answer = client.post(HOOKS, json=bad, headers=tokens.admin)
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in answer.json()["errors"]] == [field], answer.text


def test_update_delete_and_deliveries_of_a_webhook(atraxion: Atraxion, client: TestClient, tokens: Tokens) -> None:
    register_consumer(atraxion.context, "webshop")
    hook = client.post(HOOKS, json={"url": "http://h/x", "consumer": "webshop"}, headers=tokens.admin).json()["id"]
    changed = client.patch(
        f"{HOOKS}/{hook}", json={"events": ["changes"], "entities": ["stock"], "isActive": False}, headers=tokens.admin
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["events"], changed.json()["entities"], changed.json()["isActive"]) == (
        ["changes"],
        ["stock"],
        False,
    )
    assert client.patch(f"{HOOKS}/{hook}", json={"isActive": "yes"}, headers=tokens.admin).status_code == 422
    assert (
        client.patch(f"{HOOKS}/{hook}", json={"isActive": True, "entities": None}, headers=tokens.admin).json()[
            "entities"
        ]
        == []
    )
    for n in range(3):  # three pushes: three deliveries
        records = [{"externalId": f"P{n}", "data": {"n": n}}]
        assert client.post("/api/v1/odoo/products", json={"records": records}, headers=tokens.odoo).status_code == 200
    page = client.get(f"{HOOKS}/{hook}/deliveries?limit=2", headers=tokens.admin).json()
    assert [d["status"] for d in page["items"]] == ["pending", "pending"] and page["nextCursor"]
    assert page["items"][0]["id"] > page["items"][1]["id"]
    rest = client.get(f"{HOOKS}/{hook}/deliveries?limit=2&cursor={page['nextCursor']}", headers=tokens.admin).json()
    assert len(rest["items"]) == 1 and rest["nextCursor"] is None
    redeliver = f"{HOOKS}/{hook}/deliveries/redeliver"
    assert client.post(redeliver, json={}, headers=tokens.admin).status_code == 422
    assert client.post(redeliver, json={"ids": [], "status": "failed"}, headers=tokens.admin).status_code == 422
    taken = client.post(redeliver, json={"ids": [rest["items"][0]["id"]]}, headers=tokens.admin)
    assert taken.status_code == 202 and taken.json()["redelivered"] == 1
    assert client.post(f"{HOOKS}/{hook}/deliveries/999999/redeliver", headers=tokens.admin).status_code == 404
    assert client.get(f"{HOOKS}/999999/deliveries", headers=tokens.admin).status_code == 404
    assert client.delete(f"{HOOKS}/{hook}", headers=tokens.admin).status_code == 204
    assert client.delete(f"{HOOKS}/{hook}", headers=tokens.admin).status_code == 404
    assert client.patch(f"{HOOKS}/{hook}", json={}, headers=tokens.admin).status_code == 404
