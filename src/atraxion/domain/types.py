"""The type aliases the layers share: one name for one shape, written once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

JsonObject = Mapping[str, Any]
"""A JSON object as decoded: string keys, JSON values (a record's envelope, data and derived
fields; an outbox entry's payload)."""

OdooRow = Mapping[str, Any]
"""One record as Odoo reads it with ``load=None``: ``id``, ``write_date`` ("YYYY-MM-DD HH:MM:SS",
UTC) and the requested fields; many2one fields as a bare id or ``False``, x2many as id lists,
empty values as ``False`` (never None)."""

OdooDomain = Sequence[Any]
"""An Odoo search domain: ``(field, operator, value)`` triples and the prefix operators
``"&"``, ``"|"``, ``"!"``, as Odoo itself takes it."""

OdooIds = Mapping[str, int | None]
"""External id → the ``odooId`` its record carries (None: the record has none). Unknown ids are absent."""
