"""The bits of Odoo's business logic an integration meets: names, defaults, totals, rules.

- res.partner: display name "Company, Contact"; the commercial partner is the top-most company.
- product.template / product.product: each template has its variant (created with it); a
  variant reads and writes the template's fields (name, list_price, categ_id …) through
  ``product_tmpl_id``; writing a template moves its variants' ``write_date``; archiving it
  archives them; deleting the last variant deletes the template.
- product.pricelist.item: ``applied_on`` clears the targets it does not use, and requires the one
  it does (Odoo's ``_check_product_consistency``).
- stock.warehouse: creating one creates its view location (its code) and ``<code>/Stock``.
- sale.order / purchase.order: named S00001 / P00001 …; addresses, descriptions and prices
  default from the partner and product; totals are the sum of the lines (no taxes).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from atraxion.testing.odoo_sim._errors import UserError, ValidationError
from atraxion.testing.odoo_sim._schema import PARTNER_TYPES

if TYPE_CHECKING:
    from atraxion.testing.odoo_sim._store import Record, Store


def display_name(store: Store, model: str, record_id: int) -> str:
    get = _getter(store, model, record_id)
    if model == "res.partner":
        name = get("name") or ""
        parent = get("parent_id")
        if parent is not None and not get("is_company"):
            label = name or dict(PARTNER_TYPES)[get("type") or "contact"]
            return f"{display_name(store, model, parent)}, {label}"
        return str(name)
    if model in ("product.product", "product.template"):
        code = get("default_code")
        return f"[{code}] {get('name')}" if code else str(get("name") or "")
    if model in ("product.category", "stock.location"):
        return str(get("complete_name") or "")
    if model == "product.pricelist":
        currency = get("currency_id")
        return f"{get('name')} ({display_name(store, 'res.currency', currency)})" if currency else str(get("name"))
    if model in ("sale.order.line", "purchase.order.line"):
        parent = "sale.order" if model == "sale.order.line" else "purchase.order"
        order = get("order_id")
        order_name = display_name(store, parent, order) if order is not None else ""
        first_line = str(get("name") or "").split("\n", 1)[0]
        return f"{order_name} - {first_line}" if first_line else order_name
    if model == "stock.quant":
        location, product = get("location_id"), get("product_id")
        return f"{display_name(store, 'stock.location', location)} - {display_name(store, 'product.product', product)}"
    if model == "product.pricelist.item":
        return str(get("name"))
    return str(get("name") or f"{model},{record_id}")


def compute(store: Store, model: str, record_id: int, name: str) -> Any:
    """A computed field's current value (internal form)."""
    get = _getter(store, model, record_id)
    if name == "display_name":
        return display_name(store, model, record_id)
    if model == "res.partner":
        if name == "complete_name":
            return display_name(store, model, record_id)
        if name == "commercial_partner_id":
            current = record_id
            while True:
                parent = store.value(model, current, "parent_id")
                if parent is None or store.value(model, current, "is_company"):
                    return current
                current = parent
    if model == "product.product":
        if name == "lst_price":
            return get("list_price")
        if name == "qty_available":
            return _on_hand(store, [record_id])
    if model == "product.template":
        variants = sorted(store.referrers("product.product", "product_tmpl_id", record_id))
        if name == "product_variant_id":
            return variants[0] if variants else None
        if name == "product_variant_count":
            return len(variants)
        if name == "qty_available":
            return _on_hand(store, variants)
    if model == "product.category" and name == "complete_name":
        parent = get("parent_id")
        own = str(get("name") or "")
        return f"{store.value(model, parent, 'complete_name')} / {own}" if parent is not None else own
    if model == "stock.location":
        if name == "complete_name":
            parent = get("location_id")
            if parent is not None and get("usage") != "view":
                return f"{store.value(model, parent, 'complete_name')}/{get('name')}"
            return get("name")
        if name == "warehouse_id":
            for location in _ancestors(store, record_id):
                warehouses = store.referrers("stock.warehouse", "view_location_id", location)
                if warehouses:
                    return min(warehouses)
            return None
    if model == "stock.quant":
        if name == "warehouse_id":
            return store.value("stock.location", get("location_id"), "warehouse_id")
        if name == "available_quantity":
            return (get("quantity") or 0.0) - (get("reserved_quantity") or 0.0)
        if name == "inventory_quantity_auto_apply":
            return get("quantity")
    if model == "product.pricelist.item" and name == "name":
        return _item_name(store, record_id)
    if model == "res.currency" and name == "decimal_places":
        rounding = get("rounding") or 0.0
        return int(math.ceil(math.log10(1 / rounding))) if 0 < rounding < 1 else 0
    if model in ("sale.order", "purchase.order") and name in ("amount_untaxed", "amount_total"):
        line_model = f"{model}.line"
        lines = store.value(model, record_id, "order_line")
        return round(sum(store.value(line_model, line, "price_subtotal") for line in lines), 2)
    if model == "sale.order" and name == "amount_tax":
        return 0.0
    if model in ("sale.order.line", "purchase.order.line") and name in ("price_subtotal", "price_total"):
        quantity = get("product_uom_qty" if model == "sale.order.line" else "product_qty") or 0.0
        return round(quantity * (get("price_unit") or 0.0), 2)
    raise KeyError(f"{model}.{name} has no compute")


