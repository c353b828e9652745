"""Regression tests for the simulator's hardening (issue 8 item 6 and a user's control-route bug).

Contract: any call answers or faults within 5 s; SIGTERM stops the command line within 10 s even
with idle or half-sent connections open; bad bodies get a 4xx; the control route keeps working,
bounded, and only on loopback unless allowed.
"""

from __future__ import annotations

import gzip
import http.client
import signal
import socket
import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atraxion.testing.odoo_sim import OdooSimulator
from atraxion.testing.odoo_sim._control import Control
from atraxion.testing.odoo_sim._domains import like_matcher
from tests.integration.odoo.sim_support import Odoo, fault_of

PATHOLOGICAL = "%" * 7 + "Q"


@pytest.fixture
def sim() -> Iterator[OdooSimulator]:
    with OdooSimulator() as simulator:
        yield simulator


@pytest.fixture
def odoo(sim: OdooSimulator) -> Iterator[Odoo]:
    client = Odoo(sim)
    yield client
    client.close()


def address(sim: OdooSimulator) -> tuple[str, int]:
    host, port = sim.url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


# -- LIKE patterns --------------------------------------------------------------------------------------


def test_regression_a_like_pattern_of_many_percent_signs_answers_at_once(sim: OdooSimulator, odoo: Odoo) -> None:
    sim.create("product.product", {"name": "a" * 3000})
    sim.create("res.partner", {"name": "b" * 3000})
    control = xmlrpc.client.ServerProxy(f"{sim.url}/simulator")
    started = time.monotonic()
    try:
        for operator in ("=like", "=ilike", "like", "not ilike"):
            odoo.call("product.product", "search", [("name", operator, PATHOLOGICAL)])
        assert control.count("res.partner", [("name", "=like", PATHOLOGICAL)]) == 0
        assert control.count("res.partner", [("name", "=like", "%" * 40 + "b")]) == 1
    finally:
        control("close")()
    assert time.monotonic() - started < 2.0


def test_regression_an_overlong_like_pattern_is_a_fault(odoo: Odoo) -> None:
    fault = fault_of(odoo.call, "res.partner", "search", [("name", "=like", "%_" * 501)])
    assert fault.faultCode == 1 and "A LIKE pattern is at most 1000 characters" in fault.faultString


def _reference_like(pattern: str, text: str, ignore_case: bool) -> bool:
    """SQL LIKE by dynamic programming over (pattern token, text position): obviously right, slow."""
    tokens: list[str | None] = []  # None is %, "\0" is _, else a literal character
    escaped = False
    for char in pattern:
        if escaped:
            tokens.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            tokens.append(None if char == "%" else "\0" if char == "_" else char)
    if escaped:
        tokens.append("\\")
    if ignore_case:
        tokens = [t.lower() if t not in (None, "\0") else t for t in tokens]
        text = text.lower()
    reachable = {0}
    for token in tokens:
        if token is None:
            reachable = set(range(min(reachable), len(text) + 1)) if reachable else set()
        else:
            reachable = {i + 1 for i in reachable if i < len(text) and (token == "\0" or text[i] == token)}
    return len(text) in reachable


@settings(max_examples=400, deadline=None)
@given(
    pattern=st.text(alphabet="ab%_\\A", max_size=8),
    text=st.text(alphabet="abAB%_\\", max_size=10),
    ignore_case=st.booleans(),
)
def test_like_matching_agrees_with_sql_like(pattern: str, text: str, ignore_case: bool) -> None:
    assert like_matcher(pattern, ignore_case)(text) == _reference_like(pattern, text, ignore_case)


def test_a_long_in_list_is_one_lookup_per_record(sim: OdooSimulator, odoo: Odoo) -> None:
    sim.seed_demo(200)
    started = time.monotonic()
    codes = [f"DEMO-{n:05d}" for n in range(1, 60_000)]
    assert odoo.call("product.product", "search_count", [("default_code", "in", codes)]) == 200
    assert time.monotonic() - started < 5.0


def test_regression_a_search_past_its_budget_is_canceled_like_a_statement_timeout(
    sim: OdooSimulator, odoo: Odoo
) -> None:
    sim.seed_demo(600)
    sim.store.budget = 0.0
    fault = fault_of(odoo.call, "product.product", "search", [("name", "ilike", "x")])
    assert fault.faultCode == 1
    assert fault.faultString.rstrip().endswith(
        "psycopg2.errors.QueryCanceled: canceling statement due to statement timeout"
    )


# -- connections ---------------------------------------------------------------------------------------


def open_idle_and_half_sent(sim: OdooSimulator) -> list[socket.socket]:
    idle = [socket.create_connection(address(sim)) for _ in range(3)]
    half = socket.create_connection(address(sim))
    half.sendall(b"POST /xmlrpc/2/object HTTP/1.0\r\nContent-Length: 500\r\nContent-Type: text/xml\r\n\r\n<?xml")
    headers_only = socket.create_connection(address(sim))
    headers_only.sendall(b"POST /xmlrpc/2/object HTTP/1.0\r\nContent-Le")
    return [*idle, half, headers_only]


def test_regression_stop_ends_idle_and_half_sent_connections_at_once() -> None:
    simulator = OdooSimulator()
    simulator.start()
    sockets = open_idle_and_half_sent(simulator)
    try:
        time.sleep(0.2)  # let the server accept them all
        started = time.monotonic()
        simulator.stop()
        assert time.monotonic() - started < 2.0
    finally:
        for connection in sockets:
            connection.close()


