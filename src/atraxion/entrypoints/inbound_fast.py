"""The fast path of inbound validation: accept plainly valid batches without cattrs.

cattrs costs several microseconds per record, which dominates a 128,000-price push. The functions
here recognize the common case, records made only of exact JSON types that pass every check of
:mod:`atraxion.entrypoints.inbound`, and build the same values. They never report errors: on
anything unusual they answer ``None`` and the caller runs the strict cattrs path, which decides
and words every error exactly as before. So the fast path can only accept a subset of what the
strict path accepts, and produces the same output for it.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from functools import partial
from itertools import chain, repeat
from operator import is_not
from typing import Any, TypeVar

from atraxion.domain.bounds import MAX_ID
from atraxion.domain.shapes import MAX_AMOUNT

T = TypeVar("T")

INVALID: Any = object()
"""What a converter answers for a value the fast path does not accept."""

Converter = Callable[[Any], Any]
Spec = tuple[tuple[str, Converter, bool], ...]
"""``(field, converter, required)`` in the attrs class's field order (the envelope's key order)."""

BLANK = " \t\n\r\x0b\x0c"
"""What a key may not consist of only: ASCII white space, exactly what the OpenAPI pattern
``[^ \t\n\r\v\f]`` says (``str.strip()`` would also strip control characters such as U+001E)."""
_not_none = partial(is_not, None)


def key(max_length: int) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) is str and len(value) <= max_length and value.strip(BLANK):
            return value
        return INVALID

    return convert


def string(value: Any) -> Any:
    return value if type(value) is str else INVALID


def integer(value: Any) -> Any:
    return value if type(value) is int and -MAX_ID <= value <= MAX_ID else INVALID


def number(value: Any) -> Any:
    """A finite, non-negative JSON number no larger than MAX_AMOUNT."""
    kind = type(value)
    if (kind is float or kind is int) and 0 <= value <= MAX_AMOUNT:  # NaN fails both comparisons
        return value
    return INVALID


def one_of(*allowed: str) -> Converter:
    choices = frozenset(allowed)

    def convert(value: Any) -> Any:
        return value if type(value) is str and value in choices else INVALID

    return convert


def document(max_depth: int) -> Converter:
    def convert(value: Any) -> Any:
        return value if type(value) is dict and depth(value) <= max_depth else INVALID

    return convert


def depth(node: Any) -> int:
    """Nesting depth of a JSON container (a flat object is 1): level by level, no recursion."""
    level, current = 0, [node]
    while current:
        level += 1
        deeper = []
        for container in current:
            for child in container.values() if type(container) is dict else container:
                kind = type(child)
                if kind is dict or kind is list:
                    deeper.append(child)
        current = deeper
    return level


def values(node: Any, limit: int) -> int:
    """The JSON values in ``node`` (itself included), counted without recursion; counting stops
    soon after ``limit`` is passed."""
    count, stack = 1, [node]
    while stack and count <= limit:
        container = stack.pop()
        count += len(container)
        for child in container.values() if type(container) is dict else container:
            kind = type(child)
            if kind is dict or kind is list:
                stack.append(child)
    return count


def structure(item: Any, cls: Callable[..., T], spec: Spec, allowed: frozenset[str]) -> T | None:
    """``cls(**fields)`` for one plainly valid record, else None."""
    if type(item) is not dict or not allowed.issuperset(item):
        return None
    fields: dict[str, Any] = {}
    for name, convert, required in spec:
        value = item.get(name)
        if value is None:
            if required:
                return None
            continue
        value = convert(value)
        if value is INVALID:
            return None
        fields[name] = value
    return cls(**fields)


def structure_all(items: Sequence[Any], cls: Callable[..., T], spec: Spec) -> list[T] | None:
    allowed = frozenset(name for name, _, _ in spec)
    out = []
    for item in items:
        value = structure(item, cls, spec, allowed)
        if value is None:
            return None
        out.append(value)
    return out


def list_of(cls: Callable[..., T], spec: Spec) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) is not list:
            return INVALID
        items = structure_all(value, cls, spec)
        return INVALID if items is None else items

    return convert


Column = tuple[str, str, bool]
"""``(field, check, required)`` of a flat record, in field order; check is ``key``, ``string`` or
``number``."""


def flat_envelopes(
    items: Sequence[Any], columns: Sequence[Column], max_key: int
) -> tuple[list[dict[str, Any]], dict[str, list[Any]]] | None:
    """Envelopes of flat records (every field a scalar), checked a column at a time, and the
    columns (``None`` where a record lacks the field).

    Equivalent to structuring each record and keeping its non-null fields in field order, but the
    loops run in C (``map``, ``set``, ``zip``), which makes 128,000 prices cheap.
    """
    if set(map(type, items)) - {dict}:
        return None
    names = [name for name, _, _ in columns]
    if not frozenset(names).issuperset(chain.from_iterable(items)):
        return None
    values: dict[str, list[Any]] = {}
    for name, check, required in columns:
        column = list(map(dict.get, items, repeat(name)))
        if required and None in column:
            return None
        present = column if required else list(filter(_not_none, column))
        if present and not _column_ok(present, check, max_key):
            return None
        values[name] = column
    return _envelopes(items, values), values


def _column_ok(values: list[Any], check: str, max_key: int) -> bool:
    types = set(map(type, values))
    if check == "string":
        return types == {str}
    if check == "key":
        return types == {str} and all(map(str.strip, values, repeat(BLANK))) and max(map(len, values)) <= max_key
    if check == "number":
        if not types <= {int, float}:
            return False
        try:
            finite = math.isfinite(math.fsum(values))  # NaN, infinities or huge ints make it fail
        except (OverflowError, ValueError):
            return False
        return finite and min(values) >= 0 and max(values) <= MAX_AMOUNT
    raise ValueError(f"unknown column check {check!r}")


def _envelopes(items: Sequence[dict[str, Any]], columns: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Per record, ``{name: value}`` for its non-null fields, in the columns' order: a copy of one
    template holding the fields some record has, updated with the record (``dict.update`` keeps the
    template's order), then rid of the fields it lacks or holds as null."""
    kept = [name for name, column in columns.items() if any(map(_not_none, column))]
    envelopes = list(map(dict.copy, repeat(dict.fromkeys(kept), len(items))))
    deque(map(dict.update, envelopes, items), maxlen=0)
    for name, column in columns.items():
        if None not in column or (name not in kept and not any(map(dict.__contains__, items, repeat(name)))):
            continue
        for envelope, value in zip(envelopes, column, strict=True):
            if value is None:  # absent (maybe the template's placeholder) or null
                envelope.pop(name, None)
    return envelopes
