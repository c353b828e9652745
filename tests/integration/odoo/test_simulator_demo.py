"""``--demo`` seeding: counts, shapes, and paging a large catalogue over XML-RPC."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atraxion.testing.odoo_sim import OdooSimulator
from tests.integration.odoo.sim_support import Odoo

ALL = {"active_test": False}


@pytest.fixture(scope="module")
def demo() -> Iterator[OdooSimulator]:
    with OdooSimulator() as simulator:
        simulator.seed_demo(40, partners=8, pricelist_items=100)
        yield simulator


@pytest.fixture
def odoo(demo: OdooSimulator) -> Iterator[Odoo]:
    client = Odoo(demo)
    yield client
    client.close()


def test_the_demo_catalogue_has_what_it_says(demo: OdooSimulator, odoo: Odoo) -> None:
    assert odoo.call("product.product", "search_count", []) == 40
    assert odoo.call("product.template", "search_count", []) == 40
    assert odoo.call("res.partner", "search_count", [("is_company", "=", True)]) == 8
    assert odoo.call("res.partner", "search_count", [("type", "=", "invoice")]) == 8
    assert odoo.call("res.partner", "search_count", [("type", "=", "delivery")]) == 8
    assert odoo.call("product.pricelist", "search_count", []) == 2
    assert odoo.call("product.pricelist.item", "search_count", []) == 100
    assert odoo.call("product.pricelist.item", "search_count", [("compute_price", "=", "fixed")]) == 100
    assert odoo.call("stock.warehouse", "search_count", []) == 2
    assert odoo.call("stock.quant", "search_count", [("location_id.usage", "=", "internal")]) > 40
    assert odoo.call("purchase.order", "search_count", []) >= 3
    assert odoo.call("purchase.order.line", "search_count", []) >= 3


def test_demo_records_have_the_fields_a_pull_reads(odoo: Odoo) -> None:
    [product] = odoo.call(
        "product.product", "search_read", [("default_code", "=", "DEMO-00007")],
        ["name", "barcode", "list_price", "standard_price", "categ_id", "type", "write_date"], load=None,
    )  # fmt: skip
    assert product["barcode"] and len(product["barcode"]) == 13 and product["list_price"] > 0
    assert product["type"] == "product" and isinstance(product["categ_id"], int)
    [company] = odoo.call("res.partner", "search_read", [("ref", "=", "C00003")], ["child_ids", "vat", "country_id"])
    kinds = {row["type"] for row in odoo.call("res.partner", "read", company["child_ids"], ["type"])}
    assert kinds == {"invoice", "delivery", "contact"} and company["country_id"]
    fields = ["applied_on", "product_id", "product_tmpl_id", "fixed_price", "currency_id"]
    items = odoo.call("product.pricelist.item", "search_read", [], fields, load=None)
    assert {item["applied_on"] for item in items} == {"1_product", "0_product_variant"}
    assert all(item["product_id"] or item["product_tmpl_id"] for item in items)
    assert {item["currency_id"] for item in items} == {1, 2}


def test_the_demo_size_is_respected_and_seeding_is_fast() -> None:
    with OdooSimulator() as simulator:
        started = time.perf_counter()
        counts = simulator.seed_demo(2_000, pricelist_items=25_600)
        elapsed = time.perf_counter() - started
        assert (counts.products, counts.pricelist_items) == (2_000, 25_600)
        assert simulator.count("product.pricelist.item") == 25_600
    assert elapsed < 10  # 10,000 products and 128,000 items take a few seconds; a fifth of that, less


def page_through(odoo: Odoo, model: str, order: str, size: int, domain_after: Any) -> list[int]:
    seen: list[int] = []
    position: Any = ("1970-01-01 00:00:00", 0)
    while True:
        domain = domain_after(position)
        page = odoo.call(model, "search_read", domain, ["write_date"], limit=size, order=order, context=ALL)
        if not page:
            return seen
        seen += [row["id"] for row in page]
        position = (page[-1]["write_date"], page[-1]["id"])


def test_keyset_and_id_paging_see_every_item_once(odoo: Odoo) -> None:
    everything = odoo.call("product.pricelist.item", "search", [], order="id", context=ALL)
    by_keyset = page_through(
        odoo, "product.pricelist.item", "write_date asc, id asc", 7,
        lambda p: ["|", ("write_date", ">", p[0]), "&", ("write_date", "=", p[0]), ("id", ">", p[1])],
    )  # fmt: skip
    by_id = page_through(odoo, "product.pricelist.item", "id asc", 9, lambda p: [("id", ">", p[1])])
    assert by_keyset == by_id == everything == sorted(everything)
    # The gateway's form: the position and more conditions, "&"-ed.
    extra = [("fixed_price", ">", 100.0), ("applied_on", "=", "1_product")]
    dear = odoo.call("product.pricelist.item", "search", extra, order="id", context=ALL)
    filtered = page_through(
        odoo, "product.pricelist.item", "write_date asc, id asc", 4,
        lambda p: ["&", "|", ("write_date", ">", p[0]), "&", ("write_date", "=", p[0]), ("id", ">", p[1]), *extra],
    )  # fmt: skip
    assert filtered == dear and 0 < len(dear) < len(everything)


@settings(max_examples=40, deadline=None)
@given(
    low=st.integers(min_value=0, max_value=120),
    offset=st.integers(min_value=0, max_value=5),
    limit=st.integers(min_value=1, max_value=30),
    price=st.floats(min_value=0, max_value=900),
)
def test_the_paging_fast_paths_answer_as_the_general_search(
    demo: OdooSimulator, low: int, offset: int, limit: int, price: float
) -> None:
    store = demo.store
    domain: list[Any] = [("id", ">", low), ("fixed_price", ">=", price)]
    with store.transaction(demo.uid):
        everything = store.search("product.pricelist.item", domain, order="id asc")
        assert (
            store.search("product.pricelist.item", domain, order="id asc", offset=offset, limit=limit)
            == (everything[offset : offset + limit])
        )
        keyed = store.search("product.pricelist.item", domain, order="write_date asc, id asc")
        fast = store.search(
            "product.pricelist.item", domain, order="write_date asc, id asc", offset=offset, limit=limit
        )
        assert fast == keyed[offset : offset + limit]
