"""Invariants of normalization and the field-level diff."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from atraxion.domain import diff
from atraxion.testing.strategies import documents, equivalent_numbers

VOLATILE = diff.DEFAULT_VOLATILE_FIELDS


@given(documents())
def test_a_document_never_differs_from_itself(document: dict[str, Any]) -> None:
    assert diff.diff_paths(document, document, VOLATILE) == frozenset()
    assert diff.content_hash(document, VOLATILE) == diff.content_hash(dict(document), VOLATILE)


@given(documents(), documents())
def test_applying_the_reported_changes_to_the_old_document_gives_the_new_one(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    changed = diff.diff_paths(old, new, VOLATILE)
    rebuilt = diff.apply_changes(old, new, changed, VOLATILE)
    assert diff.canonical_json(rebuilt, VOLATILE) == diff.canonical_json(new, VOLATILE)


@given(documents(), documents())
def test_the_diff_is_empty_exactly_when_the_content_hashes_agree(old: dict[str, Any], new: dict[str, Any]) -> None:
    same_hash = diff.content_hash(old, VOLATILE) == diff.content_hash(new, VOLATILE)
    assert (diff.diff_paths(old, new, VOLATILE) == frozenset()) == same_hash


@given(documents())
def test_integral_numbers_written_as_floats_are_not_a_change(document: dict[str, Any]) -> None:
    as_floats = equivalent_numbers(document)
    assert diff.diff_paths(document, as_floats, VOLATILE) == frozenset()
    assert diff.content_hash(document, VOLATILE) == diff.content_hash(as_floats, VOLATILE)


@given(documents(), st.sampled_from(sorted(VOLATILE)), st.text(max_size=10), st.text(max_size=10))
def test_volatile_fields_never_count(document: dict[str, Any], name: str, before: str, after: str) -> None:
    old = {**document, name: before}
    new = {**document, name: after, "nested": {name: after}} if "nested" not in document else {**document, name: after}
    # The only change is the new object under "nested", which holds nothing but a volatile field.
    expected = frozenset() if "nested" in document else frozenset({("nested",)})
    assert diff.diff_paths(old, new, VOLATILE) == expected


@given(st.integers(-1000, 1000))
def test_ten_equals_ten_point_zero_but_true_is_not_one(value: int) -> None:
    assert diff.diff_paths({"x": value}, {"x": float(value)}) == frozenset()
    assert diff.diff_paths({"x": True}, {"x": 1}) == frozenset({("x",)})
    assert diff.diff_paths({"x": [True]}, {"x": [1]}) == frozenset({("x",)})


def test_nested_objects_report_dotted_paths() -> None:
    old = {"x_dimensions": {"width": 140, "depth": 70}, "name": "Desk"}
    new = {"x_dimensions": {"width": 160, "depth": 70.0}, "name": "Desk"}
    assert diff.dotted(diff.diff_paths(old, new)) == ["x_dimensions.width"]


def test_a_field_that_disappears_or_turns_into_an_object_is_reported() -> None:
    assert diff.dotted(diff.diff_paths({"a": 1, "b": 2}, {"a": 1})) == ["b"]
    assert diff.dotted(diff.diff_paths({"a": 1}, {"a": {"b": 1}})) == ["a", "a.b"]
