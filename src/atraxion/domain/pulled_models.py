"""Which Odoo model each pulled entity reads: what ``atraxion odoo check`` verifies access to and
what pulling walks. (To move into the entity declarations once pulling declares its entities.)"""

from __future__ import annotations

PULLED_MODELS: tuple[tuple[str, str], ...] = (
    ("products", "product.product"),
    ("partners", "res.partner"),
    ("prices", "product.pricelist.item"),
    ("stock", "stock.quant"),
    ("purchase-orders", "purchase.order"),
)
"""``(entity, Odoo model)`` pairs, in the order a check reports them."""
