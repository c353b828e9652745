"""The XML-RPC gateway against the simulator over real HTTP: orders, lookups and error mapping."""

from __future__ import annotations

import threading
import time
import xmlrpc.client
from collections.abc import Iterator
from decimal import Decimal

import pytest

from atraxion.adapters.odoo.simulator import OdooSimulator
from atraxion.adapters.odoo.xmlrpc_gateway import XmlRpcOdooGateway, _from_fault, _from_protocol_error
from atraxion.domain.odoo_orders import (
    OdooOrderLine,
    OdooSaleOrder,
    PermanentOdooError,
    TransientOdooError,
)
from atraxion.ports.odoo_gateway import OdooGateway

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


def test_the_gateway_satisfies_the_port(gateway: XmlRpcOdooGateway) -> None:
    port: OdooGateway = gateway
    assert port.version()["protocol_version"] == 1


def test_creates_an_order_and_finds_it_by_client_order_ref(
    sim: OdooSimulator, gateway: XmlRpcOdooGateway, catalog: dict[str, int]
) -> None:
    order_id = gateway.create_sale_order(order=an_order(catalog, note="Leave at the back door"))
    assert gateway.find_sale_order(client_order_ref="WEB-1") == order_id
    assert gateway.find_sale_order(client_order_ref="WEB-2") is None
    [order] = sim.read("sale.order", [order_id])
    assert order["client_order_ref"] == "WEB-1" and order["note"] == "Leave at the back door"
    assert order["partner_id"][0] == catalog["partner"]
    assert order["partner_shipping_id"][0] == catalog["delivery"]  # Odoo's default from the partner
    lines = sim.read("sale.order.line", order["order_line"], ["product_id", "product_uom_qty", "price_unit"])
    assert [(line["product_id"][0], line["product_uom_qty"], line["price_unit"]) for line in lines] == [
        (catalog["desk"], 2.0, 300.0),  # no price given: the product's list price
        (catalog["lamp"], 1.5, 18.25),
    ]
    assert order["amount_total"] == 627.38


def test_explicit_invoice_and_shipping_partners_are_sent(
    sim: OdooSimulator, gateway: XmlRpcOdooGateway, catalog: dict[str, int]
) -> None:
    billing = sim.seed_partner("Billing", parent_id=catalog["partner"], type="invoice")
    order_id = gateway.create_sale_order(
        order=an_order(catalog, partner_invoice_id=billing, partner_shipping_id=catalog["partner"])
    )
    [order] = sim.read("sale.order", [order_id], ["partner_invoice_id", "partner_shipping_id", "note"])
    assert order["partner_invoice_id"][0] == billing
    assert order["partner_shipping_id"][0] == catalog["partner"]
    assert order["note"] is False


def test_authenticates_once_and_shares_the_uid_between_threads(
    sim: OdooSimulator, gateway: XmlRpcOdooGateway, catalog: dict[str, int]
) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(5):
                gateway.create_sale_order(order=an_order(catalog, ref=f"T{n}-{i}"))
        except BaseException as error:  # surfaced below; a thread must not swallow it
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sim.count("sale.order") == 40
    assert sim.calls("common.authenticate") == 1


def test_bad_credentials_fail_permanently_without_revealing_the_key(sim: OdooSimulator) -> None:
    gateway = XmlRpcOdooGateway(sim.url, DB, LOGIN, "not-the-key", timeout=5.0)
    with pytest.raises(PermanentOdooError, match="authentication failed") as caught:
        gateway.find_sale_order(client_order_ref="x")
    assert "not-the-key" not in str(caught.value)
    assert "not-the-key" not in repr(gateway) and API_KEY not in repr(XmlRpcOdooGateway(sim.url, DB, LOGIN, API_KEY))


def test_an_unknown_database_fails_permanently(sim: OdooSimulator) -> None:
    gateway = XmlRpcOdooGateway(sim.url, "nope", LOGIN, API_KEY, timeout=5.0)
    with pytest.raises(PermanentOdooError, match='database "nope" does not exist'):
        gateway.find_sale_order(client_order_ref="x")


