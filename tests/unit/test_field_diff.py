"""The explorer's field-by-field diff follows the changedFields rule."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from atraxion.domain.diff import diff_paths, dotted
from atraxion.domain.field_diff import ABSENT, FieldChange, field_changes


def test_each_changed_leaf_with_its_value_before_and_after() -> None:
    old = {"name": "Desk", "price": 10, "dims": {"w": 1, "h": 2}, "gone": True, "write_date": "a"}
    new = {"name": "Desk", "price": 10.0, "dims": {"w": 3, "h": 2}, "new": "x", "write_date": "b"}
    assert field_changes(old, new, frozenset({"write_date"})) == [
        FieldChange("dims.w", 1, 3),
        FieldChange("gone", True, ABSENT),
        FieldChange("new", ABSENT, "x"),
    ]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3),
    lambda inner: st.dictionaries(st.text("abc", min_size=1, max_size=2), inner, max_size=3),
    max_leaves=8,
)
DOCS = st.dictionaries(st.text("abcd", min_size=1, max_size=2), JSON, max_size=4)


@given(DOCS, DOCS)
def test_the_fields_shown_are_exactly_the_changed_fields(old: dict[str, object], new: dict[str, object]) -> None:
    assert [c.field for c in field_changes(old, new)] == dotted(diff_paths(old, new))
    assert field_changes(new, new) == []
