"""Pushes validated at the edge, against each entity's input shape (its Kind's ``shape``).

A private cattrs converter structures each record into its shape (``domain/catalog.py``); any
problem becomes a :class:`~atraxion.domain.errors.FieldError` naming the record's index and the
field's path, and the whole batch is rejected. Before it, a fast path (``inbound_fast``, its checks
derived from the same shapes' type hints) accepts plainly valid batches. Valid records become
domain :class:`~atraxion.domain.records.Incoming` values through their Kind (key rule, partner
type), grouped into one :class:`~atraxion.application.ingest.Batch` per entity (a product's
embedded prices and purchase orders go to their own entities, as its Kind's ``embeds`` say).
"""

from __future__ import annotations

import functools
import math
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

import attrs
import cattrs
from cattrs.cols import is_sequence, list_structure_factory

from atraxion.application.ingest import Batch
from atraxion.domain.bounds import MAX_ID
from atraxion.domain.catalog import kinds_by_name
from atraxion.domain.errors import FieldError, InvalidBatch, LimitExceeded, UnknownEntity
from atraxion.domain.records import Incoming, IncomingColumns, Kind
from atraxion.domain.shapes import MAX_AMOUNT, MAX_DEPTH, MAX_KEY_LENGTH, Document, Key, Number
from atraxion.entrypoints import inbound_fast as fast

T = TypeVar("T")
KINDS: dict[str, Kind] = kinds_by_name()


