"""Odoo's automation webhooks end to end: the simulator POSTs its webhook to a real `atraxion serve`
on loopback, whose embedded worker pulls the record back over XML-RPC; a webshop sees the change.
No periodic pull runs: only the webhooks can tell Atraxion. The simulator runs in the test's process,
`atraxion serve` in its own; everything between them is real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from atraxion.testing.odoo_sim import OdooSimulator
from tests.e2e.test_serve_smoke import call, cli, free_port

T = TypeVar("T")


def eventually(probe: Callable[[], T], done: Callable[[T], bool], timeout: float = 20.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if done(value) or time.monotonic() > deadline:
            assert done(value), value
            return value
        time.sleep(0.1)


def token(env: dict[str, str], *args: str) -> str:
    done = cli(env, "token", "create", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[str, OdooSimulator, dict[str, str]]]:
    env = {
        **os.environ,
        "ATRAXION_DATABASE_URL": f"sqlite:///{tmp_path / 'atraxion.db'}",
        "ATRAXION_BROKER_URL": "memory",
        "ATRAXION_WEBHOOK_SETTLE": "0.2",
    }
    odoo_token = token(env, "odoo", "--scope", "odoo:push")
    shop_token = token(env, "shop", "--scope", "webshop:read", "--scope", "webshop:ack", "--consumer", "webshop")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with OdooSimulator(webhook_url=f"{base}/api/v1/odoo/webhooks/{odoo_token}") as sim:
        env.update({"ODOO_URL": sim.url, "ODOO_DB": sim.db, "ODOO_USERNAME": "admin", "ODOO_API_KEY": "admin"})
        process = subprocess.Popen(
            [sys.executable, "-m", "atraxion.entrypoints.cli", "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            eventually(lambda: _health(base), bool, timeout=30)
            yield base, sim, {"shop": shop_token, "odoo": odoo_token}
        finally:
            process.terminate()
            output, _ = process.communicate(timeout=30)
        assert odoo_token not in output  # the token in the webhook's path never reaches the log
        assert "Traceback" not in output, output


def _health(base: str) -> bool:
    try:
        return call("GET", f"{base}/health")[0] == 200
    except OSError:
        return False


def pending(base: str, shop: str) -> dict[str, Any]:
    status, page = call("GET", f"{base}/api/v1/webshop/products/changes?limit=100", shop)
    assert status == 200, page
    return {item["key"]: item for item in page["items"]}


def test_a_change_in_odoo_reaches_the_webshop_through_the_webhook(
    stack: tuple[str, OdooSimulator, dict[str, str]],
) -> None:
    base, sim, tokens = stack
    shop = tokens["shop"]
    desk = sim.create("product.product", {"name": "Desk", "default_code": "DESK", "list_price": 300.0})
    item = eventually(lambda: pending(base, shop), lambda items: "DESK" in items)["DESK"]
    assert item["isNew"] and item["data"]["list_price"] == 300.0 and item["odooId"] == desk
    status, _ = call("POST", f"{base}/api/v1/webshop/products/ack", shop, {"items": [{"key": "DESK", "version": 1}]})
    assert status == 200

    sim.write("product.product", [desk], {"list_price": 320.0})
    item = eventually(lambda: pending(base, shop), lambda items: "DESK" in items)["DESK"]
    assert item["version"] == 2 and "list_price" in item["changedFields"] and not item["deleted"]
    call("POST", f"{base}/api/v1/webshop/products/ack", shop, {"items": [{"key": "DESK", "version": 2}]})

    sim.write("product.product", [desk], {"active": False})  # archived: a data change
    item = eventually(lambda: pending(base, shop), lambda items: "DESK" in items)["DESK"]
    assert item["changedFields"] == ["active"] and item["data"]["active"] is False
    call("POST", f"{base}/api/v1/webshop/products/ack", shop, {"items": [{"key": "DESK", "version": 3}]})

    sim.unlink("product.product", [desk])  # deleted: the pull finds it gone
    item = eventually(lambda: pending(base, shop), lambda items: "DESK" in items)["DESK"]
    assert item["deleted"] is True and item["data"]["name"] == "Desk"
