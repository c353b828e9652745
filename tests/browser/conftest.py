"""A real Atraxion served by uvicorn on a free loopback port, a real SMTP server, and Debian's
Chromium driven by Playwright (``/usr/bin/chromium``, headless; nothing is downloaded)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from attrs import define

from atraxion.adapters.smtp_mailer import SmtpMailer
from atraxion.application import tokens, users
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.domain.auth import Scope
from atraxion.domain.odoo_orders import OdooSaleOrder, PermanentOdooError
from atraxion.domain.users import Role
from atraxion.entrypoints.http import create_app
from atraxion.entrypoints.runtime import Runtime
from atraxion.testing.fake_odoo import FakeOdooGateway
from tests.admin_support import PASSWORD, Inbox, free_port, smtp_server
from tests.conftest import service_unavailable

CHROMIUM = Path("/usr/bin/chromium")


class SwitchableOdoo(FakeOdooGateway):
    """A fake Odoo that refuses every order while ``broken`` (a permanent fault, as for a partner
    Odoo does not know), and takes them once it is fixed."""

    broken = True

    def create_sale_order(self, *, order: OdooSaleOrder) -> int:
        if self.broken:
            raise PermanentOdooError("Odoo refused the order: the partner does not exist")
        return super().create_sale_order(order=order)


@define
class Site:
    app: Atraxion
    url: str
    inbox: Inbox
    odoo: SwitchableOdoo
    api: httpx.Client
    """Authorized with an odoo:push + webshop + admin token."""

    def user(self, email: str, role: Role) -> str:
        users.create_user(self.app.context, self.app.accounts, email, PASSWORD, role)
        return email


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    database = tmp_path_factory.mktemp("browser") / "atraxion.db"
    settings = Settings(
        database_url=f"sqlite:///{database}",
        outbox_backoff_base=0.01,
        outbox_backoff_cap=0.05,
        outbox_sweep_interval=0.2,
        outbox_redeliver_after=0.5,
        worker_threads=1,
    )
    odoo = SwitchableOdoo()
    app = bootstrap(settings, gateway=odoo)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(app), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="atraxion-browser-test-server", daemon=True)
    with smtp_server() as (smtp_url, inbox):
        from attrs import evolve

        app.accounts = evolve(app.accounts, mailer=SmtpMailer.from_url(smtp_url))
        Runtime(app).start_workers()
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        scopes = frozenset({Scope.ODOO_PUSH, Scope.WEBSHOP_READ, Scope.WEBSHOP_ACK, Scope.WEBSHOP_ORDERS, Scope.ADMIN})
        _, secret = tokens.create_token(app.context, "browser-test", scopes, "webshop")
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {secret}"}, timeout=10) as api:
            yield Site(app, url, inbox, odoo, api)
        server.should_exit = True
        thread.join(10)
        app.close()


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        service_unavailable("Chromium", f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    context = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


PARTNERS = [
    {"externalId": "ACME", "odooId": 7, "type": "main", "data": {"name": "Acme Corporation"}},
    {
        "externalId": "ACME-BILL",
        "odooId": 8,
        "type": "billing",
        "externalParentId": "ACME",
        "data": {"name": "Acme billing"},
    },
    {
        "externalId": "ACME-SHIP",
        "odooId": 9,
        "type": "delivery",
        "externalParentId": "ACME",
        "data": {"name": "Acme depot"},
    },
    {
        "externalId": "ACME-JOE",
        "odooId": 10,
        "type": "contact",
        "externalParentId": "ACME-SHIP",
        "data": {"name": "Joe"},
    },
]
PRODUCTS = [
    {"externalId": "DESK-1", "odooId": 101, "data": {"name": "Desk", "list_price": 120}},
    {"externalId": "CHAIR-1", "odooId": 102, "data": {"name": "Chair", "list_price": 45.5}},
]


def wait_until(probe: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := probe()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return value


@pytest.fixture(scope="package")
def seeded(site: Site) -> dict[str, int]:
    """Partners (a hierarchy), products, and two webshop orders that Odoo refused: two open failures."""
    assert site.api.post("/api/v1/odoo/partners", json={"records": PARTNERS}).status_code == 200
    assert site.api.post("/api/v1/odoo/products", json={"records": PRODUCTS}).status_code == 200
    for external_id in ("WEB-1001", "WEB-1002"):
        order = {
            "externalId": external_id,
            "partnerExternalId": "ACME",
            "lines": [{"productExternalId": "DESK-1", "quantity": 1}],
        }
        assert site.api.post("/api/v1/webshop/sale-orders", json=order).status_code == 202
    failures = wait_until(
        lambda: (f := site.api.get("/api/v1/admin/failures?status=open").json()["items"]) and len(f) == 2 and f
    )
    return {f["externalId"]: f["id"] for f in failures}
