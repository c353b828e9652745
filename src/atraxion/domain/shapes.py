"""The vocabulary of the contract's record shapes: the attrs classes each entity declares in
``domain/catalog.py``, what Odoo pushes (``…In``) and what a feed item shows (``…Out``).

Those classes are the one place the contract is written: the strict converter and the fast path
at the HTTP edge structure pushes into the input classes, and the OpenAPI schemas of both are
generated from them. The type hints carry the rules: :data:`Key` is a non-blank string of at most
:data:`MAX_KEY_LENGTH` characters, :data:`Number` a finite number in ``[0, MAX_AMOUNT]``,
:data:`Document` Odoo's JSON object (nested at most :data:`MAX_DEPTH` levels), ``int`` a 64-bit
integer, a ``Literal`` one of its values; an optional field (``… | None = None``) may be left out
or null.
"""

from __future__ import annotations

from typing import Any, Literal, NewType

import attrs

Key = NewType("Key", str)
Number = NewType("Number", float)
Document = NewType("Document", dict)  # type: ignore[type-arg]

MAX_KEY_LENGTH = 255
MAX_DEPTH = 32
MAX_AMOUNT = 10**15
"""The largest price or quantity accepted: far above any real one, far below where Decimal
quantizing or the database's exact types would overflow."""

PartnerType = Literal["main", "billing", "delivery", "contact", "other"]

SOMETIMES = "sometimes"
DESCRIPTION = "description"


def sometimes(description: str | None = None) -> Any:
    """An output field a feed item may leave out (every other output field is always shown, its
    default when the record has no value)."""
    return attrs.field(default=None, metadata={SOMETIMES: True, DESCRIPTION: description})


def shown_defaults(output: type[Any]) -> dict[str, Any]:
    """What a feed item shows for an output field its record has no value for."""
    return {
        f.name: f.default
        for f in attrs.fields(output)
        if f.default is not attrs.NOTHING and not f.metadata.get(SOMETIMES)
    }
