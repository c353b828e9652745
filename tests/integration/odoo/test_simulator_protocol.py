"""The simulator speaks Odoo's XML-RPC protocol: checked with the standard library's client over HTTP."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
import xmlrpc.client
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atraxion.testing.odoo_sim import OdooSimulator

DB, LOGIN, PASSWORD, API_KEY = "odoo", "admin", "admin", "k3y-for-tests"


class Odoo:
    """A thin client: ``odoo.call(model, method, *args, **kwargs)`` through ``execute_kw``."""

    def __init__(self, sim: OdooSimulator, *, legacy: bool = False, password: str = PASSWORD) -> None:
        prefix = "/xmlrpc" if legacy else "/xmlrpc/2"
        self.common = xmlrpc.client.ServerProxy(f"{sim.url}{prefix}/common")
        self.object = xmlrpc.client.ServerProxy(f"{sim.url}{prefix}/object")
        self.uid = sim.uid
        self.password = password

    def call(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.object.execute_kw(DB, self.uid, self.password, model, method, list(args), kwargs)

    def close(self) -> None:
        self.common("close")()
        self.object("close")()


@pytest.fixture
def sim() -> Iterator[OdooSimulator]:
    with OdooSimulator(db=DB, login=LOGIN, password=PASSWORD, api_keys=[API_KEY], seed=7) as simulator:
        yield simulator


@pytest.fixture
def odoo(sim: OdooSimulator) -> Iterator[Odoo]:
    client = Odoo(sim)
    yield client
    client.close()


@pytest.fixture
def legacy(sim: OdooSimulator) -> Iterator[Odoo]:
    client = Odoo(sim, legacy=True)
    yield client
    client.close()


def fault_of(call: Any, *args: Any, **kwargs: Any) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call(*args, **kwargs)
    return caught.value


def legacy_code(fault: xmlrpc.client.Fault) -> object:
    return fault.faultCode


# -- common service -------------------------------------------------------------------------------


def test_version_answers_odoo_s_shape_without_credentials(odoo: Odoo) -> None:
    assert odoo.common.version() == {
        "server_version": "17.0",
        "server_version_info": [17, 0, 0, "final", 0, ""],
        "server_serie": "17.0",
        "protocol_version": 1,
    }


def test_authenticate_answers_the_uid_or_false_never_a_fault(sim: OdooSimulator, odoo: Odoo) -> None:
    assert odoo.common.authenticate(DB, LOGIN, PASSWORD, {}) == sim.uid == 2
    assert odoo.common.authenticate(DB, LOGIN, API_KEY, {}) == 2
    assert odoo.common.authenticate(DB, LOGIN, "wrong", {}) is False
    assert odoo.common.authenticate(DB, "nobody", PASSWORD, {}) is False
    assert odoo.common.login(DB, LOGIN, PASSWORD) == 2
    assert odoo.common.login(DB, LOGIN, "") is False


def test_an_unknown_database_is_an_application_fault(odoo: Odoo) -> None:
    fault = fault_of(odoo.common.authenticate, "nope", LOGIN, PASSWORD, {})
    assert fault.faultCode == 1
    assert 'database "nope" does not exist' in fault.faultString


def test_a_bad_password_on_object_is_fault_3_access_denied(sim: OdooSimulator) -> None:
    client = Odoo(sim, password="wrong")
    try:
        fault = fault_of(client.call, "res.partner", "search", [])
    finally:
        client.close()
    assert (fault.faultCode, fault.faultString) == (3, "Access Denied")


def test_an_api_key_works_wherever_the_password_does(sim: OdooSimulator) -> None:
    client = Odoo(sim, password=API_KEY)
    try:
        assert client.call("res.partner", "search", []) == []
    finally:
        client.close()


# -- fault codes: integers on /xmlrpc/2, strings on the legacy routes -----------------------------------


def test_write_on_a_missing_record_is_fault_2_with_odoo_s_wording(odoo: Odoo) -> None:
    fault = fault_of(odoo.call, "res.partner", "write", [404], {"name": "x"})
    assert fault.faultCode == 2
    assert fault.faultString == "Record does not exist or has been deleted.\n(Record: res.partner(404,), User: 2)"


def test_legacy_routes_put_the_error_in_a_string_fault_code(sim: OdooSimulator, legacy: Odoo) -> None:
    # typeshed says faultCode is an int; on these routes it is not.
    missing = fault_of(legacy.call, "res.partner", "write", [404], {"name": "x"})
    assert legacy_code(missing) == (
        "warning -- MissingError\n\nRecord does not exist or has been deleted.\n(Record: res.partner(404,), User: 2)"
    )
    assert missing.faultString == ""
    intruder = Odoo(sim, legacy=True, password="bad")
    try:
        denied = fault_of(intruder.call, "res.partner", "search", [])
    finally:
        intruder.close()
    assert (legacy_code(denied), denied.faultString) == ("AccessDenied", "Access Denied")
    invalid = fault_of(legacy.call, "sale.order", "create", {})
    assert isinstance(invalid.faultCode, str) and invalid.faultCode.startswith("warning -- UserError\n\n")
    crash = fault_of(legacy.call, "res.partner", "search", [("nope", "=", 1)])
    assert legacy_code(crash) == "Invalid field res.partner.nope in leaf ('nope', '=', 1)"
    assert crash.faultString.startswith("Traceback (most recent call last):")


def test_unknown_models_methods_and_private_methods_fault_as_in_odoo(odoo: Odoo) -> None:
    unknown_model = fault_of(odoo.call, "x.model", "search", [])
    assert (unknown_model.faultCode, unknown_model.faultString) == (2, "Object x.model doesn't exist")
    unknown_method = fault_of(odoo.call, "res.partner", "frobnicate", [])
    assert unknown_method.faultCode == 1
    assert "The method 'frobnicate' does not exist on the model 'res.partner'" in unknown_method.faultString
    private = fault_of(odoo.call, "res.partner", "_search", [])
    assert private.faultCode == 4
    bad_arguments = fault_of(odoo.call, "res.partner", "search", [], bogus=1)
    assert bad_arguments.faultCode == 1 and "TypeError" in bad_arguments.faultString


# -- CRUD ---------------------------------------------------------------------------------------------


def test_create_takes_one_dict_or_a_list_of_dicts(odoo: Odoo) -> None:
    one = odoo.call("res.partner", "create", {"name": "One"})
    many = odoo.call("res.partner", "create", [{"name": "Two"}, {"name": "Three"}])
    assert isinstance(one, int)
    assert isinstance(many, list) and len(many) == 2 and one not in many


def test_read_drops_missing_ids_silently_and_honours_fields(odoo: Odoo) -> None:
    first = odoo.call("res.partner", "create", {"name": "Kept", "email": "k@example.com"})
    gone = odoo.call("res.partner", "create", {"name": "Gone"})
    assert odoo.call("res.partner", "unlink", [gone]) is True
    rows = odoo.call("res.partner", "read", [gone, first], ["name", "email"])
    assert rows == [{"id": first, "name": "Kept", "email": "k@example.com"}]
    assert odoo.call("res.partner", "read", [first], fields=["name"]) == [{"id": first, "name": "Kept"}]


def test_answers_use_false_for_empty_pairs_for_many2one_and_id_lists_for_x2many(odoo: Odoo) -> None:
    company = odoo.call("res.partner", "create", {"name": "Azure", "is_company": True})
    person = odoo.call("res.partner", "create", {"name": "Ann", "parent_id": company})
    [row] = odoo.call("res.partner", "read", [company])
    assert None not in row.values()
    assert row["email"] is False and row["parent_id"] is False and row["child_ids"] == [person]
    [child] = odoo.call("res.partner", "read", [person], ["parent_id", "display_name", "commercial_partner_id"])
    assert child["parent_id"] == [company, "Azure"]
    assert child["display_name"] == "Azure, Ann"
    assert child["commercial_partner_id"] == [company, "Azure"]
    [product] = odoo.call("product.product", "read", [odoo.call("product.product", "create", {"name": "P"})])
    assert product["list_price"] == 1.0 and product["standard_price"] == 0.0 and product["barcode"] is False


def test_write_and_unlink_answer_true_and_changes_stick(odoo: Odoo) -> None:
    partner = odoo.call("res.partner", "create", {"name": "Old"})
    assert odoo.call("res.partner", "write", [partner], {"name": "New", "email": False}) is True
    assert odoo.call("res.partner", "read", [partner], ["name"]) == [{"id": partner, "name": "New"}]
    assert odoo.call("res.partner", "unlink", [partner, 999]) is True
    assert odoo.call("res.partner", "search_count", []) == 0


def test_execute_takes_positional_arguments_and_context_is_accepted(odoo: Odoo) -> None:
    partner = odoo.call("res.partner", "create", {"name": "Ctx"}, context={"lang": "nl_BE"})
    found = odoo.object.execute(DB, odoo.uid, PASSWORD, "res.partner", "search", [("id", "=", partner)])
    assert found == [partner]
    assert odoo.object.execute(DB, odoo.uid, PASSWORD, "res.partner", "read", [partner], ["name"]) == [
        {"id": partner, "name": "Ctx"}
    ]
    assert odoo.call("res.users", "context_get") == {"lang": "en_US", "tz": False, "uid": 2}


# -- search -------------------------------------------------------------------------------------------


@pytest.fixture
def products(odoo: Odoo) -> dict[str, int]:
    rows: list[dict[str, Any]] = [
        {"name": "Desk", "default_code": "D-1", "list_price": 300.0},
        {"name": "Chair", "default_code": "C-1", "list_price": 80.0},
        {"name": "Lamp", "default_code": "L-1", "list_price": 25.5},
        {"name": "desk mat", "list_price": 12.0},
        {"name": "Old Stool", "default_code": "S-1", "list_price": 40.0, "active": False},
    ]
    ids = odoo.call("product.product", "create", rows)
    return {row["name"]: new_id for row, new_id in zip(rows, ids, strict=True)}


def names(odoo: Odoo, domain: list[Any], **kwargs: Any) -> list[str]:
    rows = odoo.call("product.product", "search_read", domain, ["name"], **kwargs)
    return [row["name"] for row in rows]


def test_search_takes_offset_limit_and_order_positionally_or_by_keyword(odoo: Odoo, products: dict[str, int]) -> None:
    by_price = odoo.call("product.product", "search", [], 0, 0, "list_price desc")
    assert by_price == [products[n] for n in ("Desk", "Chair", "Lamp", "desk mat")]
    assert odoo.call("product.product", "search", [], 1, 2, "list_price desc") == by_price[1:3]
    assert odoo.call("product.product", "search", [], offset=1, limit=2, order="list_price desc") == by_price[1:3]
    # The default order is default_code, then name: a missing code sorts last.
    assert odoo.call("product.product", "search", []) == [products[n] for n in ("Chair", "Desk", "Lamp", "desk mat")]
    assert odoo.call("product.product", "search_count", [("list_price", ">", 20)]) == 3
    bad_order = fault_of(odoo.call, "product.product", "search", [], order="price; drop table")
    assert bad_order.faultCode == 1 and 'Invalid "order" specified' in bad_order.faultString


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ([("name", "=", "Desk")], {"Desk"}),
        ([("name", "!=", "Desk")], {"Chair", "Lamp", "desk mat"}),
        ([("list_price", ">=", 80)], {"Desk", "Chair"}),
        ([("list_price", "<", 25.5)], {"desk mat"}),
        ([("list_price", "<=", 25.5)], {"Lamp", "desk mat"}),
        ([("default_code", "in", ["D-1", "L-1"])], {"Desk", "Lamp"}),
        ([("default_code", "not in", ["D-1", "L-1"])], {"Chair", "desk mat"}),
        ([("default_code", "=", False)], {"desk mat"}),
        ([("default_code", "!=", False)], {"Desk", "Chair", "Lamp"}),
        ([("name", "like", "esk")], {"Desk", "desk mat"}),
        ([("name", "like", "Desk")], {"Desk"}),
        ([("name", "ilike", "DESK")], {"Desk", "desk mat"}),
        ([("name", "not ilike", "desk")], {"Chair", "Lamp"}),
        ([("name", "=like", "D%")], {"Desk"}),
        ([("name", "=ilike", "d%")], {"Desk", "desk mat"}),
        ([("name", "=ilike", "_amp")], {"Lamp"}),
        (["|", ("name", "=", "Desk"), ("name", "=", "Lamp")], {"Desk", "Lamp"}),
        (["!", ("name", "=", "Desk")], {"Chair", "Lamp", "desk mat"}),
        (["&", ("list_price", ">", 20), ("list_price", "<", 100)], {"Chair", "Lamp"}),
        ([("list_price", ">", 20), ("list_price", "<", 100)], {"Chair", "Lamp"}),
        (["|", "!", ("name", "ilike", "desk"), ("default_code", "=", "D-1")], {"Chair", "Lamp", "Desk"}),
        ([("active", "=", False)], {"Old Stool"}),
        ([("active", "in", [True, False]), ("default_code", "=", "S-1")], {"Old Stool"}),
        ([(1, "=", 1)], {"Desk", "Chair", "Lamp", "desk mat"}),
        ([(0, "=", 1)], set()),
    ],
)
def test_domain_operators(odoo: Odoo, products: dict[str, int], domain: list[Any], expected: set[str]) -> None:
    assert set(names(odoo, domain)) == expected


def test_archived_records_show_with_active_test_off(odoo: Odoo, products: dict[str, int]) -> None:
    everything = odoo.call("product.product", "search", [], context={"active_test": False})
    assert set(everything) == set(products.values())


def test_child_of_and_dotted_paths_follow_relations(odoo: Odoo) -> None:
    company = odoo.call("res.partner", "create", {"name": "Holding", "is_company": True})
    branch = odoo.call("res.partner", "create", {"name": "Branch", "parent_id": company, "is_company": True})
    person = odoo.call("res.partner", "create", {"name": "Pat", "parent_id": branch})
    other = odoo.call("res.partner", "create", {"name": "Other"})
    assert set(odoo.call("res.partner", "search", [("id", "child_of", company)])) == {company, branch, person}
    assert set(odoo.call("res.partner", "search", [("id", "parent_of", [person])])) == {company, branch, person}
    assert odoo.call("res.partner", "search", [("parent_id.name", "=", "Branch")]) == [person]
    assert odoo.call("res.partner", "search", [("parent_id", "=", False), ("id", "!=", company)]) == [other]
    assert odoo.call("res.partner", "search", [("child_ids", "in", [person])]) == [branch]


def test_a_malformed_domain_is_an_application_fault(odoo: Odoo) -> None:
    assert fault_of(odoo.call, "res.partner", "search", ["|", ("name", "=", "x")]).faultCode == 1
    assert fault_of(odoo.call, "res.partner", "search", [("name", "~", "x")]).faultCode == 1


# -- sale orders -----------------------------------------------------------------------------------------


def test_a_sale_order_with_lines_is_created_as_odoo_creates_it(sim: OdooSimulator, odoo: Odoo) -> None:
    company = sim.seed_partner("Azure Interior", is_company=True)
    invoicing = sim.seed_partner("Accounting", parent_id=company, type="invoice")
    desk = sim.seed_product("Desk", list_price=120.0, default_code="DESK")
    chair = sim.seed_product("Chair", list_price=45.0)
    order = odoo.call(
        "sale.order",
        "create",
        {
            "partner_id": company,
            "client_order_ref": "WEB-1001",
            "order_line": [
                (0, 0, {"product_id": desk, "product_uom_qty": 2}),
                (0, 0, {"product_id": chair, "product_uom_qty": 3, "price_unit": 40.0}),
            ],
        },
    )
    [row] = odoo.call("sale.order", "read", [order])
    assert row["name"] == "S00001" and row["state"] == "draft" and row["client_order_ref"] == "WEB-1001"
    assert row["partner_id"] == [company, "Azure Interior"]
    assert row["partner_invoice_id"] == [invoicing, "Azure Interior, Accounting"]
    assert row["partner_shipping_id"] == [company, "Azure Interior"]
    assert row["amount_total"] == 2 * 120.0 + 3 * 40.0
    assert row["note"] is False and len(row["order_line"]) == 2
    lines = odoo.call("sale.order.line", "read", row["order_line"], ["order_id", "product_id", "price_unit", "name"])
    assert [line["price_unit"] for line in lines] == [120.0, 40.0]
    assert lines[0]["product_id"] == [desk, "[DESK] Desk"] and lines[0]["name"] == "[DESK] Desk"
    assert {line["order_id"][0] for line in lines} == {order}
    assert odoo.call("sale.order", "search", [("client_order_ref", "=", "WEB-1001")]) == [order]
    second = odoo.call("sale.order", "create", {"partner_id": company})
    assert odoo.call("sale.order", "read", [second], ["name"])[0]["name"] == "S00002"


def test_order_line_commands_update_delete_clear_and_set(sim: OdooSimulator, odoo: Odoo) -> None:
    partner, product = sim.seed_partner("P"), sim.seed_product("X", list_price=10.0)
    order = odoo.call("sale.order", "create", {"partner_id": partner, "order_line": [(0, 0, {"product_id": product})]})
    [first] = odoo.call("sale.order", "read", [order], ["order_line"])[0]["order_line"]
    odoo.call(
        "sale.order",
        "write",
        [order],
        {"order_line": [(1, first, {"product_uom_qty": 5}), (0, 0, {"product_id": product})]},
    )
    [row] = odoo.call("sale.order", "read", [order], ["order_line", "amount_total"])
    assert len(row["order_line"]) == 2 and row["amount_total"] == 60.0
    odoo.call("sale.order", "write", [order], {"order_line": [(2, first, 0)]})
    assert odoo.call("sale.order.line", "search_count", []) == 1
    odoo.call("sale.order", "write", [order], {"order_line": [(5, 0, 0)]})
    assert odoo.call("sale.order", "read", [order], ["order_line"])[0]["order_line"] == []
    assert odoo.call("sale.order.line", "search_count", []) == 0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"partner_id": False}, "Model: Sales Order (sale.order)\nField: Customer (partner_id)\n"),
        ({"partner_id": 999}, "Record does not exist or has been deleted.\n(Record: res.partner(999,), User: 2)"),
        ({"order_line": [(0, 0, {"product_id": 999})]}, "(Record: product.product(999,), User: 2)"),
        ({"order_line": [(0, 0, {"product_uom_qty": 1})]}, "Missing required fields on accountable sale order line"),
    ],
)
def test_invalid_orders_are_fault_2_and_leave_nothing_behind(
    sim: OdooSimulator, odoo: Odoo, values: dict[str, Any], message: str
) -> None:
    buyer = sim.seed_partner("Buyer")
    fault = fault_of(odoo.call, "sale.order", "create", {"partner_id": buyer, "client_order_ref": "W", **values})
    assert fault.faultCode == 2 and message in fault.faultString
    assert sim.count("sale.order") == 0 and sim.count("sale.order.line") == 0


def test_a_confirmed_order_cannot_be_deleted(sim: OdooSimulator, odoo: Odoo) -> None:
    order = odoo.call("sale.order", "create", {"partner_id": sim.seed_partner("P")})
    assert odoo.call("sale.order", "action_confirm", [order]) is True
    assert odoo.call("sale.order", "read", [order], ["state"]) == [{"id": order, "state": "sale"}]
    assert fault_of(odoo.call, "sale.order", "unlink", [order]).faultCode == 2


# -- fault injection ------------------------------------------------------------------------------------


def test_injected_transient_faults_look_like_odoo_s_serialization_failure(sim: OdooSimulator, odoo: Odoo) -> None:
    sim.faults.fail_next(1)
    fault = fault_of(odoo.call, "res.partner", "create", {"name": "Lost"})
    assert fault.faultCode == 1
    assert "could not serialize access due to concurrent update" in fault.faultString
    sim.faults.fail_next(1, kind="http503")
    with pytest.raises(xmlrpc.client.ProtocolError) as caught:
        odoo.call("res.partner", "create", {"name": "Lost"})
    assert caught.value.errcode == 503
    assert sim.count("res.partner") == 0  # failed before running
    assert odoo.call("res.partner", "search", []) == []


def test_a_dropped_answer_comes_after_the_commit(sim: OdooSimulator, odoo: Odoo) -> None:
    sim.faults.drop_next(1)
    # The standard library's Transport silently sends the request again when the connection
    # closes unanswered: the first create was committed, so this is how duplicates are born.
    odoo.call("res.partner", "create", {"name": "Twice"})
    assert sim.count("res.partner", [("name", "=", "Twice")]) == 2
    assert sim.calls("res.partner.create") == 2


def test_a_fail_share_is_reproducible_with_a_seed() -> None:
    outcomes = []
    for _ in range(2):
        with OdooSimulator(seed=42) as simulator:
            simulator.faults.fail_share(0.5)
            client = Odoo(simulator)
            run = []
            for _ in range(20):
                try:
                    client.call("res.partner", "search", [])
                    run.append(True)
                except xmlrpc.client.Fault:
                    run.append(False)
            client.close()
            outcomes.append(run)
    assert outcomes[0] == outcomes[1] and 0 < outcomes[0].count(False) < 20


def test_refused_connections_then_listening_again(sim: OdooSimulator) -> None:
    host, port = sim.url.removeprefix("http://").split(":")
    sim.refuse_connections()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, int(port)), timeout=1).close()
    sim.refuse_connections(False)
    client = Odoo(sim)
    try:
        version: Any = client.common.version()
        assert version["protocol_version"] == 1
    finally:
        client.close()


def test_concurrent_clients_get_distinct_records(sim: OdooSimulator) -> None:
    created: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        client = Odoo(sim)
        try:
            for i in range(10):
                new_id = client.call("res.partner", "create", {"name": f"T{n}-{i}"})
                with lock:
                    created.append(new_id)
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(created)) == 60 == sim.count("res.partner")


def test_the_control_route_steers_a_running_simulator(sim: OdooSimulator, odoo: Odoo) -> None:
    control = xmlrpc.client.ServerProxy(f"{sim.url}/simulator")
    try:
        assert control.fail_next(1) is True
        assert fault_of(odoo.call, "res.partner", "search", []).faultCode == 1
        assert control.calls("res.partner.search") == 1
        assert control.refuse_for(0.3) is True
        with pytest.raises(ConnectionRefusedError):
            odoo.call("res.partner", "search", [])
        deadline = time.monotonic() + 5
        while True:
            try:
                assert odoo.call("res.partner", "search", []) == []
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert control.count("res.partner", []) == 0
    finally:
        control("close")()
    impostor = xmlrpc.client.ServerProxy(f"{sim.url}/xmlrpc/2/simulator")
    try:
        assert fault_of(impostor.calls, "res.partner.search").faultCode == 1  # an Odoo route, no such service
    finally:
        impostor("close")()


def test_the_command_line_serves_until_sigterm() -> None:
    command = [sys.executable, "-c", "import sys; from atraxion.testing.odoo_sim import main; sys.exit(main())"]
    arguments = ["--port", "0", "--db", "demo", "--demo-products", "5", "--api-key", "cli-key", "--fail-share", "0"]
    with subprocess.Popen([*command, *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        banner = process.stdout.readline()
        url = banner.split(" on ", 1)[1].split(" ", 1)[0]
        client = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
        try:
            found: Any = client.execute_kw("demo", 2, "cli-key", "product.product", "search_count", [[]])
        finally:
            client("close")()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert found == 5


# -- domain algebra, property-based ---------------------------------------------------------------------

_FIELDS = {
    "name": st.sampled_from(["a", "b", "ab", "B", "c"]),
    "list_price": st.sampled_from([0.0, 1.0, 2.5, 10.0]),
    "default_code": st.sampled_from([False, "X1", "x2", "Y"]),
    "sale_ok": st.booleans(),
}
_OPERATORS = {
    "name": ["=", "!=", "ilike", "like", "=ilike", "in", "not in"],
    "list_price": ["=", "!=", "<", "<=", ">", ">="],
    "default_code": ["=", "!=", "ilike", "not ilike", "in"],
    "sale_ok": ["=", "!="],
}


@st.composite
def leaves(draw: st.DrawFn) -> list[Any]:
    field = draw(st.sampled_from(sorted(_FIELDS)))
    operator = draw(st.sampled_from(_OPERATORS[field]))
    value = draw(_FIELDS[field])
    if operator in ("in", "not in"):
        value = draw(st.lists(_FIELDS[field], max_size=3))
    elif operator in ("ilike", "like", "not ilike", "=ilike") and value is False:
        value = "x"
    return [[field, operator, value]]


def _domains() -> st.SearchStrategy[list[Any]]:
    # A domain in prefix notation that is one term, so that '!' and '|' can wrap it.
    return st.recursive(
        leaves(),
        lambda inner: st.one_of(
            st.tuples(inner).map(lambda t: ["!", *t[0]]),
            st.tuples(inner, inner).map(lambda t: ["|", *t[0], *t[1]]),
            st.tuples(inner, inner).map(lambda t: ["&", *t[0], *t[1]]),
        ),
        max_leaves=5,
    )


@pytest.fixture(scope="module")
def catalog() -> Iterator[Odoo]:
    with OdooSimulator(db=DB, login=LOGIN, password=PASSWORD) as simulator:
        values = [
            {"name": n, "list_price": p, "default_code": c, "sale_ok": s}
            for n, p, c, s in [
                ("a", 0.0, False, True),
                ("b", 1.0, "X1", False),
                ("ab", 2.5, "x2", True),
                ("B", 10.0, "Y", True),
                ("c", 2.5, False, False),
                ("abc", 1.0, "X1", True),
            ]
        ]
        for row in values:
            simulator.create("product.product", row)
        client = Odoo(simulator)
        yield client
        client.close()


def _ids(odoo: Odoo, domain: list[Any]) -> set[int]:
    return set(odoo.call("product.product", "search", domain))


@settings(max_examples=60, deadline=None)
@given(first=_domains(), second=_domains())
def test_domain_algebra(catalog: Odoo, first: list[Any], second: list[Any]) -> None:
    everything = _ids(catalog, [])
    a, b = _ids(catalog, first), _ids(catalog, second)
    assert _ids(catalog, ["!", *first]) == everything - a
    assert _ids(catalog, ["|", *first, *second]) == a | b
    assert _ids(catalog, [*first, *second]) == a & b == _ids(catalog, ["&", *first, *second])
