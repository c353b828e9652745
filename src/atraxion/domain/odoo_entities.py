"""The Odoo mapping of each pullable entity (attached to its Kind in :mod:`atraxion.domain.catalog`).

Every function here is pure: a page of Odoo rows plus what its lookups read in, the records a push
of the same data would produce out. The defaults are documented in ``docs/connecting-odoo.md``.

* **products** — ``product.product`` (template fields read through the variant), externalId
  ``default_code``.
* **partners** — ``res.partner``, externalId ``ref``; ``parent_id`` becomes ``externalParentId`` (the
  parent's externalId by the same rule) and ``type`` is derived as a push derives it.
* **prices** — ``product.pricelist.item`` with a fixed price for a quantity of one, per variant
  (``0_product_variant``) or per template (``1_product``: one price for every variant of the
  template). Key ``{pricelistExternalId}/{productExternalId}``; the pricelist's externalId is
  ``product.pricelist:<id>`` unless a field is configured. When several items price one pricelist
  and variant (:func:`best_items`), a variant-level item beats a template-level one whichever page
  each is read in (a page's template-level items are checked against the variant-level items of
  their variants, in one lookup); among items of one level, the most recently written wins.
* **stock** — ``stock.quant`` summed per product and warehouse over internal locations; the
  warehouse (its ``code``) is the ``supplierExternalId``. A changed quant recomputes its product in
  every warehouse (0 where it has none).
* **purchase-orders** — ``purchase.order`` with its lines; externalId ``name``, ``vendor`` the
  vendor's externalId (the partners' rule).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from atraxion.domain.odoo_mapping import ExternalIds, Lookup, OdooMapping, Related, many2many, many2one
from atraxion.domain.partners import derive_partner_type
from atraxion.domain.records import Incoming
from atraxion.domain.types import OdooRow

# -- products ---------------------------------------------------------------------------------------

PRODUCT_FIELDS = (
    "name",
    "default_code",
    "barcode",
    "active",
    "type",
    "categ_id",
    "product_tmpl_id",
    "list_price",
    "lst_price",
    "standard_price",
    "uom_id",
    "sale_ok",
    "purchase_ok",
    "description_sale",
    "weight",
    "volume",
)


def product_records(rows: Sequence[OdooRow], related: Related, ids: ExternalIds) -> list[Incoming]:
    records = []
    for row in rows:
        key = ids.of("products", row)
        records.append(Incoming(key, {"externalId": key, "odooId": row["id"]}, dict(row)))
    return records


PRODUCTS = OdooMapping(
    model="product.product",
    to_records=product_records,
    fields=PRODUCT_FIELDS,
    required=("active",),
    external_id="default_code",
)

# -- partners ---------------------------------------------------------------------------------------

PARTNER_FIELDS = (
    "name",
    "ref",
    "type",
    "parent_id",
    "is_company",
    "active",
    "email",
    "phone",
    "street",
    "zip",
    "city",
    "country_id",
    "vat",
)


def _parent_ids(rows: Sequence[OdooRow], related: Related) -> set[int]:
    return {p for row in rows if (p := many2one(row.get("parent_id"))) is not None}


def partner_records(rows: Sequence[OdooRow], related: Related, ids: ExternalIds) -> list[Incoming]:
    parents = related.get("parents", {})
    records = []
    for row in rows:
        key = ids.of("partners", row)
        envelope: dict[str, Any] = {"externalId": key, "odooId": row["id"]}
        parent = many2one(row.get("parent_id"))
        parent_key = ids.ref("partners", parent, parents) if parent is not None else None
        if parent_key is not None and parent_key != key:  # two partners sharing a ref: no self-parent
            envelope["externalParentId"] = parent_key
        envelope["type"] = derive_partner_type(row, has_parent=parent is not None)
        records.append(Incoming(key, envelope, dict(row)))
    return records


PARTNERS = OdooMapping(
    model="res.partner",
    to_records=partner_records,
    fields=PARTNER_FIELDS,
    required=("active", "type", "parent_id"),
    external_id="ref",
    lookups=(Lookup("parents", "res.partner", ids=_parent_ids, identified_by="partners"),),
)

# -- prices -----------------------------------------------------------------------------------------

VARIANT, TEMPLATE = "0_product_variant", "1_product"
PRICE_DOMAIN = (
    ("compute_price", "=", "fixed"),
    ("applied_on", "in", [VARIANT, TEMPLATE]),
    ("min_quantity", "<=", 1),
)
"""The items that are prices: fixed, per variant or template, for a quantity of one (the key has no
quantity, so the tiers above it are not prices of their own)."""
PRICE_FIELDS = ("pricelist_id", "applied_on", "product_id", "product_tmpl_id", "fixed_price", "min_quantity")


def _pricelist_ids(rows: Sequence[OdooRow], related: Related) -> set[int]:
    return {p for row in rows if (p := many2one(row.get("pricelist_id"))) is not None}


def _currency_ids(rows: Sequence[OdooRow], related: Related) -> set[int]:
    return {c for row in related["pricelists"].values() if (c := many2one(row.get("currency_id"))) is not None}


def _variant_ids(rows: Sequence[OdooRow], related: Related) -> set[int]:
    return {
        p for row in rows if row.get("applied_on") == VARIANT and (p := many2one(row.get("product_id"))) is not None
    }


def _templates_of_items(rows: Iterable[OdooRow]) -> set[int]:
    return {
        t
        for row in rows
        if row.get("applied_on") == TEMPLATE and (t := many2one(row.get("product_tmpl_id"))) is not None
    }


def _template_ids(rows: Sequence[OdooRow], related: Related) -> set[int]:
    return _templates_of_items(rows)


def _template_variant_ids(rows: Sequence[OdooRow], related: Related) -> set[int]:
    return {v for row in related["templates"].values() for v in many2many(row.get("product_variant_ids"))}


def _targets(rows: Sequence[OdooRow], related: Related) -> set[tuple[int, int]]:
    """The (pricelist, variant) pairs the page's items price: one per variant-level item, one per
    variant of the template for a template-level one."""
    by_template = _variants_of(related.get("variants", {}))
    pairs: set[tuple[int, int]] = set()
    for row in rows:
        pricelist = many2one(row.get("pricelist_id"))
        if pricelist is None:
            continue
        pairs.update((pricelist, variant) for variant in _priced_variants(row, by_template))
    return pairs


def _priced_variants(item: OdooRow, by_template: Mapping[int, list[int]]) -> list[int]:
    """The variants an item prices: its product, or every variant of its template."""
    if item.get("applied_on") == VARIANT:
        product = many2one(item.get("product_id"))
        return [product] if product is not None else []
    template = many2one(item.get("product_tmpl_id"))
    return list(by_template.get(template, [])) if template is not None else []


def _template_of(related: Related) -> dict[int, int]:
    found: dict[int, int] = {}
    for name in ("products", "variants"):
        for odoo_id, row in related.get(name, {}).items():
            if (template := many2one(row.get("product_tmpl_id"))) is not None:
                found[odoo_id] = template
    return found


def _competitors_domain(rows: Sequence[OdooRow], related: Related) -> list[Any] | None:
    """The variant-level items that beat the page's template-level ones (read in another page, or
    not changed since): items of those pricelists for the variants of those templates."""
    templates = _templates_of_items(rows)
    if not templates:
        return None
    by_template = _variants_of(related.get("variants", {}))
    variants = sorted({v for t in templates for v in by_template.get(t, [])})
    with_variant_items = related.get("variant_pricelists", {})
    pricelists = sorted(
        {
            p
            for row in rows
            if row.get("applied_on") == TEMPLATE
            and (p := many2one(row.get("pricelist_id"))) is not None
            and p in with_variant_items
        }
    )
    if not variants or not pricelists:
        return None
    return [
        *PRICE_DOMAIN,
        ("applied_on", "=", VARIANT),
        ("pricelist_id", "in", pricelists),
        ("product_id", "in", variants),
    ]


def _variants_of(rows: Mapping[int, OdooRow]) -> dict[int, list[int]]:
    by_template: dict[int, list[int]] = {}
    for odoo_id in sorted(rows):
        template = many2one(rows[odoo_id].get("product_tmpl_id"))
        if template is not None:
            by_template.setdefault(template, []).append(odoo_id)
    return by_template


def _number(value: Any) -> float | int:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def best_items(
    pairs: Iterable[tuple[int, int]], items: Iterable[OdooRow], template_of: Mapping[int, int]
) -> dict[tuple[int, int], OdooRow]:
    """For each (pricelist, variant), the item that prices it: a variant-level item before a
    template-level one; among items of one level, the most recently written (``write_date``, id)."""
    wanted = set(pairs)
    best: dict[tuple[int, int], OdooRow] = {}
    by_template: dict[int, list[int]] = {}
    for variant, template in template_of.items():
        by_template.setdefault(template, []).append(variant)
    for item in sorted(items, key=lambda i: (str(i.get("write_date")), i["id"])):
        pricelist = many2one(item.get("pricelist_id")) or 0
        level = _level(item)
        for variant in _priced_variants(item, by_template):
            pair = (pricelist, variant)
            if pair in wanted and (pair not in best or level <= _level(best[pair])):
                best[pair] = item
    return best


def _level(item: OdooRow) -> int:
    return 0 if item.get("applied_on") == VARIANT else 1


def price_records(rows: Sequence[OdooRow], related: Related, ids: ExternalIds) -> list[Incoming]:
    pricelists, currencies = related.get("pricelists", {}), related.get("currencies", {})
    products = {**related.get("variants", {}), **related.get("products", {})}
    candidates = {**related.get("competitors", {}), **{row["id"]: row for row in rows}}
    best = best_items(_targets(rows, related), candidates.values(), _template_of(related))
    records = []
    for (pricelist, product), row in sorted(best.items()):
        pricelist_key = ids.ref("prices", pricelist, pricelists)
        product_key = ids.ref("products", product, products)
        envelope: dict[str, Any] = {
            "pricelistExternalId": pricelist_key,
            "price": _number(row.get("fixed_price")),
            "productExternalId": product_key,
        }
        currency = many2one(pricelists.get(pricelist, {}).get("currency_id"))
        name = currencies.get(currency, {}).get("name") if currency is not None else None
        if isinstance(name, str) and name:
            envelope["currency"] = name
        min_quantity = _number(row.get("min_quantity"))
        if min_quantity > 0:  # a push leaves it out for a base price; so does the pull
            envelope["minQuantity"] = min_quantity
        records.append(Incoming(f"{pricelist_key}/{product_key}", envelope))
    return records


PRICES = OdooMapping(
    model="product.pricelist.item",
    to_records=price_records,
    required=PRICE_FIELDS,
    external_id=None,
    external_id_model="product.pricelist",
    domain=PRICE_DOMAIN,
    lookups=(
        Lookup(
            "pricelists", "product.pricelist", ("currency_id",), ids=_pricelist_ids, identified_by="prices", cached=True
        ),
        Lookup("currencies", "res.currency", ("name",), ids=_currency_ids, cached=True),
        Lookup(
            "products", "product.product", ("product_tmpl_id",), ids=_variant_ids, identified_by="products", cached=True
        ),
        # The variants of template-level items, by id through their templates (no search).
        Lookup("templates", "product.template", ("product_variant_ids",), ids=_template_ids, cached=True),
        Lookup(
            "variants",
            "product.product",
            ("product_tmpl_id",),
            ids=_template_variant_ids,
            identified_by="products",
            cached=True,
        ),
        # Pricelists with any variant-level item: one search a run, so that a pricelist without
        # any (the common case) costs no search for competing items per page.
        Lookup(
            "variant_pricelists",
            "product.pricelist",
            domain=lambda rows, related: [("item_ids.applied_on", "=", VARIANT)],
            cached=True,
        ),
        Lookup("competitors", "product.pricelist.item", PRICE_FIELDS, domain=_competitors_domain),
    ),
    carries_data=False,
)

# -- stock ------------------------------------------------------------------------------------------


def _quant_products(rows: Sequence[OdooRow], related: Related) -> set[int]:
    return {p for row in rows if (p := many2one(row.get("product_id"))) is not None}


def _quants_domain(rows: Sequence[OdooRow], related: Related) -> list[Any] | None:
    products = sorted(_quant_products(rows, related))
    return [("product_id", "in", products)] if products else None


def _location_ids(rows: Sequence[OdooRow], related: Related) -> set[int]:
    return {loc for row in related["quants"].values() if (loc := many2one(row.get("location_id"))) is not None}


def stock_sums(
    quants: Iterable[OdooRow], locations: Mapping[int, OdooRow], warehouses: Iterable[int], products: Iterable[int]
) -> dict[tuple[int, int], float]:
    """Quantity per (warehouse, product) over internal locations, for every warehouse and product
    given (0 where there is none). Quants elsewhere (vendor, customer, transit, a location without
    a warehouse) do not count."""
    parts: dict[tuple[int, int], list[float]] = {(w, p): [] for w in warehouses for p in products}
    for quant in quants:
        location = locations.get(many2one(quant.get("location_id")) or 0)
        if location is None or location.get("usage") != "internal":
            continue
        key = (many2one(location.get("warehouse_id")) or 0, many2one(quant.get("product_id")) or 0)
        if key in parts:
            parts[key].append(float(_number(quant.get("quantity"))))
    # fsum and a rounding far below any unit of measure: the same quants always give the same sum.
    return {key: round(math.fsum(values), 6) + 0.0 for key, values in parts.items()}


def stock_records(rows: Sequence[OdooRow], related: Related, ids: ExternalIds) -> list[Incoming]:
    warehouses, products = related.get("warehouses", {}), related.get("products", {})
    touched = sorted(_quant_products(rows, related))
    sums = stock_sums(related.get("quants", {}).values(), related.get("locations", {}), sorted(warehouses), touched)
    records = []
    for (warehouse, product), quantity in sorted(sums.items()):
        supplier, product_key = ids.ref("stock", warehouse, warehouses), ids.ref("products", product, products)
        envelope = {"supplierExternalId": supplier, "productExternalId": product_key, "quantity": quantity}
        records.append(Incoming(f"{supplier}/{product_key}", envelope))
    return records


STOCK = OdooMapping(
    model="stock.quant",
    to_records=stock_records,
    required=("product_id",),
    external_id="code",
    external_id_model="stock.warehouse",
    lookups=(
        Lookup("quants", "stock.quant", ("product_id", "location_id", "quantity"), domain=_quants_domain),
        Lookup("locations", "stock.location", ("usage", "warehouse_id"), ids=_location_ids, cached=True),
        Lookup("warehouses", "stock.warehouse", domain=lambda rows, related: [], identified_by="stock", cached=True),
        Lookup("products", "product.product", ids=_quant_products, identified_by="products", cached=True),
    ),
    carries_data=False,
)

# -- purchase orders --------------------------------------------------------------------------------

PURCHASE_ORDER_FIELDS = ("name", "partner_id", "state", "date_order", "date_planned", "currency_id", "amount_total")


def _vendor_ids(rows: Sequence[OdooRow], related: Related) -> set[int]:
    return {p for row in rows if (p := many2one(row.get("partner_id"))) is not None}


def _line_ids(rows: Sequence[OdooRow], related: Related) -> set[int]:
    return {line for row in rows for line in many2many(row.get("order_line"))}


def _line_products(rows: Sequence[OdooRow], related: Related) -> set[int]:
    return {p for row in related["lines"].values() if (p := many2one(row.get("product_id"))) is not None}


def purchase_order_records(rows: Sequence[OdooRow], related: Related, ids: ExternalIds) -> list[Incoming]:
    vendors, lines, products = related.get("vendors", {}), related.get("lines", {}), related.get("line_products", {})
    records = []
    for row in rows:
        key = ids.of("purchase-orders", row)
        vendor = many2one(row.get("partner_id"))
        order_lines = []
        for line_id in many2many(row.get("order_line")):
            line = lines.get(line_id)
            product = many2one(line.get("product_id")) if line is not None else None
            if line is None or product is None:  # a deleted line, or a section or note line
                continue
            order_lines.append(
                {
                    "productExternalId": ids.ref("products", product, products),
                    "quantity": _number(line.get("product_qty")),
                    "priceUnit": _number(line.get("price_unit")),
                }
            )
        envelope = {
            "externalId": key,
            "name": row.get("name") or key,
            "vendor": ids.ref("partners", vendor, vendors) if vendor is not None else "",
            "state": row.get("state") or "",
            "lines": order_lines,
            "odooId": row["id"],
        }
        records.append(Incoming(key, envelope, dict(row)))
    return records


PURCHASE_ORDERS = OdooMapping(
    model="purchase.order",
    to_records=purchase_order_records,
    fields=PURCHASE_ORDER_FIELDS,
    required=("name", "partner_id", "state", "order_line"),
    external_id="name",
    lookups=(
        Lookup("vendors", "res.partner", ids=_vendor_ids, identified_by="partners"),
        Lookup("lines", "purchase.order.line", ("product_id", "product_qty", "price_unit"), ids=_line_ids),
        Lookup("line_products", "product.product", ids=_line_products, identified_by="products", cached=True),
    ),
)
