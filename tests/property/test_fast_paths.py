"""The performance fast paths give exactly what the plain implementations give.

* the normalizer and canonical JSON (the input of every content hash) equal the plain rule,
  ``json.dumps`` of the plainly normalized value;
* the storage encoder equals ``json.dumps`` with the storage options, and the adapter's fast
  comparison of pushed documents with stored texts (orjson) gives the same answer;
* the inbound fast path accepts only what the strict cattrs path accepts, building the same
  batches (envelope key order included);
* the "stored exactly as pushed" shortcut of an ingest never changes its outcome.
"""

from __future__ import annotations

import json
import math
import re
import typing
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

import attrs
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from atraxion.adapters.sqlalchemy import _fast_json, _sql
from atraxion.domain import diff
from atraxion.domain.catalog import PRICES, PRODUCTS, STOCK
from atraxion.domain.ingest import IngestPlan, needs_full_load, plan_ingest, with_unchanged
from atraxion.domain.records import Fingerprinter, Incoming, IngestStatus, Kind, StoredRecord
from atraxion.domain.shapes import Document, Key, Number
from atraxion.entrypoints import inbound
from atraxion.entrypoints.inbound import KINDS, structure_each, to_batches

VOLATILE = diff.DEFAULT_VOLATILE_FIELDS

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
)
keys = st.sampled_from(["a", "b", "write_date", "__last_update", "é", "price", "x"]) | st.text(max_size=4)
plain_json = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5), max_leaves=20
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(keys, inner, max_size=5)
        | st.tuples(inner, inner)
        | st.decimals(allow_nan=False, allow_infinity=False, places=3)
    ),
    max_leaves=20,
)


