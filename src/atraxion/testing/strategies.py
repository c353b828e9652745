"""Hypothesis strategies for Odoo-shaped data: documents, product pushes, price lists.

Use them to property-test your own integration: ``from atraxion.testing import strategies``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# Odoo field names: lower-case identifiers; volatile names are mixed in on purpose.
field_names = st.sampled_from(
    [
        "name",
        "list_price",
        "barcode",
        "active",
        "weight",
        "categ_id",
        "taxes_id",
        "description_sale",
        "default_code",
        "write_date",
        "__last_update",
        "x_dimensions",
        "uom_id",
        "type",
        "volume",
    ]
) | st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True)

json_numbers = st.integers(-(10**9), 10**9) | st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)
odoo_scalars = st.none() | st.booleans() | json_numbers | st.text(max_size=20)
many2one = st.tuples(st.integers(1, 10**6), st.text(min_size=1, max_size=20)).map(list)
odoo_values = odoo_scalars | many2one | st.lists(st.integers(1, 10**6), max_size=4)


def documents(max_depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects like Odoo's ``data``: scalars, ``[id, name]`` pairs, id lists, nested objects."""
    values: st.SearchStrategy[Any] = odoo_values
    for _ in range(max_depth):
        values = odoo_values | st.dictionaries(field_names, values, max_size=4)
    return st.dictionaries(field_names, values, max_size=8)


def equivalent_numbers(value: Any) -> Any:
    """``value`` with integral numbers written as floats (10 → 10.0): must never count as a change."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) < 2**53:
        return float(value)
    if isinstance(value, dict):
        return {k: equivalent_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [equivalent_numbers(v) for v in value]
    return value


external_ids = st.from_regex(r"[A-Z]{2,4}_[0-9]{1,4}", fullmatch=True)
prices = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
