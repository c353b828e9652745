"""Reading JSON request bodies safely: media type, size limit, UTF-8, strict numbers, nesting."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from starlette.requests import Request

from atraxion.entrypoints.http.problems import Problem


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e400 parses as infinity: no JSON number we can store or compare
        raise ValueError(f"the number {text[:40]} is too large")
    return value


# A \uD800–\uDFFF escape: the only way a JSON text can smuggle in a string UTF-8 cannot encode.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def bounded_int(text: str | None, low: int = 0, high: int = 2**63 - 1) -> int | None:
    """``text`` as a plain decimal integer in [low, high], else None (``'²'.isdigit()`` is true
    but ``int('²')`` fails: only ASCII digits count)."""
    if text is None or not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if low <= value <= high else None


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it passes ``limit`` bytes (before reading it all
    when Content-Length says so)."""
    declared = bounded_int(request.headers.get("content-length"))
    if declared is not None and declared > limit:
        raise Problem(413, f"the body is larger than the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, f"the body is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def require_json_media_type(request: Request) -> None:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        raise Problem(415, "send the body as application/json", headers={"Accept-Post": "application/json"})


def parse_json(raw: bytes) -> Any:
    """Decode strictly: UTF-8 only, no NaN/Infinity, bounded nesting; every failure is a 400."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Problem(400, f"the body is not valid UTF-8 (byte {error.start})", kind="malformed-json") from None
    try:
        document = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
        if _SURROGATE_ESCAPE.search(raw):
            json.dumps(document, ensure_ascii=False).encode("utf-8")
        return document
    except UnicodeEncodeError:
        detail = "the body holds a lone UTF-16 surrogate escape (\\ud800–\\udfff)"
        raise Problem(400, detail, kind="malformed-json") from None
    except RecursionError:
        raise Problem(400, "the body is nested too deeply", kind="malformed-json") from None
    except ValueError as error:
        raise Problem(400, f"the body is not valid JSON: {error}", kind="malformed-json") from None


async def json_body(request: Request, limit: int) -> tuple[Any, bytes]:
    require_json_media_type(request)
    raw = await read_body(request, limit)
    return parse_json(raw), raw
