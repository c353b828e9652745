"""Hypothesis strategies for Odoo-shaped data: documents, product pushes, price lists.

Use them to property-test your own integration: ``from atraxion.testing import strategies``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from atraxion.domain.diff import DEFAULT_VOLATILE_FIELDS

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

characters = st.characters(codec="utf-8", exclude_characters="\x00")
"""Any character a client may send in a string: encodable as UTF-8 (no lone surrogate), and not NUL
(U+0000), which the HTTP edge refuses with 422 on every database (PostgreSQL stores no text holding one)."""

json_numbers = st.integers(-(10**9), 10**9) | st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)
odoo_scalars = st.none() | st.booleans() | json_numbers | st.text(characters, max_size=20)
many2one = st.tuples(st.integers(1, 10**6), st.text(characters, min_size=1, max_size=20)).map(list)
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


# --- Content and its spellings -------------------------------------------------------------------
# Odoo re-sends the same record with numbers written differently (``10`` or ``10.0``) and with new
# values in volatile fields (``write_date``). The strategies below separate *content* from its
# *spelling*, so a model can compare contents with plain equality while the system under test
# receives every spelling.

VOLATILE_FIELDS: frozenset[str] = DEFAULT_VOLATILE_FIELDS

_non_integral_floats = st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer())
canonical_numbers = st.integers(-(10**9), 10**9) | _non_integral_floats
"""Numbers in their one canonical spelling: integral values are ints, floats are never integral."""

canonical_scalars = st.none() | st.booleans() | canonical_numbers | st.text(characters, max_size=20)
canonical_values = canonical_scalars | many2one | st.lists(st.integers(1, 10**6), max_size=4)


def content_field_names(volatile: frozenset[str] = VOLATILE_FIELDS) -> st.SearchStrategy[str]:
    """Field names that are never volatile."""
    return field_names.filter(lambda name: name not in volatile)


def content_documents(
    max_depth: int = 2, volatile: frozenset[str] = VOLATILE_FIELDS
) -> st.SearchStrategy[dict[str, Any]]:
    """Documents in canonical form: no volatile field, every number spelled canonically.

    Two such documents have the same content exactly when they are equal as JSON
    (``json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)``; plain ``==`` would call
    ``True`` equal to ``1``). Send them through :func:`respellings` to exercise normalization.
    """
    names = content_field_names(volatile)
    values: st.SearchStrategy[Any] = canonical_values
    for _ in range(max_depth):
        values = canonical_values | st.dictionaries(names, values, max_size=4)
    return st.dictionaries(names, values, max_size=8)


volatile_values = st.none() | st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S"))


def respellings(
    document: dict[str, Any], volatile: frozenset[str] = VOLATILE_FIELDS
) -> st.SearchStrategy[dict[str, Any]]:
    """``document`` (see :func:`content_documents`) written another way, with the same content:
    integral numbers randomly as floats, and volatile fields added with random values in the
    document and any object nested in it. Atraxion must see no change between any two of them."""

    @st.composite
    def respelled(draw: st.DrawFn) -> dict[str, Any]:
        result: dict[str, Any] = _respell(draw, document, sorted(volatile))
        return result

    return respelled()


def _respell(draw: st.DrawFn, value: Any, volatile: list[str]) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) < 2**53:
        return float(value) if draw(st.booleans()) else value
    if isinstance(value, list):
        return [_respell(draw, v, volatile) for v in value]
    if isinstance(value, dict):
        spelled = {k: _respell(draw, v, volatile) for k, v in value.items()}
        for name in volatile:
            if draw(st.booleans()):
                spelled[name] = draw(volatile_values)
        return spelled
    return value
