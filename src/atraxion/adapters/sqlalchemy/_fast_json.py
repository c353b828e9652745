"""orjson (a C library, several times faster than the standard library's ``json``) where its
results are the same: decoding many stored documents at once, and telling whether a pushed
document is stored as that very text (:func:`stored_as`), with the standard library as the fallback.

orjson differs from the standard library on integers beyond 64 bits (it makes them floats) and
refuses a few texts the standard library accepts. A batch holding a run of 19 digits or more (where
such an integer could hide; a long barcode in a string is enough, which only costs speed) or that
orjson refuses is decoded by :func:`_sql.loads_many` instead, so the values are the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from atraxion.adapters.sqlalchemy._sql import dumps as _plain_dumps
from atraxion.adapters.sqlalchemy._sql import loads_many as _plain_loads_many

_DIGITS_AS_ZERO = bytes(ord("0") if ord("0") <= byte <= ord("9") else byte for byte in range(256))
_LONG_NUMBER = b"0" * 19
"""Any integer beyond 64 bits has at least 19 digits (2**63 - 1 has 19). Searched for in the UTF-8
text with every digit made "0": one ``translate`` and one ``in``, where a regular expression
(``[0-9]{19}``) cost three times orjson's decoding of a 500-item page."""


def loads_many(texts: Sequence[str]) -> list[Any]:
    """Each text's JSON value, decoded in one call (the same values as ``_sql.loads_many``)."""
    if not texts:
        return []
    text = ("[" + ",".join(texts) + "]").encode(
        "utf-8", "surrogatepass"
    )  # orjson refuses a lone surrogate: the fallback decides
    if _LONG_NUMBER in text.translate(_DIGITS_AS_ZERO):
        return _plain_loads_many(texts)
    try:
        values: list[Any] = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _plain_loads_many(texts)
    if len(values) != len(texts):  # a text that is not one JSON value
        return _plain_loads_many(texts)
    return values


SAME_RUN = 64
"""Values :func:`stored_as` compares in one call while they match their texts."""

_EXACT = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
"""orjson encodes only exact JSON types; anything else (a subclass, a date …) goes to the standard
library, which encodes or refuses it as storing would."""


def _refuse(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def stored_as(values: Sequence[Any], texts: Sequence[str]) -> list[bool]:
    """Whether each value is stored as its text (what ``_sql.dumps`` writes), without the standard
    library's encoder for the usual document. orjson writes the same compact text for exact JSON
    types, keys in their order and non-ASCII kept; where it differs (a float's exponent, say) the
    answer is a safe "no". It writes NaN and infinities as ``null`` and refuses integers beyond 64
    bits: a match with a text holding ``null``, or a batch orjson refuses, is decided by the
    standard library's encoding.

    ``SAME_RUN`` values at a time are written as one array and compared with their texts joined
    the same way: each stored text is one JSON value, so the two arrays are equal only when every
    value is, and a large, mostly unchanged push is compared in a few thousand C calls. A run that
    differs is compared value by value."""
    if len(values) != len(texts):
        raise ValueError(f"{len(values)} values but {len(texts)} texts")
    dumps = orjson.dumps
    same: list[bool] = []
    nulls: list[int] = []  # where a "same" text holds null, which orjson might have written for NaN
    try:
        for start in range(0, len(values), SAME_RUN):
            run, stored = values[start : start + SAME_RUN], texts[start : start + SAME_RUN]
            joined = f"[{','.join(stored)}]"
            if dumps(run, default=_refuse, option=_EXACT) == joined.encode():
                same += [True] * len(run)
                if "null" in joined:
                    nulls += range(start, start + len(run))
                continue
            # each text decoded at once: holding many of orjson's bytes objects costs more
            pairs = zip(run, stored, strict=True)
            same += [dumps(value, default=_refuse, option=_EXACT).decode() == text for value, text in pairs]
            nulls += range(start, start + len(run))
    except TypeError:
        return [_plain_dumps(value) == text for value, text in zip(values, texts, strict=True)]
    for index in [i for i in nulls if same[i] and "null" in texts[i]]:
        same[index] = _plain_dumps(values[index]) == texts[index]
    return same
