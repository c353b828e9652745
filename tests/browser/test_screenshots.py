"""Screenshots of the main pages for the README and docs/operators-guide.md, taken by the browser
from the seeded service (run after the other browser tests, whose actions they show)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from atraxion.domain.users import Role
from tests.admin_support import PASSWORD
from tests.browser.conftest import Site, wait_until

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_screenshots_of_the_main_pages(page: Any, site: Site, seeded: dict[str, int]) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto("/admin/login")
    page.fill("input[name=email]", "ops@example.com")
    page.screenshot(path=str(SHOTS / "login.png"))
    site.user("ops@example.com", Role.ADMIN)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    created = site.api.post("/api/v1/admin/webhooks", json={"url": f"{site.url}/nowhere", "consumer": "webshop"})
    hook = created.json()["id"]
    assert (
        site.api.post(
            "/api/v1/odoo/products", json={"records": [{"externalId": "LAMP-1", "data": {"name": "Lamp"}}]}
        ).status_code
        == 200
    )
    wait_until(lambda: site.api.get(f"/api/v1/admin/webhooks/{hook}/deliveries").json()["items"][0]["attempts"] >= 1)
    shots = {
        "dashboard": "/admin",
        "failures": "/admin/failures?status=all",
        "failure": f"/admin/failures/{seeded['WEB-1002']}",
        "queue": "/admin/queue",
        "logs": "/admin/logs",
        "tokens": "/admin/tokens",
        "users": "/admin/users",
        "partner-tree": "/admin/records?entity=partners&key=ACME-SHIP",
        "record-diff": "/admin/records?entity=products&key=CHAIR-1",
        "consumers": "/admin/consumers",
        "webhook": f"/admin/webhooks/{hook}",
    }
    for name, path in shots.items():
        page.goto(path)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=name != "logs")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/admin")
    page.screenshot(path=str(SHOTS / "dashboard-phone.png"), full_page=True)
    for name in [*shots, "login", "dashboard-phone"]:
        assert (SHOTS / f"{name}.png").stat().st_size > 1000
