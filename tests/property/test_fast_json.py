"""The poll path decodes stored documents and encodes its page with orjson; both fall back to the
standard library for what orjson refuses, so every JSON value a record may hold comes out the same."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from starlette.responses import JSONResponse

from atraxion.adapters.sqlalchemy import _fast_json
from atraxion.adapters.sqlalchemy._sql import dumps, loads_many
from atraxion.entrypoints.http.json_response import FastJSONResponse

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too: orjson refuses those, the fallback takes them
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),  # lone surrogates too
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


def _same(a: Any, b: Any) -> bool:
    """Equal with types (``1 == 1.0 == True`` in Python, not in JSON); -0.0 is 0.0's sign too."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


@given(st.lists(json_values, max_size=6))
@example([2**64, "x"])
@example(["\ud800"])
@example([{"a": 1.0, "b": -0.0, "c": 1e16}])
def test_stored_documents_decode_to_the_same_values(values: list[Any]) -> None:
    texts = [dumps(v) for v in values]
    fast = _fast_json.loads_many(texts)
    assert len(fast) == len(texts)
    assert all(_same(a, b) for a, b in zip(fast, loads_many(texts), strict=True))


@given(json_values)
@example({"items": [{"big": 2**70}], "nextCursor": None})
@example({"lone": "\udfff"})
@example({"float": 1e16, "negative zero": -0.0, "text": "é ✓ \u2028"})
def test_a_page_encodes_to_the_same_json_as_starlette(content: Any) -> None:
    try:
        expected = JSONResponse(content).body
    except UnicodeEncodeError:  # a lone surrogate: neither can answer it as UTF-8
        return
    answered = FastJSONResponse(content).body
    assert _same(json.loads(answered), json.loads(expected))
    assert answered.decode() == answered.decode("utf-8")  # UTF-8, not ASCII escapes
