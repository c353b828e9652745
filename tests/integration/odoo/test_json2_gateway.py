"""What is JSON-2's own in the JSON-2 gateway, against a 19.0 simulator over HTTP: each HTTP status
Odoo answers maps to a transient or permanent error, and ``ODOO_PROTOCOL=auto`` picks the protocol
the server offers. The contract both gateways share is in test_gateway_contract.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from atraxion.adapters.odoo.auto_gateway import AutoOdooGateway
from atraxion.adapters.odoo.json2_gateway import Json2OdooGateway
from atraxion.adapters.odoo.xmlrpc_gateway import XmlRpcOdooGateway
from atraxion.domain.odoo_orders import PermanentOdooError, TransientOdooError
from atraxion.testing.odoo_sim import OdooSimulator

DB, LOGIN, PASSWORD, API_KEY = "shop", "integration@example.com", "pw-not-used", "0123456789abcdef-secret"


@pytest.fixture
def sim() -> Iterator[OdooSimulator]:
    with OdooSimulator(
        db=DB, login=LOGIN, password=PASSWORD, api_keys=[API_KEY], seed=5, server_version="19.0"
    ) as simulator:
        yield simulator


@pytest.fixture
def gateway(sim: OdooSimulator) -> Iterator[Json2OdooGateway]:
    made = Json2OdooGateway(sim.url, API_KEY, DB, timeout=5.0)
    yield made
    made.close()


def test_401_a_refused_key_is_permanent(sim: OdooSimulator) -> None:
    gateway = Json2OdooGateway(sim.url, "wrong", DB, timeout=5.0)
    with pytest.raises(PermanentOdooError, match=r"^res\.partner\.search: the API key was refused \(HTTP 401\)"):
        gateway.call("res.partner", "search", domain=[])


def test_403_access_errors_are_permanent(gateway: Json2OdooGateway) -> None:
    with pytest.raises(PermanentOdooError, match=r"cannot be called remotely\. \[AccessError\] \(HTTP 403\)"):
        gateway.call("res.partner", "_compute_display_name")


def test_404_missing_records_and_unknown_models_are_permanent(gateway: Json2OdooGateway) -> None:
    with pytest.raises(PermanentOdooError, match=r"Record does not exist.*\[MissingError\] \(HTTP 404\)"):
        gateway.call("res.partner", "write", ids=[404], vals={"name": "x"})
    with pytest.raises(PermanentOdooError, match=r"no\.such\.model.*\[NotFound\] \(HTTP 404\)"):
        gateway.call("no.such.model", "search", domain=[])
    with pytest.raises(PermanentOdooError, match=r"\[NotFound\] \(HTTP 404\)"):
        gateway.call("res.partner", "no_such_method")


def test_409_a_lock_is_transient(sim: OdooSimulator, gateway: Json2OdooGateway) -> None:
    sim.faults.fail_next(1, kind="lock")
    with pytest.raises(TransientOdooError, match=r"\[LockError\] \(HTTP 409\)"):
        gateway.call("res.partner", "create", vals_list=[{"name": "Deco"}])
    assert sim.count("res.partner") == 0


def test_422_validation_and_argument_errors_are_permanent(gateway: Json2OdooGateway) -> None:
    with pytest.raises(PermanentOdooError, match=r"mandatory field is not set.*\[ValidationError\] \(HTTP 422\)"):
        gateway.call("sale.order", "create", vals_list=[{"client_order_ref": "X"}])
    with pytest.raises(PermanentOdooError, match=r"with ids \[UnprocessableEntity\] \(HTTP 422\)"):
        gateway.call("res.partner", "create", ids=[1], vals_list=[{"name": "x"}])
    with pytest.raises(PermanentOdooError, match=r"\(HTTP 422\)"):
        gateway.call("res.partner", "search", domain=[], no_such_argument=1)


@pytest.mark.parametrize(("kind", "status"), [("fault", "500"), ("http503", "503")])
def test_5xx_is_transient(sim: OdooSimulator, gateway: Json2OdooGateway, kind: str, status: str) -> None:
    sim.faults.fail_next(1, kind="fault" if kind == "fault" else "http503")
    with pytest.raises(TransientOdooError, match=rf"\(HTTP {status}\)"):
        gateway.call("res.partner", "search", domain=[])
    assert gateway.call("res.partner", "search", domain=[]) == []


def test_network_failures_are_transient(sim: OdooSimulator, gateway: Json2OdooGateway) -> None:
    sim.refuse_connections()
    with pytest.raises(TransientOdooError, match="ConnectError"):
        gateway.count(model="res.partner")
    sim.refuse_connections(False)
    assert gateway.count(model="res.partner") == 0


def test_a_redirect_names_its_target(redirecting: str) -> None:
    gateway = Json2OdooGateway(redirecting, API_KEY, DB, timeout=5.0)
    with pytest.raises(PermanentOdooError, match="HTTP 301") as caught:
        gateway.count(model="res.partner")
    assert "redirects to https://odoo.example.com/json/2/res.partner/search_count" in str(caught.value)


def test_without_a_database_a_single_database_server_answers(sim: OdooSimulator) -> None:
    gateway = Json2OdooGateway(sim.url, API_KEY, timeout=5.0)
    assert gateway.identity().database is None
    assert gateway.count(model="res.users") == sim.count("res.users") > 0


def test_the_key_never_shows(sim: OdooSimulator, gateway: Json2OdooGateway) -> None:
    assert API_KEY not in repr(gateway)
    sim.faults.fail_next(1, kind="fault")
    with pytest.raises(TransientOdooError) as caught:
        gateway.count(model="res.partner")
    assert API_KEY not in str(caught.value)


# -- ODOO_PROTOCOL=auto ---------------------------------------------------------------------------


def test_auto_speaks_json2_to_odoo_19(sim: OdooSimulator) -> None:
    gateway = AutoOdooGateway(sim.url, API_KEY, DB, LOGIN, timeout=5.0)
    assert gateway.identity().protocol == "json2"
    assert isinstance(gateway.resolve(), Json2OdooGateway)
    assert sim.calls("common.authenticate") == 0


def test_auto_falls_back_to_xmlrpc_on_odoo_17() -> None:
    with OdooSimulator(db=DB, login=LOGIN, password=PASSWORD, api_keys=[API_KEY]) as sim17:
        gateway = AutoOdooGateway(sim17.url, API_KEY, DB, LOGIN, timeout=5.0)
        assert gateway.identity().protocol == "xmlrpc"
        assert isinstance(gateway.resolve(), XmlRpcOdooGateway)
        without_login = AutoOdooGateway(sim17.url, API_KEY, DB, None, timeout=5.0)
        with pytest.raises(PermanentOdooError, match="no JSON-2 API .* XML-RPC needs ODOO_DB and ODOO_USERNAME"):
            without_login.count(model="res.partner")


def test_auto_probes_again_after_a_network_failure(sim: OdooSimulator) -> None:
    gateway = AutoOdooGateway(sim.url, API_KEY, DB, LOGIN, timeout=5.0)
    sim.refuse_connections()
    with pytest.raises(TransientOdooError, match="GET /web/version"):
        gateway.count(model="res.partner")
    sim.refuse_connections(False)
    assert gateway.count(model="res.partner") == 0


def test_json2_against_an_odoo_before_19_says_so() -> None:
    with OdooSimulator(db=DB, login=LOGIN, password=PASSWORD, api_keys=[API_KEY]) as sim17:
        gateway = Json2OdooGateway(sim17.url, API_KEY, DB, timeout=5.0)
        with pytest.raises(PermanentOdooError, match=r"HTTP 404: no JSON-2 API there \(Odoo 19\+ needed\)"):
            gateway.count(model="res.partner")