def _number(value: Any, _: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    if value < 0:
        raise ValueError("must not be negative")
    if value > MAX_AMOUNT:
        raise ValueError(f"must be at most {MAX_AMOUNT}")
    return value


def _key(value: Any, _: Any) -> str:
    text = _string(value, None)
    if not text.strip(fast.BLANK) or len(text) > MAX_KEY_LENGTH:
        raise ValueError(f"must be a non-blank string of at most {MAX_KEY_LENGTH} characters")
    return text


def _string(value: Any, _: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, got {type(value).__name__}")
    return value


def _integer(value: Any, _: Any) -> int:
    if type(value) is float and value.is_integer() and abs(value) <= MAX_ID:
        value = int(value)  # 7.0 is an integer to JSON Schema (and to the OpenAPI document)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be an integer, got {type(value).__name__}")
    if not -MAX_ID <= value <= MAX_ID:
        raise ValueError("is out of the 64-bit range")
    return value


def _strict_lists(type_: Any, converter: cattrs.Converter) -> Callable[[Any, Any], list[Any]]:
    # cattrs turns any iterable into a list ({} would become []): JSON arrays only.
    structure = list_structure_factory(type_, converter)

    def hook(value: Any, target: Any) -> list[Any]:
        if not isinstance(value, list):
            raise ValueError(f"must be a JSON array, got {type(value).__name__}")
        result: list[Any] = structure(value, target)
        return result

    return hook


def _document(value: Any, _: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"must be a JSON object, got {type(value).__name__}")
    if fast.depth(value) > MAX_DEPTH:
        raise ValueError(f"is nested deeper than {MAX_DEPTH} levels")
    return value


_converter = cattrs.Converter(forbid_extra_keys=True)
for _type, _hook in ((Number, _number), (Key, _key), (str, _string), (int, _integer), (Document, _document)):
    _converter.register_structure_hook(_type, _hook)
_converter.register_structure_hook_factory(is_sequence, _strict_lists)


def _envelope(record: Any, *, drop: Sequence[str] = ("data",)) -> dict[str, Any]:
    """The record's contract fields outside ``data``, as plain JSON (absent optionals left out).

    Field by field in the class's order, so dropped fields (a product's whole ``data``) are never
    unstructured: that walk cost more than the rest of a product's validation.
    """
    envelope = {}
    for name in _FIELD_NAMES.get(type(record)) or _field_names(type(record)):
        value = getattr(record, name)
        if value is not None and name not in drop:
            envelope[name] = value if type(value) in _SCALARS else _converter.unstructure(value)
    return envelope


_SCALARS = frozenset({str, int, float, bool})


_FIELD_NAMES: dict[type[Any], tuple[str, ...]] = {}


def _field_names(cls: type[Any]) -> tuple[str, ...]:
    names = _FIELD_NAMES[cls] = tuple(f.name for f in attrs.fields(cls))
    return names


def to_batches(kind: Kind, records: Sequence[Any]) -> list[Batch]:
    """The batches of structured records of ``kind``: its own, then each embedded entity's (a
    product's prices, then its purchase orders) when the push carries some."""
    own_fields = _FIELD_NAMES.get(kind.shape) or _field_names(kind.shape)
    drop = ("data", *(e.list_field for e in kind.embeds))
    if "data" not in own_fields:
        own = [kind.incoming(_envelope(r, drop=drop)) for r in records]
    elif kind.complete is None and len(kind.key_fields) == 1:  # Kind.incoming, unrolled: the P2 hot path
        key = kind.key_fields[0]
        own = [Incoming(getattr(r, key), _envelope(r, drop=drop), r.data or {}) for r in records]
    else:
        own = [kind.incoming(_envelope(r, drop=drop), r.data) for r in records]
    batches = [Batch(kind.name, own)]
    for embed in kind.embeds:
        child = KINDS[embed.entity]
        child_data = "data" in (_FIELD_NAMES.get(child.shape) or _field_names(child.shape))
        inherit = embed.inherit.items()
        children = []
        for r in records:
            for item in getattr(r, embed.list_field) or ():
                envelope = _envelope(item)
                for name, parent_field in inherit:
                    envelope.setdefault(name, getattr(r, parent_field))
                children.append(child.incoming(envelope, item.data if child_data else None))
        if children:
            batches.append(Batch(child.name, children))
    return batches


R = TypeVar("R")


def _per_kind(compute: Callable[[Kind], R]) -> Callable[[Kind], R]:
    """``compute`` cached per entity (a Kind is not hashable: its Odoo mapping holds lists)."""
    cache: dict[str, R] = {}

    def cached(kind: Kind) -> R:
        if kind.name not in cache:
            cache[kind.name] = compute(kind)
        return cache[kind.name]

    return functools.update_wrapper(cached, compute)


# The fast path (see inbound_fast): the same checks as the hooks above, derived from the same shapes.
_KEY, _DOCUMENT = fast.key(MAX_KEY_LENGTH), fast.document(MAX_DEPTH)
_FLAT_CHECKS: dict[Any, str] = {Key: "key", Number: "number", str: "string"}


def _field_types(cls: type[Any]) -> list[tuple[attrs.Attribute[Any], Any, bool]]:
    """Each field of an attrs class with its type (``X`` of ``X | None``) and whether it is optional."""
    hints = typing.get_type_hints(cls)
    result = []
    for f in attrs.fields(cls):
        hint, args = hints[f.name], typing.get_args(hints[f.name])
        optional = type(None) in args
        if optional:
            (hint,) = (a for a in args if a is not type(None))
        result.append((f, hint, optional))
    return result


def _fast_converter(hint: Any) -> fast.Converter:
    if hint is Key:
        return _KEY
    if hint is Document:
        return _DOCUMENT
    if typing.get_origin(hint) is Literal:
        return fast.one_of(*typing.get_args(hint))
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        return fast.list_of(item, _fast_spec(item))
    return {Number: fast.number, str: fast.string, int: fast.integer}[hint]


_FAST_SPECS: dict[type[Any], fast.Spec] = {}


def _fast_spec(cls: type[Any]) -> fast.Spec:
    """``(field, converter, required)`` of each field of an input shape, from its type hints."""
    spec = _FAST_SPECS.get(cls)
    if spec is None:
        fields = _field_types(cls)
        spec = _FAST_SPECS[cls] = tuple((f.name, _fast_converter(h), f.default is attrs.NOTHING) for f, h, _ in fields)
    return spec


@_per_kind
def _flat_columns(kind: Kind) -> tuple[fast.Column, ...] | None:
    """A flat shape's columns (every field a key, number or string), key fields required; else None."""
    columns = []
    for f, hint, _ in _field_types(kind.shape):
        if hint not in _FLAT_CHECKS:
            return None
        columns.append((f.name, _FLAT_CHECKS[hint], f.default is attrs.NOTHING or f.name in kind.key_fields))
    return tuple(columns)


def _fast_flat(kind: Kind, columns: Sequence[fast.Column], items: Sequence[Any]) -> list[Batch] | None:
    checked = fast.flat_envelopes(items, columns, MAX_KEY_LENGTH)
    if checked is None:
        return None
    envelopes, values = checked
    if kind.complete is not None:
        return [Batch(kind.name, [kind.incoming(e) for e in envelopes])]
    parts = [values[name] for name in kind.key_fields]
    keys = parts[0] if len(parts) == 1 else list(map("/".join, zip(*parts, strict=True)))
    return [Batch(kind.name, IncomingColumns(keys, envelopes))]  # column-wise: no object per record


def _fast_parse(kind: Kind, items: Sequence[Any]) -> list[Batch] | None:
    """The batches of a plainly valid push, or None to let the strict path decide."""
    columns = _flat_columns(kind)
    if columns is not None:
        return _fast_flat(kind, columns, items)
    records = fast.structure_all(items, kind.shape, _fast_spec(kind.shape))
    return None if records is None else to_batches(kind, records)


def _kind(entity: str) -> Kind:
    kind = KINDS.get(entity)
    if kind is None:
        raise UnknownEntity(f"unknown entity {entity!r}; known: {', '.join(sorted(KINDS))}")
    return kind


def parse_push(entity: str, body: Any, *, max_record_values: int | None = None) -> list[Batch]:
    """Validate a push body ``{"records": [...]}`` for ``entity``; raise InvalidBatch listing every
    bad record, UnknownEntity, or LimitExceeded for a record whose ``data`` holds more than
    ``max_record_values`` JSON values (None: the caller knows none can)."""
    kind = _kind(entity)
    if not isinstance(body, Mapping) or set(body) != {"records"} or not isinstance(body["records"], list):
        raise InvalidBatch([FieldError(None, "records", 'body must be {"records": [ ... ]}')])
    if not body["records"]:
        raise InvalidBatch([FieldError(None, "records", "must hold at least one record")])
    if max_record_values is not None and _data_fields(kind):
        _check_record_values(kind, body["records"], max_record_values)  # prices and stock carry no data
    batches = _fast_parse(kind, body["records"])
    if batches is not None:
        return batches
    if any(type(item) is dict and DELETED in item for item in body["records"]):
        return _parse_with_deletions(kind, body["records"])
    records, errors = structure_each(body["records"], kind.shape)
    errors += [e for i, r in enumerate(records) if r is not None for e in _missing_keys(kind, r, i)]
    if errors:
        raise InvalidBatch(errors)
    return to_batches(kind, records)


# --- Deletions ---------------------------------------------------------------------------------------
# A pushed record with "deleted": true deletes its key. It needs only its key fields; any other field
# it carries is validated as in any record and then ignored (the tombstone keeps the last content
# Atraxion stored). "deleted": false is an ordinary record. The fast paths never see either: they
# refuse a field they do not know, so "deleted" costs the common push nothing.

DELETED = "deleted"


@_per_kind
def _deletion_class(kind: Kind) -> type[Any]:
    """The entity's record class with only the key fields required: the shape of a deletion."""
    keys = kind.key_fields
    cls = kind.shape
    hints = attrs.resolve_types(cls)
    fields = {
        f.name: attrs.field(type=f.type) if f.name in keys else attrs.field(type=f.type | None, default=None)
        for f in sorted(attrs.fields(hints), key=lambda f: f.name not in keys)
    }
    deletion: type[Any] = attrs.make_class(f"{cls.__name__}Deletion", fields, frozen=True)
    return deletion


@_per_kind
def _not_nullable(kind: Kind) -> frozenset[str]:
    """The fields a live record may not give as null: a deletion may omit them, not null them."""
    return frozenset(f.name for f, _, optional in _field_types(kind.shape) if not optional) | frozenset(kind.key_fields)


def _parse_with_deletions(kind: Kind, items: Sequence[Any]) -> list[Batch]:
    """The strict path of a push holding deletions: every record validated, indices kept."""
    deletion_cls = _deletion_class(kind)
    live: list[Any] = []
    keys: list[str | None] = []
    deletions: list[str] = []
    errors: list[FieldError] = []
    for index, item in enumerate(items):
        flag = item.get(DELETED) if isinstance(item, dict) else None
        if isinstance(item, dict) and DELETED in item and not isinstance(flag, bool):
            errors.append(FieldError(index, DELETED, f"must be true or false, got {type(flag).__name__}"))
            keys.append(None)
            continue
        rest = {k: v for k, v in item.items() if k != DELETED} if isinstance(item, dict) else item
        (record,), found = structure_each([rest], deletion_cls if flag else kind.shape)
        if flag and isinstance(rest, dict):
            found += [
                FieldError(None, k, "must not be null")
                for k, v in rest.items()
                if v is None and k in _not_nullable(kind)
            ]
        missing = [] if record is None or flag else _missing_keys(kind, record, None)
        errors.extend(attrs.evolve(e, index=index) for e in [*found, *missing])
        key = None if record is None else _record_key(kind, record)
        keys.append(key)
        if record is not None and key is not None:
            (deletions if flag else live).append(key if flag else record)
    duplicates: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key is not None and duplicates.setdefault(key, index) != index:
            errors.append(FieldError(index, "key", f"duplicate key {key!r} in the same batch"))
    if errors:
        raise InvalidBatch(sorted(errors, key=lambda e: e.index or 0))
    batches = to_batches(kind, live)
    batches[0] = attrs.evolve(batches[0], deletions=deletions)
    return batches


def _missing_keys(kind: Kind, record: Any, index: int | None) -> list[FieldError]:
    """A key field the shape lets a record omit (a price's product, inherited when embedded) is
    required at the top level."""
    return [
        FieldError(index, name, "required field missing") for name in kind.key_fields if getattr(record, name) is None
    ]


def _record_key(kind: Kind, record: Any) -> str | None:
    parts = [getattr(record, name) for name in kind.key_fields]
    return None if None in parts else "/".join(parts)


def parse_deletion(entity: str, body: Any) -> list[str]:
    """Validate a deletion body ``{"keys": [str, ...]}`` for ``entity``: raise InvalidBatch listing
    every bad key (or a repeated one), or UnknownEntity."""
    kind = _kind(entity)
    if not isinstance(body, Mapping) or set(body) != {"keys"} or not isinstance(body["keys"], list):
        raise InvalidBatch([FieldError(None, "keys", 'body must be {"keys": [ ... ]}')])
    keys = body["keys"]
    if not keys:
        raise InvalidBatch([FieldError(None, "keys", "must hold at least one key")])
    limit = key_length(kind)
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, key in enumerate(keys):
        if not isinstance(key, str) or not key.strip() or len(key) > limit:
            errors.append(FieldError(index, "key", f"must be a non-blank string of at most {limit} characters"))
        elif key in seen:
            errors.append(FieldError(index, "key", f"duplicate key {key!r} in the same batch"))
        else:
            seen.add(key)
    if errors:
        raise InvalidBatch(errors)
    return list(keys)


def key_length(kind: Kind) -> int:
    """The longest key of ``kind``: its key fields' values joined by ``/``."""
    count = len(kind.key_fields)
    return count * MAX_KEY_LENGTH + count - 1


@_per_kind
def _data_fields(kind: Kind) -> tuple[str, ...]:
    """Where a pushed record of ``kind`` carries Odoo documents: ``data``, and the embedded lists
    whose records have one."""
    found = ("data",) if "data" in _field_names(kind.shape) else ()
    return found + tuple(e.list_field for e in kind.embeds if "data" in _field_names(KINDS[e.entity].shape))


def _check_record_values(kind: Kind, items: Sequence[Any], limit: int) -> None:
    nested = [name for name in _data_fields(kind) if name != "data"]
    for index, item in enumerate(items):
        if type(item) is not dict:
            continue
        documents = [item.get("data")]
        for name in nested:
            if type(item.get(name)) is list:
                documents += [child.get("data") for child in item[name] if type(child) is dict]
        for document in documents:
            if (type(document) is dict or type(document) is list) and fast.values(document, limit) > limit:
                raise LimitExceeded(
                    f"record {index}: its data holds more than {limit} JSON values (ATRAXION_MAX_NODES_PER_RECORD)"
                )


def structure_each(items: Sequence[Any], cls: type[T]) -> tuple[list[T | None], list[FieldError]]:
    """Structure every item (None where it is invalid), collecting every problem instead of
    stopping at the first."""
    records: list[T | None] = []
    errors: list[FieldError] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            records.append(None)
            errors.append(FieldError(index, "", f"must be a JSON object, got {type(item).__name__}"))
            continue
        try:
            records.append(_converter.structure(item, cls))
        except cattrs.BaseValidationError as error:
            records.append(None)
            errors.extend(_field_errors(index, error))
        except (ValueError, TypeError) as error:
            records.append(None)
            errors.append(FieldError(index, "", str(error)))
    return records, errors


def _field_errors(index: int, error: cattrs.BaseValidationError) -> list[FieldError]:
    result = []
    for message in cattrs.transform_error(error, path="$", format_exception=_format):
        text, _, path = message.rpartition(" @ ")
        result.append(FieldError(index, path.removeprefix("$").lstrip("."), text))
    return result


def _format(exc: BaseException, type_: type | None) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, ValueError) and not isinstance(exc, cattrs.BaseValidationError):
        return str(exc)
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"unknown field(s): {', '.join(sorted(exc.extra_fields))}"
    name = getattr(type_, "__name__", None) or str(type_)
    return f"invalid value, expected {name}"


def unstructure(value: Any) -> Any:
    return _converter.unstructure(value)
