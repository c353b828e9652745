"""The simulated Odoo models an integration pulls, over XML-RPC: their fields, shapes and rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from atraxion.testing.odoo_sim import OdooSimulator
from tests.integration.odoo.sim_support import DB, LOGIN, PASSWORD, Odoo, fault_of

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


def one(odoo: Odoo, model: str, record_id: int, fields: list[str], **kwargs: Any) -> dict[str, Any]:
    [row] = odoo.call(model, "read", [record_id], fields, **kwargs)
    return dict(row)


# -- products ------------------------------------------------------------------------------------------


def test_a_product_gets_its_own_template_and_reads_the_template_s_fields(odoo: Odoo) -> None:
    product = odoo.call(
        "product.product",
        "create",
        {"name": "Desk", "default_code": "DESK-1", "barcode": "5400000000017", "list_price": 120.0,
         "standard_price": 70.0, "weight": 12.5, "volume": 0.3, "description_sale": "Oak", "type": "product"},
    )  # fmt: skip
    row = one(
        odoo,
        "product.product",
        product,
        ["product_tmpl_id", "name", "display_name", "default_code", "barcode", "list_price", "lst_price",
         "standard_price", "categ_id", "type", "detailed_type", "uom_id", "weight", "volume", "active",
         "sale_ok", "purchase_ok", "company_id", "description_sale"],
        load=None,
    )  # fmt: skip
    template = row.pop("product_tmpl_id")
    assert row == {
        "id": product, "name": "Desk", "display_name": "[DESK-1] Desk", "default_code": "DESK-1",
        "barcode": "5400000000017", "list_price": 120.0, "lst_price": 120.0, "standard_price": 70.0,
        "categ_id": 1, "type": "product", "detailed_type": "product", "uom_id": 1, "weight": 12.5,
        "volume": 0.3, "active": True, "sale_ok": True, "purchase_ok": True, "company_id": False,
        "description_sale": "Oak",
    }  # fmt: skip
    tmpl = one(odoo, "product.template", template, ["name", "default_code", "list_price", "product_variant_ids",
                                                    "product_variant_id", "product_variant_count"])  # fmt: skip
    assert tmpl == {
        "id": template, "name": "Desk", "default_code": "DESK-1", "list_price": 120.0,
        "product_variant_ids": [product], "product_variant_id": [product, "[DESK-1] Desk"], "product_variant_count": 1,
    }  # fmt: skip
    assert odoo.call("product.product", "search", [("name", "ilike", "des"), ("categ_id.name", "=", "All")]) == [
        product
    ]


def test_creating_a_template_creates_its_variant(odoo: Odoo) -> None:
    template = odoo.call("product.template", "create", {"name": "Lamp", "default_code": "LAMP"})
    [variant] = odoo.call("product.product", "search", [("product_tmpl_id", "=", template)])
    assert one(odoo, "product.product", variant, ["default_code", "name"]) == {
        "id": variant,
        "default_code": "LAMP",
        "name": "Lamp",
    }


def test_editing_a_template_field_through_the_variant_moves_both_write_dates(sim: OdooSimulator, odoo: Odoo) -> None:
    sim.freeze_clock("2024-01-01 00:00:00")
    product = odoo.call("product.product", "create", {"name": "Desk"})
    template = one(odoo, "product.product", product, ["product_tmpl_id"], load=None)["product_tmpl_id"]
    sim.freeze_clock("2024-01-02 00:00:00")
    odoo.call("product.product", "write", [product], {"lst_price": 99.0})
    assert one(odoo, "product.template", template, ["list_price", "write_date"]) == {
        "id": template, "list_price": 99.0, "write_date": "2024-01-02 00:00:00"
    }  # fmt: skip
    sim.freeze_clock("2024-01-03 00:00:00")
    odoo.call("product.template", "write", [template], {"name": "Big Desk"})
    assert one(odoo, "product.product", product, ["name", "write_date"]) == {
        "id": product, "name": "Big Desk", "write_date": "2024-01-03 00:00:00"
    }  # fmt: skip


def test_archiving_a_template_archives_its_variant_and_unlinking_a_variant_its_template(odoo: Odoo) -> None:
    product = odoo.call("product.product", "create", {"name": "Stool"})
    template = one(odoo, "product.product", product, ["product_tmpl_id"], load=None)["product_tmpl_id"]
    odoo.call("product.template", "write", [template], {"active": False})
    assert odoo.call("product.product", "search", [("id", "=", product)]) == []
    assert one(odoo, "product.product", product, ["active"]) == {"id": product, "active": False}
    odoo.call("product.product", "unlink", [product])
    assert odoo.call("product.template", "search", [("id", "=", template)], context=ALL) == []
    assert odoo.call("product.product", "read", [product], ["name"]) == []


@pytest.mark.parametrize(("version", "storable"), [("18.0", {"is_storable": True}), ("19.0", {"is_storable": True})])
def test_odoo_18_and_later_mark_storable_products_with_is_storable(version: str, storable: dict[str, Any]) -> None:
    with OdooSimulator(server_version=version) as simulator:
        client = Odoo(simulator)
        try:
            product = client.call("product.product", "create", {"name": "Desk", "type": "consu", **storable})
            assert one(client, "product.product", product, ["type", "is_storable"]) == {
                "id": product, "type": "consu", "is_storable": True
            }  # fmt: skip
            assert "detailed_type" not in client.call("product.product", "fields_get", [], ["type"])
            fault = fault_of(client.call, "product.product", "create", {"name": "Old", "type": "product"})
            assert "Wrong value for product.template.type: 'product'" in fault.faultString
        finally:
            client.close()


def test_categories_have_complete_names(odoo: Odoo) -> None:
    office = odoo.call("product.category", "create", {"name": "Office", "parent_id": 1})
    chairs = odoo.call("product.category", "create", {"name": "Chairs", "parent_id": office})
    assert one(odoo, "product.category", chairs, ["complete_name", "display_name", "parent_id"]) == {
        "id": chairs, "complete_name": "All / Office / Chairs", "display_name": "All / Office / Chairs",
        "parent_id": [office, "All / Office"],
    }  # fmt: skip
    assert set(odoo.call("product.category", "search", [("id", "child_of", office)])) == {office, chairs}


# -- partners ------------------------------------------------------------------------------------------


def test_partners_with_child_addresses_and_a_country(odoo: Odoo) -> None:
    [belgium] = odoo.call("res.country", "search", [("code", "=", "BE")])
    company = odoo.call(
        "res.partner",
        "create",
        {"name": "Azure", "is_company": True, "ref": "C-001", "vat": "BE0477472701", "email": "a@example.com",
         "phone": "+32 2 000 00 00", "street": "Rue 1", "city": "Brussels", "zip": "1000", "country_id": belgium},
    )  # fmt: skip
    invoice = odoo.call("res.partner", "create", {"parent_id": company, "type": "invoice", "name": "Billing"})
    delivery = odoo.call("res.partner", "create", {"parent_id": company, "type": "delivery"})
    fields = ["type", "parent_id", "commercial_partner_id", "ref", "is_company", "country_id", "display_name"]
    assert one(odoo, "res.partner", delivery, fields, load=None) == {
        "id": delivery, "type": "delivery", "parent_id": company, "commercial_partner_id": company,
        "ref": False, "is_company": False, "country_id": False, "display_name": "Azure, Delivery Address",
    }  # fmt: skip
    assert one(odoo, "res.partner", company, ["country_id", "child_ids"]) == {
        "id": company, "country_id": [belgium, "Belgium"], "child_ids": [invoice, delivery]
    }  # fmt: skip


# -- pricelists ----------------------------------------------------------------------------------------


def test_pricelist_items_take_the_currency_of_their_pricelist_and_have_no_active_field(odoo: Odoo) -> None:
    [usd] = odoo.call("res.currency", "search", [("name", "=", "USD")])
    pricelist = odoo.call("product.pricelist", "create", {"name": "Export", "currency_id": usd})
    product = odoo.call("product.product", "create", {"name": "Desk", "default_code": "D"})
    item = odoo.call(
        "product.pricelist.item",
        "create",
        {"pricelist_id": pricelist, "applied_on": "0_product_variant", "product_id": product,
         "compute_price": "fixed", "fixed_price": 99.5, "min_quantity": 5,
         "date_start": "2024-01-01 00:00:00", "date_end": "2024-12-31 23:59:59"},
    )  # fmt: skip
    assert one(odoo, "product.pricelist.item", item, [
        "pricelist_id", "applied_on", "product_id", "product_tmpl_id", "categ_id", "compute_price", "fixed_price",
        "percent_price", "min_quantity", "date_start", "date_end", "currency_id", "name"], load=None) == {
        "id": item, "pricelist_id": pricelist, "applied_on": "0_product_variant", "product_id": product,
        "product_tmpl_id": False, "categ_id": False, "compute_price": "fixed", "fixed_price": 99.5,
        "percent_price": 0.0, "min_quantity": 5.0, "date_start": "2024-01-01 00:00:00",
        "date_end": "2024-12-31 23:59:59", "currency_id": usd, "name": "[D] Desk",
    }  # fmt: skip
    assert one(odoo, "product.pricelist", pricelist, ["display_name", "item_ids", "active"]) == {
        "id": pricelist, "display_name": "Export (USD)", "item_ids": [item], "active": True
    }  # fmt: skip
    assert "active" not in odoo.call("product.pricelist.item", "fields_get", [], ["type"])
    fault = fault_of(
        odoo.call, "product.pricelist.item", "create", {"pricelist_id": pricelist, "applied_on": "1_product"}
    )
    assert (
        fault.faultCode == 2 and "Please specify the product for which this rule should be applied" in fault.faultString
    )
    # Unlinking the pricelist takes its items with it.
    odoo.call("product.pricelist", "unlink", [pricelist])
    assert odoo.call("product.pricelist.item", "search_count", []) == 0


def test_applied_on_clears_the_targets_it_does_not_use(odoo: Odoo) -> None:
    pricelist = odoo.call("product.pricelist", "create", {"name": "Retail"})
    product = odoo.call("product.product", "create", {"name": "Desk"})
    item = odoo.call(
        "product.pricelist.item",
        "create",
        {"pricelist_id": pricelist, "applied_on": "3_global", "product_id": product, "percent_price": 10,
         "compute_price": "percentage"},
    )  # fmt: skip
    assert one(odoo, "product.pricelist.item", item, ["product_id", "name", "currency_id"], load=None) == {
        "id": item, "product_id": False, "name": "All Products", "currency_id": 1
    }  # fmt: skip


# -- stock -----------------------------------------------------------------------------------------------


def test_a_new_warehouse_gets_its_locations_and_quants_know_their_warehouse(sim: OdooSimulator, odoo: Odoo) -> None:
    warehouse = odoo.call("stock.warehouse", "create", {"name": "Brussels", "code": "BRUSSELS"})
    row = one(odoo, "stock.warehouse", warehouse, ["code", "lot_stock_id", "view_location_id", "active"], load=None)
    assert row["code"] == "BRUSS" and row["active"] is True  # a 5-character field, truncated as Odoo does
    stock = row["lot_stock_id"]
    assert one(odoo, "stock.location", stock, ["complete_name", "usage", "location_id", "warehouse_id"], load=None) == {
        "id": stock, "complete_name": "BRUSS/Stock", "usage": "internal",
        "location_id": row["view_location_id"], "warehouse_id": warehouse,
    }  # fmt: skip
    product = sim.seed_product("Desk", default_code="D")
    quant = sim.create("stock.quant", {"product_id": product, "location_id": stock, "quantity": 7,
                                       "reserved_quantity": 2})  # fmt: skip
    assert one(odoo, "stock.quant", quant, ["product_id", "location_id", "quantity", "reserved_quantity",
                                           "available_quantity", "warehouse_id"], load=None) == {
        "id": quant, "product_id": product, "location_id": stock, "quantity": 7.0, "reserved_quantity": 2.0,
        "available_quantity": 5.0, "warehouse_id": warehouse,
    }  # fmt: skip
    assert odoo.call("stock.quant", "search", [("location_id.warehouse_id", "=", warehouse)]) == [quant]
    assert one(odoo, "product.product", product, ["qty_available"]) == {"id": product, "qty_available": 7.0}
    [base] = odoo.call("stock.warehouse", "search_read", [("code", "=", "WH")], ["lot_stock_id"])
    assert base["lot_stock_id"][1] == "WH/Stock"
    internal = odoo.call("stock.location", "search_read", [("usage", "=", "internal")], ["complete_name"])
    assert [r["complete_name"] for r in internal] == ["BRUSS/Stock", "WH/Stock"]


def test_quants_are_edited_over_rpc_only_in_inventory_mode(sim: OdooSimulator, odoo: Odoo) -> None:
    product = sim.seed_product("Desk")
    [stock] = odoo.call("stock.location", "search", [("complete_name", "=", "WH/Stock")])
    values = {"product_id": product, "location_id": stock, "inventory_quantity": 4}
    fault = fault_of(odoo.call, "stock.quant", "create", values)
    assert fault.faultCode == 2 and fault.faultString == "Quant's creation is restricted, you can't do this operation."
    quant = odoo.call("stock.quant", "create", values, context={"inventory_mode": True})
    assert odoo.call("stock.quant", "action_apply_inventory", [quant]) is True
    assert one(odoo, "stock.quant", quant, ["quantity"]) == {"id": quant, "quantity": 4.0}
    refused = fault_of(odoo.call, "stock.quant", "write", [quant], {"reserved_quantity": 1},
                       context={"inventory_mode": True})  # fmt: skip
    assert refused.faultString == "Quant's editing is restricted, you can't do this operation."
    odoo.call("stock.quant", "write", [quant], {"inventory_quantity_auto_apply": 9}, context={"inventory_mode": True})
    assert one(odoo, "stock.quant", quant, ["quantity"]) == {"id": quant, "quantity": 9.0}


@pytest.mark.parametrize("model", ["stock.location", "stock.warehouse", "product.pricelist", "product.template"])
def test_more_models_archive(odoo: Odoo, model: str) -> None:
    values = {"stock.location": {"name": "Shelf"}, "stock.warehouse": {"name": "Ghent", "code": "GNT"},
              "product.pricelist": {"name": "Old"}, "product.template": {"name": "Old"}}[model]  # fmt: skip
    record = odoo.call(model, "create", values)
    odoo.call(model, "write", [record], {"active": False})
    assert record not in odoo.call(model, "search", [])
    assert record in odoo.call(model, "search", [], context=ALL)


# -- purchase orders ------------------------------------------------------------------------------------


def test_a_purchase_order_with_lines(sim: OdooSimulator, odoo: Odoo) -> None:
    vendor = sim.seed_partner("Wood Corp", is_company=True)
    product = sim.seed_product("Desk", default_code="D", standard_price=70.0)
    order = odoo.call(
        "purchase.order",
        "create",
        {"partner_id": vendor, "partner_ref": "V-9", "order_line": [(0, 0, {"product_id": product, "product_qty": 3})]},
    )
    row = one(odoo, "purchase.order", order, ["name", "state", "partner_id", "currency_id", "locked", "amount_total",
                                             "order_line", "date_order"], load=None)  # fmt: skip
    assert row["name"] == "P00001" and row["state"] == "draft" and row["partner_id"] == vendor
    assert row["currency_id"] == 1 and row["locked"] is False and row["amount_total"] == 210.0
    [line] = row["order_line"]
    assert one(odoo, "purchase.order.line", line, ["order_id", "product_id", "product_qty", "price_unit", "name"],
               load=None) == {"id": line, "order_id": order, "product_id": product, "product_qty": 3.0,
                              "price_unit": 70.0, "name": "[D] Desk"}  # fmt: skip
    assert odoo.call("purchase.order", "button_confirm", [order]) is True
    assert one(odoo, "purchase.order", order, ["state"]) == {"id": order, "state": "purchase"}
    assert fault_of(odoo.call, "purchase.order", "unlink", [order]).faultCode == 2


# -- reference data, introspection ------------------------------------------------------------------------


def test_ir_model_lists_the_models(odoo: Odoo) -> None:
    rows = odoo.call(
        "ir.model", "search_read", [("model", "in", ["product.product", "stock.quant"])], ["model", "name"]
    )
    assert [(r["model"], r["name"]) for r in rows] == [
        ("product.product", "Product Variant"),
        ("stock.quant", "Quants"),
    ]


def test_fields_get_describes_fields_as_odoo_does(odoo: Odoo) -> None:
    fields = odoo.call("product.product", "fields_get", ["default_code", "categ_id", "write_date", "type"])
    assert set(fields) == {"default_code", "categ_id", "write_date", "type"}
    assert fields["categ_id"]["type"] == "many2one" and fields["categ_id"]["relation"] == "product.category"
    assert fields["write_date"]["readonly"] is True and fields["write_date"]["type"] == "datetime"
    assert ["product", "Storable Product"] in fields["type"]["selection"]
    only = odoo.call("res.partner", "fields_get", [], ["type", "string"])
    assert only["parent_id"] == {"type": "many2one", "string": "Related Company"}
    assert odoo.call("res.partner", "fields_get", attributes=["required"])["id"] == {"required": False}


def test_name_search_exists_and_default_get(odoo: Odoo) -> None:
    desk = odoo.call("product.product", "create", {"name": "Desk", "default_code": "D-1"})
    odoo.call("product.product", "create", {"name": "Chair"})
    assert odoo.call("product.product", "name_search", "desk") == [[desk, "[D-1] Desk"]]
    assert odoo.call("product.product", "name_search", name="D-1", limit=5) == [[desk, "[D-1] Desk"]]
    assert odoo.call("product.product", "exists", [desk, 999]) == [desk]
    defaults = odoo.call("product.product", "default_get", ["list_price", "sale_ok", "default_code", "categ_id"])
    assert defaults == {"list_price": 1.0, "sale_ok": True, "categ_id": 1}


def test_base_data_is_there_from_the_start(odoo: Odoo) -> None:
    currencies = odoo.call("res.currency", "search_read", [], ["name", "symbol", "decimal_places"], context=ALL)
    assert [(c["name"], c["symbol"], c["decimal_places"]) for c in currencies] == [
        ("EUR", "€", 2), ("USD", "$", 2), ("GBP", "£", 2)
    ]  # fmt: skip
    assert odoo.call("res.company", "search_read", [], ["name", "currency_id"]) == [
        {"id": 1, "name": "My Company", "currency_id": [1, "EUR"]}
    ]
    assert odoo.call("product.category", "search_read", [], ["complete_name"]) == [
        {"id": 1, "complete_name": "All"}, {"id": 2, "complete_name": "All / Saleable"}
    ]  # fmt: skip
    assert odoo.call("res.partner", "search_count", []) == 0 and odoo.call("product.product", "search_count", []) == 0


@pytest.mark.parametrize("model", ["res.currency", "stock.location", "stock.warehouse", "ir.model", "res.users"])
def test_every_field_of_base_data_reads(odoo: Odoo, model: str) -> None:
    rows = odoo.call(model, "search_read", [], [], context=ALL)
    assert rows and all(None not in row.values() for row in rows)
    assert all(row["create_uid"] and row["write_date"] for row in rows)


def test_odoobot_is_uid_1_and_archived(sim: OdooSimulator, odoo: Odoo) -> None:
    assert odoo.call("res.users", "read", [1, sim.uid], ["login", "active"]) == [
        {"id": 1, "login": "__system__", "active": False},
        {"id": sim.uid, "login": "admin", "active": True},
    ]
