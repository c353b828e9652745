"""The pull use case on the in-memory fake Odoo: paging, cursors, overlap, mapping, lookups."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from atraxion.application.feed import acknowledge, changes, get_record, register_consumer
from atraxion.application.pull import PullOptions, PullSummary, pull, pull_ids
from atraxion.application.queued_pulls import drain_queued_pulls, queue_pull, queued_count
from atraxion.bootstrap import Atraxion
from atraxion.domain.odoo_mapping import PullOverride
from atraxion.domain.odoo_orders import TransientOdooError
from atraxion.domain.odoo_records import OdooPosition
from atraxion.domain.types import OdooRow
from atraxion.testing import FakeClock, FakeOdooGateway, memory_atraxion


@pytest.fixture
def app() -> Atraxion:
    return memory_atraxion(FakeClock())


@pytest.fixture
def odoo() -> FakeOdooGateway:
    return FakeOdooGateway(now="2026-03-01 12:00:00")


def _options(app: Atraxion, page_size: int = 1000, **overrides: PullOverride) -> PullOptions:
    return PullOptions.of(app.context, overrides, page_size=page_size, overlap=300)


def _product(odoo: FakeOdooGateway, code: str | bool, **values: Any) -> int:
    return odoo.create("product.product", {"name": f"Product {code}", "default_code": code, "active": True, **values})


def _keys(app: Atraxion, entity: str) -> set[str]:
    return {item.record.key for item in changes(app.context, entity, "shop", None, 1000).items}


def test_initial_pull_creates_every_product_keyed_by_default_code_or_model_id(
    app: Atraxion, odoo: FakeOdooGateway
) -> None:
    register_consumer(app.context, "shop")
    _product(odoo, "DESK")
    nameless = _product(odoo, False)
    summary = pull(app.context, odoo, "products", _options(app))
    assert summary == PullSummary(created=2)
    assert summary.line() == "pulled 2: created 2, updated 0, unchanged 0, deleted 0"
    assert _keys(app, "products") == {"DESK", f"product.product:{nameless}"}
    desk = get_record(app.context, "products", "shop", "DESK").item.record
    assert desk.envelope == {"externalId": "DESK", "odooId": 1}
    assert desk.data["name"] == "Product DESK" and desk.data["active"] is True


def test_35_records_of_one_second_across_pages_of_10_are_all_pulled(app: Atraxion, odoo: FakeOdooGateway) -> None:
    for n in range(35):
        _product(odoo, f"P{n:02}")
    odoo.tick()
    _product(odoo, "LATER")
    summary = pull(app.context, odoo, "products", _options(app, page_size=10))
    assert summary.created == 36
    cursor = app.context.transaction(lambda uow: uow.pull_cursors.get("products"))
    assert cursor is not None and cursor.position == OdooPosition("2026-03-01 12:00:01", 36)


def test_pages_are_never_cut_inside_a_second(app: Atraxion, odoo: FakeOdooGateway) -> None:
    for second in range(7):
        for n in range(4):
            _product(odoo, f"S{second}-{n}")
        odoo.tick()
    assert pull(app.context, odoo, "products", _options(app, page_size=5)).created == 28


def test_a_record_committed_late_with_an_older_write_date_is_pulled_next_time(
    app: Atraxion, odoo: FakeOdooGateway
) -> None:
    _product(odoo, "EARLY")
    odoo.tick(60)
    _product(odoo, "NOW")
    pull(app.context, odoo, "products", _options(app))
    # A transaction that started 30 s ago commits now: its write_date is before the cursor.
    _product(odoo, "LATE", write_date="2026-03-01 12:00:30")
    summary = pull(app.context, odoo, "products", _options(app))
    assert summary.created == 1
    assert summary.unchanged == 2  # the overlap re-read EARLY and NOW: unchanged, nothing bumped


def test_an_incremental_pull_reports_exactly_the_changed_fields(app: Atraxion, odoo: FakeOdooGateway) -> None:
    register_consumer(app.context, "shop")
    desk = _product(odoo, "DESK", list_price=100.0)
    _product(odoo, "CHAIR")
    pull(app.context, odoo, "products", _options(app))
    page = changes(app.context, "products", "shop", None, 100)
    acknowledge(app.context, "products", "shop", [(i.record.key, i.record.version) for i in page.items])
    odoo.tick()
    odoo.write("product.product", desk, {"list_price": 120.0})
    summary = pull(app.context, odoo, "products", _options(app))
    assert (summary.updated, summary.unchanged) == (1, 1)
    [item] = changes(app.context, "products", "shop", None, 100).items
    assert item.record.key == "DESK" and item.changed_fields == ["list_price"]


def test_archiving_in_odoo_is_an_active_change(app: Atraxion, odoo: FakeOdooGateway) -> None:
    register_consumer(app.context, "shop")
    desk = _product(odoo, "DESK")
    pull(app.context, odoo, "products", _options(app))
    acknowledge(app.context, "products", "shop", [("DESK", 1)])
    odoo.tick()
    odoo.write("product.product", desk, {"active": False})
    pull(app.context, odoo, "products", _options(app))
    [item] = changes(app.context, "products", "shop", None, 100).items
    assert item.changed_fields == ["active"] and item.record.data["active"] is False


def test_a_pull_that_fails_midway_keeps_the_pages_it_ingested_and_resumes(app: Atraxion, odoo: FakeOdooGateway) -> None:
    for n in range(30):
        _product(odoo, f"P{n:02}")
        odoo.tick()
    failing = _FailingAfter(odoo, reads=2)
    with pytest.raises(TransientOdooError):
        pull(app.context, failing, "products", _options(app, page_size=10))
    cursor = app.context.transaction(lambda uow: uow.pull_cursors.get("products"))
    assert cursor is not None and cursor.position.id == 18  # two pages of 9 (the 10th is re-read)
    summary = pull(app.context, odoo, "products", _options(app, page_size=10))
    assert summary.created == 12 and summary.pulled == 30


def test_full_ignores_the_cursor_and_the_cursor_never_moves_back(app: Atraxion, odoo: FakeOdooGateway) -> None:
    for n in range(3):
        _product(odoo, f"P{n}")
        odoo.tick(1000)
    pull(app.context, odoo, "products", _options(app))
    assert pull(app.context, odoo, "products", _options(app)).pulled == 1  # the overlap: the last one
    assert pull(app.context, odoo, "products", _options(app), full=True) == PullSummary(unchanged=3)
    cursor = app.context.transaction(lambda uow: uow.pull_cursors.get("products"))
    assert cursor is not None and cursor.position == OdooPosition("2026-03-01 12:33:20", 3)


def test_configured_fields_external_id_and_domain(app: Atraxion, odoo: FakeOdooGateway) -> None:
    _product(odoo, "DESK", barcode="5400001", sale_ok=True)
    _product(odoo, "SERVICE", barcode="5400002", sale_ok=False)
    override = PullOverride(fields=("name",), external_id="barcode", domain=(("sale_ok", "=", True),))
    assert pull(app.context, odoo, "products", _options(app, products=override)).created == 1
    register_consumer(app.context, "shop")
    [item] = changes(app.context, "products", "shop", None, 10).items
    assert item.record.key == "5400001"
    assert set(item.record.data) == {"id", "write_date", "name", "active", "barcode"}


def test_partners_link_to_their_parent_by_its_external_id(app: Atraxion, odoo: FakeOdooGateway) -> None:
    company = odoo.create("res.partner", {"name": "Azure", "ref": "AZ", "is_company": True, "type": "contact"})
    odoo.create("res.partner", {"name": "Billing", "parent_id": company, "type": "invoice", "ref": "AZ-B"})
    odoo.create("res.partner", {"name": "Ann", "parent_id": company, "type": "contact"})
    noref = odoo.create("res.partner", {"name": "No ref Ltd", "type": "contact"})
    odoo.create("res.partner", {"name": "Bob", "parent_id": noref, "type": "delivery", "ref": "BOB"})
    pull(app.context, odoo, "partners", _options(app))
    register_consumer(app.context, "shop")
    envelopes = {i.record.key: i.record.envelope for i in changes(app.context, "partners", "shop", None, 10).items}
    assert envelopes["AZ"]["type"] == "main" and "externalParentId" not in envelopes["AZ"]
    assert envelopes["AZ-B"] == {"externalId": "AZ-B", "odooId": 2, "externalParentId": "AZ", "type": "billing"}
    assert envelopes["res.partner:3"]["type"] == "contact"
    assert envelopes["BOB"]["externalParentId"] == f"res.partner:{noref}"


def _pricing(odoo: FakeOdooGateway) -> dict[str, int]:
    eur = odoo.create("res.currency", {"name": "EUR"})
    public = odoo.create("product.pricelist", {"name": "Public", "currency_id": eur})
    template = odoo.create("product.template", {"name": "Chair"})
    red = _product(odoo, "CHAIR-RED", product_tmpl_id=template)
    blue = _product(odoo, "CHAIR-BLUE", product_tmpl_id=template)
    odoo.write("product.template", template, {"product_variant_ids": [red, blue]})
    desk = _product(odoo, "DESK")
    return {"eur": eur, "public": public, "template": template, "red": red, "blue": blue, "desk": desk}


def _item(odoo: FakeOdooGateway, ids: dict[str, int], **values: Any) -> int:
    return odoo.create(
        "product.pricelist.item",
        {"pricelist_id": ids["public"], "compute_price": "fixed", "min_quantity": 0.0, **values},
    )


def test_prices_per_variant_and_per_template(app: Atraxion, odoo: FakeOdooGateway) -> None:
    ids = _pricing(odoo)
    _item(odoo, ids, applied_on="0_product_variant", product_id=ids["desk"], fixed_price=300.0)
    _item(odoo, ids, applied_on="1_product", product_tmpl_id=ids["template"], fixed_price=80.0)
    _item(odoo, ids, applied_on="0_product_variant", product_id=ids["red"], fixed_price=85.0)  # wins for red
    _item(odoo, ids, applied_on="0_product_variant", product_id=ids["desk"], fixed_price=250.0, min_quantity=10.0)
    _item(odoo, ids, applied_on="0_product_variant", product_id=ids["desk"], fixed_price=1.0, compute_price="formula")
    pull(app.context, odoo, "prices", _options(app))
    register_consumer(app.context, "shop")
    prices = {i.record.key: i.record.envelope for i in changes(app.context, "prices", "shop", None, 10).items}
    pricelist = f"product.pricelist:{ids['public']}"
    assert prices == {
        f"{pricelist}/DESK": {
            "pricelistExternalId": pricelist,
            "price": 300.0,
            "productExternalId": "DESK",
            "currency": "EUR",
        },
        f"{pricelist}/CHAIR-RED": {
            "pricelistExternalId": pricelist,
            "price": 85.0,
            "productExternalId": "CHAIR-RED",
            "currency": "EUR",
        },
        f"{pricelist}/CHAIR-BLUE": {
            "pricelistExternalId": pricelist,
            "price": 80.0,
            "productExternalId": "CHAIR-BLUE",
            "currency": "EUR",
        },
    }


@pytest.mark.parametrize("page_size", [1, 2, 1000])
def test_the_applied_price_wins_whichever_page_each_item_is_read_in(
    app: Atraxion, odoo: FakeOdooGateway, page_size: int
) -> None:
    ids = _pricing(odoo)
    _item(odoo, ids, applied_on="0_product_variant", product_id=ids["red"], fixed_price=85.0)
    odoo.tick()
    _item(odoo, ids, applied_on="1_product", product_tmpl_id=ids["template"], fixed_price=80.0)
    odoo.tick()
    _item(odoo, ids, applied_on="0_product_variant", product_id=ids["red"], fixed_price=99.0, min_quantity=5.0)
    summary = pull(app.context, odoo, "prices", _options(app, page_size=page_size))
    assert summary.updated == 0
    register_consumer(app.context, "shop")
    pricelist = f"product.pricelist:{ids['public']}"
    prices = {i.record.key: i.record.envelope["price"] for i in changes(app.context, "prices", "shop", None, 10).items}
    assert prices == {f"{pricelist}/CHAIR-RED": 85.0, f"{pricelist}/CHAIR-BLUE": 80.0}


def test_a_pricelist_named_by_a_configured_field(app: Atraxion, odoo: FakeOdooGateway) -> None:
    ids = _pricing(odoo)
    _item(odoo, ids, applied_on="0_product_variant", product_id=ids["desk"], fixed_price=300.0)
    pull(app.context, odoo, "prices", _options(app, prices=PullOverride(external_id="name")))
    register_consumer(app.context, "shop")
    assert _keys(app, "prices") == {"Public/DESK"}


def _warehouses(odoo: FakeOdooGateway) -> dict[str, int]:
    main = odoo.create("stock.warehouse", {"name": "Main", "code": "WH"})
    east = odoo.create("stock.warehouse", {"name": "East", "code": "EAST"})
    return {
        "main": main,
        "east": east,
        "main_stock": odoo.create("stock.location", {"usage": "internal", "warehouse_id": main}),
        "main_shelf": odoo.create("stock.location", {"usage": "internal", "warehouse_id": main}),
        "east_stock": odoo.create("stock.location", {"usage": "internal", "warehouse_id": east}),
        "customers": odoo.create("stock.location", {"usage": "customer", "warehouse_id": False}),
    }


def test_stock_sums_internal_quants_per_product_and_warehouse(app: Atraxion, odoo: FakeOdooGateway) -> None:
    where = _warehouses(odoo)
    desk, chair = _product(odoo, "DESK"), _product(odoo, "CHAIR")
    quant = odoo.create("stock.quant", {"product_id": desk, "location_id": where["main_stock"], "quantity": 5.0})
    odoo.create("stock.quant", {"product_id": desk, "location_id": where["main_shelf"], "quantity": 2.5})
    odoo.create("stock.quant", {"product_id": desk, "location_id": where["customers"], "quantity": 40.0})
    odoo.create("stock.quant", {"product_id": chair, "location_id": where["east_stock"], "quantity": 3.0})
    pull(app.context, odoo, "stock", _options(app))
    register_consumer(app.context, "shop")
    stock = {i.record.key: i.record.envelope["quantity"] for i in changes(app.context, "stock", "shop", None, 10).items}
    assert stock == {"WH/DESK": 7.5, "EAST/DESK": 0.0, "WH/CHAIR": 0.0, "EAST/CHAIR": 3.0}
    odoo.tick()
    odoo.write("stock.quant", quant, {"quantity": 1.0})
    summary = pull(app.context, odoo, "stock", _options(app))
    assert (summary.updated, summary.unchanged) == (1, 3)  # DESK in every warehouse; CHAIR in the overlap
    record = get_record(app.context, "stock", "shop", "WH/DESK").item.record
    assert record.envelope["quantity"] == 3.5 and record.derived["previousQuantity"] == 7.5


def test_purchase_orders_with_their_lines_and_vendor(app: Atraxion, odoo: FakeOdooGateway) -> None:
    vendor = odoo.create("res.partner", {"name": "Wood Co", "ref": "WOODCO"})
    desk = _product(odoo, "DESK")
    line = odoo.create("purchase.order.line", {"product_id": desk, "product_qty": 4.0, "price_unit": 205.0})
    note = odoo.create("purchase.order.line", {"product_id": False, "name": "a note"})
    odoo.create(
        "purchase.order", {"name": "P00042", "partner_id": vendor, "state": "purchase", "order_line": [line, note]}
    )
    pull(app.context, odoo, "purchase-orders", _options(app))
    register_consumer(app.context, "shop")
    [item] = changes(app.context, "purchase-orders", "shop", None, 10).items
    assert item.record.envelope == {
        "externalId": "P00042",
        "name": "P00042",
        "vendor": "WOODCO",
        "state": "purchase",
        "lines": [{"productExternalId": "DESK", "quantity": 4.0, "priceUnit": 205.0}],
        "odooId": 5,
    }


def test_lookups_read_each_related_model_once_per_page(app: Atraxion, odoo: FakeOdooGateway) -> None:
    ids = _pricing(odoo)
    for n in range(20):
        product = _product(odoo, f"P{n}")
        _item(odoo, ids, applied_on="0_product_variant", product_id=product, fixed_price=float(n))
        odoo.tick()
    odoo.calls.clear()
    assert pull(app.context, odoo, "prices", _options(app, page_size=10)).created == 20
    reads = [model for model, method in odoo.calls if method == "read"]
    # pages of 9, 9 and 2 rows ingested: products once per page, pricelist and currency once per run
    assert sorted(reads) == ["product.pricelist", *["product.product"] * 3, "res.currency"]


def test_pull_ids_reads_the_given_records_whatever_the_cursor(app: Atraxion, odoo: FakeOdooGateway) -> None:
    register_consumer(app.context, "shop")
    desk = _product(odoo, "DESK")
    gone = _product(odoo, "GONE")
    pull(app.context, odoo, "products", _options(app))
    odoo.write("product.product", desk, {"name": "Desk v2"}, write_date="2020-01-01 00:00:00")
    odoo.unlink("product.product", gone)
    summary = pull_ids(app.context, odoo, "products", [desk, gone, 999], _options(app))
    assert (summary.updated, summary.deleted) == (1, 1)
    assert get_record(app.context, "products", "shop", "DESK").item.record.data["name"] == "Desk v2"
    assert get_record(app.context, "products", "shop", "GONE").item.record.deleted
    assert pull_ids(app.context, odoo, "products", [gone], _options(app)) == PullSummary()  # deleted once


class _FailingAfter:
    """The fake gateway, failing with a transient error after ``reads`` page reads."""

    def __init__(self, odoo: FakeOdooGateway, reads: int) -> None:
        self._odoo, self._left = odoo, reads

    def __getattr__(self, name: str) -> Any:
        return getattr(self._odoo, name)

    def read_after(self, **kwargs: Any) -> list[OdooRow]:
        if self._left == 0:
            raise TransientOdooError("product.product.search_read: connection refused")
        self._left -= 1
        return self._odoo.read_after(**kwargs)


def test_a_queued_pull_settles_on_the_clock_port_not_the_wall_clock(app: Atraxion, odoo: FakeOdooGateway) -> None:
    clock = app.context.clock
    assert isinstance(clock, FakeClock)
    register_consumer(app.context, "shop")
    desk = _product(odoo, "DESK")
    queue_pull(app.context, "products", desk)
    began, wall = clock.now(), time.monotonic()
    summary = drain_queued_pulls(app.context, odoo, _options(app), "replica-1", settle=30.0)
    assert summary == PullSummary(created=1) and queued_count(app.context) == 0
    assert clock.now() - began >= timedelta(seconds=30)  # the fake clock waited the settle time...
    assert time.monotonic() - wall < 5  # ...and no one waited for real
