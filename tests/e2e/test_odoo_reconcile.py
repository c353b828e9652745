"""Reconcile against the bundled Odoo simulator over real HTTP (XML-RPC): the CLI, its last line and
exit codes, and the admin API running it in the background, on every backend."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from atraxion.application.feed import acknowledge, changes, register_consumer
from atraxion.application.pull import pull
from atraxion.application.tokens import create_token
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.domain.auth import Scope
from atraxion.entrypoints.http import create_app
from atraxion.testing.odoo_sim import OdooSimulator
from tests.e2e.reverse_sync_support import Apps

KEY = "reconcile-test-key"


@pytest.fixture
def sim() -> Iterator[OdooSimulator]:
    with OdooSimulator(api_keys=[KEY], seed=3) as simulator:
        yield simulator


def odoo_env(sim: OdooSimulator) -> dict[str, str]:
    return {"ODOO_URL": sim.url, "ODOO_DB": sim.db, "ODOO_USERNAME": "admin", "ODOO_API_KEY": KEY}


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "atraxion.entrypoints.cli", "odoo", "reconcile", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def products(sim: OdooSimulator) -> dict[str, int]:
    return {
        code: sim.create("product.product", {"name": name, "default_code": code, "list_price": price})
        for code, name, price in (("DESK", "Desk", 300.0), ("CHAIR", "Chair", 80.0), ("LAMP", "Lamp", 25.0))
    }


def feed(app: Atraxion, entity: str = "products") -> dict[str, Any]:
    return {i.record.key: i for i in changes(app.context, entity, "shop", None, 1000).items}


def ack_all(app: Atraxion, entity: str = "products") -> None:
    items = changes(app.context, entity, "shop", None, 1000).items
    acknowledge(app.context, entity, "shop", [(i.record.key, i.record.version) for i in items])


def test_the_cli_repairs_what_changed_while_atraxion_was_down(sim: OdooSimulator, tmp_path: Path) -> None:
    ids = products(sim)
    env = {**odoo_env(sim), "ATRAXION_DATABASE_URL": f"sqlite:///{tmp_path / 'atraxion.db'}"}
    app = bootstrap(Settings.from_env(env, env_file=None))
    register_consumer(app.context, "shop")
    assert app.gateway is not None
    pull(app.context, app.gateway, "products", app.pull_options())
    ack_all(app)
    app.close()
    # Atraxion is down: a price changes, a product is created, one is deleted. No pull follows.
    sim.write("product.product", [ids["DESK"]], {"list_price": 350.0})
    sim.create("product.product", {"name": "Shelf", "default_code": "SHELF"})
    sim.unlink("product.product", [ids["LAMP"]])

    done = cli(env, "products")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == "checked 4: missing 1, differing 1, deleted 1, repaired 3"
    assert "Traceback" not in done.stderr and KEY not in done.stdout + done.stderr

    app = bootstrap(Settings.from_env(env, env_file=None))
    try:
        items = feed(app)
        assert set(items) == {"DESK", "SHELF", "LAMP"}
        assert "list_price" in items["DESK"].changed_fields
        assert items["DESK"].record.data["list_price"] == 350.0
        assert items["SHELF"].is_new
        assert items["LAMP"].record.deleted and items["LAMP"].record.data["name"] == "Lamp"
    finally:
        app.close()
    # Everything agrees now: the next run only checks.
    again = cli(env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1].endswith(": missing 0, differing 0, deleted 0, repaired 0")


def test_the_cli_fails_with_one_line_and_a_non_zero_status(sim: OdooSimulator, tmp_path: Path) -> None:
    env = {**odoo_env(sim), "ATRAXION_DATABASE_URL": f"sqlite:///{tmp_path / 'atraxion.db'}"}
    for broken, words in (
        ({"ODOO_API_KEY": "wrong"}, "Odoo"),
        ({"ODOO_URL": "http://127.0.0.1:9"}, "Odoo"),
        ({"ODOO_URL": ""}, "ODOO_URL"),
    ):
        done = cli({**env, **broken})
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 1 and len(lines) == 1 and words in lines[0], (broken, done.stderr)
        assert lines[0].startswith("atraxion odoo reconcile: ")
        assert "Traceback" not in done.stderr and KEY not in done.stderr + done.stdout
    unknown = cli(env, "sale-orders")
    assert unknown.returncode == 2 and "sale-orders" in unknown.stderr


@pytest.fixture
def apps(backend: str, sim: OdooSimulator, request: pytest.FixtureRequest) -> Iterator[Apps]:
    built = Apps(backend, sim, request)
    yield built
    built.close()


def admin_and_odoo(app: Atraxion) -> tuple[dict[str, str], dict[str, str]]:
    _, admin = create_token(app.context, "ops", frozenset({Scope.ADMIN}), "ops")
    _, odoo = create_token(app.context, "odoo", frozenset({Scope.ODOO_PUSH}), "odoo")
    return {"Authorization": f"Bearer {admin}"}, {"Authorization": f"Bearer {odoo}"}


def wait_for_run(client: TestClient, admin: dict[str, str], location: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        answer = client.get(location, headers=admin)
        assert answer.status_code == 200, answer.text
        run: dict[str, Any] = answer.json()
        if run["status"] != "running" or time.monotonic() > deadline:
            return run
        time.sleep(0.05)


def test_the_admin_api_runs_a_reconcile_in_the_background(apps: Apps, sim: OdooSimulator) -> None:
    ids = products(sim)
    app = apps.make(odoo_timeout=10.0)  # a loaded machine must not turn a slow answer into a failed run
    register_consumer(app.context, "shop")
    admin, odoo = admin_and_odoo(app)
    sim.unlink("product.product", [ids["CHAIR"]])  # never pulled: not Atraxion's to delete
    with TestClient(create_app(app)) as client:
        started = client.post("/api/v1/admin/reconcile", headers=admin, json={"entities": ["products"]})
        assert started.status_code == 202, started.text
        assert started.json()["status"] == "running" and started.json()["entities"] == ["products"]
        location = f"/api/v1/admin/reconcile/{started.json()['id']}"
        run = wait_for_run(client, admin, location)
        assert run["status"] == "completed", run
        assert run["counts"] == {"checked": 2, "missing": 2, "differing": 0, "deleted": 0, "repaired": 2}
        assert run["error"] is None and run["finishedAt"] is not None
        assert set(feed(app)) == {"DESK", "LAMP"}

        # No body: every pulled entity.
        everything = client.post("/api/v1/admin/reconcile", headers=admin)
        assert everything.status_code == 202
        assert "partners" in everything.json()["entities"]
        done = wait_for_run(client, admin, f"/api/v1/admin/reconcile/{everything.json()['id']}")
        assert done["status"] == "completed", done

        # Odoo down: the run fails, and says why.
        sim.refuse_connections()
        failing = client.post("/api/v1/admin/reconcile", headers=admin, json={"entities": ["products"]})
        failed = wait_for_run(client, admin, f"/api/v1/admin/reconcile/{failing.json()['id']}")
        sim.refuse_connections(False)
        assert failed["status"] == "failed" and failed["error"].startswith("Odoo failed")

        # What a client can get wrong.
        assert client.post("/api/v1/admin/reconcile").status_code == 401
        assert client.post("/api/v1/admin/reconcile", headers=odoo).status_code == 403
        unknown = client.post("/api/v1/admin/reconcile", headers=admin, json={"entities": ["sale-orders", "nope"]})
        assert unknown.status_code == 422 and unknown.headers["content-type"] == "application/problem+json"
        for bad in ({"entities": "products"}, {"entities": [1]}, {"other": 1}, []):
            assert client.post("/api/v1/admin/reconcile", headers=admin, json=bad).status_code == 422, bad
        malformed = client.post(
            "/api/v1/admin/reconcile", headers={**admin, "content-type": "application/json"}, content=b"{"
        )
        assert malformed.status_code == 400
        wrong_type = client.post(
            "/api/v1/admin/reconcile", headers={**admin, "content-type": "text/plain"}, content=b"products"
        )
        assert wrong_type.status_code == 415
        assert client.get("/api/v1/admin/reconcile/999999", headers=admin).status_code == 404
        assert client.get("/api/v1/admin/reconcile/abc", headers=admin).status_code == 404
        assert client.get(location, headers=odoo).status_code == 403


def test_without_odoo_the_admin_api_says_so(atraxion: Atraxion) -> None:
    _, admin = create_token(atraxion.context, "ops", frozenset({Scope.ADMIN}), "ops")
    with TestClient(create_app(atraxion)) as client:
        answer = client.post("/api/v1/admin/reconcile", headers={"Authorization": f"Bearer {admin}"})
    assert answer.status_code == 409 and "ODOO_URL" in answer.json()["detail"]


def test_a_run_whose_process_died_is_reported_failed(atraxion: Atraxion) -> None:
    from datetime import timedelta

    from atraxion.application.reconcile_runs import STALE_AFTER, get_run, start_run
    from atraxion.testing import FakeClock

    run = start_run(atraxion.context, ["products"])
    clock = atraxion.context.clock
    assert isinstance(clock, FakeClock)
    clock.advance(seconds=(STALE_AFTER - timedelta(seconds=1)).total_seconds())
    seen = get_run(atraxion.context, run.id or 0)
    assert seen is not None and seen.status.value == "running"
    clock.advance(seconds=2)
    seen = get_run(atraxion.context, run.id or 0)
    assert seen is not None and seen.status.value == "failed" and seen.error and "interrupted" in seen.error
