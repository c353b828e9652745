"""The request body's JSON rules, as properties: the value count read from the raw bytes equals the
count of the parsed document, the cheap bounds never undercount, and an object name given twice is
always refused (never silently last-wins)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from atraxion.entrypoints.http.body import count_values, most_values, parse_json
from atraxion.entrypoints.http.problems import Problem
from atraxion.entrypoints.inbound_fast import values

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=30,
)
layouts = st.sampled_from([{}, {"indent": 2}, {"separators": (",", ":")}, {"separators": (" , ", " : ")}])


def _count(node: Any) -> int:
    if isinstance(node, dict):
        return 1 + sum(_count(v) for v in node.values())
    if isinstance(node, list):
        return 1 + sum(_count(v) for v in node)
    return 1


@given(document=json_values, layout=layouts, ascii_only=st.booleans())
@example(document={"a": '",[{}]', "b": ["\\", '\\"']}, layout={}, ascii_only=True)
def test_values_counted_from_the_raw_bytes_match_the_parsed_document(
    document: Any, layout: dict[str, Any], ascii_only: bool
) -> None:
    raw = json.dumps(document, ensure_ascii=ascii_only, **layout).encode()
    exact = _count(document)
    assert count_values(raw) == exact
    assert most_values(raw) >= exact
    assert raw.count(b",") + raw.count(b"[") + raw.count(b"{") + 1 >= exact
    if isinstance(document, (dict, list)):
        assert values(document, 10**9) == exact


@given(document=st.dictionaries(st.text(max_size=4), json_values, min_size=1, max_size=4), data=st.data())
def test_an_object_name_given_twice_is_a_400(document: dict[str, Any], data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(document)))
    text = json.dumps(document)
    doubled = text[:-1] + ", " + json.dumps(name) + ": 1}"
    with pytest.raises(Problem) as raised:
        parse_json(
            json.dumps({"outer": [json.loads(text)], "x": None}).encode()[:-1] + b', "y": ' + doubled.encode() + b"}"
        )
    assert raised.value.status == 400 and "appears twice" in raised.value.detail
    assert parse_json(text.encode()) == document  # the same object without the repeat is fine
