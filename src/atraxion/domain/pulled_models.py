"""Which Odoo model each pulled entity reads, derived from the entity declarations (each Kind's
``odoo`` mapping, :mod:`atraxion.domain.odoo_entities`): what ``atraxion odoo check`` verifies access
to and what pulling walks."""

from __future__ import annotations

from atraxion.domain.catalog import ALL_KINDS

PULL_ORDER = ("products", "partners", "prices", "stock", "purchase-orders")
"""The order a full pull takes the entities (partners before the purchase orders naming them)."""

PULLED_MODELS: tuple[tuple[str, str], ...] = tuple(
    (kind.name, kind.odoo.model) for name in PULL_ORDER for kind in ALL_KINDS if kind.name == name and kind.odoo
)
"""``(entity, Odoo model)`` pairs, in the order a check reports them."""
