"""Webhook deliveries to a real receiver on loopback, which verifies signatures with the code of
docs/webhooks.md (not Atraxion's) and refuses replays older than five minutes: a delivery accepted,
a tampered one and an old replay refused, a failing receiver retried then recorded failed,
redelivery one by one and in bulk. On the embedded queue and on Dramatiq over real Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from atraxion.adapters.queue.dramatiq_broker import make_dramatiq_queue
from atraxion.adapters.queue.dramatiq_cleanup import delete_queue
from atraxion.application.feed import register_consumer
from atraxion.application.tokens import create_token
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.domain.auth import Scope
from atraxion.domain.webhook_signing import sign
from atraxion.entrypoints.http import create_app
from atraxion.entrypoints.runtime import Runtime
from tests.dramatiq_brokers import broker_url, unique_queue_name
from tests.e2e.reverse_sync_support import wait_for
from tests.e2e.webhook_receiver import LoopbackReceiver, loopback_receiver

pytestmark = pytest.mark.timeout(90)

# Retries within a fraction of a second: three attempts in all.
FAST: dict[str, Any] = {
    "webhook_retry_schedule": (0.2, 0.2),
    "webhook_sweep_interval": 0.05,
    "webhook_redeliver_after": 1.0,
    "webhook_timeout": 3.0,
}
PLACEHOLDER = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture(params=["embedded", pytest.param("redis", marks=pytest.mark.redis)])
def queue_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "embedded":
        yield "memory"
        return
    base = broker_url("redis")
    name = unique_queue_name("atraxion-webhooks")
    yield f"{base}{'&' if '?' in base else '?'}queue={name}"
    cleaner = make_dramatiq_queue(base, queue_name=name)
    try:
        delete_queue(cleaner)
    finally:
        cleaner.stop()


@pytest.fixture
def app(tmp_path: Path, queue_url: str) -> Iterator[Atraxion]:
    made = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'hooks.db'}", broker_url=queue_url, **FAST))
    register_consumer(made.context, "webshop")
    Runtime(made).start_workers()  # no Odoo: False, but deliveries are consumed and swept
    yield made
    made.close()


@pytest.fixture
def receiver() -> Iterator[LoopbackReceiver]:
    with loopback_receiver(PLACEHOLDER) as running:
        yield running


@pytest.fixture
def client(app: Atraxion) -> Iterator[TestClient]:
    _, secret = create_token(app.context, "ops", frozenset({Scope.ADMIN, Scope.ODOO_PUSH}), "ops")
    with TestClient(create_app(app), headers={"Authorization": f"Bearer {secret}"}) as test_client:
        yield test_client


def subscribe(client: TestClient, receiver: LoopbackReceiver, **extra: Any) -> int:
    answer = client.post(
        "/api/v1/admin/webhooks", json={"url": receiver.url, "consumer": "webshop", "entities": ["products"], **extra}
    )
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert created["secret"].startswith("whsec_") and created["isActive"] is True
    receiver.namespace["SECRET"] = created["secret"]  # the receiver's configuration, as the docs say
    assert created["secret"] not in client.get("/api/v1/admin/webhooks").text
    return int(created["id"])


def push(client: TestClient, *keys: str, version: int = 1) -> None:
    records = [{"externalId": key, "data": {"name": key, "rev": version}} for key in keys]
    assert client.post("/api/v1/odoo/products", json={"records": records}).status_code == 200


def deliveries(client: TestClient, hook: int) -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/admin/webhooks/{hook}/deliveries")
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def settled(client: TestClient, hook: int, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
    return wait_for(
        lambda: deliveries(client, hook),
        lambda items: len(items) == count and all(i["status"] != "pending" for i in items),
        timeout,
    )


def test_a_signed_delivery_is_accepted_and_tampered_or_replayed_copies_are_refused(
    client: TestClient, receiver: LoopbackReceiver
) -> None:
    hook = subscribe(client, receiver)
    push(client, "A", "B")
    (delivery,) = settled(client, hook, 1)
    assert delivery["status"] == "delivered" and delivery["attempts"] == 1
    assert delivery["event"] == "changes.pending" and delivery["responseStatus"] == 204
    assert delivery["latencyMs"] > 0 and delivery["lastAttemptAt"] is not None
    (event,) = receiver.received
    assert event["type"] == "changes.pending" and event["timestamp"].endswith("Z")
    assert event["data"] == {
        "consumer": "webshop",
        "entity": "products",
        "items": [{"key": "A", "version": 1}, {"key": "B", "version": 1}],
    }
    (seen,) = receiver.accepted()
    assert seen.headers["webhook-id"].startswith("msg_") and seen.headers["content-type"] == "application/json"
    assert abs(int(seen.headers["webhook-timestamp"]) - time.time()) < 60

    signed = {k: seen.headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    headers = {**signed, "content-type": "application/json"}
    tampered = seen.body.replace(b'"A"', b'"Z"')
    assert httpx.post(receiver.url, content=tampered, headers=headers).status_code == 401
    other_id = {**headers, "webhook-id": "msg_someone_else"}
    assert httpx.post(receiver.url, content=seen.body, headers=other_id).status_code == 401
    # A delivery captured ten minutes ago, correctly signed for its own time: refused as a replay.
    old = int(time.time()) - 600
    secret = receiver.namespace["SECRET"]
    replay = {
        **headers,
        "webhook-timestamp": str(old),
        "webhook-signature": sign(secret, signed["webhook-id"], old, seen.body),
    }
    assert httpx.post(receiver.url, content=seen.body, headers=replay).status_code == 401
    assert len(receiver.received) == 1

    push(client, "A", "B")  # unchanged: nothing pending, nothing sent
    push(client, "C")
    assert [d["status"] for d in settled(client, hook, 2)] == ["delivered", "delivered"]
    assert receiver.received[-1]["data"]["items"] == [{"key": "C", "version": 1}]


def test_a_failing_receiver_is_retried_then_failed_and_redelivery_sends_the_same_message(
    client: TestClient, receiver: LoopbackReceiver
) -> None:
    hook = subscribe(client, receiver)
    receiver.fail_with = 500
    push(client, "A")
    (failed,) = settled(client, hook, 1)
    assert failed["status"] == "failed" and failed["attempts"] == 3 and failed["responseStatus"] == 500
    assert failed["error"] == "the receiver answered 500"
    attempts = receiver.answered(500)
    assert len(attempts) == 3
    assert len({a.headers["webhook-id"] for a in attempts}) == 1  # every attempt: one webhook-id
    message_id = attempts[0].headers["webhook-id"]

    receiver.fail_with = None
    answer = client.post(f"/api/v1/admin/webhooks/{hook}/deliveries/{failed['id']}/redeliver")
    assert answer.status_code == 202 and answer.json()["status"] == "pending"
    (again,) = settled(client, hook, 1)
    assert again["status"] == "delivered" and again["attempts"] == 4 and again["responseStatus"] == 204
    assert [s.headers["webhook-id"] for s in receiver.accepted()] == [message_id]
    assert receiver.received[0]["data"]["items"] == [{"key": "A", "version": 1}]

    # In bulk, by status: two more failures, then both sent again.
    receiver.fail_with = 503
    push(client, "B")
    push(client, "C")
    items = settled(client, hook, 3)
    assert [i["status"] for i in items] == ["failed", "failed", "delivered"]
    receiver.fail_with = None
    answer = client.post(f"/api/v1/admin/webhooks/{hook}/deliveries/redeliver", json={"status": "failed"})
    assert answer.status_code == 202 and answer.json()["redelivered"] == 2
    assert sorted(answer.json()["ids"]) == sorted(i["id"] for i in items[:2])
    assert [i["status"] for i in settled(client, hook, 3)] == ["delivered"] * 3
    assert sorted(e["data"]["items"][0]["key"] for e in receiver.received) == ["A", "B", "C"]


def test_a_receiver_with_another_secret_refuses_every_attempt(client: TestClient, receiver: LoopbackReceiver) -> None:
    hook = subscribe(client, receiver)
    receiver.namespace["SECRET"] = PLACEHOLDER  # not the webhook's secret
    push(client, "A")
    (failed,) = settled(client, hook, 1)
    assert failed["status"] == "failed" and failed["responseStatus"] == 401 and failed["attempts"] == 3
    assert receiver.received == []