def prepare(store: Store, model: str, values: dict[str, Any]) -> dict[str, Any]:
    """The values a create or write really applies, as Odoo's overrides of both rewrite them."""
    if model == "product.pricelist.item" and values.get("applied_on"):
        # Odoo keeps an item's targets consistent with what it applies on, for later searches.
        cleared = {
            "3_global": ("product_id", "product_tmpl_id", "categ_id"),
            "2_product_category": ("product_id", "product_tmpl_id"),
            "1_product": ("product_id", "categ_id"),
            "0_product_variant": ("categ_id",),
        }.get(values["applied_on"], ())
        values.update(dict.fromkeys(cleared, False))
    if model in ("product.template", "product.product") and store.version <= 17:
        # 17: type follows detailed_type (storable = "product"); either may be written.
        if "detailed_type" in values and "type" not in values:
            values["type"] = values["detailed_type"]
        elif "type" in values and "detailed_type" not in values:
            values["detailed_type"] = values["type"]
    return values


def complete(store: Store, model: str, record: Record, others: dict[str, Any]) -> None:
    """Fill what Odoo derives before the record is inserted. ``others`` holds the values for
    fields not stored on the record (delegated, inverse); what is handled here is removed."""
    if model == "product.product":
        inherited = {k: others.pop(k) for k in list(others) if store.field(model, k).delegate == "product_tmpl_id"}
        if record.get("product_tmpl_id") is None:
            record["product_tmpl_id"] = store.create("product.template", inherited, variant=False)
        elif inherited:
            store.write("product.template", [record["product_tmpl_id"]], inherited)
    elif model == "sale.order":
        if not record.get("name") or record["name"] == "New":
            record["name"] = f"S{store.next_sequence('sale.order'):05d}"
        if record.get("date_order") is None:
            record["date_order"] = store.now
        partner = record.get("partner_id")
        if partner is not None:
            if record.get("partner_invoice_id") is None:
                record["partner_invoice_id"] = address_get(store, partner, "invoice")
            if record.get("partner_shipping_id") is None:
                record["partner_shipping_id"] = address_get(store, partner, "delivery")
    elif model == "purchase.order":
        if not record.get("name") or record["name"] == "New":
            record["name"] = f"P{store.next_sequence('purchase.order'):05d}"
        if record.get("date_order") is None:
            record["date_order"] = store.now
    elif model in ("sale.order.line", "purchase.order.line"):
        product = record.get("product_id")
        if product is not None:
            if record.get("name") is None:
                record["name"] = display_name(store, "product.product", product)
            if record.get("price_unit") is None:
                # Sales start from the sales price; purchases (without vendor prices) from the cost.
                source = "list_price" if model == "sale.order.line" else "standard_price"
                record["price_unit"] = store.value("product.product", product, source)
        if record.get("price_unit") is None:
            record["price_unit"] = 0.0
        if model == "purchase.order.line" and record.get("date_planned") is None:
            record["date_planned"] = store.now
    elif model == "stock.warehouse":
        code = record.get("code")
        if code and record.get("view_location_id") is None:
            physical = PHYSICAL_LOCATIONS if store.exists("stock.location", PHYSICAL_LOCATIONS) else False
            view = store.create("stock.location", {"name": code, "usage": "view", "location_id": physical})
            record["view_location_id"] = view
            record["lot_stock_id"] = store.create(
                "stock.location", {"name": "Stock", "usage": "internal", "location_id": view}
            )