def test_regression_an_idle_connection_is_closed_after_the_idle_timeout() -> None:
    with OdooSimulator(idle_timeout=0.3) as simulator:
        connection = socket.create_connection(address(simulator))
        connection.settimeout(5)
        started = time.monotonic()
        try:
            assert connection.recv(1024) == b""  # closed by the server, unanswered
        finally:
            connection.close()
        assert time.monotonic() - started < 3.0
        client = Odoo(simulator)
        try:
            assert client.call("res.partner", "search", []) == []  # others are served meanwhile
        finally:
            client.close()


def test_regression_sigterm_stops_the_command_line_with_connections_open() -> None:
    command = [sys.executable, "-c", "import sys; from atraxion.testing.odoo_sim import main; sys.exit(main())"]
    with subprocess.Popen([*command, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as cli:
        assert cli.stdout is not None
        url = cli.stdout.readline().split(" on ", 1)[1].split(" ", 1)[0]
        host, port = url.removeprefix("http://").rsplit(":", 1)
        idle = [socket.create_connection((host, int(port))) for _ in range(3)]
        half = socket.create_connection((host, int(port)))
        half.sendall(b"POST /xmlrpc/2/common HTTP/1.0\r\nContent-Length: 900\r\n\r\n<?xml version")
        try:
            time.sleep(0.3)
            started = time.monotonic()
            cli.send_signal(signal.SIGTERM)
            assert cli.wait(timeout=10) == 0
            assert time.monotonic() - started < 10
        finally:
            for connection in [*idle, half]:
                connection.close()


# -- bodies --------------------------------------------------------------------------------------------


def post(sim: OdooSimulator, body: bytes, **headers: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(*address(sim), timeout=10)
    try:
        connection.request("POST", "/xmlrpc/2/common", body=body, headers={"Content-Type": "text/xml", **headers})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def test_regression_a_bad_gzip_body_is_answered_400(sim: OdooSimulator) -> None:
    assert post(sim, b"this is not gzip", **{"Content-Encoding": "gzip"})[0] == 400
    truncated = gzip.compress(xmlrpc.client.dumps((), "version").encode())[:-12]
    assert post(sim, truncated, **{"Content-Encoding": "gzip"})[0] == 400


def test_regression_an_oversized_gzip_body_is_answered_413(sim: OdooSimulator) -> None:
    bomb = gzip.compress(b"<" * (33 * 1024 * 1024), compresslevel=1)
    assert len(bomb) < 1024 * 1024
    assert post(sim, bomb, **{"Content-Encoding": "gzip"})[0] == 413


def test_a_good_gzip_body_is_still_served(sim: OdooSimulator) -> None:
    status, body = post(sim, gzip.compress(xmlrpc.client.dumps((), "version").encode()), **{"Content-Encoding": "gzip"})
    assert status == 200 and xmlrpc.client.loads(body)[0][0]["protocol_version"] == 1


def test_a_body_that_is_not_xml_rpc_is_a_fault(sim: OdooSimulator) -> None:
    status, body = post(sim, b"\x00\xffnot xml")
    assert status == 200
    with pytest.raises(xmlrpc.client.Fault):
        xmlrpc.client.loads(body)


# -- the control route ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("refuse_for", [1e9]),
        ("refuse_for", [0]),
        ("refuse_for", [-1]),
        ("set_delay", [1e9]),
        ("set_delay", [float("nan")]),
        ("fail_next", [-1]),
        ("fail_next", [2_000_000]),
        ("drop_next", ["many"]),
        ("fail_share", [float("nan")]),
        ("fail_share", [0.5, "explode"]),
    ],
)
def test_regression_control_values_are_bounded(sim: OdooSimulator, odoo: Odoo, method: str, args: list[Any]) -> None:
    control = xmlrpc.client.ServerProxy(f"{sim.url}/simulator")
    try:
        fault = fault_of(getattr(control, method), *args)
        assert fault.faultCode == 1 and "ValueError" in fault.faultString
        assert odoo.call("res.partner", "search", []) == []  # still listening, nothing armed
        assert control.count("res.partner", []) == 0
    finally:
        control("close")()


def test_regression_reset_faults_after_refuse_for_listens_again_at_once(sim: OdooSimulator) -> None:
    control = Control(sim)
    assert control.dispatch("refuse_for", [60]) is True
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address(sim), timeout=1).close()
    assert control.dispatch("reset_faults", []) is True
    socket.create_connection(address(sim), timeout=1).close()
    assert sim._timers == []  # noqa: SLF001 - no refusal left armed to fire later


def test_reset_faults_over_the_control_route_disarms_a_pending_refusal(sim: OdooSimulator) -> None:
    proxy = xmlrpc.client.ServerProxy(f"{sim.url}/simulator")
    try:
        assert proxy.fail_next(3) is True and proxy.refuse_for(0.2) is True
        deadline = time.monotonic() + 5
        while True:
            try:
                assert proxy.reset_faults() is True
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        client = Odoo(sim)
        try:
            assert client.call("res.partner", "search", []) == []  # fail_next(3) was reset too
        finally:
            client.close()
    finally:
        proxy("close")()


def test_the_control_route_is_forbidden_off_loopback_unless_allowed() -> None:
    for allowed, status in ((False, 403), (True, 200)):
        with OdooSimulator(allow_remote_control=allowed) as simulator:
            simulator.stop()
            simulator.start("0.0.0.0", 0)
            port = address(simulator)[1]
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                body = xmlrpc.client.dumps(("res.partner", []), "count").encode()
                connection.request("POST", "/simulator", body=body, headers={"Content-Type": "text/xml"})
                assert connection.getresponse().status == status
            finally:
                connection.close()
            client = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{port}/xmlrpc/2/common")
            try:
                assert client.version()["server_version"] == "17.0"  # type: ignore[index]
            finally:
                client("close")()
