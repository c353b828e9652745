"""The access log: one line per request with the request id, consumer and entity, never a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from atraxion.application.reverse_sync import Outcome, process_entry
from atraxion.bootstrap import Atraxion
from atraxion.domain.odoo_orders import TransientOdooError
from atraxion.entrypoints import logs
from atraxion.testing.fake_odoo import FakeOdooGateway
from tests.e2e.conftest import Tokens
from tests.e2e.reverse_sync_support import push


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    libraries = {name: logging.getLogger(name).level for name in logs.LIBRARIES}
    stream = io.StringIO()
    logs.configure("json", "info", stream)
    yield stream
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    for name, old in libraries.items():
        logging.getLogger(name).setLevel(old)


def lines(output: io.StringIO, logger: str) -> list[dict[str, str]]:
    found = [json.loads(line) for line in output.getvalue().splitlines()]
    return [line for line in found if line["logger"] == logger]


def ours(output: io.StringIO) -> str:
    """Every line Atraxion wrote (the test client's own request log is not the service's)."""
    return "\n".join(line for line in output.getvalue().splitlines() if '"logger": "atraxion' in line)


def test_one_line_per_request_with_its_context(client: TestClient, tokens: Tokens, output: io.StringIO) -> None:
    secret = tokens.shop["Authorization"].split()[1]
    answer = client.get(
        f"/api/v1/webshop/products/changes?limit=5&token={secret}&cursor=sk_live_abc",
        headers={**tokens.shop, "X-Request-ID": "req-42"},
    )
    assert answer.status_code in (200, 422)
    (line,) = lines(output, "atraxion.access")
    assert line["request_id"] == "req-42" and line["consumer"] == "webshop" and line["entity"] == "products"
    assert line["message"].startswith("GET /api/v1/webshop/products/changes?limit=5")
    assert secret not in ours(output) and "sk_live_abc" not in ours(output)


def test_a_webhook_token_in_the_path_is_masked(client: TestClient, output: io.StringIO) -> None:
    client.post("/api/v1/odoo/webhooks/not-a-real-token-xyz", json={"_model": "product.product", "_id": 1})
    (line,) = lines(output, "atraxion.access")
    assert "/api/v1/odoo/webhooks/*** 401" in line["message"]
    assert "not-a-real-token-xyz" not in ours(output)


class RestartingOdoo(FakeOdooGateway):
    """An Odoo that is restarting: every call is refused for now."""

    def find_sale_order(self, *, client_order_ref: str) -> int | None:
        raise TransientOdooError("connection refused: Odoo is restarting")


def test_the_worker_names_the_order_and_the_cause_of_each_retry(
    client: TestClient, tokens: Tokens, atraxion: Atraxion, output: io.StringIO
) -> None:
    push(atraxion, "partners", [{"externalId": "P1", "odooId": 7, "type": "main", "data": {"name": "Azure"}}])
    push(atraxion, "products", [{"externalId": "A", "odooId": 8, "data": {"name": "Desk"}}])
    body = {"externalId": "WEB-77", "partnerExternalId": "P1", "lines": [{"productExternalId": "A", "quantity": 1}]}
    answer = client.post("/api/v1/webshop/sale-orders", json=body, headers=tokens.shop)
    assert answer.status_code == 202
    outcome = process_entry(atraxion.context, RestartingOdoo(), answer.json()["queueId"], jitter=lambda: 0.5)
    assert outcome is Outcome.RETRY_SCHEDULED
    (line,) = [line for line in lines(output, "atraxion.application.reverse_sync") if "attempt" in line["message"]]
    assert line["order"] == "WEB-77"
    assert line["cause"] == "connection refused: Odoo is restarting"


def test_probes_and_scrapes_are_logged_at_debug_only(client: TestClient, output: io.StringIO) -> None:
    for path in ("/health", "/ready", "/metrics"):
        assert client.get(path).status_code == 200
    assert lines(output, "atraxion.access") == []
    logs.configure("json", "debug", output)
    client.get("/health")
    (line,) = lines(output, "atraxion.access")
    assert line["level"] == "DEBUG" and line["message"].startswith("GET /health 200")
