"""The shapes Odoo pushes (the HTTP contract's inbound table), validated strictly at the edge.

A private cattrs converter structures each record; any problem becomes a
:class:`~atraxion.domain.errors.FieldError` naming the record's index and the field's path, and the
whole batch is rejected. Valid records become domain :class:`~atraxion.domain.records.Incoming`
values, grouped into one :class:`~atraxion.application.ingest.Batch` per entity (a product's
embedded prices and purchase orders go to their own entities).
"""

from __future__ import annotations

import functools
import math
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, NewType, TypeVar

import attrs
import cattrs
from attrs import frozen
from cattrs.cols import is_sequence, list_structure_factory

from atraxion.application.ingest import Batch
from atraxion.domain.bounds import MAX_ID
from atraxion.domain.errors import FieldError, InvalidBatch, LimitExceeded, UnknownEntity
from atraxion.domain.partners import derive_partner_type
from atraxion.domain.records import Incoming
from atraxion.entrypoints import inbound_fast as fast

Number = NewType("Number", float)
Key = NewType("Key", str)
MAX_KEY_LENGTH = 255
MAX_DEPTH = 32
T = TypeVar("T")

PartnerType = Literal["main", "billing", "delivery", "contact", "other"]


def _number(value: Any, _: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    if value < 0:
        raise ValueError("must not be negative")
    if value > fast.MAX_AMOUNT:
        raise ValueError(f"must be at most {fast.MAX_AMOUNT}")
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


Document = NewType("Document", dict)  # type: ignore[type-arg]

_converter = cattrs.Converter(forbid_extra_keys=True)
for _type, _hook in ((Number, _number), (Key, _key), (str, _string), (int, _integer), (Document, _document)):
    _converter.register_structure_hook(_type, _hook)
_converter.register_structure_hook_factory(is_sequence, _strict_lists)


@frozen
class PriceIn:
    pricelistExternalId: Key
    price: Number
    productExternalId: Key | None = None
    currency: str | None = None
    minQuantity: Number | None = None


@frozen
class PurchaseOrderLineIn:
    productExternalId: Key
    quantity: Number
    priceUnit: Number


@frozen
class PurchaseOrderIn:
    externalId: Key
    name: str
    vendor: str
    state: str
    lines: list[PurchaseOrderLineIn]
    odooId: int | None = None
    data: Document | None = None


@frozen
class ProductIn:
    externalId: Key
    data: Document
    odooId: int | None = None
    prices: list[PriceIn] | None = None
    purchaseOrders: list[PurchaseOrderIn] | None = None


@frozen
class PartnerIn:
    externalId: Key
    data: Document
    odooId: int | None = None
    type: PartnerType | None = None
    externalParentId: Key | None = None


@frozen
class OdooSaleOrderIn:
    externalId: Key
    data: Document
    odooId: int | None = None


@frozen
class StockIn:
    supplierExternalId: Key
    productExternalId: Key
    quantity: Number


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


def _price(price: PriceIn, product: str | None = None) -> Incoming:
    envelope = _envelope(price)
    envelope["productExternalId"] = envelope.get("productExternalId", product)
    return Incoming(f"{price.pricelistExternalId}/{envelope['productExternalId']}", envelope)


def _purchase_order(order: PurchaseOrderIn) -> Incoming:
    return Incoming(order.externalId, _envelope(order), order.data or {})


def _products(records: Sequence[ProductIn]) -> list[Batch]:
    products = [
        Incoming(r.externalId, _envelope(r, drop=("data", "prices", "purchaseOrders")), r.data) for r in records
    ]
    prices = [_price(p, r.externalId) for r in records for p in r.prices or ()]
    orders = [_purchase_order(o) for r in records for o in r.purchaseOrders or ()]
    batches = [Batch("products", products)]
    if prices:
        batches.append(Batch("prices", prices))
    if orders:
        batches.append(Batch("purchase-orders", orders))
    return batches


def _partners(records: Sequence[PartnerIn]) -> list[Batch]:
    incoming = []
    for r in records:
        envelope = _envelope(r)
        envelope["type"] = r.type or derive_partner_type(
            r.data, has_parent=r.externalParentId is not None or bool(r.data.get("parent_id"))
        )
        incoming.append(Incoming(r.externalId, envelope, r.data))
    return [Batch("partners", incoming)]


@frozen
class _Shape:
    cls: type[Any]
    to_batches: Callable[[Sequence[Any]], list[Batch]]


SHAPES: dict[str, _Shape] = {
    "products": _Shape(ProductIn, _products),
    "partners": _Shape(PartnerIn, _partners),
    "sale-orders": _Shape(
        OdooSaleOrderIn, lambda rs: [Batch("sale-orders", [Incoming(r.externalId, _envelope(r), r.data) for r in rs])]
    ),
    "purchase-orders": _Shape(PurchaseOrderIn, lambda rs: [Batch("purchase-orders", [_purchase_order(r) for r in rs])]),
    "stock": _Shape(
        StockIn,
        lambda rs: [
            Batch("stock", [Incoming(f"{r.supplierExternalId}/{r.productExternalId}", _envelope(r)) for r in rs])
        ],
    ),
    "prices": _Shape(PriceIn, lambda rs: [Batch("prices", [_price(r) for r in rs])]),
}


# The fast path (see inbound_fast): the same checks as the hooks above, in the classes' field order.
_KEY, _DOCUMENT = fast.key(MAX_KEY_LENGTH), fast.document(MAX_DEPTH)
_PRICE_COLUMNS: tuple[fast.Column, ...] = (
    ("pricelistExternalId", "key", True),
    ("price", "number", True),
    ("productExternalId", "key", True),  # required at the top level (checked apart in the strict path)
    ("currency", "string", False),
    ("minQuantity", "number", False),
)
_STOCK_COLUMNS: tuple[fast.Column, ...] = (
    ("supplierExternalId", "key", True),
    ("productExternalId", "key", True),
    ("quantity", "number", True),
)
_PRICE_SPEC: fast.Spec = (
    ("pricelistExternalId", _KEY, True),
    ("price", fast.number, True),
    ("productExternalId", _KEY, False),
    ("currency", fast.string, False),
    ("minQuantity", fast.number, False),
)
_FAST_SPECS: dict[type[Any], fast.Spec] = {
    ProductIn: (
        ("externalId", _KEY, True),
        ("data", _DOCUMENT, True),
        ("odooId", fast.integer, False),
        ("prices", fast.list_of(PriceIn, _PRICE_SPEC), False),
        ("purchaseOrders", lambda _: fast.INVALID, False),  # nested lines: the strict path handles them
    ),
    PartnerIn: (
        ("externalId", _KEY, True),
        ("data", _DOCUMENT, True),
        ("odooId", fast.integer, False),
        ("type", fast.one_of("main", "billing", "delivery", "contact", "other"), False),
        ("externalParentId", _KEY, False),
    ),
    OdooSaleOrderIn: (("externalId", _KEY, True), ("data", _DOCUMENT, True), ("odooId", fast.integer, False)),
}


def _fast_flat(entity: str, items: Sequence[Any]) -> list[Batch] | None:
    columns = _PRICE_COLUMNS if entity == "prices" else _STOCK_COLUMNS
    checked = fast.flat_envelopes(items, columns, MAX_KEY_LENGTH)
    if checked is None:
        return None
    envelopes, values = checked
    first, second = (columns[0][0], columns[2][0]) if entity == "prices" else (columns[0][0], columns[1][0])
    keys = map("{}/{}".format, values[first], values[second])
    return [Batch(entity, list(map(Incoming, keys, envelopes)))]


def _fast_parse(entity: str, shape: _Shape, items: Sequence[Any]) -> list[Batch] | None:
    """The batches of a plainly valid push, or None to let the strict path decide."""
    if entity in ("prices", "stock"):
        return _fast_flat(entity, items)
    spec = _FAST_SPECS.get(shape.cls)
    records = fast.structure_all(items, shape.cls, spec) if spec else None
    return None if records is None else shape.to_batches(records)


def parse_push(entity: str, body: Any, *, max_record_values: int | None = None) -> list[Batch]:
    """Validate a push body ``{"records": [...]}`` for ``entity``; raise InvalidBatch listing every
    bad record, UnknownEntity, or LimitExceeded for a record whose ``data`` holds more than
    ``max_record_values`` JSON values (None: the caller knows none can)."""
    shape = SHAPES.get(entity)
    if shape is None:
        raise UnknownEntity(f"unknown entity {entity!r}; known: {', '.join(sorted(SHAPES))}")
    if not isinstance(body, Mapping) or set(body) != {"records"} or not isinstance(body["records"], list):
        raise InvalidBatch([FieldError(None, "records", 'body must be {"records": [ ... ]}')])
    if not body["records"]:
        raise InvalidBatch([FieldError(None, "records", "must hold at least one record")])
    if max_record_values is not None and "data" in (_FIELD_NAMES.get(shape.cls) or _field_names(shape.cls)):
        _check_record_values(body["records"], max_record_values)  # prices and stock carry no data
    batches = _fast_parse(entity, shape, body["records"])
    if batches is not None:
        return batches
    if any(type(item) is dict and DELETED in item for item in body["records"]):
        return _parse_with_deletions(entity, shape, body["records"])
    records, errors = structure_each(body["records"], shape.cls)
    if entity == "prices":
        errors += [
            FieldError(i, "productExternalId", "required field missing")
            for i, r in enumerate(records)
            if r is not None and r.productExternalId is None
        ]
    if errors:
        raise InvalidBatch(errors)
    return shape.to_batches(records)


# --- Deletions ---------------------------------------------------------------------------------------
# A pushed record with "deleted": true deletes its key. It needs only its key fields; any other field
# it carries is validated as in any record and then ignored (the tombstone keeps the last content
# Atraxion stored). "deleted": false is an ordinary record. The fast paths never see either: they
# refuse a field they do not know, so "deleted" costs the common push nothing.

DELETED = "deleted"
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "products": ("externalId",),
    "partners": ("externalId",),
    "sale-orders": ("externalId",),
    "purchase-orders": ("externalId",),
    "stock": ("supplierExternalId", "productExternalId"),
    "prices": ("pricelistExternalId", "productExternalId"),
}
MAX_DELETE_KEY_LENGTH = 2 * MAX_KEY_LENGTH + 1
"""A stock or price key is ``{a}/{b}``, each part at most MAX_KEY_LENGTH long."""