def _plain_normalize(value: Any, volatile: frozenset[str]) -> Any:
    """The normalization rule written plainly, by ``isinstance``: the reference for ``diff.normalize``."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else value
    if isinstance(value, Mapping):
        return {str(k): _plain_normalize(v, volatile) for k, v in value.items() if k not in volatile}
    if isinstance(value, (list, tuple)):
        return [_plain_normalize(v, volatile) for v in value]
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else as_float


def _reference_canonical(value: Any, volatile: frozenset[str]) -> str:
    return json.dumps(_plain_normalize(value, volatile), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@given(json_values, st.sampled_from([frozenset(), VOLATILE]))
def test_normalize_is_the_plain_rule(value: Any, volatile: frozenset[str]) -> None:
    assert diff.normalize(value, volatile) == _plain_normalize(value, volatile)


@given(json_values, st.sampled_from([frozenset(), VOLATILE]))
def test_canonical_json_is_the_normalized_sorted_json(value: Any, volatile: frozenset[str]) -> None:
    assert diff.canonical_json(value, volatile) == _reference_canonical(value, volatile)


@given(st.lists(plain_json, max_size=5))
def test_documents_are_stored_as_compact_json_keeping_key_order(values: list[Any]) -> None:
    expected = [json.dumps(v, ensure_ascii=False, separators=(",", ":")) for v in values]
    assert [_sql.dumps(v) for v in values] == expected


@given(st.lists(st.tuples(plain_json, plain_json, st.booleans()), max_size=6))
def test_stored_as_is_the_comparison_with_the_stored_text(pairs: list[tuple[Any, Any, bool]]) -> None:
    """orjson's answer is the standard encoder's, NaN (which orjson writes as null) and integers
    beyond 64 bits included."""
    values = [a for a, _, _ in pairs]
    texts = [_sql.dumps(a if same else b) for a, b, same in pairs]
    fast = _fast_json.stored_as(values, texts)
    plain = [_sql.dumps(v) == t for v, t in zip(values, texts, strict=True)]
    assert all(p for f, p in zip(fast, plain, strict=True) if f)  # never "same" where the texts differ
    # A "no" for the very same text only where orjson writes a float or a wide integer its own way.
    assert all(f or _spelled_otherwise(t) for f, p, t in zip(fast, plain, texts, strict=True) if p)


def _spelled_otherwise(text: str) -> bool:
    return any(mark in text for mark in ("e", "E", "NaN", "Infinity")) or bool(re.search(r"[0-9]{19}", text))


def test_stored_as_recognizes_ordinary_documents() -> None:
    documents = [{"a": 1, "b": [1.5, True, None, 'é\x01\n"\\'], "c": {"d": -0.25, "f": False}}, {}, [], "x", 0]
    assert _fast_json.stored_as(documents, [_sql.dumps(d) for d in documents]) == [True] * len(documents)


@given(changed=st.sets(st.integers(0, 199), max_size=5))
def test_stored_as_compares_long_batches_run_by_run(changed: set[int]) -> None:
    """Runs of values written as one array: a run that differs anywhere is compared value by value."""
    documents = [{"key": f"k{i}", "price": i / 4, "name": "é,:[]{}"[: i % 8]} for i in range(200)]
    texts = [_sql.dumps({**d, "price": -1} if i in changed else d) for i, d in enumerate(documents)]
    assert _fast_json.stored_as(documents, texts) == [i not in changed for i in range(200)]


def test_stored_as_does_not_take_nan_for_null() -> None:
    nan, null = {"x": float("nan"), "y": [float("inf")]}, {"x": None, "y": [None]}
    assert _fast_json.stored_as([nan, null, {"n": 2**70}], [_sql.dumps(null), _sql.dumps(nan), '{"n":0}']) == [
        False,
        False,
        False,
    ]


# Inbound records: mostly valid, with every kind of wrong value mixed in.
names = st.text(alphabet="abcXY/é", min_size=1, max_size=6)
amounts = st.floats(0, 1e6) | st.integers(0, 10**6)
numbers = st.integers(-5, 10**400) | st.floats(allow_nan=True, allow_infinity=True) | st.booleans()
bad_names = st.sampled_from(["", " ", "x" * 256])
bad_numbers = st.sampled_from([-1, -0.5, float("nan"), float("inf"), 10**400, 1e16, True, "1"])
anything = st.none() | numbers | bad_names | st.lists(st.integers(), max_size=2) | st.dictionaries(names, st.integers())
price_options = {"currency": st.sampled_from(["EUR", "JPY"]) | st.none(), "minQuantity": st.integers(0, 50) | st.none()}
embedded_prices = st.fixed_dictionaries(
    {"pricelistExternalId": names, "price": amounts},
    optional={"productExternalId": names | st.none(), **price_options},
)
prices = st.fixed_dictionaries(
    {"pricelistExternalId": names, "price": amounts, "productExternalId": names}, optional=price_options
)
stock = st.fixed_dictionaries({"supplierExternalId": names, "productExternalId": names, "quantity": amounts})
documents = st.dictionaries(names, st.integers() | names | st.lists(st.integers(), max_size=2), max_size=4)
_spoilt_price = st.builds(lambda price, value: {**price, "price": value}, embedded_prices, bad_numbers | amounts)
lines = st.fixed_dictionaries({"productExternalId": names, "quantity": amounts, "priceUnit": amounts})
purchase_orders = st.fixed_dictionaries(
    {"externalId": names, "name": names, "vendor": names, "state": names, "lines": st.lists(lines, max_size=2)},
    optional={"odooId": st.integers(0, 99) | st.none(), "data": documents | st.none()},
)
_spoilt_order = st.builds(lambda order, value: {**order, "lines": value}, purchase_orders, anything)
products = st.fixed_dictionaries(
    {"externalId": names, "data": documents},
    optional={
        "odooId": st.integers(0, 99) | st.none(),
        "prices": st.lists(embedded_prices, max_size=2) | st.lists(_spoilt_price, min_size=1, max_size=1) | st.none(),
        "purchaseOrders": st.lists(purchase_orders, max_size=2) | st.lists(_spoilt_order, max_size=1) | st.none(),
    },
)
sale_orders = st.fixed_dictionaries({"externalId": names, "data": documents}, optional={"odooId": st.integers(0, 99)})
partners = st.fixed_dictionaries(
    {"externalId": names, "data": documents},
    optional={
        "odooId": st.integers() | st.none(),
        "type": st.sampled_from(["main", "billing", "other"]) | st.none(),
        "externalParentId": names | st.none(),
    },
)


KEY_FIELDS = ("externalId", "pricelistExternalId", "supplierExternalId")


def _spoiled(records: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[list[Any]]:
    """Lists of records where some records get a field replaced, dropped or added."""

    def spoil(record: dict[str, Any], field: str, value: Any, action: int) -> Any:
        record = dict(record)
        if action == 0 and record:
            record.pop(sorted(record)[0])
        elif action == 1:
            record[field] = value
        elif action == 2 and record:
            record[sorted(record)[-1]] = value
        elif action == 3:
            key_field = next(f for f in KEY_FIELDS if f in record)
            record[key_field] = value if isinstance(value, str) else " "
        elif action == 4:
            number_field = next((f for f in ("price", "quantity", "odooId") if f in record), "price")
            record[number_field] = value
        return record

    fields = names | st.sampled_from(
        ["price", "quantity", "minQuantity", "data", "type", "externalId", "productExternalId", "odooId"]
    )
    spoilt = st.builds(spoil, records, fields, anything | bad_names | bad_numbers, st.integers(0, 4))
    one_bad = st.builds(
        lambda good, bad, at: [*good[:at], bad, *good[at:]], st.lists(records, max_size=4), spoilt, st.integers(0, 4)
    )
    return st.lists(records, min_size=1, max_size=6) | one_bad | one_bad | st.lists(anything, min_size=1, max_size=2)


def _strict(entity: str, items: list[Any]) -> list[inbound.Batch] | None:
    kind = KINDS[entity]
    try:
        records, errors = structure_each(items, kind.shape)
    except Exception:  # noqa: BLE001 - the strict path fails on some bad input: a rejection all the same
        return None
    if any(r is not None and None in (getattr(r, f) for f in kind.key_fields) for r in records):
        return None
    return None if errors else to_batches(kind, records)


def _plain(batches: list[inbound.Batch]) -> list[Any]:
    return [(b.entity, [(r.key, list(r.envelope.items()), r.data) for r in b.records]) for b in batches]


STRATEGIES = {
    "prices": prices,
    "stock": stock,
    "products": products,
    "partners": partners,
    "purchase-orders": purchase_orders,
    "sale-orders": sale_orders,
}


def _from_hint(hint: Any) -> st.SearchStrategy[Any]:
    plain = {Key: names, Number: amounts, str: names, int: st.integers(-5, 99), Document: documents}
    if hint in plain:
        return plain[hint]
    if typing.get_origin(hint) is Literal:
        return st.sampled_from(typing.get_args(hint))
    if typing.get_origin(hint) is list:
        return st.lists(_from_hint(typing.get_args(hint)[0]), max_size=2)
    if typing.get_args(hint):  # X | None
        return _from_hint(next(a for a in typing.get_args(hint) if a is not type(None))) | st.none()
    return _valid(hint, ())


def _valid(cls: type[Any], key_fields: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid records of an input shape, from its type hints (what a new entity gets for free)."""
    hints = typing.get_type_hints(cls)
    fields = attrs.fields(cls)
    required = [f.name for f in fields if f.default is attrs.NOTHING or f.name in key_fields]
    strategies = {f.name: _from_hint(hints[f.name]) for f in fields}
    for name in key_fields:  # required at the top level, so not null
        hint = hints[name]
        strategies[name] = _from_hint(next(a for a in typing.get_args(hint) or [hint] if a is not type(None)))
    return st.fixed_dictionaries(
        {name: strategies[name] for name in required},
        optional={name: s for name, s in strategies.items() if name not in required},
    )