def after_create(store: Store, model: str, record_id: int, others: dict[str, Any], *, variant: bool) -> None:
    if model == "product.template":
        mirrored = {k: others.pop(k) for k in list(others) if store.field(model, k).delegate == "product_variant_id"}
        if variant:
            store.create("product.product", {"product_tmpl_id": record_id, **mirrored})
    for name, value in others.items():
        if store.field(model, name).inverse:
            inverse(store, model, record_id, name, value)


def inverse(store: Store, model: str, record_id: int, name: str, value: Any) -> None:
    """Write a computed field that Odoo lets a client write (its ``inverse``)."""
    if model == "product.product" and name == "lst_price":
        store.write("product.template", [store.value(model, record_id, "product_tmpl_id")], {"list_price": value})
    elif model == "stock.quant" and name == "inventory_quantity_auto_apply":
        store.assign(model, record_id, "quantity", value)


def after_write(store: Store, model: str, record_id: int, values: dict[str, Any]) -> None:
    if model == "product.template":
        variants = sorted(store.referrers("product.product", "product_tmpl_id", record_id))
        if "active" in values:
            store.write("product.product", variants, {"active": values["active"]})
        for variant in variants:
            store.touch("product.product", variant)  # a variant's write_date follows its template's


def check(store: Store, model: str, record_id: int) -> None:
    """The constraints Odoo checks once the values are in (its SQL and Python constraints)."""
    get = _getter(store, model, record_id)
    if model == "res.partner" and get("type") == "contact" and not get("name"):
        raise ValidationError("The operation cannot be completed: Contacts require a name")
    if (
        model in ("sale.order.line", "purchase.order.line")
        and get("display_type") is None
        and get("product_id") is None
    ):
        kind = "sale" if model == "sale.order.line" else "purchase"
        raise ValidationError(
            f"The operation cannot be completed: Missing required fields on accountable {kind} order line."
        )
    if model == "product.pricelist.item":
        applied_on = get("applied_on")
        if applied_on == "2_product_category" and get("categ_id") is None:
            raise ValidationError("Please specify the category for which this rule should be applied")
        if applied_on == "1_product" and get("product_tmpl_id") is None:
            raise ValidationError("Please specify the product for which this rule should be applied")
        if applied_on == "0_product_variant" and get("product_id") is None:
            raise ValidationError("Please specify the product variant for which this rule should be applied")
        start, end = get("date_start"), get("date_end")
        if start and end and start >= end:
            raise ValidationError("The start date must be anterior to the end date.")


def before_unlink(store: Store, model: str, ids: list[int]) -> list[int]:
    """Refuse what Odoo refuses; return what :func:`after_unlink` needs (templates to check)."""
    if model == "product.product":
        return sorted({store.value(model, product, "product_tmpl_id") for product in ids})
    if model == "sale.order":
        for order in ids:
            if store.value(model, order, "state") not in ("draft", "cancel"):
                raise UserError(
                    "You can not delete a sent quotation or a confirmed sales order. You must first cancel it."
                )
    if model == "purchase.order":
        for order in ids:
            if store.value(model, order, "state") != "cancel":
                raise UserError("In order to delete a purchase order, you must cancel it first.")
    return []


def after_unlink(store: Store, model: str, pending: list[int]) -> None:
    if model == "product.product":
        # Odoo deletes a template together with its last variant.
        orphans = [
            t
            for t in pending
            if store.exists("product.template", t) and not store.referrers("product.product", "product_tmpl_id", t)
        ]
        if orphans:
            store.unlink("product.template", orphans)


def action_confirm(store: Store, ids: list[int]) -> bool:
    for order in ids:
        state = store.value("sale.order", order, "state")
        if state not in ("draft", "sent"):
            raise UserError(
                "The following orders are not in a state requiring confirmation: "
                + display_name(store, "sale.order", order)
            )
        store.write("sale.order", [order], {"state": "sale"})
    return True


def action_cancel(store: Store, ids: list[int]) -> bool:
    store.write("sale.order", ids, {"state": "cancel"})
    return True


def button_confirm(store: Store, ids: list[int]) -> bool:
    for order in ids:
        if store.value("purchase.order", order, "state") in ("draft", "sent"):
            store.write("purchase.order", [order], {"state": "purchase"})
    return True


def button_cancel(store: Store, ids: list[int]) -> bool:
    store.write("purchase.order", ids, {"state": "cancel"})
    return True


