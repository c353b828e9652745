"""What is XML-RPC's own in the XML-RPC gateway: one authentication, no silent re-send, the mapping
of fault codes and HTTP statuses. The contract both gateways share is in test_gateway_contract.py."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Iterator
from decimal import Decimal

import pytest

from atraxion.adapters.odoo.xmlrpc_gateway import XmlRpcOdooGateway, _from_fault, _from_protocol_error
from atraxion.domain.odoo_orders import (
    OdooOrderLine,
    OdooSaleOrder,
    PermanentOdooError,
    TransientOdooError,
)
from atraxion.testing.odoo_sim import OdooSimulator

DB, LOGIN, PASSWORD, API_KEY = "shop", "integration@example.com", "pw-not-used", "0123456789abcdef-secret"


@pytest.fixture
def sim() -> Iterator[OdooSimulator]:
    with OdooSimulator(db=DB, login=LOGIN, password=PASSWORD, api_keys=[API_KEY], seed=3) as simulator:
        yield simulator


@pytest.fixture
def gateway(sim: OdooSimulator) -> XmlRpcOdooGateway:
    return XmlRpcOdooGateway(sim.url, DB, LOGIN, API_KEY, timeout=5.0)


@pytest.fixture
def catalog(sim: OdooSimulator) -> dict[str, int]:
    company = sim.seed_partner("Deco Addict", is_company=True)
    return {
        "partner": company,
        "delivery": sim.seed_partner("Warehouse", parent_id=company, type="delivery"),
        "desk": sim.seed_product("Desk", list_price=300.0),
        "lamp": sim.seed_product("Lamp", list_price=20.0),
    }


def an_order(catalog: dict[str, int], ref: str = "WEB-1", **changes: object) -> OdooSaleOrder:
    values: dict[str, object] = {
        "client_order_ref": ref,
        "partner_id": catalog["partner"],
        "lines": [
            OdooOrderLine(catalog["desk"], Decimal("2")),
            OdooOrderLine(catalog["lamp"], Decimal("1.5"), Decimal("18.25")),
        ],
        **changes,
    }
    return OdooSaleOrder(**values)  # type: ignore[arg-type]


def test_authenticates_once_and_keeps_the_uid(sim: OdooSimulator, gateway: XmlRpcOdooGateway) -> None:
    for _ in range(3):
        gateway.count(model="res.partner")
    assert sim.calls("common.authenticate") == 1


def test_the_stock_transport_would_resend_but_ours_does_not(sim: OdooSimulator, gateway: XmlRpcOdooGateway) -> None:
    partner = sim.seed_partner("Deco Addict")
    sim.faults.drop_next(1)
    with pytest.raises(TransientOdooError):
        gateway.create_sale_order(
            order=OdooSaleOrder("WEB-1", partner, [OdooOrderLine(sim.seed_product("Desk"), Decimal(1))])
        )
    assert sim.calls("sale.order.create") == 1


@pytest.mark.parametrize(
    ("fault", "transient"),
    [
        (xmlrpc.client.Fault(1, "Traceback …\npsycopg2.errors.SerializationFailure: could not serialize access"), True),
        (xmlrpc.client.Fault(1, "Traceback …\npsycopg2.errors.DeadlockDetected: deadlock detected"), True),
        (xmlrpc.client.Fault(1, "Traceback …\npsycopg2.errors.LockNotAvailable: could not obtain lock on row"), True),
        (xmlrpc.client.Fault(1, "Traceback …\nValueError: Invalid field"), False),
        (xmlrpc.client.Fault(2, "The operation cannot be completed"), False),
        (xmlrpc.client.Fault(3, "Access Denied"), False),
        (xmlrpc.client.Fault(4, "You are not allowed to create 'Sales Order'"), False),
        (xmlrpc.client.Fault("warning -- UserError\n\nNo", ""), False),  # type: ignore[arg-type]
        (xmlrpc.client.Fault(7, "Traceback …\nodoo.exceptions.Whatever: the proxy said no"), False),
    ],
)
def test_fault_codes_map_to_transient_or_permanent(fault: xmlrpc.client.Fault, transient: bool) -> None:
    error = _from_fault(fault, "sale.order.create")
    assert isinstance(error, TransientOdooError if transient else PermanentOdooError)
    assert str(error).strip() != "sale.order.create:"


def test_an_unexpected_integer_fault_code_surfaces_its_text() -> None:
    error = _from_fault(xmlrpc.client.Fault(7, "Traceback …\nodoo.exceptions.Whatever: the proxy said no"), "x.y")
    assert str(error) == "x.y: odoo.exceptions.Whatever: the proxy said no (unexpected Fault 7)"


def test_a_redirect_names_its_target(redirecting: str) -> None:
    gateway = XmlRpcOdooGateway(redirecting, DB, LOGIN, API_KEY, timeout=5.0)
    with pytest.raises(PermanentOdooError, match="HTTP 301") as caught:
        gateway.version()
    assert "redirects to https://odoo.example.com/xmlrpc/2/common" in str(caught.value)
    assert "set ODOO_URL" in str(caught.value)


@pytest.mark.parametrize(("status", "transient"), [(500, True), (502, True), (503, True), (429, True), (404, False)])
def test_http_statuses_map_to_transient_or_permanent(status: int, transient: bool) -> None:
    error = _from_protocol_error(xmlrpc.client.ProtocolError("odoo/xmlrpc/2/object", status, "x", {}), "call")
    assert isinstance(error, TransientOdooError if transient else PermanentOdooError)


def test_order_values_are_checked_on_construction() -> None:
    line = OdooOrderLine(1, Decimal("1"))
    with pytest.raises(ValueError):
        OdooSaleOrder(client_order_ref=" ", partner_id=1, lines=[line])
    with pytest.raises(ValueError):
        OdooSaleOrder(client_order_ref="A", partner_id=0, lines=[line])
    with pytest.raises(ValueError):
        OdooOrderLine(1, Decimal("NaN"))
    with pytest.raises(ValueError):
        OdooOrderLine(1, Decimal("0"))
    assert OdooSaleOrder(client_order_ref="A", partner_id=1, lines=[line]).lines == (line,)
