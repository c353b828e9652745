"""The Odoo gateway contract, run against both adapters — XML-RPC (a 17.0 simulator) and JSON-2 (a
19.0 simulator) — over real HTTP: orders, lookups, pulling, credentials and error classes."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atraxion.adapters.odoo.json2_gateway import Json2OdooGateway
from atraxion.adapters.odoo.xmlrpc_gateway import XmlRpcOdooGateway
from atraxion.domain.odoo_orders import OdooOrderLine, OdooSaleOrder, PermanentOdooError, TransientOdooError
from atraxion.domain.odoo_records import OdooPosition
from atraxion.ports.odoo_gateway import OdooGateway
from atraxion.testing.odoo_sim import OdooSimulator

DB, LOGIN, PASSWORD, API_KEY = "shop", "integration@example.com", "pw-not-used", "0123456789abcdef-secret"
PROTOCOLS = ["xmlrpc", "json2"]
SERVER_VERSION = {"xmlrpc": "17.0", "json2": "19.0"}


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def sim(protocol: str) -> Iterator[OdooSimulator]:
    with OdooSimulator(
        db=DB, login=LOGIN, password=PASSWORD, api_keys=[API_KEY], seed=3, server_version=SERVER_VERSION[protocol]
    ) as simulator:
        yield simulator


def connect(
    protocol: str, sim: OdooSimulator, *, url: str | None = None, db: str = DB, key: str = API_KEY, timeout: float = 5.0
) -> OdooGateway:
    if protocol == "xmlrpc":
        return XmlRpcOdooGateway(url or sim.url, db, LOGIN, key, timeout=timeout)
    return Json2OdooGateway(url or sim.url, key, db, timeout=timeout)


@pytest.fixture
def gateway(protocol: str, sim: OdooSimulator) -> OdooGateway:
    return connect(protocol, sim)


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


# -- reverse sync -------------------------------------------------------------------------------


def test_version_reports_the_server(gateway: OdooGateway, protocol: str) -> None:
    version = gateway.version()
    assert version["protocol_version"] == 1
    assert version["server_version"] == SERVER_VERSION[protocol]
    assert version["server_version_info"][0] == int(SERVER_VERSION[protocol][:2])


def test_creates_an_order_and_finds_it_by_client_order_ref(
    sim: OdooSimulator, gateway: OdooGateway, catalog: dict[str, int]
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
    sim: OdooSimulator, gateway: OdooGateway, catalog: dict[str, int]
) -> None:
    billing = sim.seed_partner("Billing", parent_id=catalog["partner"], type="invoice")
    order_id = gateway.create_sale_order(
        order=an_order(catalog, partner_invoice_id=billing, partner_shipping_id=catalog["partner"])
    )
    [order] = sim.read("sale.order", [order_id], ["partner_invoice_id", "partner_shipping_id", "note"])
    assert order["partner_invoice_id"][0] == billing
    assert order["partner_shipping_id"][0] == catalog["partner"]
    assert order["note"] is False


def test_one_gateway_is_shared_by_threads(
    sim: OdooSimulator, gateway: OdooGateway, catalog: dict[str, int], protocol: str
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
    # XML-RPC authenticates once and keeps the uid; JSON-2 sends the key with every call.
    assert sim.calls("common.authenticate") == (1 if protocol == "xmlrpc" else 0)


def test_validation_and_missing_records_fail_permanently(gateway: OdooGateway, catalog: dict[str, int]) -> None:
    with pytest.raises(PermanentOdooError, match=r"product\.product\(999,\)"):
        gateway.create_sale_order(order=an_order(catalog, lines=[OdooOrderLine(999, Decimal(1))]))
    with pytest.raises(PermanentOdooError, match=r"(?s)Record does not exist.*res\.partner\(998,\)"):
        gateway.create_sale_order(order=an_order(catalog, partner_id=998))


# -- credentials and the server -------------------------------------------------------------------


def test_identity_names_the_user_server_and_protocol(sim: OdooSimulator, gateway: OdooGateway, protocol: str) -> None:
    identity = gateway.identity()
    assert (identity.protocol, identity.uid, identity.login) == (protocol, sim.uid, LOGIN)
    assert identity.server_version == SERVER_VERSION[protocol]
    assert identity.url == sim.url and identity.database == DB
    assert identity.name


def test_wrong_credentials_fail_permanently_in_one_sentence_without_the_key(sim: OdooSimulator, protocol: str) -> None:
    gateway = connect(protocol, sim, key="not-the-key")
    for call in (gateway.identity, lambda: gateway.find_sale_order(client_order_ref="x")):
        with pytest.raises(PermanentOdooError) as caught:
            call()
        message = str(caught.value)
        assert "\n" not in message and ("refused" in message or "authentication failed" in message)
        assert "not-the-key" not in message
    assert "not-the-key" not in repr(gateway) and API_KEY not in repr(connect(protocol, sim))


def test_a_password_is_no_bearer_for_json2_but_works_over_xmlrpc(sim: OdooSimulator, protocol: str) -> None:
    gateway = connect(protocol, sim, key=PASSWORD)
    if protocol == "xmlrpc":
        assert gateway.identity().uid == sim.uid
    else:
        with pytest.raises(PermanentOdooError, match="API key was refused"):
            gateway.identity()


def test_an_unknown_database_fails_permanently(sim: OdooSimulator, protocol: str) -> None:
    gateway = connect(protocol, sim, db="nope")
    with pytest.raises(PermanentOdooError, match="database"):
        gateway.find_sale_order(client_order_ref="x")


def test_a_wrong_path_is_a_permanent_http_404(sim: OdooSimulator, protocol: str) -> None:
    gateway = connect(protocol, sim, url=f"{sim.url}/odoo")
    with pytest.raises(PermanentOdooError, match="HTTP 404"):
        gateway.version()


def test_can_read_known_models_only(gateway: OdooGateway) -> None:
    assert gateway.can_read(model="product.product") and gateway.can_read(model="res.partner")
    assert not gateway.can_read(model="no.such.model")


# -- pulling ---------------------------------------------------------------------------------------


def test_read_after_pages_through_many_records_sharing_one_write_date_second(
    sim: OdooSimulator, gateway: OdooGateway
) -> None:
    sim.freeze_clock("2026-03-01 10:00:00")
    same_second = [sim.seed_product(f"P{n}", default_code=f"P{n}") for n in range(23)]
    sim.freeze_clock("2026-03-01 09:59:59")
    earlier = sim.seed_product("Earlier")
    sim.freeze_clock("2026-03-01 10:00:01")
    later = sim.seed_product("Later", active=False)  # archived: pulled too
    sim.freeze_clock(None)
    seen: list[int] = []
    after: OdooPosition | None = None
    pages = 0
    while True:
        page = gateway.read_after(model="product.product", fields=["name", "default_code"], after=after, limit=5)
        if not page:
            break
        pages += 1
        assert all({"id", "write_date", "name", "default_code"} <= set(row) for row in page)
        seen += [row["id"] for row in page]
        after = OdooPosition(page[-1]["write_date"], page[-1]["id"])
    assert seen == [earlier, *sorted(same_second), later]  # none skipped, none twice, (write_date, id) order
    assert pages == 5


TAGS = itertools.count()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seconds=st.lists(st.integers(0, 3), min_size=0, max_size=14), limit=st.integers(1, 5))
def test_paging_by_position_yields_every_matching_record_once_in_order(
    sim: OdooSimulator, gateway: OdooGateway, seconds: list[int], limit: int
) -> None:
    tag = f"H{next(TAGS)}"
    made: list[tuple[str, int]] = []
    for second in seconds:
        stamp = f"2026-03-01 10:00:0{second}"
        sim.freeze_clock(stamp)
        made.append((stamp, sim.seed_partner(f"{tag}-{len(made)}")))
    sim.freeze_clock(None)
    sim.seed_partner(f"not-{tag}")  # outside the domain: never read
    seen: list[tuple[str, int]] = []
    after: OdooPosition | None = None
    while page := gateway.read_after(
        model="res.partner", fields=["name"], after=after, limit=limit, domain=[("name", "=like", f"{tag}-%")]
    ):
        assert len(page) <= limit
        seen += [(row["write_date"], row["id"]) for row in page]
        after = OdooPosition(page[-1]["write_date"], page[-1]["id"])
    assert seen == sorted(made)


def test_read_after_reads_many2one_as_bare_ids_and_and_s_the_domain(
    sim: OdooSimulator, gateway: OdooGateway, catalog: dict[str, int]
) -> None:
    rows = gateway.read_after(
        model="res.partner", fields=["name", "parent_id"], after=None, limit=10, domain=[("parent_id", "!=", False)]
    )
    assert [(row["id"], row["parent_id"]) for row in rows] == [(catalog["delivery"], catalog["partner"])]
    first = OdooPosition(rows[0]["write_date"], rows[0]["id"])
    later = gateway.read_after(model="res.partner", fields=["name"], after=first, limit=10, domain=[("id", ">", 0)])
    assert later == []


def test_read_ids_drops_deleted_ids(sim: OdooSimulator, gateway: OdooGateway, catalog: dict[str, int]) -> None:
    sim.unlink("product.product", [catalog["lamp"]])
    rows = gateway.read_ids(model="product.product", ids=[catalog["desk"], catalog["lamp"]], fields=["name"])
    assert [(row["id"], row["name"]) for row in rows] == [(catalog["desk"], "Desk")]
    assert rows[0]["write_date"]
    assert gateway.read_ids(model="product.product", ids=[], fields=["name"]) == []


def test_search_ids_and_count_include_archived_records(
    sim: OdooSimulator, gateway: OdooGateway, catalog: dict[str, int]
) -> None:
    sim.write("product.product", [catalog["desk"]], {"active": False})
    assert gateway.search_ids(model="product.product") == sorted([catalog["desk"], catalog["lamp"]])
    assert gateway.count(model="product.product") == 2
    assert gateway.search_ids(model="product.product", domain=[("name", "=", "Lamp")]) == [catalog["lamp"]]
    assert gateway.count(model="res.partner", domain=[("is_company", "=", True)]) == 1


# -- transient failures and lost answers ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["fault", "http503"])
def test_injected_transient_failures_are_transient_and_create_nothing(
    sim: OdooSimulator, gateway: OdooGateway, catalog: dict[str, int], kind: str
) -> None:
    gateway.identity()
    sim.faults.fail_next(1, kind="fault" if kind == "fault" else "http503")
    with pytest.raises(TransientOdooError):
        gateway.create_sale_order(order=an_order(catalog))
    assert sim.count("sale.order") == 0
    assert gateway.create_sale_order(order=an_order(catalog)) > 0


def test_a_slow_odoo_times_out_as_transient(sim: OdooSimulator, protocol: str) -> None:
    gateway = connect(protocol, sim, timeout=0.2)
    gateway.version()
    sim.faults.set_delay(1.0)
    started = time.monotonic()
    with pytest.raises(TransientOdooError, match="timed out"):
        gateway.count(model="res.partner")
    assert time.monotonic() - started < 0.9


def test_a_refused_connection_is_transient_until_odoo_listens_again(
    sim: OdooSimulator, gateway: OdooGateway, catalog: dict[str, int]
) -> None:
    sim.refuse_connections()
    with pytest.raises(TransientOdooError, match="(?i)ConnectError|ConnectionRefusedError"):
        gateway.create_sale_order(order=an_order(catalog))
    sim.refuse_connections(False)
    assert gateway.create_sale_order(order=an_order(catalog)) > 0
    assert sim.count("sale.order") == 1


def test_a_lost_answer_is_transient_and_the_retry_finds_the_order(
    sim: OdooSimulator, gateway: OdooGateway, catalog: dict[str, int]
) -> None:
    sim.faults.drop_next(1)
    with pytest.raises(TransientOdooError):
        gateway.create_sale_order(order=an_order(catalog, ref="WEB-LOST"))
    # Committed once and not re-sent behind our back.
    assert sim.calls("sale.order.create") == 1
    found = gateway.find_sale_order(client_order_ref="WEB-LOST")
    assert found is not None
    assert sim.search("sale.order", [("client_order_ref", "=", "WEB-LOST")]) == [found]


def test_under_random_faults_find_then_create_gives_exactly_one_order_each(
    sim: OdooSimulator, gateway: OdooGateway, catalog: dict[str, int]
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
