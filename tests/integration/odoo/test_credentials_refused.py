"""A wrong Odoo credential is a configuration problem on every protocol (``OdooCredentialsRefused``),
against the simulator over HTTP: an order waits instead of failing, and is sent once the key is right."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from atraxion.adapters.odoo.json2_gateway import Json2OdooGateway
from atraxion.adapters.odoo.xmlrpc_gateway import XmlRpcOdooGateway
from atraxion.application.reverse_sync import ConfigurationAlarm, Outcome, process_entry
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.domain.auth import Scope
from atraxion.domain.odoo_orders import OdooCredentialsRefused
from atraxion.domain.outbox import OutboxStatus
from atraxion.ports.odoo_gateway import OdooGateway
from atraxion.testing import FakeClock
from atraxion.testing.odoo_sim import OdooSimulator
from tests.e2e.reverse_sync_support import client, order, seed

DB, LOGIN, KEY = "odoo", "admin", "right-key-0123456789"


@pytest.fixture
def sim() -> Iterator[OdooSimulator]:
    with OdooSimulator(db=DB, login=LOGIN, api_keys=[KEY], server_version="19.0") as simulator:
        yield simulator


def gateway(sim: OdooSimulator, protocol: str, key: str) -> OdooGateway:
    if protocol == "xmlrpc":
        return XmlRpcOdooGateway(sim.url, DB, LOGIN, key, timeout=5)
    return Json2OdooGateway(sim.url, key, DB, 5)


@pytest.mark.parametrize("protocol", ["xmlrpc", "json2"])
def test_a_wrong_key_is_reported_as_refused_credentials(sim: OdooSimulator, protocol: str) -> None:
    with pytest.raises(OdooCredentialsRefused):
        gateway(sim, protocol, "wrong-key-0123456789").find_sale_order(client_order_ref="SO1")
    assert gateway(sim, protocol, KEY).find_sale_order(client_order_ref="SO1") is None


@pytest.mark.parametrize("protocol", ["xmlrpc", "json2"])
def test_an_order_waits_for_the_right_key_then_is_sent(sim: OdooSimulator, protocol: str) -> None:
    clock = FakeClock()
    app: Atraxion = bootstrap(Settings(database_url="memory://"), clock=clock)
    try:
        seed(app, sim)
        shop = client(app, Scope.WEBSHOP_ORDERS, Scope.WEBSHOP_READ)
        answer = shop.post("/api/v1/webshop/sale-orders", json=order("SO1"))
        assert answer.status_code == 202
        queue_id = answer.json()["queueId"]
        alarm = ConfigurationAlarm()

        wrong = gateway(sim, protocol, "wrong-key-0123456789")
        assert process_entry(app.context, wrong, queue_id, app.outbox_policy, alarm=alarm) is Outcome.WAITING
        assert shop.get("/api/v1/webshop/sale-orders/SO1/sync").json()["status"] == "pending"

        clock.advance(seconds=app.outbox_policy.configuration_wait.total_seconds())
        right = gateway(sim, protocol, KEY)
        assert process_entry(app.context, right, queue_id, app.outbox_policy, alarm=alarm) is Outcome.COMPLETED
        status = shop.get("/api/v1/webshop/sale-orders/SO1/sync").json()
        assert (status["status"], status["attempts"]) == ("completed", 1)
        assert alarm.problem is None
        entry = app.context.transaction(lambda uow: uow.outbox.get(queue_id))
        assert entry is not None and entry.status is OutboxStatus.COMPLETED
    finally:
        app.close()
