"""Webhook secrets are sealed at rest in SQL (SQLite and MariaDB): the column never holds the
secret, a secret stored in clear before (migration 0013) still signs and is sealed on the next write,
and a secret the configured key cannot open fails that webhook's deliveries with the reason (the admin
API keeps answering, and the stored value is left for the right key)."""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update
from starlette.testclient import TestClient

from atraxion.adapters.secret_box import PREFIX
from atraxion.adapters.sqlalchemy.tables import webhooks as webhooks_table
from atraxion.application import webhooks
from atraxion.application.feed import register_consumer
from atraxion.application.ingest import Batch, ingest
from atraxion.application.tokens import create_token
from atraxion.application.webhooks import DeliveryOutcome, process_delivery
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.domain.auth import Scope
from atraxion.domain.records import Incoming
from atraxion.domain.webhook_signing import verify
from atraxion.domain.webhooks import DeliveryStatus, WebhookEvent
from atraxion.entrypoints.http import create_app
from atraxion.ports.webhooks import SendResult
from tests.unit.test_webhooks import FakeSender

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SQL_BACKENDS = ["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)]


@pytest.fixture(params=SQL_BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def stored_secret(app: Atraxion, hook: int) -> str:
    assert app.engine is not None
    with app.engine.connect() as conn:
        value = conn.execute(select(webhooks_table.c.secret).where(webhooks_table.c.id == hook)).scalar_one()
    return str(value)


def subscribe(app: Atraxion) -> int:
    register_consumer(app.context, "webshop")
    hook = webhooks.webhook_creation(
        app.context, "http://127.0.0.1:9/in", "webshop", [], frozenset(WebhookEvent), SECRET
    ).run(app.context)
    assert hook.id is not None
    return hook.id


def push(app: Atraxion, key: str) -> int:
    ingest(app.context, [Batch("products", [Incoming(key, {"externalId": key}, {"name": key})], ())])
    (hook,) = webhooks.list_webhooks(app.context)
    assert hook.id is not None
    newest = webhooks.list_deliveries(app.context, hook.id, None, 1)
    assert newest and newest[0].id is not None
    return newest[0].id


@pytest.fixture
def other_key_app(atraxion: Atraxion) -> Iterator[Atraxion]:
    """The same database, opened with another key (a replica configured wrong)."""
    wrong = attrs.evolve(atraxion.settings, secret_key=Fernet.generate_key().decode())
    app = bootstrap(wrong, clock=atraxion.context.clock, migrate=False)
    yield app
    app.close()


def test_the_column_holds_a_sealed_secret_that_signs(atraxion: Atraxion) -> None:
    hook = subscribe(atraxion)
    raw = stored_secret(atraxion, hook)
    assert raw.startswith(PREFIX) and SECRET not in raw and SECRET[6:] not in raw
    assert atraxion.context.transaction(lambda uow: uow.webhooks.get(hook)).secret == SECRET
    sender = FakeSender()
    assert process_delivery(atraxion.context, sender, push(atraxion, "A")) is DeliveryOutcome.DELIVERED
    ((_, headers, body),) = sender.sent
    assert verify(SECRET, headers["webhook-id"], int(headers["webhook-timestamp"]), body, headers["webhook-signature"])


def test_a_secret_stored_in_clear_is_read_and_sealed_on_the_next_write(atraxion: Atraxion) -> None:
    hook = subscribe(atraxion)
    assert atraxion.engine is not None
    with atraxion.engine.begin() as conn:  # as migration 0013 left it
        conn.execute(update(webhooks_table).where(webhooks_table.c.id == hook).values(secret=SECRET))
    assert atraxion.context.transaction(lambda uow: uow.webhooks.get(hook)).secret == SECRET
    webhooks.update_webhook(atraxion.context, hook, webhooks.WebhookChanges(url="http://127.0.0.1:9/other"))
    raw = stored_secret(atraxion, hook)
    assert raw.startswith(PREFIX) and SECRET not in raw
    assert atraxion.context.transaction(lambda uow: uow.webhooks.get(hook)).secret == SECRET


def test_a_secret_the_key_cannot_open_fails_its_deliveries_with_the_reason(
    atraxion: Atraxion, other_key_app: Atraxion
) -> None:
    hook = subscribe(atraxion)
    sealed = stored_secret(atraxion, hook)
    delivery = push(other_key_app, "A")
    sender = FakeSender(SendResult(204, 1.0))
    assert process_delivery(other_key_app.context, sender, delivery) is DeliveryOutcome.FAILED
    assert sender.sent == []
    (failed,) = webhooks.list_deliveries(other_key_app.context, hook, None, 10)
    assert failed.status is DeliveryStatus.FAILED and failed.attempts == 0
    assert failed.last_error is not None and "cannot be decrypted with ATRAXION_SECRET_KEY" in failed.last_error

    _, admin = create_token(other_key_app.context, "admin", frozenset({Scope.ADMIN}), "ops")
    with TestClient(create_app(other_key_app)) as client:
        auth = {"Authorization": f"Bearer {admin}"}
        assert client.get("/api/v1/admin/webhooks", headers=auth).status_code == 200
        patched = client.patch(f"/api/v1/admin/webhooks/{hook}", json={"url": "http://127.0.0.1:9/b"}, headers=auth)
        assert patched.status_code == 200, patched.text
        listed = client.get(f"/api/v1/admin/webhooks/{hook}/deliveries", headers=auth)
        assert listed.status_code == 200 and "cannot be decrypted" in listed.text
    assert stored_secret(atraxion, hook) == sealed  # left for the right key

    # With the right key again, redelivering sends it, signed.
    assert webhooks.redelivery(atraxion.context, hook, delivery).run(atraxion.context).status is DeliveryStatus.PENDING
    assert process_delivery(atraxion.context, sender, delivery) is DeliveryOutcome.DELIVERED
    ((url, headers, body),) = sender.sent
    assert url == "http://127.0.0.1:9/b"
    assert verify(SECRET, headers["webhook-id"], int(headers["webhook-timestamp"]), body, headers["webhook-signature"])
