"""The simulated models and their fields: a small, faithful subset of Odoo's.

Field types behave as in Odoo's ORM: empty char/selection/date/many2one values read as ``False``,
numbers as ``0``/``0.0``, many2one as ``[id, display_name]``, x2many as lists of ids. Computed
fields (``computed=True``) are derived on read and ignored on write, as Odoo ignores them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from attrs import frozen

OnDelete = Literal["set null", "cascade", "restrict"]
FieldType = Literal[
    "char", "text", "html", "integer", "float", "monetary", "boolean", "selection",
    "many2one", "one2many", "date", "datetime",
]  # fmt: skip


@frozen
class FieldSpec:
    name: str
    type: FieldType
    string: str
    relation: str | None = None
    inverse_name: str | None = None
    required: bool = False
    computed: bool = False
    selection: tuple[tuple[str, str], ...] = ()
    default: Any = None
    ondelete: OnDelete = "set null"
    readonly: bool = False


@frozen
class ModelSpec:
    name: str
    description: str
    order: str
    fields: Mapping[str, FieldSpec]

    @property
    def has_active(self) -> bool:
        return "active" in self.fields


# Odoo's "magic" columns: set by the ORM on every create and write, ignored in the values an RPC
# client sends (``LOG_ACCESS_COLUMNS`` in odoo/models.py).
LOG_ACCESS_COLUMNS = ("create_uid", "create_date", "write_uid", "write_date")


def _model(name: str, description: str, order: str, *fields: FieldSpec) -> ModelSpec:
    common = (
        FieldSpec("id", "integer", "ID", computed=True),
        FieldSpec("display_name", "char", "Display Name", computed=True),
        FieldSpec("create_uid", "many2one", "Created by", "res.users", readonly=True),
        FieldSpec("create_date", "datetime", "Created on", readonly=True),
        FieldSpec("write_uid", "many2one", "Last Updated by", "res.users", readonly=True),
        FieldSpec("write_date", "datetime", "Last Updated on", readonly=True),
    )
    return ModelSpec(name, description, order, {f.name: f for f in (*common, *fields)})


PARTNER_TYPES = (
    ("contact", "Contact"),
    ("invoice", "Invoice Address"),
    ("delivery", "Delivery Address"),
    ("other", "Other Address"),
)
ORDER_STATES = (("draft", "Quotation"), ("sent", "Quotation Sent"), ("sale", "Sales Order"), ("cancel", "Cancelled"))

MODELS: Mapping[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        _model(
            "res.partner",
            "Contact",
            "display_name ASC, id DESC",
            FieldSpec("name", "char", "Name"),
            FieldSpec("type", "selection", "Address Type", selection=PARTNER_TYPES, default="contact"),
            FieldSpec("parent_id", "many2one", "Related Company", relation="res.partner"),
            FieldSpec("child_ids", "one2many", "Contact", relation="res.partner", inverse_name="parent_id"),
            FieldSpec("commercial_partner_id", "many2one", "Commercial Entity", "res.partner", computed=True),
            FieldSpec("is_company", "boolean", "Is a Company", default=False),
            FieldSpec("active", "boolean", "Active", default=True),
            FieldSpec("ref", "char", "Reference"),
            FieldSpec("email", "char", "Email"),
            FieldSpec("phone", "char", "Phone"),
            FieldSpec("street", "char", "Street"),
            FieldSpec("street2", "char", "Street2"),
            FieldSpec("zip", "char", "Zip"),
            FieldSpec("city", "char", "City"),
            FieldSpec("vat", "char", "Tax ID"),
            FieldSpec("comment", "html", "Notes"),
        ),
        _model(
            "product.product",
            "Product Variant",
            "default_code, name, id",
            FieldSpec("name", "char", "Name", required=True),
            FieldSpec("default_code", "char", "Internal Reference"),
            FieldSpec("barcode", "char", "Barcode"),
            FieldSpec("list_price", "float", "Sales Price", default=1.0),
            FieldSpec("standard_price", "float", "Cost", default=0.0),
            FieldSpec("sale_ok", "boolean", "Can be Sold", default=True),
            FieldSpec("active", "boolean", "Active", default=True),
        ),
        _model(
            "sale.order",
            "Sales Order",
            "date_order desc, id desc",
            FieldSpec("name", "char", "Order Reference", required=True),
            FieldSpec("partner_id", "many2one", "Customer", "res.partner", required=True, ondelete="restrict"),
            FieldSpec(
                "partner_invoice_id", "many2one", "Invoice Address", "res.partner", required=True, ondelete="restrict"
            ),
            FieldSpec(
                "partner_shipping_id", "many2one", "Delivery Address", "res.partner", required=True, ondelete="restrict"
            ),
            FieldSpec("client_order_ref", "char", "Customer Reference"),
            FieldSpec("origin", "char", "Source Document"),
            FieldSpec("state", "selection", "Status", selection=ORDER_STATES, default="draft"),
            FieldSpec("date_order", "datetime", "Order Date", required=True),
            FieldSpec("note", "html", "Terms and conditions"),
            FieldSpec("order_line", "one2many", "Order Lines", "sale.order.line", inverse_name="order_id"),
            FieldSpec("amount_untaxed", "monetary", "Untaxed Amount", computed=True),
            FieldSpec("amount_tax", "monetary", "Taxes", computed=True),
            FieldSpec("amount_total", "monetary", "Total", computed=True),
        ),
        _model(
            "sale.order.line",
            "Sales Order Line",
            "order_id, sequence, id",
            FieldSpec("order_id", "many2one", "Order Reference", "sale.order", required=True, ondelete="cascade"),
            FieldSpec("sequence", "integer", "Sequence", default=10),
            FieldSpec("product_id", "many2one", "Product", "product.product", ondelete="restrict"),
            FieldSpec("name", "text", "Description"),
            FieldSpec("product_uom_qty", "float", "Quantity", default=1.0),
            FieldSpec("price_unit", "float", "Unit Price"),
            FieldSpec("price_subtotal", "monetary", "Subtotal", computed=True),
            FieldSpec("price_total", "monetary", "Total", computed=True),
            FieldSpec(
                "display_type",
                "selection",
                "Display Type",
                selection=(("line_section", "Section"), ("line_note", "Note")),
            ),
        ),
        _model(
            "res.users",
            "User",
            "name, login",
            FieldSpec("name", "char", "Name", required=True),
            FieldSpec("login", "char", "Login", required=True),
            FieldSpec("active", "boolean", "Active", default=True),
        ),
    )
}
