"""Odoo's ``order`` specifications ("date_order desc, id desc") applied to in-memory records.

NULLs sort as PostgreSQL sorts them: last ascending, first descending, unless ``nulls first`` or
``nulls last`` says otherwise. A many2one sorts by the related record's display name.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from atraxion.testing.odoo_sim._store import Store

_TERM = re.compile(
    r"^\s*(?P<field>[a-z0-9_]+)(?:\s+(?P<direction>asc|desc))?(?:\s+nulls\s+(?P<nulls>first|last))?\s*$",
    re.IGNORECASE,
)


def sort(store: Store, model: str, ids: list[int], order: str) -> list[int]:
    terms = parse(store, model, order)
    result = list(ids)
    # Stable sorts from the last term to the first give a lexicographic order.
    for name, descending, nulls_first in reversed(terms):
        # With reverse=True the rank flips too, hence the exclusive or.
        null_rank = 0 if nulls_first != descending else 1

        def key(record_id: int, name: str = name, null_rank: int = null_rank) -> tuple[int, Any]:
            value = _sort_value(store, model, record_id, name)
            return (null_rank, 0) if value is None else (1 - null_rank, value)

        result.sort(key=key, reverse=descending)
    return result


def parse(store: Store, model: str, order: str) -> list[tuple[str, bool, bool]]:
    fields = store.spec(model).fields
    terms = []
    for part in order.split(","):
        match = _TERM.match(part)
        if match is None or match["field"] not in fields or fields[match["field"]].type == "one2many":
            raise ValueError(
                f'Invalid "order" specified ({order}). A valid "order" specification is a comma-separated '
                "list of valid field names (optionally followed by asc/desc for the direction)"
            )
        descending = (match["direction"] or "asc").lower() == "desc"
        nulls = (match["nulls"] or "").lower()
        nulls_first = nulls == "first" if nulls else descending
        terms.append((match["field"], descending, nulls_first))
    return terms


def _sort_value(store: Store, model: str, record_id: int, name: str) -> Any:
    value = store.value(model, record_id, name)
    spec = store.field(model, name)
    if value is None or value is False and spec.type != "boolean":
        return None
    if spec.type == "many2one" and spec.relation is not None:
        return store.display_name(spec.relation, value).lower()
    if isinstance(value, str):
        return value.lower()
    return value