@functools.cache
def _deletion_class(entity: str) -> type[Any]:
    """The entity's record class with only the key fields required: the shape of a deletion."""
    keys = KEY_FIELDS[entity]
    cls = SHAPES[entity].cls
    hints = attrs.resolve_types(cls)
    fields = {
        f.name: attrs.field(type=f.type) if f.name in keys else attrs.field(type=f.type | None, default=None)
        for f in sorted(attrs.fields(hints), key=lambda f: f.name not in keys)
    }
    deletion: type[Any] = attrs.make_class(f"{cls.__name__}Deletion", fields, frozen=True)
    return deletion


@functools.cache
def _not_nullable(entity: str) -> frozenset[str]:
    """The fields a live record may not give as null: a deletion may omit them, not null them."""
    hints = attrs.fields(attrs.resolve_types(SHAPES[entity].cls))
    return frozenset(f.name for f in hints if not _allows_none(f.type)) | frozenset(KEY_FIELDS[entity])


def _allows_none(type_: Any) -> bool:
    return type_ is None or type(None) in typing.get_args(type_)


def _parse_with_deletions(entity: str, shape: _Shape, items: Sequence[Any]) -> list[Batch]:
    """The strict path of a push holding deletions: every record validated, indices kept."""
    deletion_cls = _deletion_class(entity)
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
        (record,), found = structure_each([rest], deletion_cls if flag else shape.cls)
        if flag and isinstance(rest, dict):
            found += [
                FieldError(None, k, "must not be null")
                for k, v in rest.items()
                if v is None and k in _not_nullable(entity)
            ]
        missing = [] if record is None or flag else _missing_product(entity, record)
        errors.extend(attrs.evolve(e, index=index) for e in [*found, *missing])
        key = None if record is None else _record_key(entity, record)
        keys.append(key)
        if record is not None and key is not None:
            (deletions if flag else live).append(key if flag else record)
    duplicates: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key is not None and duplicates.setdefault(key, index) != index:
            errors.append(FieldError(index, "key", f"duplicate key {key!r} in the same batch"))
    if errors:
        raise InvalidBatch(sorted(errors, key=lambda e: e.index or 0))
    batches = shape.to_batches(live)
    batches[0] = attrs.evolve(batches[0], deletions=deletions)
    return batches


