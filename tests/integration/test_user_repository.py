"""Users, allowed domains, verifications and sessions: one contract on memory, SQLite and MariaDB."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from atraxion.application import users
from atraxion.application.sessions import log_in, log_out, session_user
from atraxion.bootstrap import Atraxion
from atraxion.domain.errors import Conflict, NotFound
from atraxion.domain.users import Role
from atraxion.testing import FakeClock

PASSWORD = "correct horse battery"


def test_users_are_stored_with_a_hashed_password_and_listed(atraxion: Atraxion) -> None:
    ctx = atraxion.context
    made = users.create_user(ctx, atraxion.accounts, "Ann@Example.com", PASSWORD, Role.ADMIN)
    users.create_user(ctx, atraxion.accounts, "bob@example.com", PASSWORD, Role.VIEWER)
    assert made.email == "ann@example.com" and made.verified and made.password_hash.startswith("$argon2id$")
    assert PASSWORD not in made.password_hash
    assert [(u.email, u.role) for u in users.list_users(ctx)] == [
        ("ann@example.com", Role.ADMIN),
        ("bob@example.com", Role.VIEWER),
    ]
    with pytest.raises(Conflict):
        users.create_user(ctx, atraxion.accounts, "ANN@example.com", PASSWORD, Role.VIEWER)
    assert users.change_role(ctx, "bob@example.com", Role.OPERATOR).role is Role.OPERATOR
    with pytest.raises(NotFound):
        users.disable_user(ctx, "nobody@example.com")


def test_domains_are_added_once_listed_and_removed(atraxion: Atraxion) -> None:
    ctx = atraxion.context
    assert users.add_domain(ctx, "Example.com") == ("example.com", True)
    assert users.add_domain(ctx, "example.com") == ("example.com", False)
    users.add_domain(ctx, "acme.test")
    assert users.list_domains(ctx) == ["acme.test", "example.com"]
    assert users.remove_domain(ctx, "EXAMPLE.com") and not users.remove_domain(ctx, "example.com")
    assert users.list_domains(ctx) == ["acme.test"]


def test_sessions_live_in_the_store_hashed_until_logout_or_expiry(atraxion: Atraxion, clock: FakeClock) -> None:
    ctx = atraxion.context
    users.create_user(ctx, atraxion.accounts, "ann@example.com", PASSWORD, Role.OPERATOR)
    signed = log_in(ctx, atraxion.accounts, "ann@example.com", PASSWORD)
    found = session_user(ctx, signed.session_secret)
    assert found is not None and found.email == "ann@example.com"
    assert ctx.transaction(lambda uow: uow.admin_sessions.by_hash(signed.session_secret)) is None  # only the hash
    log_out(ctx, signed.session_secret)
    assert session_user(ctx, signed.session_secret) is None
    again = log_in(ctx, atraxion.accounts, "ann@example.com", PASSWORD)
    clock.advance(hours=12)
    assert session_user(ctx, again.session_secret) is None


def test_a_lock_survives_in_the_store(atraxion: Atraxion, clock: FakeClock) -> None:
    ctx = atraxion.context
    accounts = attrs.evolve(atraxion.accounts)
    users.create_user(ctx, accounts, "ann@example.com", PASSWORD, Role.VIEWER)
    for _ in range(10):
        with pytest.raises(Exception):  # noqa: B017 - refused, then locked
            log_in(ctx, accounts, "ann@example.com", "wrong password")
    stored = ctx.transaction(lambda uow: uow.users.by_email("ann@example.com"))
    assert stored is not None and stored.locked_until == clock.now() + timedelta(minutes=15)


def test_the_dashboard_figures_come_from_the_store(atraxion: Atraxion, clock: FakeClock) -> None:
    from atraxion.application.ingest import ingest
    from atraxion.application.overview import overview
    from atraxion.application.tokens import create_token
    from atraxion.domain.auth import Scope
    from atraxion.entrypoints.inbound import parse_push

    ctx = atraxion.context
    create_token(ctx, "shop", frozenset({Scope.WEBSHOP_READ}), "webshop")
    ingest(ctx, parse_push("products", {"records": [{"externalId": "A", "data": {"n": 1}}]}))
    clock.advance(hours=2)
    ingest(
        ctx,
        parse_push(
            "products", {"records": [{"externalId": "B", "data": {"n": 1}}, {"externalId": "A", "data": {"n": 2}}]}
        ),
    )
    create_token(ctx, "app", frozenset({Scope.WEBSHOP_READ}), "mobile")
    figures = overview(ctx)
    assert figures.records["products"] == 2 and figures.consumers == ["mobile", "webshop"]
    assert figures.pending == {"webshop": {"products": 2}, "mobile": {"products": 2}}
    assert figures.outbox == {"pending": 0, "processing": 0, "completed": 0, "failed": 0} and figures.open_failures == 0
    assert figures.deliveries == {"pending": 0, "delivered": 0, "failed": 0} and figures.webhooks == 0
    assert sum(figures.changes_per_hour) == 2 and figures.changes_per_hour[-1] == 2  # A changed again: counted once


def test_the_dashboard_counts_webhook_deliveries_by_status(atraxion: Atraxion) -> None:
    from atraxion.application.ingest import ingest
    from atraxion.application.overview import overview
    from atraxion.application.tokens import create_token
    from atraxion.application.webhooks import webhook_creation
    from atraxion.domain.auth import Scope
    from atraxion.domain.webhooks import WebhookEvent
    from atraxion.entrypoints.inbound import parse_push

    ctx = atraxion.context
    create_token(ctx, "shop", frozenset({Scope.WEBSHOP_READ}), "webshop")
    webhook_creation(ctx, "http://127.0.0.1:9/hook", "webshop", [], frozenset(WebhookEvent), None).run(ctx)
    ingest(ctx, parse_push("products", {"records": [{"externalId": "A", "data": {"n": 1}}]}))
    figures = overview(ctx)
    assert figures.webhooks == figures.active_webhooks == 1
    assert figures.deliveries["pending"] >= 1 and figures.deliveries["delivered"] == 0
