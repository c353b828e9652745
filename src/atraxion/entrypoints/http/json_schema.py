"""JSON Schemas of the contract's attrs shapes (``domain/catalog.py``), for the OpenAPI document.

A walk of each class's fields and type hints: ``Key`` is a non-blank bounded string, ``Number`` a
bounded number, ``int`` a 64-bit integer, ``Document`` Odoo's object, a ``Literal`` an enum,
``list[X]`` an array of X's schema, an attrs class an object; ``X | None`` adds null. An input
shape's fields without a default are required and no other field is allowed; an output shape's
required fields are those a feed item always shows (every field not declared ``sometimes``).
"""

from __future__ import annotations

import typing
from typing import Any, Literal

import attrs

from atraxion.domain.bounds import MAX_ID
from atraxion.domain.shapes import DESCRIPTION, MAX_AMOUNT, MAX_DEPTH, MAX_KEY_LENGTH, SOMETIMES, Document, Key, Number

NOT_BLANK = "[^ \\t\\n\\r\\v\\f]"
KEY = {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": NOT_BLANK, "description": "Not blank"}
NUMBER = {"type": "number", "minimum": 0, "maximum": MAX_AMOUNT}
INT64 = {"type": "integer", "format": "int64", "minimum": -MAX_ID, "maximum": MAX_ID}
DOCUMENT = {
    "type": "object",
    "description": f"Odoo's record, stored and returned exactly as sent: nested at most {MAX_DEPTH} levels, at most "
    "ATRAXION_MAX_NODES_PER_RECORD (default 100,000) JSON values (413 beyond)",
}
_PLAIN: dict[Any, dict[str, Any]] = {
    Key: KEY,
    Number: NUMBER,
    Document: DOCUMENT,
    int: INT64,
    str: {"type": "string"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
}


def input_schema(cls: type[Any], *, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The object an input shape accepts; ``required`` names optional fields required here (and
    so not nullable): the key fields of a top-level record."""
    properties = {}
    needed = []
    for f, hint in _fields(cls):
        if f.name in required:
            hint = _without_none(hint)
        properties[f.name] = type_schema(hint)
        if f.default is attrs.NOTHING or f.name in required:
            needed.append(f.name)
    return {"type": "object", "required": needed, "additionalProperties": False, "properties": properties}


def output_properties(cls: type[Any]) -> tuple[list[str], dict[str, Any]]:
    """The required names and the properties of an output shape."""
    properties = {}
    needed = []
    for f, hint in _fields(cls):
        schema = type_schema(hint)
        if f.metadata.get(DESCRIPTION):
            schema = {**schema, "description": f.metadata[DESCRIPTION]}
        properties[f.name] = schema
        if not f.metadata.get(SOMETIMES):
            needed.append(f.name)
    return needed, properties


def type_schema(hint: Any) -> dict[str, Any]:
    args = typing.get_args(hint)
    if type(None) in args:
        return _nullable(type_schema(_without_none(hint)))
    if hint in _PLAIN:
        return dict(_PLAIN[hint])
    if typing.get_origin(hint) is Literal:
        return {"enum": list(args)}
    if typing.get_origin(hint) is list:
        return {"type": "array", "items": type_schema(args[0])}
    if attrs.has(hint):
        return input_schema(hint)
    raise TypeError(f"no JSON Schema for {hint!r}")


def _fields(cls: type[Any]) -> list[tuple[attrs.Attribute[Any], Any]]:
    hints = typing.get_type_hints(cls)
    return [(f, hints[f.name]) for f in attrs.fields(cls)]


def _without_none(hint: Any) -> Any:
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if len(args) == 1 and type(None) in typing.get_args(hint) else hint


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], None]}
    return {**schema, "type": [schema["type"], "null"]}
