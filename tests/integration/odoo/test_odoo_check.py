"""``atraxion odoo check`` through ``cli.main`` against the simulator over HTTP, and the same check
at start-up (``Atraxion.check_odoo``): good credentials print who and what; anything wrong is one
line and a non-zero exit, never a traceback."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from atraxion.bootstrap import bootstrap
from atraxion.config import Settings
from atraxion.domain.pulled_models import PULLED_MODELS
from atraxion.entrypoints import cli
from atraxion.entrypoints.runtime import Runtime
from atraxion.testing.odoo_sim import OdooSimulator

DB, LOGIN, PASSWORD, API_KEY = "shop", "api@example.com", "pw", "check-key-0123456789"
ODOO_VARIABLES = ("ODOO_URL", "ODOO_DB", "ODOO_USERNAME", "ODOO_API_KEY", "ODOO_PROTOCOL")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    for name in ODOO_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["19.0", "17.0"])
def sim(request: pytest.FixtureRequest) -> Iterator[OdooSimulator]:
    version: str = request.param
    with OdooSimulator(db=DB, login=LOGIN, password=PASSWORD, api_keys=[API_KEY], server_version=version) as s:
        yield s


def configure(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def run(capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(["odoo", "check"])
    out, err = capsys.readouterr()
    return code, out, err


def test_good_credentials_print_version_protocol_user_and_models(
    sim: OdooSimulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, ODOO_URL=sim.url, ODOO_DB=DB, ODOO_USERNAME=LOGIN, ODOO_API_KEY=API_KEY)
    code, out, err = run(capsys)
    protocol = "json2" if sim.services.major >= 19 else "xmlrpc"
    assert (code, err) == (0, "")
    assert f"Odoo {sim.services.server_version} at {sim.url} (database 'shop')" in out
    assert f"protocol  {protocol}\n" in out
    assert f"user      {LOGIN} (" in out and f"uid {sim.uid})" in out
    for entity, model in PULLED_MODELS:
        assert any(entity in line and model in line and line.endswith("readable") for line in out.splitlines())


def test_json2_needs_no_username(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with OdooSimulator(db=DB, login=LOGIN, password=PASSWORD, api_keys=[API_KEY], server_version="19.0") as sim:
        configure(monkeypatch, ODOO_URL=sim.url, ODOO_API_KEY=API_KEY, ODOO_PROTOCOL="json2")
        code, out, _ = run(capsys)
    assert code == 0 and "protocol  json2" in out and f"user      {LOGIN}" in out


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_wrong_credentials_are_one_line_and_exit_1(
    sim: OdooSimulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, ODOO_URL=sim.url, ODOO_DB=DB, ODOO_USERNAME=LOGIN, ODOO_API_KEY="wrong-key")
    code, out, err = run(capsys)
    line = one_line(err)
    assert code == 1 and out == ""
    assert line.startswith("atraxion odoo check: ") and ("refused" in line or "authentication failed" in line)
    assert "wrong-key" not in line


def test_an_unreachable_server_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    configure(monkeypatch, ODOO_URL=f"http://127.0.0.1:{port}", ODOO_DB=DB, ODOO_USERNAME=LOGIN, ODOO_API_KEY="k")
    code, _, err = run(capsys)
    assert code == 1 and f"cannot reach Odoo at http://127.0.0.1:{port}" in one_line(err)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"ODOO_URL": "ftp://odoo.example.com", "ODOO_API_KEY": "k"}, "must be http(s)://"),
        ({"ODOO_URL": "http://odoo.example.com"}, "ODOO_API_KEY not"),
        ({"ODOO_URL": "http://odoo.example.com", "ODOO_API_KEY": "k", "ODOO_PROTOCOL": "xmlrpc"}, "ODOO_DB, ODOO_USER"),
        ({"ODOO_URL": "http://odoo.example.com", "ODOO_API_KEY": "k", "ODOO_PROTOCOL": "soap"}, "ODOO_PROTOCOL must"),
        ({}, "ODOO_URL is not set"),
    ],
)
def test_bad_settings_are_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], values: dict[str, str], expected: str
) -> None:
    configure(monkeypatch, **values)
    code, _, err = run(capsys)
    assert code == 2 and expected in one_line(err)


def test_a_redirect_is_one_line_naming_the_target(
    redirecting: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, ODOO_URL=redirecting, ODOO_DB=DB, ODOO_USERNAME=LOGIN, ODOO_API_KEY="k")
    code, _, err = run(capsys)
    assert code == 1 and "redirects to https://odoo.example.com/web/version" in one_line(err)


# -- the same check at start-up ---------------------------------------------------------------------


def test_start_up_logs_one_error_line_for_wrong_credentials(
    sim: OdooSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(database_url="memory://", odoo_url=sim.url, odoo_db=DB, odoo_username=LOGIN, odoo_api_key="x")
    app = bootstrap(settings)
    try:
        with caplog.at_level(logging.INFO, logger="atraxion.entrypoints.runtime"):
            thread = Runtime(app).check_odoo_in_background()
            assert thread is not None
            thread.join(10)
        errors = [r for r in caplog.records if r.name == "atraxion.entrypoints.runtime" and r.levelno >= logging.ERROR]
        assert len(errors) == 1 and "Odoo check failed" in errors[0].getMessage()
    finally:
        app.close()


def test_start_up_goes_on_when_odoo_is_unreachable(sim: OdooSimulator, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(
        database_url="memory://", odoo_url=sim.url, odoo_db=DB, odoo_username=LOGIN, odoo_api_key=API_KEY
    )
    app = bootstrap(settings)
    try:
        sim.refuse_connections()
        with caplog.at_level(logging.INFO, logger="atraxion.entrypoints.runtime"):
            assert Runtime(app).check_odoo() is False
        assert [r.levelname for r in caplog.records if r.name == "atraxion.entrypoints.runtime"] == ["WARNING"]
        sim.refuse_connections(False)
        assert Runtime(app).check_odoo() is True
    finally:
        app.close()


def test_a_real_serve_logs_one_line_for_wrong_odoo_credentials_and_serves_anyway(tmp_path: Path) -> None:
    with OdooSimulator(db=DB, login=LOGIN, password=PASSWORD, api_keys=[API_KEY], server_version="19.0") as sim:
        serve_with_wrong_credentials(sim, tmp_path)


def serve_with_wrong_credentials(sim: OdooSimulator, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "ATRAXION_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "ATRAXION_BROKER_URL": "memory",
        "ODOO_URL": sim.url,
        "ODOO_DB": DB,
        "ODOO_USERNAME": LOGIN,
        "ODOO_API_KEY": "a-wrong-key",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "atraxion.entrypoints.cli", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "atraxion serve did not start"
            time.sleep(0.2)
        time.sleep(1.0)  # the check started before uvicorn; it takes milliseconds against the simulator
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    failures = [line for line in output.splitlines() if "Odoo check failed" in line]
    assert len(failures) == 1 and " ERROR " in failures[0], output
    assert "a-wrong-key" not in output and "Traceback" not in output
