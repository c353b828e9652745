"""Every secret a full scenario uses is nowhere in clear afterwards (quality R6).

A real ``atraxion serve`` (on SQLite, and on MariaDB through a user with a password) with its output
captured to a file, the bundled Odoo simulator reached with an API key, and two webhook receivers on
loopback. The scenario: API tokens created with the CLI, ``atraxion odoo check``, products and
partners pushed, a webshop polling and acknowledging, Odoo's automation webhook posting with the
token in its path, a webhook created with a given secret and one with a generated secret (both
delivered, signed), a sale order synced to Odoo, and a few careless or hostile requests (a wrong
token, a token in a query string). Then the database (every column of every table), the request log
(``GET /api/v1/admin/logs``) and the service's output are searched for each secret, as written,
URL-encoded and base64-encoded (and, for a webhook secret, its base64 key part): none is there.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from sqlalchemy import Engine, MetaData, select, text
from sqlalchemy.engine import make_url

from atraxion.adapters.sqlalchemy import create_engine_from_url
from atraxion.domain.webhook_signing import encode_secret
from atraxion.testing.odoo_sim import OdooSimulator
from tests.conftest import MYSQL_URL, service_unavailable
from tests.dramatiq_brokers import broker_url, unique_queue_name
from tests.e2e.test_odoo_webhooks_serve import eventually, token
from tests.e2e.test_serve_smoke import call, cli, free_port
from tests.e2e.webhook_receiver import LoopbackReceiver, loopback_receiver

WEBHOOK_PREFIX = "whsec_"


def forms(secret: str) -> set[str]:
    """The ways a secret could leak: as is, URL-encoded, base64 (standard and URL-safe), and a
    webhook secret's key part (the base64 after ``whsec_``) on its own."""
    raw = secret.encode()
    found = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    }
    if secret.startswith(WEBHOOK_PREFIX):
        key = secret[len(WEBHOOK_PREFIX) :]
        found |= {key, quote(key, safe=""), key.rstrip("=")}
    return found


def leaks(secrets_used: dict[str, str], haystacks: dict[str, str]) -> list[str]:
    return [
        f"{name} ({form!r}) in {where}"
        for name, secret in secrets_used.items()
        for form in forms(secret)
        for where, haystack in haystacks.items()
        if form in haystack
    ]


def dump(engine: Engine) -> str:
    """Every value of every table, as text (bytes decoded as Latin-1: every byte stays visible)."""
    metadata = MetaData()
    metadata.reflect(engine)
    lines = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                values = [v.decode("latin-1") if isinstance(v, bytes | bytearray) else str(v) for v in row]
                lines.append(f"{table.name}: " + " | ".join(values))
    return "\n".join(lines)


def admin_get(base: str, path: str, admin: str) -> str:
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {admin}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(response.read().decode())


