"""What pulling needs from the simulator, over XML-RPC: write_date, archiving, load=None, unlink."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atraxion.testing.odoo_sim import OdooSimulator
from tests.integration.odoo.sim_support import DB, LOGIN, PASSWORD, Odoo, fault_of

STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
KEYSET = "write_date asc, id asc"
ALL = {"active_test": False}


@pytest.fixture
def sim() -> Iterator[OdooSimulator]:
    with OdooSimulator(db=DB, login=LOGIN, password=PASSWORD) as simulator:
        yield simulator


@pytest.fixture
def odoo(sim: OdooSimulator) -> Iterator[Odoo]:
    client = Odoo(sim)
    yield client
    client.close()


def after(write_date: str, record_id: int) -> list[Any]:
    """Odoo's domain of the records strictly after a (write_date, id) position."""
    return ["|", ("write_date", ">", write_date), "&", ("write_date", "=", write_date), ("id", ">", record_id)]


# -- write_date and create_date -------------------------------------------------------------------------


def test_create_sets_create_date_and_write_date_to_the_transaction_s_utc_second(sim: OdooSimulator, odoo: Odoo) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    partner = odoo.call("res.partner", "create", {"name": "Stamped"})
    [row] = odoo.call("res.partner", "read", [partner], ["create_date", "write_date", "create_uid", "write_uid"])
    assert STAMP.match(row["write_date"]) and row["create_date"] == row["write_date"]
    stamped = dt.datetime.strptime(row["write_date"], "%Y-%m-%d %H:%M:%S")
    assert before <= stamped <= dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert row["create_uid"] == [sim.uid, "Admin"] and row["write_uid"] == [sim.uid, "Admin"]


def test_every_write_moves_write_date_but_not_create_date(sim: OdooSimulator, odoo: Odoo) -> None:
    sim.freeze_clock("2024-01-01 10:00:00")
    product = odoo.call("product.product", "create", {"name": "Desk"})
    sim.freeze_clock("2024-01-01 10:00:07")
    assert odoo.call("product.product", "write", [product], {"list_price": 5.0}) is True
    [row] = odoo.call("product.product", "read", [product], ["create_date", "write_date"])
    assert row == {"id": product, "create_date": "2024-01-01 10:00:00", "write_date": "2024-01-01 10:00:07"}
    sim.freeze_clock("2024-01-01 10:00:09")
    odoo.call("product.product", "write", [product], {"list_price": 5.0})  # even an unchanged value
    assert odoo.call("product.product", "read", [product], ["write_date"])[0]["write_date"] == "2024-01-01 10:00:09"


def test_log_access_fields_sent_by_a_client_are_ignored_as_odoo_ignores_them(sim: OdooSimulator, odoo: Odoo) -> None:
    sim.freeze_clock("2024-05-05 05:05:05")
    partner = odoo.call("res.partner", "create", {"name": "P", "write_date": "2000-01-01 00:00:00"})
    odoo.call("res.partner", "write", [partner], {"write_date": "2000-01-01 00:00:00", "create_uid": 1})
    [row] = odoo.call("res.partner", "read", [partner], ["write_date", "create_uid"], load=None)
    assert row == {"id": partner, "write_date": "2024-05-05 05:05:05", "create_uid": sim.uid}


def test_write_date_filters_and_orders_and_keyset_pages_never_skip_ties(sim: OdooSimulator, odoo: Odoo) -> None:
    # 7 records in one second, 3 in a later one, created in an order unlike their write_date order.
    sim.freeze_clock("2024-03-01 12:00:05")
    late = odoo.call("product.product", "create", [{"name": f"late {i}"} for i in range(3)])
    sim.freeze_clock("2024-03-01 12:00:01")
    tied = odoo.call("product.product", "create", [{"name": f"tied {i}"} for i in range(7)])
    expected = tied + late
    assert odoo.call("product.product", "search", [], order=KEYSET) == expected
    assert odoo.call("product.product", "search", [("write_date", ">=", "2024-03-01 12:00:02")]) != []
    assert set(odoo.call("product.product", "search", [("write_date", ">", "2024-03-01 12:00:01")])) == set(late)
    assert odoo.call("product.product", "search_count", [("write_date", "=", "2024-03-01 12:00:01")]) == 7
    seen: list[int] = []
    position = ("1970-01-01 00:00:00", 0)
    while True:
        page = odoo.call("product.product", "search_read", after(*position), ["write_date"], limit=3, order=KEYSET)
        if not page:
            break
        seen += [row["id"] for row in page]
        position = (page[-1]["write_date"], page[-1]["id"])
    assert seen == expected


def test_a_datetime_in_a_domain_compares_as_odoo_s_text(sim: OdooSimulator, odoo: Odoo) -> None:
    sim.freeze_clock("2024-03-01 12:00:01")
    product = odoo.call("product.product", "create", {"name": "X"})
    when = dt.datetime(2024, 3, 1, 12, 0, 0)
    assert odoo.call("product.product", "search", [("write_date", ">", when)]) == [product]