def test_validation_and_missing_records_fail_permanently(gateway: XmlRpcOdooGateway, catalog: dict[str, int]) -> None:
    with pytest.raises(PermanentOdooError, match=r"product\.product\(999,\)"):
        gateway.create_sale_order(order=an_order(catalog, lines=[OdooOrderLine(999, Decimal(1))]))
    with pytest.raises(PermanentOdooError, match=r"(?s)Record does not exist.*res\.partner\(998,\)"):
        gateway.create_sale_order(order=an_order(catalog, partner_id=998))


def test_a_wrong_path_is_a_permanent_http_error(sim: OdooSimulator) -> None:
    gateway = XmlRpcOdooGateway(f"{sim.url}/odoo", DB, LOGIN, API_KEY, timeout=5.0)
    with pytest.raises(PermanentOdooError, match="HTTP 404"):
        gateway.version()


@pytest.mark.parametrize("kind", ["fault", "http503"])
def test_injected_transient_failures_are_transient_and_create_nothing(
    sim: OdooSimulator, gateway: XmlRpcOdooGateway, catalog: dict[str, int], kind: str
) -> None:
    gateway.version()
    sim.faults.fail_next(1, kind="fault" if kind == "fault" else "http503")
    with pytest.raises(TransientOdooError):
        gateway.create_sale_order(order=an_order(catalog))
    assert sim.count("sale.order") == 0
    assert gateway.create_sale_order(order=an_order(catalog)) > 0


def test_a_slow_odoo_times_out_as_transient(sim: OdooSimulator, catalog: dict[str, int]) -> None:
    gateway = XmlRpcOdooGateway(sim.url, DB, LOGIN, API_KEY, timeout=0.2)
    gateway.version()
    sim.faults.set_delay(1.0)
    started = time.monotonic()
    with pytest.raises(TransientOdooError, match="timed out"):
        gateway.version()
    assert time.monotonic() - started < 0.9


def test_a_refused_connection_is_transient_until_odoo_listens_again(
    sim: OdooSimulator, gateway: XmlRpcOdooGateway, catalog: dict[str, int]
) -> None:
    sim.refuse_connections()
    with pytest.raises(TransientOdooError, match="ConnectionRefusedError"):
        gateway.create_sale_order(order=an_order(catalog))
    sim.refuse_connections(False)
    assert gateway.create_sale_order(order=an_order(catalog)) > 0
    assert sim.count("sale.order") == 1


def test_a_lost_answer_is_transient_and_the_retry_finds_the_order(
    sim: OdooSimulator, gateway: XmlRpcOdooGateway, catalog: dict[str, int]
) -> None:
    sim.faults.drop_next(1)
    with pytest.raises(TransientOdooError):
        gateway.create_sale_order(order=an_order(catalog, ref="WEB-LOST"))
    # Committed once and not re-sent behind our back (the stock xmlrpc.client would have).
    assert sim.calls("sale.order.create") == 1
    found = gateway.find_sale_order(client_order_ref="WEB-LOST")
    assert found is not None
    assert sim.search("sale.order", [("client_order_ref", "=", "WEB-LOST")]) == [found]


def test_under_random_faults_find_then_create_gives_exactly_one_order_each(
    sim: OdooSimulator, gateway: XmlRpcOdooGateway, catalog: dict[str, int]
) -> None:
    sim.faults.fail_share(0.2, kind="mixed")
    sim.faults.drop_share(0.2)
    refs = [f"WEB-{n}" for n in range(30)]
    for ref in refs:
        for _attempt in range(50):
            try:
                if gateway.find_sale_order(client_order_ref=ref) is None:
                    gateway.create_sale_order(order=an_order(catalog, ref=ref))
                break
            except TransientOdooError:
                continue
    sim.faults.reset()
    assert sim.count("sale.order") == len(refs)
    assert all(gateway.find_sale_order(client_order_ref=ref) is not None for ref in refs)


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
    ],
)
def test_fault_codes_map_to_transient_or_permanent(fault: xmlrpc.client.Fault, transient: bool) -> None:
    error = _from_fault(fault, "sale.order.create")
    assert isinstance(error, TransientOdooError if transient else PermanentOdooError)


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