def raw_get(url: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        with error:
            return int(error.code)


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    yield f"sqlite:///{tmp_path / 'atraxion.db'}", {}


@pytest.fixture
def mariadb_database() -> Iterator[tuple[str, dict[str, str]]]:
    """A database of its own, reached as a user of its own whose password is a secret."""
    server = make_url(MYSQL_URL)
    suffix = uuid.uuid4().hex[:8]
    name, user, password = f"atraxion_secrets_{suffix}", f"atx_s_{suffix}", secrets.token_urlsafe(24)
    try:
        admin = create_engine_from_url(server.render_as_string(hide_password=False))
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
            conn.execute(text(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'"))
            conn.execute(text(f"GRANT ALL PRIVILEGES ON {name}.* TO '{user}'@'%'"))
    except Exception as error:  # noqa: BLE001
        service_unavailable("MariaDB", f"{type(error).__name__}: {error}")
    url = server.set(username=user, password=password, database=name).render_as_string(hide_password=False)
    try:
        yield url, {"the database password": password}
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(text(f"DROP USER IF EXISTS '{user}'@'%'"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def database(request: pytest.FixtureRequest) -> tuple[str, dict[str, str]]:
    value: tuple[str, dict[str, str]] = request.getfixturevalue(f"{request.param}_database")
    return value


def wait_for(probe: Callable[[], Any], timeout: float = 30.0) -> Any:
    return eventually(probe, bool, timeout=timeout)


def test_no_secret_of_a_full_scenario_is_stored_logged_or_answered_in_clear(
    database: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, used = database
    odoo_key = secrets.token_hex(20)
    given = encode_secret(secrets.token_bytes(33))  # unpadded, as the API wants it
    used |= {"the Odoo API key": odoo_key, "the given webhook secret": given}
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ATRAXION_", "ODOO_"))  # this test says what is configured
    }
    env.update(ATRAXION_DATABASE_URL=url, ATRAXION_BROKER_URL="memory", ATRAXION_WEBHOOK_SETTLE="0.2")
    env.update(ATRAXION_WEBHOOK_SWEEP_INTERVAL="0.2", ATRAXION_SECRET_KEY_FILE=str(tmp_path / "atraxion.key"))
    # People read text logs, collectors JSON ones (which escape differently): one backend each.
    env["ATRAXION_LOG_FORMAT"] = "json" if url.startswith("mysql") else "text"
    upgraded = cli(env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    outputs = {"db upgrade": upgraded.stdout + upgraded.stderr}
    used["the webhook token"] = odoo = token(env, "odoo", "--scope", "odoo:push")
    scopes = ("--scope", "webshop:read", "--scope", "webshop:ack", "--scope", "webshop:orders")
    used["the webshop token"] = shop = token(env, "shop", *scopes, "--consumer", "webshop")
    used["the admin token"] = admin = token(env, "ops", "--scope", "admin", "--consumer", "ops")
    used["a wrong token"] = wrong = f"atx_{secrets.token_urlsafe(24)}"
    used["a wrong webhook token"] = wrong_path = secrets.token_urlsafe(24)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    output_file = tmp_path / "serve.log"
    sim_password = secrets.token_urlsafe(16)  # the Odoo user's password: Atraxion never gets it
    with (
        OdooSimulator(
            password=sim_password, api_keys=[odoo_key], webhook_url=f"{base}/api/v1/odoo/webhooks/{odoo}"
        ) as sim,
        loopback_receiver(given) as given_receiver,
        loopback_receiver("whsec_unknown-yet") as generated_receiver,
        output_file.open("w") as output,
    ):
        env.update(ODOO_URL=sim.url, ODOO_DB=sim.db, ODOO_USERNAME="admin", ODOO_API_KEY=odoo_key)
        checked = cli(env, "odoo", "check")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        outputs["odoo check"] = checked.stdout + checked.stderr
        env_wrong = {**env, "ODOO_API_KEY": f"{odoo_key}-revoked"}
        used["a revoked Odoo API key"] = env_wrong["ODOO_API_KEY"]
        refused = cli(env_wrong, "odoo", "check")
        assert refused.returncode != 0
        outputs["odoo check refused"] = refused.stdout + refused.stderr

        process = subprocess.Popen(
            [sys.executable, "-m", "atraxion.entrypoints.cli", "serve", "--port", str(port), "--log-level", "debug"],
            env=env,
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_for(lambda: _healthy(base))
            _scenario(base, sim, odoo, shop, admin, wrong, wrong_path, given, given_receiver, generated_receiver, used)
            time.sleep(1.0)  # the request log is written in batches every half second
            request_log = admin_get(base, "/api/v1/admin/logs?limit=1000", admin)
        finally:
            process.terminate()
            process.wait(timeout=30)

    service_output = output_file.read_text()
    engine = create_engine_from_url(url)
    try:
        database_text = dump(engine)
    finally:
        engine.dispose()

    # The haystacks hold what the scenario did: an empty log would find no secret either.
    rows = {(row["method"], row["path"], row["statusCode"]) for row in json.loads(request_log)["items"]}
    assert ("POST", "/api/v1/odoo/webhooks/***", 202) in rows and ("POST", "/api/v1/odoo/webhooks/***", 401) in rows, (
        rows
    )
    assert ("GET", "/api/v1/webshop/products/changes", 401) in rows, rows
    assert "webhook_deliveries" in database_text and "FURN_0001" in database_text
    assert "Uvicorn running" in service_output or "Application startup complete" in service_output, service_output
    key_file = tmp_path / "atraxion.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert f"sealed with the key in {key_file}" in service_output
    used["the secret key"] = key_file.read_text().strip()

    haystacks = {"the database": database_text, "the request log": request_log, "the service output": service_output}
    haystacks |= {f"the output of {name}": text for name, text in outputs.items()}
    assert leaks(used, haystacks) == []
    assert database_text.count("enc:v1:") == 2  # the two webhook secrets, sealed
    assert "Traceback" not in service_output, service_output


def _healthy(base: str) -> bool:
    try:
        return call("GET", f"{base}/health")[0] == 200
    except OSError:
        return False


def _scenario(
    base: str,
    sim: OdooSimulator,
    odoo: str,
    shop: str,
    admin: str,
    wrong: str,
    wrong_path: str,
    given: str,
    given_receiver: LoopbackReceiver,
    generated_receiver: LoopbackReceiver,
    used: dict[str, str],
) -> None:
    api = f"{base}/api/v1"
    assert call("GET", f"{api}/webshop/products/changes", shop)[0] == 200  # the consumer polls once

    hooks = f"{api}/admin/webhooks"
    status, first = call("POST", hooks, admin, {"url": given_receiver.url, "consumer": "webshop", "secret": given})
    assert status == 201 and first["secret"] == given
    status, second = call("POST", hooks, admin, {"url": generated_receiver.url, "consumer": "webshop"})
    assert status == 201 and second["secret"].startswith(WEBHOOK_PREFIX)
    used["the generated webhook secret"] = generated_receiver.namespace["SECRET"] = second["secret"]

    ids = {
        "P1": sim.seed_partner("Azure Interior", is_company=True),
        "FURN_0001": sim.seed_product("Oak Desk", list_price=349.0),
    }
    partner = {"externalId": "P1", "odooId": ids["P1"], "type": "main", "data": {"name": "Azure Interior"}}
    assert call("POST", f"{api}/odoo/partners", odoo, {"records": [partner]})[0] == 200
    product = {"externalId": "FURN_0001", "odooId": ids["FURN_0001"], "data": {"name": "Oak Desk"}}
    assert call("POST", f"{api}/odoo/products", odoo, {"records": [product]})[0] == 200
    wait_for(lambda: given_receiver.received and generated_receiver.received)  # both verified the signature

    # Odoo's automation webhook: the token in the path; the record is pulled back with the API key.
    chair = sim.create("product.product", {"name": "Chair", "default_code": "CHAIR", "list_price": 45.5})
    items = eventually(lambda: _pending(api, shop), lambda found: len(found) == 2, timeout=30)
    acked = call("POST", f"{api}/webshop/products/ack", shop, {"items": items})
    assert acked[0] == 200 and acked[1]["stale"] == [], acked
    assert chair and "FURN_0001" in {item["key"] for item in items}

    order = {
        "externalId": "SO-SECRET-1",
        "partnerExternalId": "P1",
        "lines": [{"productExternalId": "FURN_0001", "quantity": 1}],
    }
    status, submitted = call("POST", f"{api}/webshop/sale-orders", shop, order)
    assert status in (200, 201, 202), submitted
    synced = wait_for(lambda: call("GET", f"{api}/webshop/sale-orders/SO-SECRET-1/sync", shop)[1]["odooId"])
    assert synced

    # Careless and hostile requests: a wrong token, tokens in a query string and in a webhook path.
    assert raw_get(f"{api}/webshop/products/changes", {"Authorization": f"Bearer {wrong}"}) == 401
    assert raw_get(f"{api}/webshop/products/changes?token={quote(shop)}&api_key={quote(given)}", {}) == 401
    status, _ = call("POST", f"{api}/odoo/webhooks/{wrong_path}", None, {"_model": "product.product", "_id": 1})
    assert status == 401
    assert call("GET", f"{hooks}", admin)[0] == 200


def _pending(api: str, shop: str) -> list[dict[str, Any]]:
    status, page = call("GET", f"{api}/webshop/products/changes?limit=100", shop)
    assert status == 200
    return [{"key": item["key"], "version": item["version"]} for item in page["items"]]


@pytest.mark.rabbitmq
def test_a_broker_password_is_never_printed_or_answered(tmp_path: Path) -> None:
    """RabbitMQ refuses a password: ``/ready`` and the service's output say so without it."""
    reachable = make_url(broker_url("rabbitmq").replace("amqp://", "postgresql://", 1))  # a URL parser for its parts
    password = secrets.token_urlsafe(18)
    url = f"amqp://{reachable.username}:{password}@{reachable.host}:{reachable.port}/%2F?queue={unique_queue_name()}"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ATRAXION_", "ODOO_"))}
    env.update(ATRAXION_DATABASE_URL=f"sqlite:///{tmp_path / 'atraxion.db'}", ATRAXION_BROKER_URL=url)
    env.update(ATRAXION_SECRET_KEY_FILE=str(tmp_path / "atraxion.key"))
    shop = token(env, "shop", "--scope", "webshop:orders", "--consumer", "webshop")
    odoo = token(env, "odoo", "--scope", "odoo:push")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    output_file = tmp_path / "serve.log"
    with output_file.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "atraxion.entrypoints.cli", "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_for(lambda: _healthy(base))
            status, ready = call("GET", f"{base}/ready")
            partner = {"externalId": "P1", "odooId": 7, "type": "main", "data": {"name": "Azure Interior"}}
            assert call("POST", f"{base}/api/v1/odoo/partners", odoo, {"records": [partner]})[0] == 200
            product = {"externalId": "A", "odooId": 8, "data": {"name": "Desk"}}
            assert call("POST", f"{base}/api/v1/odoo/products", odoo, {"records": [product]})[0] == 200
            order = {
                "externalId": "SO-1",
                "partnerExternalId": "P1",
                "lines": [{"productExternalId": "A", "quantity": 1}],
            }
            submitted = call("POST", f"{base}/api/v1/webshop/sale-orders", shop, order)
        finally:
            process.terminate()
            process.wait(timeout=30)
    assert status == 503 and "broker" in ready["checks"], ready
    assert submitted[0] in (200, 201, 202), submitted  # stored: the broker only delays it
    found = leaks(
        {"the broker password": password}, {"/ready": json.dumps(ready), "the output": output_file.read_text()}
    )
    assert found == []
