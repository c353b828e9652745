"""An Odoo outage and a wrong Odoo credential, on a fake clock: orders ride out tens of minutes of
outage under the default retry policy, and refused credentials make orders wait, reported once."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest

from atraxion.application.ingest import ingest
from atraxion.application.reverse_sync import ConfigurationAlarm, Outcome, process_entry, submit_sale_order
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.domain.odoo_orders import OdooCredentialsRefused, OdooSaleOrder, TransientOdooError
from atraxion.domain.outbox import AttemptOutcome, OutboxEntry, OutboxStatus
from atraxion.entrypoints.inbound import parse_push
from atraxion.entrypoints.orders_in import parse_sale_order
from atraxion.entrypoints.runtime import Runtime
from atraxion.testing import FakeClock

LOGGER = "atraxion.application.reverse_sync"


class ScriptedOdoo:
    """Odoo that is ``up``, ``down`` (unreachable) or ``refusing`` the credentials."""

    def __init__(self) -> None:
        self.mode = "up"
        self.created: list[str] = []

    def _answer(self) -> None:
        if self.mode == "down":
            raise TransientOdooError("sale.order.search: ConnectionRefusedError: [Errno 111] Connection refused")
        if self.mode == "refusing":
            raise OdooCredentialsRefused("sale.order.search: the API key was refused (HTTP 401); check ODOO_API_KEY")

    def find_sale_order(self, *, client_order_ref: str) -> int | None:
        self._answer()
        return None

    def identity(self) -> None:
        self._answer()

    def create_sale_order(self, *, order: OdooSaleOrder) -> int:
        self._answer()
        self.created.append(order.client_order_ref)
        return 100 + len(self.created)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(clock: FakeClock) -> Iterator[Atraxion]:
    atraxion = bootstrap(Settings(database_url="memory://"), clock=clock)  # the default retry policy
    ingest(
        atraxion.context,
        parse_push("partners", {"records": [{"externalId": "P1", "odooId": 7, "type": "main", "data": {}}]}),
    )
    ingest(atraxion.context, parse_push("products", {"records": [{"externalId": "A", "odooId": 8, "data": {}}]}))
    yield atraxion
    atraxion.close()


def _submit(app: Atraxion, external_id: str) -> int:
    body = {"externalId": external_id, "partnerExternalId": "P1", "lines": [{"productExternalId": "A", "quantity": 1}]}
    return submit_sale_order(app.context, lambda ids: None, parse_sale_order(body), "webshop").queue_id


def _entry(app: Atraxion, entry_id: int) -> OutboxEntry:
    entry = app.context.transaction(lambda uow: uow.outbox.get(entry_id))
    assert entry is not None
    return entry


def _process(app: Atraxion, odoo: ScriptedOdoo, entry_id: int, alarm: ConfigurationAlarm | None = None) -> Outcome:
    return process_entry(
        app.context, odoo, entry_id, app.outbox_policy, jitter=lambda: 0.0, alarm=alarm or ConfigurationAlarm()
    )


def test_the_default_policy_retries_for_hours(app: Atraxion) -> None:
    least, most = app.outbox_policy.retry.horizon()
    assert timedelta(hours=2) <= least <= most <= timedelta(hours=6)


def test_an_order_rides_out_a_45_minute_outage_with_the_shortest_waits(app: Atraxion, clock: FakeClock) -> None:
    odoo = ScriptedOdoo()
    entry_id = _submit(app, "SO1")
    outage_ends = clock.now() + timedelta(minutes=45)
    odoo.mode = "down"
    while clock.now() < outage_ends:
        assert _process(app, odoo, entry_id) is Outcome.RETRY_SCHEDULED
        clock.current = _entry(app, entry_id).next_attempt_at  # the sweeper's next publish, at the earliest

    odoo.mode = "up"
    assert _process(app, odoo, entry_id) is Outcome.COMPLETED
    assert odoo.created == ["SO1"]


def test_an_outage_longer_than_the_horizon_fails_the_order_within_its_bounds(app: Atraxion, clock: FakeClock) -> None:
    odoo = ScriptedOdoo()
    odoo.mode = "down"
    entry_id = _submit(app, "SO1")
    started = clock.now()
    while (outcome := _process(app, odoo, entry_id)) is Outcome.RETRY_SCHEDULED:
        clock.current = _entry(app, entry_id).next_attempt_at

    assert outcome is Outcome.FAILED
    least, most = app.outbox_policy.retry.horizon()
    assert least <= clock.now() - started <= most
    assert _entry(app, entry_id).attempts == app.outbox_policy.retry.max_attempts


def test_refused_credentials_make_orders_wait_and_are_reported_once(
    app: Atraxion, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    odoo, alarm = ScriptedOdoo(), ConfigurationAlarm()
    odoo.mode = "refusing"
    entry_ids = [_submit(app, f"SO{n}") for n in range(3)]
    caplog.set_level(logging.DEBUG, LOGGER)

    for _ in range(50):  # 50 minutes of a wrong key, every order retried every minute
        for entry_id in entry_ids:
            assert _process(app, odoo, entry_id, alarm) is Outcome.WAITING
        clock.advance(seconds=app.outbox_policy.configuration_wait.total_seconds())

    problems = [r for r in caplog.records if r.name == LOGGER and r.levelno >= logging.WARNING]
    assert [r.levelname for r in problems] == ["ERROR"]
    assert "configuration problem" in problems[0].getMessage() and "ODOO_API_KEY" in problems[0].getMessage()
    assert alarm.problem is not None
    for entry_id in entry_ids:
        entry = _entry(app, entry_id)
        assert (entry.status, entry.attempts) == (OutboxStatus.PENDING, 0)  # no attempt spent
        assert entry.last_error is not None and entry.last_error.startswith("waiting for the Odoo configuration")
        assert [a.outcome for a in entry.history] == [AttemptOutcome.CONFIGURATION_ERROR]  # one item, not 50
    assert app.context.transaction(lambda uow: uow.failures.list(None, None, 10)) == []

    odoo.mode = "up"
    caplog.clear()
    assert [_process(app, odoo, entry_id, alarm) for entry_id in entry_ids] == [Outcome.COMPLETED] * 3
    recovered = [r for r in caplog.records if r.name == LOGGER and r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in recovered] == [
        "Odoo accepts the credentials again; waiting webshop orders are sent"
    ]
    assert alarm.problem is None


def test_the_start_up_check_and_the_workers_say_it_once_between_them(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    odoo = ScriptedOdoo()
    odoo.mode = "refusing"
    app = bootstrap(Settings(database_url="memory://"), clock=clock, gateway=odoo)  # type: ignore[arg-type]
    try:
        caplog.set_level(logging.INFO)
        runtime = Runtime(app)
        assert runtime.check_odoo() is False
        ingest(
            app.context,
            parse_push("partners", {"records": [{"externalId": "P1", "odooId": 7, "type": "main", "data": {}}]}),
        )
        ingest(app.context, parse_push("products", {"records": [{"externalId": "A", "odooId": 8, "data": {}}]}))
        for external_id in ("SO1", "SO2"):
            runtime.handle_entry(_submit(app, external_id))
        said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(said) == 1 and "the API key was refused" in said[0] and "wait" in said[0]
    finally:
        app.close()
