"""The bits of Odoo's business logic a sales integration meets: names, defaults, totals, rules.

- res.partner: display name "Company, Contact"; the commercial partner is the top-most company.
- sale.order: named S00001, S00002 …; invoice/shipping addresses default to the customer's
  invoice/delivery contact, else the customer; totals are the sum of the lines (no taxes).
- sale.order.line: description and unit price default from the product; an accountable line
  needs a product.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from atraxion.adapters.odoo.sim.errors import UserError, ValidationError
from atraxion.adapters.odoo.sim.schema import PARTNER_TYPES

if TYPE_CHECKING:
    from atraxion.adapters.odoo.sim.store import Record, Store


def display_name(store: Store, model: str, record_id: int) -> str:
    get = _getter(store, model, record_id)
    if model == "res.partner":
        name = get("name") or ""
        parent = get("parent_id")
        if parent is not None and not get("is_company"):
            label = name or dict(PARTNER_TYPES)[get("type") or "contact"]
            return f"{display_name(store, model, parent)}, {label}"
        return str(name)
    if model == "product.product":
        code = get("default_code")
        return f"[{code}] {get('name')}" if code else str(get("name") or "")
    if model == "sale.order.line":
        order = get("order_id")
        order_name = display_name(store, "sale.order", order) if order is not None else ""
        first_line = str(get("name") or "").split("\n", 1)[0]
        return f"{order_name} - {first_line}" if first_line else order_name
    return str(get("name") or f"{model},{record_id}")


def compute(store: Store, model: str, record_id: int, name: str) -> Any:
    """A computed field's current value (internal form)."""
    if name == "display_name":
        return display_name(store, model, record_id)
    if model == "res.partner" and name == "commercial_partner_id":
        current = record_id
        while True:
            parent = store.value(model, current, "parent_id")
            if parent is None or store.value(model, current, "is_company"):
                return current
            current = parent
    if model == "sale.order" and name in ("amount_untaxed", "amount_total"):
        lines = store.value(model, record_id, "order_line")
        return round(sum(store.value("sale.order.line", line, "price_subtotal") for line in lines), 2)
    if model == "sale.order" and name == "amount_tax":
        return 0.0
    if model == "sale.order.line" and name in ("price_subtotal", "price_total"):
        quantity = store.value(model, record_id, "product_uom_qty") or 0.0
        price = store.value(model, record_id, "price_unit") or 0.0
        return round(quantity * price, 2)
    raise KeyError(f"{model}.{name} has no compute")


def complete(store: Store, model: str, record: Record) -> None:
    """Fill the defaults Odoo computes from other values, before the record is inserted."""
    if model == "sale.order":
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
    elif model == "sale.order.line":
        product = record.get("product_id")
        if product is not None:
            if record.get("name") is None:
                record["name"] = display_name(store, "product.product", product)
            if record.get("price_unit") is None:
                record["price_unit"] = store.value("product.product", product, "list_price")
        if record.get("price_unit") is None:
            record["price_unit"] = 0.0


def address_get(store: Store, partner: int, kind: str) -> int:
    """The first ``kind`` address among the partner and its contacts, else the partner itself."""
    commercial = compute(store, "res.partner", partner, "commercial_partner_id")
    for candidate in [partner, *sorted(store.hierarchy("res.partner", [commercial], down=True))]:
        if store.value("res.partner", candidate, "type") == kind and store.value("res.partner", candidate, "active"):
            return candidate
    return partner


def check(store: Store, model: str, record_id: int) -> None:
    """The constraints Odoo checks once the values are in (its SQL and Python constraints)."""
    get = _getter(store, model, record_id)
    if model == "res.partner" and get("type") == "contact" and not get("name"):
        raise ValidationError("The operation cannot be completed: Contacts require a name")
    if model == "sale.order.line" and get("display_type") is None and get("product_id") is None:
        raise ValidationError(
            "The operation cannot be completed: Missing required fields on accountable sale order line."
        )


def before_unlink(store: Store, model: str, ids: list[int]) -> None:
    if model == "sale.order":
        for order in ids:
            if store.value(model, order, "state") not in ("draft", "cancel"):
                raise UserError(
                    "You can not delete a sent quotation or a confirmed sales order. You must first cancel it."
                )


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


def _getter(store: Store, model: str, record_id: int) -> Callable[[str], Any]:
    return lambda name: store.value(model, record_id, name)
