"""The request body's JSON rules, as properties: the value count read from the raw bytes equals the
count of the parsed document, the cheap bounds never undercount, and an object name given twice is
always refused (never silently last-wins)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import assume, example, given
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
    assert values([document], 10**9) == exact + 1  # wrapped: a scalar is counted too, not skipped


# Names without NUL: a NUL character is a 422 of its own, which must not be met before the repeat.
_names = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=4)


@given(document=st.dictionaries(_names, json_values, min_size=1, max_size=4), data=st.data())
def test_an_object_name_given_twice_is_a_400(document: dict[str, Any], data: st.DataObject) -> None:
    assume(not any("\x00" in s for s in _strings(document)))  # the document without the repeat must parse
    name = data.draw(st.sampled_from(sorted(document)))
    text = json.dumps(document)
    doubled = text[:-1] + ", " + json.dumps(name) + ": 1}"
    with pytest.raises(Problem) as raised:
        parse_json(
            json.dumps({"outer": [json.loads(text)], "x": None}).encode()[:-1] + b', "y": ' + doubled.encode() + b"}"
        )
    assert raised.value.status == 400 and "appears twice" in raised.value.detail
    assert parse_json(text.encode()) == document  # the same object without the repeat is fine


def _strings(node: Any) -> list[str]:
    """Every string of a parsed document, object names included (written apart from the code)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [*node, *(s for v in node.values() for s in _strings(v))]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


@given(document=json_values)
@example(document={"a\x00": "\\u0000"})
def test_a_nul_character_in_any_string_is_a_422_and_nothing_else_is(document: Any) -> None:
    raw = json.dumps({"d": document}).encode()
    if any("\x00" in s for s in _strings(document)):
        with pytest.raises(Problem) as raised:
            parse_json(raw)
        assert raised.value.status == 422 and raised.value.kind == "nul-character"
    else:
        assert parse_json(raw) == {"d": document}
    nul_named = json.dumps({"d": document, "\x00": 1}).encode()  # an object name holding one
    with pytest.raises(Problem) as raised:
        parse_json(nul_named)
    assert raised.value.kind == "nul-character"