@pytest.mark.parametrize("entity", list(KINDS))
@settings(max_examples=300)
@given(data=st.data())
def test_the_inbound_fast_path_agrees_with_the_strict_path(entity: str, data: st.DataObject) -> None:
    kind = KINDS[entity]
    strategy = STRATEGIES[entity] if entity in STRATEGIES else _valid(kind.shape, kind.key_fields)
    well_formed = data.draw(st.booleans(), "well formed")
    items = data.draw(st.lists(strategy, min_size=1, max_size=6) if well_formed else _spoiled(strategy))
    fast = inbound._fast_parse(kind, items)
    strict = _strict(entity, items)
    event("fast path" if fast is not None else "left to the strict path")
    if fast is None:
        # Leaving a batch to the strict path is always safe, but a plainly valid one is the fast
        # path's to take: otherwise this test would pass on a fast path that never answers.
        assert strict is None or not well_formed, "the fast path refused a well-formed valid batch"
    else:
        assert strict is not None, "the fast path accepted a batch the strict path rejects"
        assert _plain(fast) == _plain(strict)


@pytest.mark.parametrize("entity", list(KINDS))
@settings(max_examples=100)
@given(data=st.data())
def test_valid_records_of_every_shape_take_the_fast_path(entity: str, data: st.DataObject) -> None:
    kind = KINDS[entity]
    items = data.draw(st.lists(_valid(kind.shape, kind.key_fields), min_size=1, max_size=4))
    fast = inbound._fast_parse(kind, items)
    assert fast is not None
    assert _plain(fast) == _plain(_strict(entity, items) or [])


NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _stored(kind: Kind, record: Incoming, fingerprinter: Fingerprinter) -> StoredRecord:
    return StoredRecord(
        record.key,
        3,
        record.envelope,
        record.data,
        {},
        fingerprinter.content_hash(kind, record),
        fingerprinter.full_hash(kind, record),
        1,
        NOW,
        NOW,
    )


envelope_values = st.integers(0, 20) | st.sampled_from([1.0, 2.5, True, False, "1", None])


@given(
    st.sampled_from([PRODUCTS, PRICES, STOCK]),
    st.lists(st.tuples(envelope_values, envelope_values, documents, documents, st.booleans()), max_size=6),
)
def test_the_as_stored_shortcut_never_changes_an_ingest(kind: Kind, rows: list[Any]) -> None:
    """Records found stored exactly as pushed (``Screening.same``) skip hashing and planning; the
    plan completed by :func:`with_unchanged` is the plan of hashing every record (a bulk entity's
    unchanged records counted, not listed)."""
    fingerprinter = Fingerprinter(VOLATILE)
    records, heads, stored_records, same = [], {}, {}, {}
    for index, (old_value, new_value, old_data, new_data, stored) in enumerate(rows):
        key = f"k{index}"
        envelope = _envelope(kind, key, new_value)
        data = new_data if kind is PRODUCTS else {}
        records.append(Incoming(key, envelope, data))
        if stored:
            old = Incoming(key, _envelope(kind, key, old_value), old_data if kind is PRODUCTS else {})
            stored_records[key] = _stored(kind, old, fingerprinter)
            heads[key] = stored_records[key].head
            # What the SQL adapter answers: stored exactly as pushed when the stored texts are equal.
            if _sql.dumps(old.envelope) == _sql.dumps(envelope) and _sql.dumps(old.data) == _sql.dumps(data):
                same[key] = heads[key].version

    def planned(shortcut: Mapping[str, int]) -> IngestPlan:
        others = [r for r in records if r.key not in shortcut]
        their_heads = {k: h for k, h in heads.items() if k not in shortcut}
        differing, hashes = needs_full_load(others, their_heads, kind, fingerprinter)
        loaded = {key: stored_records[key] for key in differing}  # what the use case loads in full
        plan = plan_ingest(kind, others, their_heads, loaded, hashes, fingerprinter, NOW, 9)
        return with_unchanged(kind, plan, [r.key for r in records], shortcut)

    fast, plain = planned(same), planned({})
    assert fast.summary() == plain.summary()
    assert (fast.inserts, fast.updates, fast.touched) == (plain.inserts, plain.updates, plain.touched)
    assert fast.results == plain.results
    if kind is PRODUCTS:
        assert [r.key for r in fast.results] == [r.key for r in records]
    else:
        assert IngestStatus.UNCHANGED not in {r.status for r in fast.results}


