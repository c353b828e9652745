"""Reading JSON request bodies safely: media type, size limit, read time, UTF-8, strict numbers,
nesting, unique object names, no NUL character, and a bound on the number of JSON values."""

from __future__ import annotations

import asyncio
import json
import math
import re
from typing import Any

import orjson
from starlette.requests import Request

from atraxion.config import Settings
from atraxion.domain.bounds import MAX_ID
from atraxion.domain.errors import FieldError, InvalidBatch
from atraxion.entrypoints.http.problems import NUL, Problem, nul_character


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e400 parses as infinity: no JSON number we can store or compare
        raise ValueError(f"the number {text[:40]} is too large")
    return value


# A \uD800–\uDFFF escape: the only way a JSON text can smuggle in a string UTF-8 cannot encode.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
# The only way a JSON text holds a NUL character: strict decoding refuses a raw one in a string.
_NUL_ESCAPE = re.compile(rb"\\u0000")


def holds_nul(document: Any) -> bool:
    """Does any string of the parsed JSON ``document`` (object names included) hold U+0000?"""
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if NUL in node:
                return True
        elif isinstance(node, dict):
            stack.extend(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def bounded_int(text: str | None, low: int = 0, high: int = MAX_ID) -> int | None:
    """``text`` as a plain decimal integer in [low, high], else None (``'²'.isdigit()`` is true
    but ``int('²')`` fails: only ASCII digits count)."""
    if text is None or not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if low <= value <= high else None


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.atraxion.settings
    return settings


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it passes ``limit`` bytes (before reading it all
    when Content-Length says so), and with 408 when it has not all arrived within the configured
    read time (``ATRAXION_BODY_TIMEOUT``): a client trickling a body holds a connection, no more."""
    declared = bounded_int(request.headers.get("content-length"))
    if declared is not None and declared > limit:
        raise Problem(413, f"the body is larger than the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    seconds = _settings(request).body_timeout
    try:
        async with asyncio.timeout(seconds):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise Problem(413, f"the body is larger than the limit of {limit} bytes")
                chunks.append(chunk)
    except TimeoutError:
        detail = f"the body did not arrive within {seconds:g} seconds (ATRAXION_BODY_TIMEOUT)"
        raise Problem(408, detail, headers={"Connection": "close"}) from None
    return b"".join(chunks)


def most_values(raw: bytes) -> int:
    """An upper bound of the JSON values in ``raw`` (scalars, arrays and objects, the whole body
    included), free to compute: every value but the first owns at least one character and follows
    a separator of its own (``[``, ``:`` or ``,``)."""
    return (len(raw) + 1) // 2


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


def count_values(raw: bytes) -> int:
    """The JSON values in the JSON text ``raw``, without parsing it: with every string replaced by
    a scalar and white space removed, each container holds one value more than its commas,
    unless it is empty."""
    text = _STRING.sub(b"0", raw).translate(None, b" \t\r\n")
    containers = text.count(b"[") + text.count(b"{")
    empty = text.count(b"[]") + text.count(b"{}")
    return 1 + text.count(b",") + containers - empty


def check_values(raw: bytes, limit: int) -> None:
    """Refuse with 413 a body of more than ``limit`` JSON values, before it is parsed: parsing is
    where a node bomb (millions of ``{}`` in 50 MB) would take gigabytes."""
    if most_values(raw) <= limit:
        return
    # Every value but the first follows a "," or is the first of a container: a bound in C loops
    # (~10 ms for 13 MB) that leaves the exact count for bodies that could be a bomb.
    if raw.count(b",") + raw.count(b"[") + raw.count(b"{") + 1 > limit and count_values(raw) > limit:
        detail = f"the body holds more than {limit} JSON values (ATRAXION_MAX_NODES_PER_REQUEST)"
        raise Problem(413, detail, kind="too-many-values")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """One JSON object; a name given twice is an error (json.loads would keep the last value)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise ValueError(f"the object name {name[:80]!r} appears twice in one object")
            seen.add(name)
    return obj


def require_json_media_type(request: Request) -> None:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        raise Problem(415, "send the body as application/json", headers={"Accept-Post": "application/json"})


def parse_json(raw: bytes) -> Any:
    """Decode strictly: UTF-8 only, no NaN/Infinity, bounded nesting, no object name twice in one
    object (the last would silently win); every failure is a 400. A NUL character in any string
    is a 422 (:func:`~atraxion.entrypoints.http.problems.nul_character`).

    orjson reads the body when it provably reads what the strict parser would
    (:func:`fast_document`); anything else, every error included, is read and worded by
    :func:`strict_document`."""
    document = fast_document(raw)
    if document is UNSURE:
        document = strict_document(raw)
    # An escape needs a backslash: one memchr spares most bodies the search for one.
    if b"\\" in raw and _NUL_ESCAPE.search(raw) and holds_nul(document):
        raise nul_character("the body")
    return document


UNSURE: Any = object()
"""What :func:`fast_document` answers when only the strict parser may decide."""

_DIGITS = bytes(ord("0") if ord("0") <= byte <= ord("9") else byte for byte in range(256))
_LONG_NUMBER = b"0" * 19
"""19 digits in a row: where an integer may pass 64 bits, which orjson reads as a float."""
_COLON_ESCAPE = re.compile(rb"\\u003[aA]")


def fast_document(raw: bytes) -> Any:
    """The JSON document ``raw`` holds, read by orjson, when that is provably what
    :func:`strict_document` reads; else :data:`UNSURE` (invalid JSON included).

    orjson refuses what the strict parser refuses (bad UTF-8, NaN, infinite numbers, lone
    surrogates), but differs from it in three ways, each ruled out on the raw bytes: it keeps the
    last value of a name given twice, reads integers past 64 bits as floats, and nests up to 1,024
    levels, where the strict parser may hit Python's recursion limit first. Writing the document
    back settles two of them: orjson refuses to write more than 254 levels, and each name-value
    pair read holds one structural colon, so the body holds more colons than the written document
    exactly when a pair was dropped (unless a string wrote a colon as ``\\u003a``)."""
    try:
        document = orjson.loads(raw)
        written = orjson.dumps(document)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return UNSURE
    if raw.count(b":") != written.count(b":") or (b"\\" in raw and _COLON_ESCAPE.search(raw)):
        return UNSURE
    if _LONG_NUMBER in raw.translate(_DIGITS):
        return UNSURE
    return document


def strict_document(raw: bytes) -> Any:
    """The JSON document ``raw`` holds, read by the standard library's parser with every rule of
    :func:`parse_json` but the NUL character: the reference the fast path must agree with."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Problem(400, f"the body is not valid UTF-8 (byte {error.start})", kind="malformed-json") from None
    try:
        document = json.loads(
            text, parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=_object
        )
        if _SURROGATE_ESCAPE.search(raw):
            json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        detail = "the body holds a lone UTF-16 surrogate escape (\\ud800–\\udfff)"
        raise Problem(400, detail, kind="malformed-json") from None
    except RecursionError:
        raise Problem(400, "the body is nested too deeply", kind="malformed-json") from None
    except ValueError as error:
        raise Problem(400, f"the body is not valid JSON: {error}", kind="malformed-json") from None
    return document


async def read_json(request: Request, limit: int) -> bytes:
    """The raw body of a JSON request, checked for media type, size, read time and value count."""
    require_json_media_type(request)
    raw = await read_body(request, limit)
    check_values(raw, _settings(request).max_nodes_per_request)
    return raw


async def json_body(request: Request, limit: int) -> tuple[Any, bytes]:
    raw = await read_json(request, limit)
    return parse_json(raw), raw


def optional_object(request: Request, raw: bytes) -> dict[str, Any]:
    """An optional JSON object body, read already as ``raw``: empty means ``{}``; anything but an
    object is a 422 naming the body."""
    if not raw.strip():
        return {}
    require_json_media_type(request)
    check_values(raw, _settings(request).max_nodes_per_request)
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise InvalidBatch([FieldError(None, "body", "must be a JSON object")])
    return body
