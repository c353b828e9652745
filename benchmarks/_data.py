"""Deterministic test data shaped like what Odoo pushes (see /work/shared/samples/products.json)."""

from __future__ import annotations

import random
from typing import Any

# The FURN_0001 sample of the shared samples: 40 fields, nested objects, many2one pairs, lists,
# volatile dates. Every generated product has exactly this shape with its own values.
FURN_0001: dict[str, Any] = {
    "id": 41,
    "default_code": "FURN_0001",
    "name": "Oak Desk 140",
    "display_name": "[FURN_0001] Oak Desk 140",
    "barcode": "5412345000013",
    "active": True,
    "sale_ok": True,
    "purchase_ok": True,
    "type": "consu",
    "is_storable": True,
    "categ_id": [8, "All / Saleable / Office Furniture"],
    "uom_id": [1, "Units"],
    "uom_po_id": [1, "Units"],
    "list_price": 349.0,
    "lst_price": 349.0,
    "standard_price": 212.4,
    "currency_id": [1, "EUR"],
    "taxes_id": [1],
    "supplier_taxes_id": [2],
    "weight": 38.5,
    "volume": 0.21,
    "description_sale": "Solid oak desk, 140 x 70 cm.",
    "description_purchase": False,
    "product_tmpl_id": [37, "Oak Desk 140"],
    "product_template_attribute_value_ids": [12, 15],
    "attribute_line_ids": [5],
    "company_id": False,
    "seller_ids": [9, 10],
    "route_ids": [1],
    "tracking": "none",
    "invoice_policy": "order",
    "website_published": True,
    "x_dimensions": {"width": 140, "depth": 70, "height": 75},
    "image_1920": False,
    "create_date": "2025-03-02 09:14:11",
    "write_date": "2026-11-20 16:02:45",
    "__last_update": "2026-11-20 16:02:45",
}
CATEGORIES = ["All / Saleable / Office Furniture", "All / Saleable / Lighting", "All / Saleable / Storage"]


def product_key(index: int) -> str:
    return f"FURN_{index + 1:06d}"


def product(index: int) -> dict[str, Any]:
    """Product ``index`` as an inbound record: ``{"externalId", "odooId", "data"}``.

    Nested values not overridden are shared with the template (nothing mutates them in place).
    """
    code = product_key(index)
    name = f"Product {index + 1} {('Oak', 'Beech', 'Steel', 'Glass')[index % 4]}"
    price = round(20 + (index * 7919 % 90000) / 100, 2)
    data = {
        **FURN_0001,
        "id": 1000 + index,
        "default_code": code,
        "name": name,
        "display_name": f"[{code}] {name}",
        "barcode": f"54{index:011d}",
        "categ_id": [8 + index % 3, CATEGORIES[index % 3]],
        "list_price": price,
        "lst_price": price,
        "standard_price": round(price * 0.6, 2),
        "weight": round(1 + index % 500 / 10, 1),
        "product_tmpl_id": [500 + index, name],
        "seller_ids": [index % 97 + 1, index % 89 + 1],
        "x_dimensions": {"width": 40 + index % 160, "depth": 30 + index % 70, "height": 45 + index % 60},
    }
    return {"externalId": code, "odooId": 1000 + index, "data": data}


def change_product(record: dict[str, Any], round_: int) -> None:
    """A real change an ERP user makes: a new price and, every other time, a new width."""
    data = record["data"]
    data["list_price"] = round(data["list_price"] + 1, 2)
    data["lst_price"] = data["list_price"]
    if round_ % 2:
        data["x_dimensions"]["width"] += 1
    data["write_date"] = data["__last_update"] = f"2026-12-{1 + round_ % 28:02d} 10:00:00"


PRICELISTS = 8


def prices(count: int) -> list[dict[str, Any]]:
    """``count`` pricelist items: ``count // 8`` products on each of 8 pricelists."""
    items = []
    for index in range(count):
        pricelist, product_index = index % PRICELISTS, index // PRICELISTS
        item: dict[str, Any] = {
            "pricelistExternalId": f"PL_{pricelist:02d}",
            "productExternalId": product_key(product_index),
            "price": round(5 + (index * 7919 % 100000) / 100, 2),
            "currency": "EUR",
        }
        if pricelist >= 6:
            item["minQuantity"] = 5 * (pricelist - 5)
        items.append(item)
    return items


def stock(products: int, suppliers: int) -> list[dict[str, Any]]:
    return [
        {
            "supplierExternalId": f"SUP_{supplier:02d}",
            "productExternalId": product_key(index),
            "quantity": (index * 31 + supplier * 17) % 400,
        }
        for index in range(products)
        for supplier in range(suppliers)
    ]


def pick(count: int, population: int, seed: int) -> list[int]:
    """``count`` distinct indexes spread at random over ``population`` (seeded, reproducible)."""
    return sorted(random.Random(seed).sample(range(population), count))
