"""The service log: readable text by default, JSON lines with ``ATRAXION_LOG_FORMAT=json``.

Every line carries what :mod:`atraxion.observability.log_context` holds for the work in hand
(request id, consumer, entity; in the worker the order's externalId and a retry's cause). Secrets
are masked in every line, whatever wrote it: our tokens (``atx_…``), webhook secrets
(``whsec_…``), a password inside a URL, an Odoo webhook's token in its path. Libraries' request
logs (httpx, httpcore, urllib3, pika, alembic, uvicorn's access log) only show at DEBUG.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from atraxion.observability import log_context

LIBRARIES = ("alembic", "httpx", "httpcore", "urllib3", "pika", "uvicorn.access")
"""Loggers whose INFO lines are per request or per connection: shown only at DEBUG."""

_TOKEN = re.compile(r"\b(atx|whsec)_[A-Za-z0-9_+/=\-]*")
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.\-]*://[^:/@\s]*:)[^@\s]*@", re.IGNORECASE)
_WEBHOOK_PATH = re.compile(r"(/odoo/webhooks/)[^/\s?#\"']+")


def mask(text: str) -> str:
    """``text`` with every secret we can recognise replaced by ``***``."""
    text = _TOKEN.sub(lambda m: f"{m.group(1)}_***", text)
    text = _URL_PASSWORD.sub(r"\g<1>***@", text)
    return _WEBHOOK_PATH.sub(r"\g<1>***", text)


def _context(record: logging.LogRecord) -> dict[str, str]:
    fields = log_context.current()
    for name in log_context.FIELDS:
        value = getattr(record, name, None)
        if value is not None:
            fields[name] = str(value)
    return fields


class TextFormatter(logging.Formatter):
    """``2026-12-02 10:00:00,123 INFO atraxion.access GET /api/v1/… 200 3.1 ms [request_id=… consumer=…]``"""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = _context(record)
        if fields:
            line += " [" + " ".join(f"{k}={v}" for k, v in fields.items()) + "]"
        return mask(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time``, ``level``, ``logger``, ``message``, the context fields
    and, for an error, ``exception`` (the traceback as text)."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask(record.getMessage()),
            **{k: mask(v) for k, v in _context(record).items()},
        }
        if record.exc_info:
            document["exception"] = mask(self.formatException(record.exc_info))
        return json.dumps(document, ensure_ascii=False)


FORMATTERS: dict[str, type[logging.Formatter]] = {"text": TextFormatter, "json": JsonFormatter}


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, so that configuring again replaces it instead of adding a second one."""


def configure(log_format: str = "text", level: int | str = logging.INFO, stream: TextIO | None = None) -> None:
    """Send every log line to ``stream`` (stderr) in ``log_format`` at ``level`` and above."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(handler)
    handler = _Handler(stream or sys.stderr)
    handler.setFormatter(FORMATTERS[log_format]())
    root.addHandler(handler)
    numeric = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}; use debug, info, warning or error")
    root.setLevel(numeric)
    for library in LIBRARIES:
        logging.getLogger(library).setLevel(logging.DEBUG if numeric <= logging.DEBUG else logging.WARNING)


def safe_url(url: str) -> str:
    """A database, broker or Odoo URL as logs show it: any password masked."""
    return mask(url)