def _missing_product(entity: str, record: Any) -> list[FieldError]:
    if entity == "prices" and record.productExternalId is None:
        return [FieldError(None, "productExternalId", "required field missing")]
    return []


def _record_key(entity: str, record: Any) -> str | None:
    parts = [getattr(record, name) for name in KEY_FIELDS[entity]]
    return None if None in parts else "/".join(parts)


def parse_deletion(entity: str, body: Any) -> list[str]:
    """Validate a deletion body ``{"keys": [str, ...]}`` for ``entity``: raise InvalidBatch listing
    every bad key (or a repeated one), or UnknownEntity."""
    if entity not in SHAPES:
        raise UnknownEntity(f"unknown entity {entity!r}; known: {', '.join(sorted(SHAPES))}")
    if not isinstance(body, Mapping) or set(body) != {"keys"} or not isinstance(body["keys"], list):
        raise InvalidBatch([FieldError(None, "keys", 'body must be {"keys": [ ... ]}')])
    keys = body["keys"]
    if not keys:
        raise InvalidBatch([FieldError(None, "keys", "must hold at least one key")])
    limit = MAX_KEY_LENGTH if len(KEY_FIELDS[entity]) == 1 else MAX_DELETE_KEY_LENGTH
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


def _check_record_values(items: Sequence[Any], limit: int) -> None:
    for index, item in enumerate(items):
        if type(item) is not dict:
            continue
        documents = [item.get("data")]
        if type(item.get("purchaseOrders")) is list:
            documents += [order.get("data") for order in item["purchaseOrders"] if type(order) is dict]
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
