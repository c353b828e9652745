"""Field values in and out: what a write accepts, and how a read answers (never None).

Internally an empty value is None, a many2one an id, numbers and booleans plain Python values.
Over the wire Odoo answers ``False`` for empty, ``[id, display_name]`` for a many2one, a list of
ids for an x2many and strings for dates (``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM:SS``, UTC).
"""

from __future__ import annotations

import datetime as dt
import xmlrpc.client
from typing import TYPE_CHECKING, Any

from atraxion.testing.odoo_sim._errors import missing_record
from atraxion.testing.odoo_sim._schema import FieldSpec

if TYPE_CHECKING:
    from atraxion.testing.odoo_sim._store import Store

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def convert(store: Store, model: str, field: FieldSpec, value: Any) -> Any:
    """The stored form of ``value`` for ``field``; ValueError (Fault 1) or MissingError (Fault 2)."""
    kind = field.type
    if kind == "boolean":
        return bool(value)
    if kind == "integer":
        return _number(int, model, field, value)
    if kind in ("float", "monetary"):
        return _number(float, model, field, value)
    if value is None or value is False:
        return None
    if kind in ("char", "text", "html"):
        text = value if isinstance(value, str) else str(value)
        return text[: field.size] if field.size else text  # Odoo truncates a sized char silently
    if kind == "selection":
        if value not in {key for key, _label in field.selection}:
            raise ValueError(f"Wrong value for {model}.{field.name}: {value!r}")
        return value
    if kind in ("date", "datetime"):
        return _moment(kind, model, field, value)
    if kind == "many2one":
        return _many2one(store, model, field, value)
    raise ValueError(f"Wrong value for {model}.{field.name}: {value!r}")


def to_read(store: Store, model: str, record_id: int, field: FieldSpec, load: str | None = "_classic_read") -> Any:
    """``field`` of one record as Odoo's ``read`` answers it (``load=None``: many2one as a bare id)."""
    return present(store, field, store.value(model, record_id, field.name), load)


def present(store: Store, field: FieldSpec, value: Any, load: str | None = "_classic_read") -> Any:
    """An internal value of ``field`` as Odoo's ``read`` answers it."""
    kind = field.type
    if kind == "boolean":
        return bool(value)
    if kind == "integer":
        return int(value or 0)
    if kind in ("float", "monetary"):
        return float(value or 0.0)
    if kind == "one2many":
        return list(value or [])
    if value is None:
        return False
    if kind == "many2one":
        assert field.relation is not None
        if load != "_classic_read":
            return value
        return [value, store.display_name(field.relation, value)]
    return value


def _number(kind: type[int] | type[float], model: str, field: FieldSpec, value: Any) -> Any:
    if value is None or value is False:
        return kind(0)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"Wrong value for {model}.{field.name}: {value!r}")
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"Wrong value for {model}.{field.name}: {value!r}") from None


def _moment(kind: str, model: str, field: FieldSpec, value: Any) -> str:
    if isinstance(value, xmlrpc.client.DateTime):
        value = dt.datetime.strptime(value.value, "%Y%m%dT%H:%M:%S")
    if isinstance(value, dt.datetime):
        return value.strftime(DATETIME_FORMAT if kind == "datetime" else DATE_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT if kind == "date" else DATETIME_FORMAT)
    if isinstance(value, str):
        try:
            # Odoo accepts a bare date for a datetime field (midnight).
            parsed = dt.datetime.strptime(value[:19], DATETIME_FORMAT if len(value) > 10 else DATE_FORMAT)
        except ValueError:
            raise ValueError(f"Wrong value for {model}.{field.name}: {value!r}") from None
        return parsed.strftime(DATETIME_FORMAT if kind == "datetime" else DATE_FORMAT)
    raise ValueError(f"Wrong value for {model}.{field.name}: {value!r}")


def _many2one(store: Store, model: str, field: FieldSpec, value: Any) -> int:
    if isinstance(value, (list, tuple)) and value:
        value = value[0]  # Odoo also takes the [id, name] pair a read gave
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"Wrong value for {model}.{field.name}: {value!r}")
    assert field.relation is not None
    if not store.exists(field.relation, value):
        # What the computes on the new record meet first when they read the missing record.
        raise missing_record(field.relation, [value], store.uid)
    return value