def test_touch_sets_one_write_date_and_nothing_else(sim: OdooSimulator, odoo: Odoo) -> None:
    first, second = (sim.seed_product(name) for name in ("First", "Second"))
    sim.touch("product.product", [second], write_date="2023-12-31 23:59:59")
    assert odoo.call("product.product", "search", [], order=KEYSET) == [second, first]
    [row] = odoo.call("product.product", "read", [second], ["name", "write_date"])
    assert row == {"id": second, "name": "Second", "write_date": "2023-12-31 23:59:59"}


@settings(max_examples=25, deadline=None)
@given(
    stamps=st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=25),
    page_size=st.integers(min_value=1, max_value=6),
)
def test_keyset_paging_reads_every_record_once_in_write_date_id_order(stamps: list[int], page_size: int) -> None:
    with OdooSimulator() as simulator:
        ids = [simulator.seed_product(f"p{i}") for i in range(len(stamps))]
        for record_id, second in zip(ids, stamps, strict=True):
            simulator.touch("product.product", [record_id], write_date=f"2024-01-01 00:00:0{second}")
        client = Odoo(simulator)
        try:
            seen: list[tuple[str, int]] = []
            position = ("1970-01-01 00:00:00", 0)
            while page := client.call(
                "product.product", "search_read", after(*position), ["write_date"], limit=page_size, order=KEYSET
            ):
                seen += [(row["write_date"], row["id"]) for row in page]
                position = seen[-1]
        finally:
            client.close()
    assert seen == sorted((f"2024-01-01 00:00:0{s}", i) for s, i in zip(stamps, ids, strict=True))


# -- active and active_test -----------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["product.product", "res.partner"])
def test_archived_records_are_hidden_unless_active_test_is_false(odoo: Odoo, model: str) -> None:
    kept, archived = odoo.call(model, "create", [{"name": "Kept"}, {"name": "Archived"}])
    assert odoo.call(model, "write", [archived], {"active": False}) is True
    assert odoo.call(model, "search", []) == [kept]
    assert odoo.call(model, "search_count", []) == 1
    assert [r["id"] for r in odoo.call(model, "search_read", [], ["name"])] == [kept]
    assert set(odoo.call(model, "search", [], context=ALL)) == {kept, archived}
    assert odoo.call(model, "search_count", [], context=ALL) == 2
    assert odoo.call(model, "search", [("active", "=", False)]) == [archived]
    # read by id answers archived records whatever the context
    assert odoo.call(model, "read", [archived], ["active"]) == [{"id": archived, "active": False}]


# -- load=None ---------------------------------------------------------------------------------------------


def test_load_none_reads_many2one_as_a_bare_id_or_false(odoo: Odoo) -> None:
    company = odoo.call("res.partner", "create", {"name": "Azure", "is_company": True})
    person = odoo.call("res.partner", "create", {"name": "Ann", "parent_id": company})
    fields = ["parent_id", "child_ids"]
    assert odoo.call("res.partner", "read", [person, company], fields, load=None) == [
        {"id": person, "parent_id": company, "child_ids": []},
        {"id": company, "parent_id": False, "child_ids": [person]},
    ]
    assert odoo.call("res.partner", "read", [person], fields) == [
        {"id": person, "parent_id": [company, "Azure"], "child_ids": []}
    ]
    rows = odoo.call("res.partner", "search_read", [("id", "=", person)], ["parent_id"], load=None)
    assert rows == [{"id": person, "parent_id": company}]
    positional = odoo.call("res.partner", "search_read", [("id", "=", person)], ["parent_id"], 0, 0, None, None)
    assert positional == [{"id": person, "parent_id": company}]


# -- unknown fields --------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["create", "write"])
def test_an_unknown_field_in_create_or_write_is_odoo_s_value_error(odoo: Odoo, method: str) -> None:
    partner = odoo.call("res.partner", "create", {"name": "P"})
    args: list[Any] = [{"name": "Q", "x_nope": 1}] if method == "create" else [[partner], {"x_nope": 1}]
    fault = fault_of(odoo.call, "res.partner", method, *args)
    assert fault.faultCode == 1
    assert fault.faultString.rstrip().endswith("ValueError: Invalid field 'x_nope' on model 'res.partner'")
    assert odoo.call("res.partner", "search_count", []) == 1


def test_reading_an_unknown_field_is_the_same_value_error(odoo: Odoo) -> None:
    fault = fault_of(odoo.call, "res.partner", "read", [1], ["x_nope"])
    assert fault.faultString.rstrip().endswith("ValueError: Invalid field 'x_nope' on model 'res.partner'")


# -- unlink ----------------------------------------------------------------------------------------------


def test_unlinked_records_read_as_nothing_and_cannot_be_written(sim: OdooSimulator, odoo: Odoo) -> None:
    kept, gone = odoo.call("res.partner", "create", [{"name": "Kept"}, {"name": "Gone"}])
    assert odoo.call("res.partner", "unlink", [gone]) is True
    assert odoo.call("res.partner", "read", [gone], ["name"]) == []
    assert odoo.call("res.partner", "search", [("id", "=", gone)], context=ALL) == []
    fault = fault_of(odoo.call, "res.partner", "write", [gone], {"name": "Back"})
    assert fault.faultCode == 2
    assert fault.faultString == f"Record does not exist or has been deleted.\n(Record: res.partner({gone},), User: 2)"
    assert sim.count("res.partner") == 1 and sim.search("res.partner") == [kept]
