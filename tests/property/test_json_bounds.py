"""The request body's JSON rules, as properties: the value count read from the raw bytes equals the
count of the parsed document, the cheap bounds never undercount, and an object name given twice is
always refused (never silently last-wins)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from atraxion.entrypoints.http.body import UNSURE, count_values, fast_document, most_values, parse_json, strict_document
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


# Bodies as text, built token by token so that they hold what a serializer never writes: a name
# twice in one object (also through an escape), lone surrogates, NUL, numbers past 64 bits or past
# the float range, constants, stray bytes and deep nesting.
_NUMBERS = (
    "1e400 -1e400 1E400 1.7976931348623159e308 1.7976931348623157e308 18446744073709551615 18446744073709551616"
    " -9223372036854775808 -9223372036854775809 9223372036854775807 -0 -0.0 1E2 0.1e1 5e-324 1e-400"
    " 123456789012345678.123456789012345678e5 NaN Infinity -Infinity 01 1."
).split() + ["1" + "0" * 400 + ".0", "1" + "0" * 25, "1" + "0" * 5000]
_numbers = (
    st.sampled_from(_NUMBERS) | st.integers().map(str) | st.floats(allow_nan=False, allow_infinity=False).map(repr)
)
_STRINGS = r'"\ud800" "\udc00x" "\ud83d\ude00" "\ud800\u0041" "\u0000" "a\u003ab" "a:b" "\u0061" "\\u003a" "\/"'
_string_texts = st.sampled_from([*_STRINGS.split(), '"\x7f"', '"\x1f"']) | st.text(max_size=8).flatmap(
    lambda s: st.sampled_from([json.dumps(s), json.dumps(s, ensure_ascii=False)])
)
_names_text = st.sampled_from(['"a"', '"b"', '"\\u0061"', '"a:b"', '"a\\u003ab"', '"\\ud800"', '"\\u0000"', '""'])
_scalar_texts = _numbers | _string_texts | st.sampled_from(["true", "false", "null"])
_texts = st.recursive(
    _scalar_texts,
    lambda inner: (
        st.lists(inner, max_size=4).map(lambda items: "[" + ",".join(items) + "]")
        | st.lists(st.tuples(_names_text, inner), max_size=4).map(
            lambda pairs: "{" + ", ".join(f"{n}: {v}" for n, v in pairs) + "}"
        )
    ),
    max_leaves=12,
)


@given(
    text=_texts,
    depth=st.sampled_from([0, 0, 0, 1, 253, 254, 255, 1023, 1100]),
    stray=st.none() | st.tuples(st.integers(0, 10**6), st.binary(min_size=1, max_size=3)),
    padding=st.sampled_from(["", " ", "\n\t", "\ufeff", "\x0c"]),
)
@example(text='{"a": 1, "\\u0061": 2}', depth=0, stray=None, padding="")
@example(text='{"a\\u003ab": 1, "a\\u003ab": 2}', depth=0, stray=None, padding="")
@example(text="[18446744073709551616]", depth=0, stray=None, padding="")
def test_the_fast_parser_reads_what_the_strict_parser_reads_or_steps_aside(
    text: str, depth: int, stray: tuple[int, bytes] | None, padding: str
) -> None:
    raw = (padding + "[" * depth + text + "]" * depth).encode()
    if stray is not None:
        at = stray[0] % (len(raw) + 1)
        raw = raw[:at] + stray[1] + raw[at:]
    fast = fast_document(raw)
    try:
        strict = strict_document(raw)
    except Problem as problem:
        assert problem.status == 400
        assert fast is UNSURE, raw[:200]
        return
    if fast is not UNSURE:
        assert repr(fast) == repr(strict), raw[:200]  # repr tells 1 from 1.0 and True, and -0.0 from 0.0


def test_the_fast_parser_reads_a_large_plain_push() -> None:
    records = [{"pricelistExternalId": f"PL_{i % 8}", "productExternalId": f"P{i}", "price": i / 7} for i in range(500)]
    raw = json.dumps({"records": records}, separators=(",", ":")).encode()
    assert fast_document(raw) == strict_document(raw) == {"records": records}
