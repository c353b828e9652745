"""Pulling from the bundled Odoo simulator over real HTTP: every entity, incremental pulls, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from atraxion.application.feed import acknowledge, changes, get_record, register_consumer
from atraxion.application.pull import PullOptions, pull, pull_ids
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.testing import FakeClock
from atraxion.testing.odoo_sim import OdooSimulator

KEY = "pull-test-key"
SERVER_VERSION = {"xmlrpc": "17.0", "json2": "19.0"}  # Odoo 17 speaks XML-RPC; 19 offers JSON-2


@pytest.fixture(params=list(SERVER_VERSION))
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sim(protocol: str) -> Iterator[OdooSimulator]:
    with OdooSimulator(api_keys=[KEY], seed=1, server_version=SERVER_VERSION[protocol]) as simulator:
        yield simulator


def _odoo_env(sim: OdooSimulator, protocol: str) -> dict[str, str]:
    return {
        "ODOO_URL": sim.url,
        "ODOO_DB": "odoo",
        "ODOO_USERNAME": "admin",
        "ODOO_API_KEY": KEY,
        "ODOO_PROTOCOL": protocol,
    }


@pytest.fixture
def app(sim: OdooSimulator, protocol: str, tmp_path: Path) -> Iterator[Atraxion]:
    env = {**_odoo_env(sim, protocol), "ATRAXION_DATABASE_URL": f"sqlite:///{tmp_path / 'pull.db'}"}
    application = bootstrap(Settings.from_env(env, env_file=None), clock=FakeClock())
    register_consumer(application.context, "shop")
    yield application
    application.close()


def _pull(app: Atraxion, entity: str, page_size: int = 1000, **kwargs: Any) -> Any:
    assert app.gateway is not None
    options = PullOptions.of(app.context, app.settings.pull_overrides, page_size=page_size, overlap=300)
    return pull(app.context, app.gateway, entity, options, **kwargs)


def _pending(app: Atraxion, entity: str) -> dict[str, Any]:
    return {i.record.key: i for i in changes(app.context, entity, "shop", None, 1000).items}


def _ack_all(app: Atraxion, entity: str) -> None:
    items = changes(app.context, entity, "shop", None, 1000).items
    acknowledge(app.context, entity, "shop", [(i.record.key, i.record.version) for i in items])


def _catalogue(sim: OdooSimulator) -> dict[str, int]:
    company = sim.create("res.partner", {"name": "Wood Co", "ref": "WOODCO", "is_company": True})
    billing = sim.create("res.partner", {"name": "Wood Co billing", "parent_id": company, "type": "invoice"})
    desk = sim.create("product.product", {"name": "Desk", "default_code": "DESK", "list_price": 300.0})
    chair = sim.create("product.product", {"name": "Chair", "list_price": 80.0})
    eur = sim.search("res.currency", [("name", "=", "EUR")])[0]
    pricelist = sim.create("product.pricelist", {"name": "Public", "currency_id": eur})
    for product, price in ((desk, 290.0), (chair, 75.0)):
        sim.create(
            "product.pricelist.item",
            {
                "pricelist_id": pricelist,
                "applied_on": "0_product_variant",
                "product_id": product,
                "compute_price": "fixed",
                "fixed_price": price,
            },
        )
    warehouse = sim.search("stock.warehouse")[0]
    stock_location = sim.read("stock.warehouse", [warehouse], ["lot_stock_id"], load=None)[0]["lot_stock_id"]
    quant = sim.create("stock.quant", {"product_id": desk, "location_id": stock_location, "quantity": 7.0})
    line = {"product_id": desk, "product_qty": 4.0, "price_unit": 205.0, "name": "Desk"}
    order = sim.create("purchase.order", {"partner_id": company, "order_line": [(0, 0, line)]})
    return {
        "company": company,
        "billing": billing,
        "desk": desk,
        "chair": chair,
        "pricelist": pricelist,
        "warehouse": warehouse,
        "quant": quant,
        "order": order,
    }


def test_an_initial_pull_of_every_entity(sim: OdooSimulator, app: Atraxion) -> None:
    ids = _catalogue(sim)
    assert _pull(app, "products").created == 2
    assert _pull(app, "partners").created == 2
    assert _pull(app, "prices").created == 2
    assert _pull(app, "stock").created >= 1
    assert _pull(app, "purchase-orders").created == 1

    products = _pending(app, "products")
    chair = f"product.product:{ids['chair']}"
    assert set(products) == {"DESK", chair}
    assert products["DESK"].record.envelope == {"externalId": "DESK", "odooId": ids["desk"]}
    assert products["DESK"].record.data["list_price"] == 300.0 and products["DESK"].record.data["active"] is True

    partners = _pending(app, "partners")
    billing = partners[f"res.partner:{ids['billing']}"].record.envelope
    assert billing["externalParentId"] == "WOODCO" and billing["type"] == "billing"
    assert partners["WOODCO"].record.envelope["type"] == "main"

    pricelist = f"product.pricelist:{ids['pricelist']}"
    prices = {k: i.record.envelope for k, i in _pending(app, "prices").items()}
    assert prices[f"{pricelist}/DESK"] == {
        "pricelistExternalId": pricelist,
        "price": 290.0,
        "productExternalId": "DESK",
        "currency": "EUR",
    }
    assert prices[f"{pricelist}/{chair}"]["price"] == 75.0

    code = sim.read("stock.warehouse", [ids["warehouse"]], ["code"])[0]["code"]
    stock = _pending(app, "stock")
    assert stock[f"{code}/DESK"].record.envelope["quantity"] == 7.0

    [order] = _pending(app, "purchase-orders").values()
    assert order.record.envelope["vendor"] == "WOODCO"
    assert order.record.envelope["lines"] == [{"productExternalId": "DESK", "quantity": 4.0, "priceUnit": 205.0}]


def test_35_records_sharing_one_second_across_pages_of_10(sim: OdooSimulator, app: Atraxion) -> None:
    sim.freeze_clock("2026-05-01 08:00:00")
    for n in range(35):
        sim.create("product.product", {"name": f"P{n}", "default_code": f"P{n:02}"})
    sim.freeze_clock("2026-05-01 08:00:01")
    sim.create("product.product", {"name": "Next", "default_code": "NEXT"})
    assert _pull(app, "products", page_size=10).created == 36
    assert len(_pending(app, "products")) == 36


def test_a_record_committed_late_with_an_older_write_date_is_still_pulled(sim: OdooSimulator, app: Atraxion) -> None:
    sim.freeze_clock("2026-05-01 08:00:00")
    sim.create("product.product", {"name": "A", "default_code": "A"})
    sim.freeze_clock("2026-05-01 08:02:00")
    sim.create("product.product", {"name": "B", "default_code": "B"})
    assert _pull(app, "products").created == 2
    # A transaction that began at 08:01 commits only now, after the cursor passed 08:02.
    late = sim.create("product.product", {"name": "Late", "default_code": "LATE"})
    sim.touch("product.product", [late], write_date="2026-05-01 08:01:00")
    summary = _pull(app, "products")
    assert (summary.created, summary.updated) == (1, 0)
    assert "LATE" in _pending(app, "products")


def test_archive_and_an_edit_show_exactly_what_changed(sim: OdooSimulator, app: Atraxion) -> None:
    desk = sim.create("product.product", {"name": "Desk", "default_code": "DESK", "list_price": 300.0})
    sim.create("product.product", {"name": "Lamp", "default_code": "LAMP"})
    _pull(app, "products")
    _ack_all(app, "products")
    sim.write("product.product", [desk], {"active": False})
    summary = _pull(app, "products")
    assert summary.updated == 1
    [item] = _pending(app, "products").values()
    assert item.changed_fields == ["active"] and item.record.data["active"] is False
    _ack_all(app, "products")
    sim.write("product.product", [desk], {"list_price": 320.0})
    _pull(app, "products")
    [item] = _pending(app, "products").values()
    assert item.record.key == "DESK" and "list_price" in item.changed_fields
    assert set(item.changed_fields) <= {"list_price", "lst_price"}


def test_pull_ids_reads_one_record_whatever_the_cursor(sim: OdooSimulator, app: Atraxion) -> None:
    desk = sim.create("product.product", {"name": "Desk", "default_code": "DESK"})
    _pull(app, "products")
    sim.write("product.product", [desk], {"name": "Desk XL"})
    sim.touch("product.product", [desk], write_date="2001-01-01 00:00:00")
    assert app.gateway is not None
    summary = pull_ids(app.context, app.gateway, "products", [desk], PullOptions.of(app.context))
    assert summary.updated == 1
    assert get_record(app.context, "products", "shop", "DESK").item.record.data["name"] == "Desk XL"


def test_pull_ids_of_a_record_odoo_deleted_is_a_deletion(sim: OdooSimulator, app: Atraxion) -> None:
    lamp = sim.create("product.product", {"name": "Lamp", "default_code": "LAMP"})
    _pull(app, "products")
    _ack_all(app, "products")
    sim.unlink("product.product", [lamp])
    assert app.gateway is not None
    summary = pull_ids(app.context, app.gateway, "products", [lamp], PullOptions.of(app.context))
    assert summary.line() == "pulled 1: created 0, updated 0, unchanged 0, deleted 1"
    [item] = _pending(app, "products").values()
    assert item.record.key == "LAMP" and item.record.deleted


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "atraxion.entrypoints.cli", "odoo", "pull", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_cli_pulls_and_prints_the_summary_last(sim: OdooSimulator, protocol: str, tmp_path: Path) -> None:
    _catalogue(sim)
    env = {**_odoo_env(sim, protocol), "ATRAXION_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    first = _cli(env)
    assert first.returncode == 0, first.stderr
    last = first.stdout.strip().splitlines()[-1]
    assert last.startswith("pulled ") and last.endswith("updated 0, unchanged 0, deleted 0")
    again = _cli(env, "products", "--full")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1] == "pulled 2: created 0, updated 0, unchanged 2, deleted 0"
    assert "products" in again.stderr  # the plain progress lines


def test_the_cli_fails_with_one_line_on_a_fixable_problem(sim: OdooSimulator, protocol: str, tmp_path: Path) -> None:
    env = {**_odoo_env(sim, protocol), "ATRAXION_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    for broken, words in (
        ({"ODOO_API_KEY": "wrong"}, "Odoo"),
        ({"ODOO_URL": "http://127.0.0.1:9"}, "Odoo"),
        ({"ODOO_URL": ""}, "ODOO_URL"),
        ({"ATRAXION_PULL_PRODUCTS_DOMAIN": "[1"}, "ATRAXION_PULL_PRODUCTS_DOMAIN"),
    ):
        done = _cli({**env, **broken})
        lines = done.stderr.strip().splitlines()
        assert done.returncode != 0 and len(lines) == 1 and words in lines[0], (broken, done.stderr)
        assert "Traceback" not in done.stderr and KEY not in done.stderr + done.stdout
