"""The simulated models and their fields: a small, faithful subset of Odoo 17, 18 and 19's.

Field types behave as in Odoo's ORM: empty char/selection/date/many2one values read as ``False``,
numbers as ``0``/``0.0``, many2one as ``[id, display_name]``, x2many as lists of ids. Computed
fields (``computed=True``) are derived on read and ignored on write, as Odoo ignores them.

A field with ``delegate`` lives on another record, reached through the many2one of that name:
``product.product.name`` is its template's (Odoo's ``_inherits``), ``product.template.default_code``
its variant's, ``product.pricelist.item.currency_id`` its pricelist's (a related field). Reading
and searching follow the link; writing writes the other record.
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
    delegate: str | None = None
    size: int | None = None
    inverse: bool = False  # a computed field whose write the model's business rules take

    @property
    def stored(self) -> bool:
        """Kept in the record itself (not computed, not delegated, not a one2many)."""
        return not self.computed and self.delegate is None and self.type != "one2many"


@frozen
class ModelSpec:
    name: str
    description: str
    order: str
    fields: Mapping[str, FieldSpec]
    parent_name: str = "parent_id"

    @property
    def has_active(self) -> bool:
        return "active" in self.fields


# Odoo's "magic" columns: set by the ORM on every create and write, ignored in the values an RPC
# client sends (``LOG_ACCESS_COLUMNS`` in odoo/models.py).
LOG_ACCESS_COLUMNS = ("create_uid", "create_date", "write_uid", "write_date")


def _model(name: str, description: str, order: str, *fields: FieldSpec, parent_name: str = "parent_id") -> ModelSpec:
    common = (
        FieldSpec("id", "integer", "ID", computed=True),
        FieldSpec("display_name", "char", "Display Name", computed=True),
        FieldSpec("create_uid", "many2one", "Created by", "res.users", readonly=True),
        FieldSpec("create_date", "datetime", "Created on", readonly=True),
        FieldSpec("write_uid", "many2one", "Last Updated by", "res.users", readonly=True),
        FieldSpec("write_date", "datetime", "Last Updated on", readonly=True),
    )
    return ModelSpec(name, description, order, {f.name: f for f in (*common, *fields)}, parent_name)


def _char(name: str, string: str, **options: Any) -> FieldSpec:
    return FieldSpec(name, "char", string, **options)


def _m2o(name: str, string: str, relation: str, **options: Any) -> FieldSpec:
    return FieldSpec(name, "many2one", string, relation, **options)


def _o2m(name: str, string: str, relation: str, inverse_name: str, **options: Any) -> FieldSpec:
    return FieldSpec(name, "one2many", string, relation, inverse_name, **options)


def _float(name: str, string: str, default: float | None = 0.0, **options: Any) -> FieldSpec:
    return FieldSpec(name, "float", string, default=default, **options)


def _bool(name: str, string: str, default: bool = False, **options: Any) -> FieldSpec:
    return FieldSpec(name, "boolean", string, default=default, **options)


def _select(name: str, string: str, options: tuple[tuple[str, str], ...], default: str | None = None) -> FieldSpec:
    return FieldSpec(name, "selection", string, selection=options, default=default)


PARTNER_TYPES = (
    ("contact", "Contact"),
    ("invoice", "Invoice Address"),
    ("delivery", "Delivery Address"),
    ("other", "Other Address"),
)
SALE_STATES = (("draft", "Quotation"), ("sent", "Quotation Sent"), ("sale", "Sales Order"), ("cancel", "Cancelled"))
PURCHASE_STATES = (
    ("draft", "RFQ"),
    ("sent", "RFQ Sent"),
    ("to approve", "To Approve"),
    ("purchase", "Purchase Order"),
    ("done", "Locked"),
    ("cancel", "Cancelled"),
)
LOCATION_USAGES = (
    ("supplier", "Vendor Location"),
    ("view", "View"),
    ("internal", "Internal Location"),
    ("customer", "Customer Location"),
    ("inventory", "Inventory Loss"),
    ("production", "Production"),
    ("transit", "Transit Location"),
)
APPLIED_ON = (
    ("3_global", "All Products"),
    ("2_product_category", "Product Category"),
    ("1_product", "Product"),
    ("0_product_variant", "Product Variant"),
)
COMPUTE_PRICE = (("fixed", "Fixed Price"), ("percentage", "Discount"), ("formula", "Formula"))
PRICE_BASE = (("list_price", "Sales Price"), ("standard_price", "Cost"), ("pricelist", "Other Pricelist"))
PRODUCT_TYPES_17 = (("consu", "Consumable"), ("service", "Service"), ("product", "Storable Product"))
PRODUCT_TYPES_18 = (("consu", "Goods"), ("service", "Service"), ("combo", "Combo"))

# The template fields a variant reads through its template, and the variant fields a template
# (always with one variant here) reads through its variant.
_TEMPLATE_OWN = ("default_code", "barcode", "standard_price", "weight", "volume")


def _template_fields(major: int) -> tuple[FieldSpec, ...]:
    """The fields of product.template that product.product inherits (Odoo's ``_inherits``)."""
    kind: tuple[FieldSpec, ...]
    if major <= 17:
        kind = (
            _select("type", "Product Type", PRODUCT_TYPES_17, default="consu"),
            _select("detailed_type", "Product Type", PRODUCT_TYPES_17, default="consu"),
        )
    else:
        kind = (
            _select("type", "Product Type", PRODUCT_TYPES_18, default="consu"),
            _bool("is_storable", "Track Inventory"),
        )
    return (
        _char("name", "Name", required=True),
        FieldSpec("description", "html", "Description"),
        FieldSpec("description_sale", "text", "Sales Description"),
        FieldSpec("description_purchase", "text", "Purchase Description"),
        *kind,
        _float("list_price", "Sales Price", default=1.0),
        _m2o("categ_id", "Product Category", "product.category", required=True, default=1, ondelete="restrict"),
        _m2o("uom_id", "Unit of Measure", "uom.uom", required=True, default=1, ondelete="restrict"),
        _m2o("uom_po_id", "Purchase Unit", "uom.uom", required=True, default=1, ondelete="restrict"),
        _bool("sale_ok", "Can be Sold", default=True),
        _bool("purchase_ok", "Can be Purchased", default=True),
        _m2o("company_id", "Company", "res.company"),
        _select("priority", "Favorite", (("0", "Normal"), ("1", "Favorite")), default="0"),
    )


def build_models(major: int = 17) -> Mapping[str, ModelSpec]:
    """The models of an Odoo of this major version (17, 18 or 19)."""
    template = _template_fields(major)
    inherited = tuple(
        FieldSpec(f.name, f.type, f.string, f.relation, selection=f.selection, delegate="product_tmpl_id")
        for f in template
    )
    variant_own = (
        _char("default_code", "Internal Reference"),
        _char("barcode", "Barcode"),
        _float("standard_price", "Cost"),
        _float("weight", "Weight"),
        _float("volume", "Volume"),
    )
    mirrored = tuple(
        FieldSpec(f.name, f.type, f.string, delegate="product_variant_id")
        for f in variant_own
        if f.name in _TEMPLATE_OWN
    )
    specs = (
        _model(
            "res.partner",
            "Contact",
            "complete_name ASC, id DESC",
            _char("name", "Name"),
            _char("complete_name", "Complete Name", computed=True),
            _select("type", "Address Type", PARTNER_TYPES, default="contact"),
            _m2o("parent_id", "Related Company", "res.partner"),
            _o2m("child_ids", "Contact", "res.partner", "parent_id"),
            _m2o("commercial_partner_id", "Commercial Entity", "res.partner", computed=True),
            _bool("is_company", "Is a Company"),
            _bool("active", "Active", default=True),
            _char("ref", "Reference"),
            _char("email", "Email"),
            _char("phone", "Phone"),
            _char("mobile", "Mobile"),
            _char("street", "Street"),
            _char("street2", "Street2"),
            _char("zip", "Zip"),
            _char("city", "City"),
            _m2o("country_id", "Country", "res.country", ondelete="restrict"),
            _char("vat", "Tax ID"),
            _char("lang", "Language"),
            _m2o("company_id", "Company", "res.company"),
            _m2o("property_product_pricelist", "Pricelist", "product.pricelist"),
            FieldSpec("comment", "html", "Notes"),
        ),
        _model(
            "product.template",
            "Product",
            "priority desc, name, id",
            *template,
            *mirrored,
            _bool("active", "Active", default=True),
            _o2m("product_variant_ids", "Products", "product.product", "product_tmpl_id"),
            _m2o("product_variant_id", "Product", "product.product", computed=True),
            FieldSpec("product_variant_count", "integer", "# Product Variants", computed=True),
            _float("qty_available", "Quantity On Hand", computed=True),
        ),
        _model(
            "product.product",
            "Product Variant",
            "default_code, name, id",
            _m2o("product_tmpl_id", "Product Template", "product.template", required=True, ondelete="cascade"),
            *inherited,
            *variant_own,
            _bool("active", "Active", default=True),
            _float("lst_price", "Sales Price", computed=True, inverse=True),
            _float("qty_available", "Quantity On Hand", computed=True),
        ),
        _model(
            "product.category",
            "Product Category",
            "complete_name, id",
            _char("name", "Name", required=True),
            _char("complete_name", "Complete Name", computed=True),
            _m2o("parent_id", "Parent Category", "product.category", ondelete="cascade"),
            _o2m("child_id", "Child Categories", "product.category", "parent_id"),
        ),
        _model(
            "product.pricelist",
            "Pricelist",
            "sequence, id",
            _char("name", "Pricelist Name", required=True),
            _bool("active", "Active", default=True),
            FieldSpec("sequence", "integer", "Sequence", default=16),
            _m2o("currency_id", "Currency", "res.currency", required=True, default=1),
            _m2o("company_id", "Company", "res.company"),
            _o2m("item_ids", "Pricelist Rules", "product.pricelist.item", "pricelist_id"),
        ),
        _model(
            "product.pricelist.item",
            "Pricelist Rule",
            "applied_on, min_quantity desc, categ_id desc, id desc",
            _m2o("pricelist_id", "Pricelist", "product.pricelist", required=True, ondelete="cascade"),
            _select("applied_on", "Apply On", APPLIED_ON, default="3_global"),
            _m2o("product_tmpl_id", "Product", "product.template", ondelete="cascade"),
            _m2o("product_id", "Product Variant", "product.product", ondelete="cascade"),
            _m2o("categ_id", "Product Category", "product.category", ondelete="cascade"),
            _select("compute_price", "Computation", COMPUTE_PRICE, default="fixed"),
            FieldSpec("fixed_price", "monetary", "Fixed Price"),
            _float("percent_price", "Percentage Price"),
            _select("base", "Based on", PRICE_BASE, default="list_price"),
            _m2o("base_pricelist_id", "Other Pricelist", "product.pricelist"),
            _float("price_discount", "Price Discount"),
            FieldSpec("price_surcharge", "monetary", "Price Surcharge"),
            _float("min_quantity", "Min. Quantity"),
            FieldSpec("date_start", "datetime", "Start Date"),
            FieldSpec("date_end", "datetime", "End Date"),
            _char("name", "Name", computed=True),
            _m2o("currency_id", "Currency", "res.currency", delegate="pricelist_id", readonly=True),
            _m2o("company_id", "Company", "res.company", delegate="pricelist_id", readonly=True),
        ),
        _model(
            "stock.warehouse",
            "Warehouse",
            "sequence, id",
            _char("name", "Warehouse", required=True),
            _char("code", "Short Name", required=True, size=5),
            _bool("active", "Active", default=True),
            FieldSpec("sequence", "integer", "Sequence", default=10),
            _m2o("company_id", "Company", "res.company", required=True, default=1),
            _m2o("view_location_id", "View Location", "stock.location", ondelete="restrict"),
            _m2o("lot_stock_id", "Location Stock", "stock.location", ondelete="restrict"),
        ),
        _model(
            "stock.location",
            "Inventory Locations",
            "complete_name, id",
            _char("name", "Location Name", required=True),
            _char("complete_name", "Full Location Name", computed=True),
            _select("usage", "Location Type", LOCATION_USAGES, default="internal"),
            _m2o("location_id", "Parent Location", "stock.location", ondelete="cascade"),
            _o2m("child_ids", "Contains", "stock.location", "location_id"),
            _m2o("warehouse_id", "Warehouse", "stock.warehouse", computed=True),
            _bool("active", "Active", default=True),
            _char("barcode", "Barcode"),
            _m2o("company_id", "Company", "res.company"),
            parent_name="location_id",
        ),
        _model(
            "stock.quant",
            "Quants",
            "id",
            _m2o("product_id", "Product", "product.product", required=True, ondelete="restrict"),
            _m2o("location_id", "Location", "stock.location", required=True, ondelete="restrict"),
            _m2o("warehouse_id", "Warehouse", "stock.warehouse", computed=True),
            _float("quantity", "Quantity", readonly=True),
            _float("reserved_quantity", "Reserved Quantity", readonly=True),
            _float("available_quantity", "Available Quantity", computed=True),
            _float("inventory_quantity", "Counted Quantity"),
            _bool("inventory_quantity_set", "Inventory Quantity Set"),
            _float("inventory_quantity_auto_apply", "Inventoried Quantity", computed=True, inverse=True),
            _m2o("company_id", "Company", "res.company", default=1),
        ),
        _model(
            "sale.order",
            "Sales Order",
            "date_order desc, id desc",
            _char("name", "Order Reference", required=True),
            _m2o("partner_id", "Customer", "res.partner", required=True, ondelete="restrict"),
            _m2o("partner_invoice_id", "Invoice Address", "res.partner", required=True, ondelete="restrict"),
            _m2o("partner_shipping_id", "Delivery Address", "res.partner", required=True, ondelete="restrict"),
            _char("client_order_ref", "Customer Reference"),
            _char("origin", "Source Document"),
            _select("state", "Status", SALE_STATES, default="draft"),
            _bool("locked", "Locked"),
            FieldSpec("date_order", "datetime", "Order Date", required=True),
            _m2o("pricelist_id", "Pricelist", "product.pricelist"),
            _m2o("currency_id", "Currency", "res.currency", default=1),
            FieldSpec("note", "html", "Terms and conditions"),
            _o2m("order_line", "Order Lines", "sale.order.line", "order_id"),
            FieldSpec("amount_untaxed", "monetary", "Untaxed Amount", computed=True),
            FieldSpec("amount_tax", "monetary", "Taxes", computed=True),
            FieldSpec("amount_total", "monetary", "Total", computed=True),
        ),
        _model(
            "sale.order.line",
            "Sales Order Line",
            "order_id, sequence, id",
            _m2o("order_id", "Order Reference", "sale.order", required=True, ondelete="cascade"),
            FieldSpec("sequence", "integer", "Sequence", default=10),
            _m2o("product_id", "Product", "product.product", ondelete="restrict"),
            FieldSpec("name", "text", "Description"),
            _float("product_uom_qty", "Quantity", default=1.0),
            _float("price_unit", "Unit Price", default=None),
            FieldSpec("price_subtotal", "monetary", "Subtotal", computed=True),
            FieldSpec("price_total", "monetary", "Total", computed=True),
            _select("display_type", "Display Type", (("line_section", "Section"), ("line_note", "Note"))),
        ),
        _model(
            "purchase.order",
            "Purchase Order",
            "priority desc, id desc",
            _char("name", "Order Reference", required=True),
            _select("priority", "Priority", (("0", "Normal"), ("1", "Urgent")), default="0"),
            _m2o("partner_id", "Vendor", "res.partner", required=True, ondelete="restrict"),
            _char("partner_ref", "Vendor Reference"),
            _char("origin", "Source Document"),
            _select("state", "Status", PURCHASE_STATES, default="draft"),
            _bool("locked", "Locked"),
            FieldSpec("date_order", "datetime", "Order Deadline", required=True),
            FieldSpec("date_planned", "datetime", "Expected Arrival"),
            _m2o("currency_id", "Currency", "res.currency", required=True, default=1),
            _m2o("company_id", "Company", "res.company", required=True, default=1),
            FieldSpec("notes", "html", "Terms and Conditions"),
            _o2m("order_line", "Order Lines", "purchase.order.line", "order_id"),
            FieldSpec("amount_untaxed", "monetary", "Untaxed Amount", computed=True),
            FieldSpec("amount_total", "monetary", "Total", computed=True),
        ),
        _model(
            "purchase.order.line",
            "Purchase Order Line",
            "order_id, sequence, id",
            _m2o("order_id", "Order Reference", "purchase.order", required=True, ondelete="cascade"),
            FieldSpec("sequence", "integer", "Sequence", default=10),
            _m2o("product_id", "Product", "product.product", ondelete="restrict"),
            FieldSpec("name", "text", "Description", required=True),
            _float("product_qty", "Quantity", default=1.0),
            _float("qty_received", "Received Qty"),
            _float("price_unit", "Unit Price", default=None),
            FieldSpec("date_planned", "datetime", "Expected Arrival"),
            FieldSpec("price_subtotal", "monetary", "Subtotal", computed=True),
            _select("display_type", "Display Type", (("line_section", "Section"), ("line_note", "Note"))),
        ),
        _model(
            "res.currency",
            "Currency",
            "active desc, name, id",
            _char("name", "Currency", required=True, size=3),
            _char("full_name", "Name"),
            _char("symbol", "Symbol", required=True),
            _float("rounding", "Rounding Factor", default=0.01),
            FieldSpec("decimal_places", "integer", "Decimal Places", computed=True),
            _select("position", "Symbol Position", (("after", "After Amount"), ("before", "Before Amount")), "after"),
            _bool("active", "Active", default=True),
        ),
        _model(
            "res.country",
            "Country",
            "name, id",
            _char("name", "Country Name", required=True),
            _char("code", "Country Code", size=2),
        ),
        _model(
            "res.company",
            "Companies",
            "sequence, name, id",
            _char("name", "Company Name", required=True),
            FieldSpec("sequence", "integer", "Sequence", default=10),
            _m2o("currency_id", "Currency", "res.currency", required=True, default=1),
            _bool("active", "Active", default=True),
        ),
        _model(
            "uom.uom",
            "Product Unit of Measure",
            "name, id",
            _char("name", "Unit of Measure", required=True),
            _float("rounding", "Rounding Precision", default=0.01),
            _select(
                "uom_type",
                "Type",
                (("bigger", "Bigger"), ("reference", "Reference"), ("smaller", "Smaller")),
                "reference",
            ),
            _float("factor", "Ratio", default=1.0),
            _bool("active", "Active", default=True),
        ),
        _model(
            "res.users",
            "User",
            "name, login",
            _char("name", "Name", required=True),
            _char("login", "Login", required=True),
            _bool("active", "Active", default=True),
            _m2o("company_id", "Company", "res.company", default=1),
        ),
        _model(
            "ir.model",
            "Models",
            "model",
            _char("name", "Model Description", required=True),
            _char("model", "Model", required=True),
            _select("state", "Type", (("manual", "Custom Object"), ("base", "Base Object")), "manual"),
            _bool("transient", "Transient Model"),
            FieldSpec("info", "text", "Information"),
        ),
    )
    return {spec.name: spec for spec in specs}


MODELS: Mapping[str, ModelSpec] = build_models(17)
"""The models of Odoo 17, the simulator's default version."""
