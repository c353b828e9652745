"""A real `atraxion serve` process under uvicorn, driven over real HTTP like the README's tour."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "atraxion.entrypoints.cli", *args], env=env, capture_output=True, text=True, timeout=60
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(method: str, url: str, token: str | None = None, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def wait_until_serving(port: int, process: subprocess.Popen[str], timeout: float = 60) -> None:
    """Until ``GET /health`` answers 200 on ``port``; fails if ``process`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if call("GET", f"http://127.0.0.1:{port}/health")[0] == 200:
                return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail("atraxion serve did not start")
        time.sleep(0.2)


@contextmanager
def serving(cwd: Path, env: dict[str, str], port: int, executable: str = "atraxion") -> Iterator[None]:
    """``atraxion serve --port PORT`` in ``cwd`` until it answers; on exit it is stopped, with
    whatever it started (its own session)."""
    process = subprocess.Popen(
        [executable, "serve", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        wait_until_serving(port, process)
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    env = {**os.environ, "ATRAXION_DATABASE_URL": f"sqlite:///{tmp_path / 'smoke.db'}", "ATRAXION_BROKER_URL": "memory"}
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "atraxion.entrypoints.cli", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if call("GET", f"{base}/health")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"atraxion serve did not start:\n{process.stdout.read() if process.stdout else ''}")
            time.sleep(0.2)
        yield base, env
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "no API tokens yet" in output  # the first run tells the user how to get one


def test_the_readme_tour_against_a_real_server(server: tuple[str, dict[str, str]]) -> None:
    base, env = server
    created = cli(env, "token", "create", "odoo", "--scope", "odoo:push")
    assert created.returncode == 0, created.stderr
    odoo = created.stdout.strip().splitlines()[-1]
    shop_run = cli(env, "token", "create", "shop", "--scope", "webshop:read", "--scope", "webshop:ack")
    shop = shop_run.stdout.strip().splitlines()[-1]
    assert odoo.startswith("atx_") and shop.startswith("atx_") and odoo != shop

    product = {"externalId": "FURN_0001", "odooId": 41, "data": {"name": "Oak Desk", "list_price": 349.0}}
    assert call("POST", f"{base}/api/v1/odoo/products", odoo, {"records": [product]})[0] == 200
    product["data"]["list_price"] = 329.0
    status, pushed = call("POST", f"{base}/api/v1/odoo/products", odoo, {"records": [product]})
    assert status == 200 and pushed["results"][0]["changedFields"] == ["list_price"]

    status, page = call("GET", f"{base}/api/v1/webshop/products/changes", shop)
    (item,) = page["items"]
    assert (item["isNew"], item["version"], item["data"]["list_price"]) == (True, 2, 329.0)
    status, acked = call(
        "POST", f"{base}/api/v1/webshop/products/ack", shop, {"items": [{"key": "FURN_0001", "version": 2}]}
    )
    assert acked == {"acked": ["FURN_0001"], "stale": [], "unknown": []}
    assert call("GET", f"{base}/api/v1/webshop/products/changes", shop)[1]["items"] == []

    assert call("GET", f"{base}/api/v1/webshop/products/changes", odoo)[0] == 403
    assert call("GET", f"{base}/api/v1/webshop/products/changes", "atx_wrong")[0] == 401

    listed = cli(env, "token", "list")
    assert "odoo" in listed.stdout and odoo not in listed.stdout
    assert cli(env, "token", "revoke", "1").returncode == 0
    assert call("POST", f"{base}/api/v1/odoo/products", odoo, {"records": [product]})[0] == 401
