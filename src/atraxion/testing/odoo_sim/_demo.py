"""``--demo``: a believable catalogue to pull, of any size, seeded set-based in one transaction.

Partners (companies with a ``ref``, each with an invoice and a delivery address and a contact
person), products in a few categories (``default_code``, barcode, prices, weight), two pricelists
with fixed-price items (quantity tiers once there are more items than products), a second
warehouse, stock in both, and purchase orders with lines. Seeding notifies no webhook.

10,000 products and 128,000 pricelist items take a few seconds: the rows go in through
:meth:`Store.insert_many`, which trusts them (ids for many2one, no rules), instead of one
``create`` each.
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING

from attrs import frozen

if TYPE_CHECKING:
    from atraxion.testing.odoo_sim._store import Store

DEFAULT_PRODUCTS = 36
_CATEGORIES = ("Office Furniture", "Lighting", "Cables", "Storage", "Accessories")
_WORDS = ("Desk", "Chair", "Lamp", "Cabinet", "Shelf", "Stool", "Table", "Drawer", "Screen", "Box", "Hook", "Cable")
_MATERIALS = ("Oak", "Steel", "Walnut", "Birch", "Aluminium", "Black", "White", "Grey")
_CITIES = (("Brussels", "1000", "BE"), ("Ghent", "9000", "BE"), ("Antwerp", "2000", "BE"), ("Lille", "59000", "FR"),
           ("Rotterdam", "3011", "NL"), ("Cologne", "50667", "DE"), ("Luxembourg", "1111", "LU"))  # fmt: skip
_TIERS = (1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0)


@frozen
class DemoSize:
    """How much to seed; ``pricelist_items`` defaults to one per product in each of the two pricelists."""

    products: int = DEFAULT_PRODUCTS
    partners: int | None = None
    pricelist_items: int | None = None

    @property
    def partner_count(self) -> int:
        return self.partners if self.partners is not None else max(4, math.ceil(self.products / 4))

    @property
    def item_count(self) -> int:
        return self.pricelist_items if self.pricelist_items is not None else 2 * self.products


@frozen
class DemoCounts:
    """What :func:`seed` created, by model."""

    companies: int
    contacts: int
    products: int
    pricelist_items: int
    quants: int
    purchase_orders: int


def seed(store: Store, size: DemoSize, *, seed: int = 17) -> DemoCounts:
    """Seed ``store`` (inside one of its transactions) with a demo catalogue of ``size``."""
    if size.products < 0 or size.partner_count < 0 or size.item_count < 0:
        raise ValueError("demo sizes are not negative")
    rng = random.Random(seed)
    country = {code: i for i in store.ids("res.country") if (code := store.value("res.country", i, "code"))}
    companies, contacts = _partners(store, rng, size.partner_count, country)
    products, templates = _products(store, rng, size.products)
    items = _pricelists(store, rng, products, templates, size.item_count)
    quants = _stock(store, rng, products)
    orders = _purchases(store, rng, companies, products)
    return DemoCounts(len(companies), len(contacts), len(products), items, quants, orders)


def _partners(store: Store, rng: random.Random, count: int, country: dict[str, int]) -> tuple[list[int], list[int]]:
    rows = []
    for n in range(1, count + 1):
        city, zip_code, code = _CITIES[n % len(_CITIES)]
        name = f"{rng.choice(_MATERIALS)} {rng.choice(('Interiors', 'Offices', 'Design', 'Works', 'Trading'))} {n}"
        rows.append(
            {"name": name, "is_company": True, "type": "contact", "ref": f"C{n:05d}", "active": True,
             "email": f"info@company{n}.example", "phone": f"+32 2 555 {n % 10000:04d}",
             "street": f"{rng.choice(_WORDS)}straat {n % 200 + 1}", "city": city, "zip": zip_code,
             "country_id": country.get(code), "vat": f"{code}0{400000000 + n}", "lang": "en_US"}
        )  # fmt: skip
    companies = store.insert_many("res.partner", rows)
    children = []
    for n, company in enumerate(companies, start=1):
        base = {"parent_id": company, "is_company": False, "active": True, "country_id": rows[n - 1]["country_id"]}
        children += [
            {**base, "type": "invoice", "name": "Accounting", "email": f"invoices@company{n}.example"},
            {**base, "type": "delivery", "name": "Warehouse", "street": f"Dock {n % 40 + 1}",
             "city": rows[n - 1]["city"], "zip": rows[n - 1]["zip"]},
            {**base, "type": "contact", "name": f"Contact {n}", "email": f"buyer@company{n}.example"},
        ]  # fmt: skip
    return companies, store.insert_many("res.partner", children)


def _products(store: Store, rng: random.Random, count: int) -> tuple[list[int], list[int]]:
    categories = [store.create("product.category", {"name": name, "parent_id": 1}) for name in _CATEGORIES]
    storable = {"type": "product", "detailed_type": "product"} if store.version <= 17 else {"is_storable": True}
    template_rows, variant_rows = [], []
    for n in range(1, count + 1):
        price = round(rng.uniform(2, 900), 2)
        template_rows.append(
            {"name": f"{rng.choice(_MATERIALS)} {rng.choice(_WORDS)} {n}", "list_price": price,
             "categ_id": categories[n % len(categories)], "description_sale": f"Demo product number {n}",
             "sale_ok": True, "purchase_ok": True, "active": True, **storable}
        )  # fmt: skip
        variant_rows.append(
            {"default_code": f"DEMO-{n:05d}", "barcode": _ean13(540_0000_00000 + n),
             "standard_price": round(price * rng.uniform(0.4, 0.7), 2), "weight": round(rng.uniform(0.1, 40), 2),
             "volume": round(rng.uniform(0.001, 1.5), 3), "active": True}
        )  # fmt: skip
    templates = store.insert_many("product.template", template_rows)
    for row, template in zip(variant_rows, templates, strict=True):
        row["product_tmpl_id"] = template
    return store.insert_many("product.product", variant_rows), templates


def _pricelists(store: Store, rng: random.Random, products: list[int], templates: list[int], count: int) -> int:
    if not count:
        return 0
    usd = min(store.search("res.currency", [("name", "=", "USD")], active_test=False), default=1)
    pricelists = [
        store.create("product.pricelist", {"name": "Retail", "currency_id": 1}),
        store.create("product.pricelist", {"name": "Export", "currency_id": usd}),
    ]
    per_pricelist = [count // 2 + count % 2, count // 2]
    prices = [store.value("product.product", product, "list_price") for product in products]
    rows = []
    for pricelist, wanted in zip(pricelists, per_pricelist, strict=True):
        if not products:
            rows += [{"pricelist_id": pricelist, "applied_on": "3_global", "compute_price": "percentage",
                      "percent_price": 5.0, "min_quantity": tier} for tier in _cycle(_TIERS, wanted)]  # fmt: skip
            continue
        for k in range(wanted):
            index, tier = k % len(products), _TIERS[(k // len(products)) % len(_TIERS)]
            variant = k // len(products) % 2 == 1  # every other tier on the variant rather than the template
            price = round(prices[index] * (1 - tier / 2000), 2)
            rows.append(
                {"pricelist_id": pricelist, "compute_price": "fixed", "fixed_price": price, "min_quantity": tier,
                 "applied_on": "0_product_variant" if variant else "1_product",
                 "product_id": products[index] if variant else None,
                 "product_tmpl_id": None if variant else templates[index],
                 "date_start": "2024-01-01 00:00:00" if rng.random() < 0.05 else None}
            )  # fmt: skip
    return len(store.insert_many("product.pricelist.item", rows))


def _stock(store: Store, rng: random.Random, products: list[int]) -> int:
    main = store.value("stock.warehouse", 1, "lot_stock_id")
    second = store.create("stock.warehouse", {"name": "Ghent", "code": "GNT"})
    other = store.value("stock.warehouse", second, "lot_stock_id")
    rows = [{"product_id": p, "location_id": main, "quantity": float(rng.randint(0, 200)),
             "reserved_quantity": float(rng.randint(0, 5)), "company_id": 1} for p in products]  # fmt: skip
    rows += [{"product_id": p, "location_id": other, "quantity": float(rng.randint(1, 50)), "company_id": 1}
             for p in products[::3]]  # fmt: skip
    return len(store.insert_many("stock.quant", rows))


def _purchases(store: Store, rng: random.Random, vendors: list[int], products: list[int]) -> int:
    if not vendors or not products:
        return 0
    states = ("draft", "sent", "purchase", "purchase", "done", "cancel")
    count = max(3, min(200, len(products) // 10))
    for n in range(count):
        lines = [
            (0, 0, {"product_id": rng.choice(products), "product_qty": float(rng.randint(1, 40))})
            for _ in range(rng.randint(1, 4))
        ]
        order = store.create("purchase.order", {"partner_id": vendors[n % len(vendors)], "order_line": lines})
        state = states[n % len(states)]
        store.write("purchase.order", [order], {"state": state, "locked": state == "done"})
    return count


def _cycle(values: tuple[float, ...], count: int) -> list[float]:
    return [values[i % len(values)] for i in range(count)]


def _ean13(number: int) -> str:
    digits = f"{number:012d}"[-12:]
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)
