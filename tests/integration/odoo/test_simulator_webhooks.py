"""Odoo's automation webhooks from the simulator, received by a real HTTP server on loopback."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import xmlrpc.client
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from atraxion.testing.odoo_sim import OdooSimulator
from tests.integration.odoo.sim_support import Odoo, fault_of


class Receiver:
    """A webhook endpoint: records each POST (headers and raw body); can be made slow."""

    def __init__(self, delay: float = 0.0) -> None:
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.delay = delay
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    receiver.posts.append((dict(self.headers), body))
                time.sleep(receiver.delay)
                try:
                    self.send_response(200)
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up waiting (its 1 s timeout)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/odoo-hook"

    def bodies(self, count: int, within: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + within
        while len(self.posts) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return [json.loads(body) for _headers, body in self.posts]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


@pytest.fixture
def sim(receiver: Receiver) -> Iterator[OdooSimulator]:
    with OdooSimulator(webhook_url=receiver.url) as simulator:
        yield simulator


@pytest.fixture
def odoo(sim: OdooSimulator) -> Iterator[Odoo]:
    client = Odoo(sim)
    yield client
    client.close()


def test_create_write_archive_and_unlink_each_post_odoo_s_payload(
    sim: OdooSimulator, odoo: Odoo, receiver: Receiver
) -> None:
    sim.freeze_clock("2024-06-01 08:00:00")
    product = odoo.call("product.product", "create", {"name": "Desk", "default_code": "D-1", "list_price": 10.0})
    sim.freeze_clock("2024-06-01 08:00:05")
    odoo.call("product.product", "write", [product], {"list_price": 12.5})
    odoo.call("product.product", "write", [product], {"active": False})
    odoo.call("product.product", "unlink", [product])
    bodies = receiver.bodies(4)
    row = {"id": product, "default_code": "D-1", "barcode": False, "name": "Desk", "_model": "product.product",
           "_id": product}  # fmt: skip
    assert bodies == [
        {**row, "_action": "Notify Atraxion: product created(#11)", "list_price": 10.0, "active": True,
         "write_date": "2024-06-01 08:00:00"},
        {**row, "_action": "Notify Atraxion: product updated(#12)", "list_price": 12.5, "active": True,
         "write_date": "2024-06-01 08:00:05"},
        {**row, "_action": "Notify Atraxion: product archived(#13)", "list_price": 12.5, "active": False,
         "write_date": "2024-06-01 08:00:05"},
        {**row, "_action": "Notify Atraxion: product deleted(#15)", "list_price": 12.5, "active": False,
         "write_date": "2024-06-01 08:00:05"},
    ]  # fmt: skip
    for headers, raw in receiver.posts:
        assert headers["Content-Type"] == "application/json"
        assert raw == json.dumps(json.loads(raw), sort_keys=True).encode()  # Odoo's sort_keys=True, default separators


def test_partner_bodies_carry_many2one_as_a_bare_id(sim: OdooSimulator, odoo: Odoo, receiver: Receiver) -> None:
    company = odoo.call("res.partner", "create", {"name": "Azure", "is_company": True, "ref": "C1"})
    odoo.call("res.partner", "create", {"name": "Billing", "parent_id": company, "type": "invoice"})
    first, second = receiver.bodies(2)
    assert first["parent_id"] is False and first["ref"] == "C1" and first["_model"] == "res.partner"
    assert second["parent_id"] == company and second["type"] == "invoice"
    assert second["_action"] == "Notify Atraxion: contact created(#21)"


def test_other_models_seeding_and_rolled_back_calls_post_nothing(
    sim: OdooSimulator, odoo: Odoo, receiver: Receiver
) -> None:
    sim.seed_demo(20)
    odoo.call("product.category", "create", {"name": "Not watched"})
    fault_of(odoo.call, "product.product", "create", [{"name": "Rolled back"}, {"name": False}])
    odoo.call("res.partner", "create", {"name": "The only one"})
    assert [body["name"] for body in receiver.bodies(1)] == ["The only one"]
    time.sleep(0.2)
    assert len(receiver.posts) == 1


def test_a_slow_receiver_never_slows_a_call_and_gets_one_try_per_record() -> None:
    slow = Receiver(delay=1.5)
    try:
        with OdooSimulator(webhook_url=slow.url) as simulator:
            client = Odoo(simulator)
            try:
                started = time.monotonic()
                ids = [client.call("res.partner", "create", {"name": f"P{n}"}) for n in range(3)]
                assert time.monotonic() - started < 1.0
            finally:
                client.close()
            bodies = slow.bodies(3, within=8.0)
            assert [body["_id"] for body in bodies] == ids  # in commit order, each once (no retry)
            sender = simulator.webhooks
            assert sender is not None
            deadline = time.monotonic() + 3
            while sender.failed < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert (sender.failed, sender.sent, len(slow.posts)) == (3, 0, 3)  # each timed out after 1 s
    finally:
        slow.close()


def test_an_unreachable_receiver_is_only_logged(receiver: Receiver) -> None:
    with socket_free_port() as port, OdooSimulator(webhook_url=f"http://127.0.0.1:{port}/") as simulator:
        client = Odoo(simulator)
        try:
            assert isinstance(client.call("res.partner", "create", {"name": "P"}), int)
        finally:
            client.close()
        deadline = time.monotonic() + 5
        while simulator.webhooks is not None and simulator.webhooks.failed < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert simulator.webhooks is not None and simulator.webhooks.failed == 1


class socket_free_port:  # noqa: N801 - used as a context manager, reads as one
    """A loopback port nobody listens on (bound without listen, so connections are refused)."""

    def __enter__(self) -> int:
        import socket

        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        return int(self._socket.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self._socket.close()


def test_the_command_line_takes_a_webhook_url(receiver: Receiver) -> None:
    command = [sys.executable, "-c", "import sys; from atraxion.testing.odoo_sim import main; sys.exit(main())"]
    arguments = ["--port", "0", "--webhook", receiver.url, "--demo-products", "3"]
    with subprocess.Popen([*command, *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        url = process.stdout.readline().split(" on ", 1)[1].split(" ", 1)[0]
        proxy = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
        try:
            product = proxy.execute_kw("odoo", 2, "admin", "product.product", "create", [{"name": "CLI"}])
        finally:
            proxy("close")()
        [body] = receiver.bodies(1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert (body["_id"], body["name"]) == (product, "CLI")


@pytest.mark.parametrize(
    ("fields", "message"),
    [({"res.partner": ["x_nope"]}, "res.partner has no field x_nope"), ({"sale.order": ["name"]}, "not sale.order")],
)
def test_webhook_fields_are_checked_up_front(receiver: Receiver, fields: dict[str, list[str]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        OdooSimulator(webhook_url=receiver.url, webhook_fields=fields)


def test_chosen_webhook_fields_are_the_ones_sent(receiver: Receiver) -> None:
    with OdooSimulator(webhook_url=receiver.url, webhook_fields={"res.partner": ["ref"]}) as simulator:
        partner = simulator.create("res.partner", {"name": "Azure", "ref": "C1"})
        simulator.create("product.product", {"name": "Not watched now"})
        [body] = receiver.bodies(1)
    assert body == {"_action": "Notify Atraxion: contact created(#21)", "_id": partner, "_model": "res.partner",
                    "id": partner, "ref": "C1"}  # fmt: skip