def _envelope(kind: Kind, key: str, value: Any) -> dict[str, Any]:
    if kind is PRICES:
        return {"pricelistExternalId": "PL", "price": value if _number(value) else 1, "productExternalId": key}
    if kind is STOCK:
        return {"supplierExternalId": "S", "productExternalId": key, "quantity": value if _number(value) else 0}
    return {"externalId": key, "odooId": value}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


GOOD = {
    "prices": {"pricelistExternalId": "PL", "productExternalId": "P", "price": 1.5, "minQuantity": 2},
    "stock": {"supplierExternalId": "S", "productExternalId": "P", "quantity": 3},
    "products": {
        "externalId": "P",
        "data": {},
        "prices": [{"pricelistExternalId": "PL", "price": 1, "minQuantity": 1}],
    },
}
NUMBER_FIELDS = [("prices", "price"), ("prices", "minQuantity"), ("stock", "quantity"), ("products", "price")]


@pytest.mark.parametrize("value", [-1, -0.5, float("nan"), float("inf"), 10**400, 1e16, 10**15 + 1, True, "1"])
@pytest.mark.parametrize(("entity", "field"), NUMBER_FIELDS)
def test_the_fast_path_leaves_every_bad_number_to_the_strict_path(entity: str, field: str, value: Any) -> None:
    good = GOOD[entity]
    if entity == "products":
        bad = {**good, "externalId": "Q", "prices": [{**good["prices"][0], field: value}]}
    else:
        bad = {**good, "productExternalId": "Q", field: value}
    assert inbound._fast_parse(KINDS[entity], [good]) is not None
    assert inbound._fast_parse(KINDS[entity], [good, bad]) is None
    assert _strict(entity, [good, bad]) is None


def _reference_diff(old: Any, new: Any, volatile: frozenset[str]) -> frozenset[tuple[str, ...]]:
    """diff_paths as first written: flatten both with ``normalize``, compare leaves via json.dumps."""

    def flatten(node: Any, prefix: tuple[str, ...], leaves: dict[tuple[str, ...], Any]) -> dict[Any, Any]:
        for key, value in node.items():
            if key in volatile:
                continue
            if isinstance(value, dict) and any(k not in volatile for k in value):
                flatten(value, (*prefix, str(key)), leaves)
            else:
                leaves[(*prefix, str(key))] = diff.normalize(value, volatile)
        return leaves

    def same(a: Any, b: Any) -> bool:
        if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
            return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
        return isinstance(a, bool) == isinstance(b, bool) and a == b

    old_leaves, new_leaves = flatten(old, (), {}), flatten(new, (), {})
    changed = {p for p, v in new_leaves.items() if p not in old_leaves or not same(old_leaves[p], v)}
    return frozenset(changed | {p for p in old_leaves if p not in new_leaves})


field_values = st.recursive(
    st.sampled_from([0, 1, 1.0, True, False, None, "1", 2.5, float("nan")]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=8,
)
docs = st.dictionaries(keys, field_values, max_size=6)


@given(docs, docs, st.sampled_from([frozenset(), VOLATILE]), st.data())
def test_diff_paths_is_the_plain_leaf_comparison(
    old: dict[str, Any], new: dict[str, Any], volatile: frozenset[str], data: st.DataObject
) -> None:
    # Share some fields so that identical subtrees (the shortcut) are common.
    for key in data.draw(st.lists(st.sampled_from(sorted(old)), max_size=len(old))) if old else []:
        new[key] = old[key]
    assert diff.diff_paths(old, new, volatile) == _reference_diff(old, new, volatile)