def action_apply_inventory(store: Store, ids: list[int]) -> bool:
    """stock.quant: the counted quantity becomes the quantity on hand."""
    for quant in ids:
        counted = store.value("stock.quant", quant, "inventory_quantity") or 0.0
        store.assign("stock.quant", quant, "quantity", counted)
        store.write("stock.quant", [quant], {"inventory_quantity": 0.0, "inventory_quantity_set": False})
    return True


def address_get(store: Store, partner: int, kind: str) -> int:
    """The first ``kind`` address among the partner and its contacts, else the partner itself."""
    commercial = compute(store, "res.partner", partner, "commercial_partner_id")
    for candidate in [partner, *sorted(store.hierarchy("res.partner", [commercial], down=True))]:
        if store.value("res.partner", candidate, "type") == kind and store.value("res.partner", candidate, "active"):
            return candidate
    return partner


def install_base_data(store: Store) -> None:
    """What a fresh Odoo with sale, purchase and stock has before anyone adds a record."""
    # uid 1, the superuser that creates base data (OdooBot, archived); the admin is uid 2.
    store.create("res.users", {"name": "OdooBot", "login": "__system__", "active": False})
    for spec in store.models.values():
        store.create("ir.model", {"name": spec.description, "model": spec.name, "state": "base"})
    eur = store.create("res.currency", {"name": "EUR", "full_name": "Euro", "symbol": "€", "position": "after"})
    store.create(
        "res.currency", {"name": "USD", "full_name": "United States dollar", "symbol": "$", "position": "before"}
    )
    store.create(
        "res.currency",
        {"name": "GBP", "full_name": "Pound sterling", "symbol": "£", "position": "before", "active": False},
    )
    store.create("res.company", {"name": "My Company", "currency_id": eur})
    for code, name in (("BE", "Belgium"), ("DE", "Germany"), ("FR", "France"), ("LU", "Luxembourg"),
                       ("NL", "Netherlands"), ("GB", "United Kingdom"), ("US", "United States")):  # fmt: skip
        store.create("res.country", {"code": code, "name": name})
    store.create("uom.uom", {"name": "Units", "uom_type": "reference"})
    store.create("uom.uom", {"name": "Dozens", "uom_type": "bigger", "factor": 1 / 12})
    store.create("uom.uom", {"name": "kg", "uom_type": "reference", "rounding": 0.001})
    everything = store.create("product.category", {"name": "All"})
    store.create("product.category", {"name": "Saleable", "parent_id": everything})
    physical = store.create("stock.location", {"name": "Physical Locations", "usage": "view"})
    partners = store.create("stock.location", {"name": "Partners", "usage": "view"})
    virtual = store.create("stock.location", {"name": "Virtual Locations", "usage": "view"})
    store.create("stock.location", {"name": "Vendors", "usage": "supplier", "location_id": partners})
    store.create("stock.location", {"name": "Customers", "usage": "customer", "location_id": partners})
    store.create("stock.location", {"name": "Inventory adjustment", "usage": "inventory", "location_id": virtual})
    assert physical == PHYSICAL_LOCATIONS
    store.create("stock.warehouse", {"name": "My Company", "code": "WH"})


PHYSICAL_LOCATIONS = 1
"""The id of "Physical Locations", the parent of every warehouse's view location."""


def _on_hand(store: Store, products: list[int]) -> float:
    total = 0.0
    for product in products:
        for quant in store.referrers("stock.quant", "product_id", product):
            location = store.value("stock.quant", quant, "location_id")
            if store.value("stock.location", location, "usage") == "internal":
                total += store.value("stock.quant", quant, "quantity") or 0.0
    return total


def _ancestors(store: Store, location: int) -> list[int]:
    found = []
    current: int | None = location
    while current is not None and current not in found:
        found.append(current)
        current = store.value("stock.location", current, "location_id")
    return found


def _item_name(store: Store, item: int) -> str:
    get = _getter(store, "product.pricelist.item", item)
    applied_on = get("applied_on")
    if applied_on == "2_product_category" and get("categ_id") is not None:
        return f"Category: {display_name(store, 'product.category', get('categ_id'))}"
    if applied_on == "1_product" and get("product_tmpl_id") is not None:
        return display_name(store, "product.template", get("product_tmpl_id"))
    if applied_on == "0_product_variant" and get("product_id") is not None:
        return display_name(store, "product.product", get("product_id"))
    return "All Products"


def _getter(store: Store, model: str, record_id: int) -> Callable[[str], Any]:
    return lambda name: store.value(model, record_id, name)
