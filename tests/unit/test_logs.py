"""The service log: JSON or text, the work's context on every line, secrets masked, libraries quiet."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from atraxion.config import Settings
from atraxion.entrypoints import logs
from atraxion.entrypoints.serve import targets
from atraxion.observability import log_context


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """The log configured as the CLI does, into a buffer; put back as it was afterwards."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    libraries = {name: logging.getLogger(name).level for name in logs.LIBRARIES}
    stream = io.StringIO()
    yield stream
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    for name, old in libraries.items():
        logging.getLogger(name).setLevel(old)


def test_json_lines_carry_the_context(output: io.StringIO) -> None:
    logs.configure("json", "info", output)
    with log_context.bound(request_id="r-1", consumer="webshop", entity="products"):
        logging.getLogger("atraxion.test").info("pushed %d records", 3)
    logging.getLogger("atraxion.test").warning("retrying", extra={"order": "WEB-1", "cause": "Odoo is down"})
    first, second = (json.loads(line) for line in output.getvalue().splitlines())
    assert first["message"] == "pushed 3 records" and first["level"] == "INFO" and first["logger"] == "atraxion.test"
    assert (first["request_id"], first["consumer"], first["entity"]) == ("r-1", "webshop", "products")
    assert first["time"].endswith("Z")
    assert "request_id" not in second  # the context ended with its block
    assert (second["order"], second["cause"]) == ("WEB-1", "Odoo is down")


def test_text_is_the_default_and_readable(output: io.StringIO) -> None:
    assert Settings.from_env({}, env_file=None).log_format == "text"
    logs.configure("text", "info", output)
    with log_context.bound(request_id="r-2"):
        logging.getLogger("atraxion.test").info("hello")
    line = output.getvalue().strip()
    assert " INFO atraxion.test hello [request_id=r-2]" in line


def test_a_bad_format_or_level_is_one_clear_error() -> None:
    with pytest.raises(ValueError, match="ATRAXION_LOG_FORMAT must be one of text, json"):
        Settings.from_env({"ATRAXION_LOG_FORMAT": "xml"}, env_file=None)
    with pytest.raises(ValueError, match="unknown log level"):
        logs.configure("text", "loud", io.StringIO())


def test_secrets_are_masked_whatever_logs_them(output: io.StringIO) -> None:
    logs.configure("json", "info", output)
    log = logging.getLogger("atraxion.test")
    log.info("token atx_s3cr3tT0ken and whsec_c2VjcmV0c2VjcmV0 in mysql+pymysql://app:hunter2@db/atraxion")
    log.info("POST /api/v1/odoo/webhooks/atx_hooktoken 202")
    try:
        raise RuntimeError("amqp://guest:pa55word@rabbit:5672/%2F refused")
    except RuntimeError:
        log.exception("broker")
    text = output.getvalue()
    for secret in ("s3cr3tT0ken", "c2VjcmV0c2VjcmV0", "hunter2", "hooktoken", "pa55word"):
        assert secret not in text
    assert "mysql+pymysql://app:***@db/atraxion" in text and "/odoo/webhooks/***" in text


def test_library_request_logs_wait_for_debug(output: io.StringIO) -> None:
    logs.configure("text", "info", output)
    logging.getLogger("httpx").info("HTTP Request: GET http://odoo/json/2 200")
    logging.getLogger("pika.connection").info("connection opened")
    assert output.getvalue() == ""
    logs.configure("text", "debug", output)
    logging.getLogger("httpx").info("HTTP Request: GET http://odoo/json/2 200")
    assert "HTTP Request" in output.getvalue()


def test_serve_names_its_targets_without_passwords() -> None:
    settings = Settings(
        database_url="mysql+pymysql://atraxion:dbpass@db.internal/atraxion",
        broker_url="amqp://shop:brokerpass@rabbit:5672/%2F",
        odoo_url="https://odoo.example.com",
        odoo_db="prod",
        odoo_username="sync@example.com",
        odoo_api_key="odoo-api-key-123",
    )
    line = targets(settings)
    assert "mysql+pymysql://atraxion:***@db.internal/atraxion" in line
    assert "amqp://shop:***@rabbit:5672/%2F" in line
    assert "https://odoo.example.com (protocol auto, database prod, user sync@example.com)" in line
    for secret in ("dbpass", "brokerpass", "odoo-api-key-123"):
        assert secret not in line
