"""The partner hierarchy: main company > billing / delivery addresses > contacts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PARTNER_TYPES = ("main", "billing", "delivery", "contact", "other")

_FROM_ODOO = {"invoice": "billing", "delivery": "delivery", "other": "other"}


def derive_partner_type(data: Mapping[str, Any], *, has_parent: bool) -> str:
    """Our type from Odoo's ``res.partner.type`` when the push does not say: ``invoice`` → billing,
    ``delivery`` → delivery, ``other`` → other, a contact with a parent → contact, else main."""
    odoo_type = data.get("type")
    if isinstance(odoo_type, str) and odoo_type in _FROM_ODOO:
        return _FROM_ODOO[odoo_type]
    return "contact" if has_parent else "main"
