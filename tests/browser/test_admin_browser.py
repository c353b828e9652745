"""The admin UI in a real browser (Chromium through Playwright) against a served Atraxion.

Names say what each test shows: sign-up through SMTP, the dashboard against the database, retry,
tokens, the partner tree, roles (a viewer cannot press Retry; its POST is 403), CSRF, lockout.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from atraxion.application import users
from atraxion.application.overview import overview
from atraxion.domain.users import Role
from tests.admin_support import PASSWORD
from tests.browser.conftest import PRODUCTS, Site, wait_until


def sign_in(page: Any, email: str, password: str = PASSWORD) -> Any:
    page.goto("/admin/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        return page.click("button[type=submit]")


def test_sign_up_and_verify_through_the_smtp_server_then_log_in(page: Any, site: Site) -> None:
    users.add_domain(site.app.context, "example.com")
    page.goto("/admin/signup")
    page.fill("input[name=email]", "newcomer@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Check your mail")
    sign_in(page, "newcomer@example.com")
    assert "confirm your e-mail address first" in page.content()  # unverified: refused

    link = wait_until(lambda: site.inbox.link_for("newcomer@example.com") if site.inbox.messages else None)
    assert urlsplit(link).netloc == urlsplit(site.url).netloc
    page.goto(link)
    with page.expect_navigation():
        page.click("text=Confirm my address")
    assert "Address confirmed" in page.content()
    sign_in(page, "newcomer@example.com")
    assert page.url.endswith("/admin")
    assert page.locator(".who .role").inner_text() == "viewer"
    cookie = next(c for c in page.context.cookies() if c["name"] == "atraxion_session")
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"


def test_dashboard_numbers_match_the_database(page: Any, site: Site, seeded: dict[str, int]) -> None:
    sign_in(page, site.user("dash@example.com", Role.VIEWER))
    figures = overview(site.app.context)
    for status, count in figures.outbox.items():
        assert page.locator(f"[data-status={status}]").inner_text() == str(count), status
    assert page.locator("[data-open-failures]").inner_text() == str(figures.open_failures)
    for status, count in figures.deliveries.items():
        assert page.locator(f"[data-delivery-status={status}]").inner_text() == str(count), status
    assert figures.open_failures >= 1 and figures.outbox["failed"] >= 1
    assert page.locator("[data-entity=partners]").inner_text() == str(figures.records["partners"]) == "4"
    assert page.locator("[data-ingest-total]").inner_text() == str(sum(figures.changes_per_hour))
    assert page.locator("#ingest-card svg rect").count() == 24
    for consumer in figures.consumers:
        row = page.locator(f"[data-consumer='{consumer}']")
        for entity in figures.records:
            expected = figures.pending.get(consumer, {}).get(entity, 0)
            assert row.locator(f"[data-pending='{entity}']").inner_text() == str(expected), (consumer, entity)
    assert figures.pending["webshop"]["partners"] == 4


def test_retry_a_failure_and_see_it_completed(page: Any, site: Site, seeded: dict[str, int]) -> None:
    sign_in(page, site.user("op@example.com", Role.OPERATOR))
    failure_id = seeded["WEB-1001"]
    page.goto("/admin/failures")
    page.click(f"[data-failure='{failure_id}'] a")
    assert page.locator("[data-failure-status]").inner_text() == "open"
    assert "partner does not exist" in page.content()
    site.odoo.broken = False  # the cause is fixed in Odoo
    try:
        with page.expect_navigation():
            page.click("button:has-text('Retry')")
        assert "retried 1" in page.content()

        def completed() -> bool:
            page.reload()
            return page.locator("[data-entry-status]").inner_text() == "completed"

        wait_until(completed)
        assert page.locator("[data-failure-status]").inner_text() == "resolved"
    finally:
        site.odoo.broken = True


def test_create_a_token_see_it_once_and_revoke_it(page: Any, site: Site) -> None:
    sign_in(page, site.user("admin@example.com", Role.ADMIN))
    page.goto("/admin/tokens")
    page.fill("#new-token input[name=name]", "mobile-app")
    page.fill("#new-token input[name=consumer]", "mobile")
    page.check("#new-token input[value='webshop:read']")
    with page.expect_navigation():
        page.click("#new-token button[type=submit]")
    secret = page.locator("[data-secret]").inner_text().strip()
    assert secret.startswith("atx_")
    assert (
        site.api.get("/api/v1/webshop/products/changes", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 200
    )
    page.goto("/admin/tokens")
    assert secret not in page.content()
    row = page.locator("tr", has_text="mobile-app")
    with page.expect_navigation():
        row.locator("button:has-text('Revoke')").click()
    assert page.locator("tr", has_text="mobile-app").locator("[data-token-status]").inner_text() == "revoked"
    assert (
        site.api.get("/api/v1/webshop/products/changes", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 401
    )


def test_open_the_partner_tree(page: Any, site: Site, seeded: dict[str, int]) -> None:
    sign_in(page, site.user("tree@example.com", Role.VIEWER))
    page.goto("/admin/records")
    page.select_option("select[name=entity]", "partners")
    page.fill("input[name=key]", "ACME-JOE")
    with page.expect_navigation():
        page.click("button:has-text('Find')")
    tree = page.locator("#partner-tree")
    assert tree.locator("[data-partner]").all_inner_texts() == ["ACME", "ACME-BILL", "ACME-SHIP", "ACME-JOE"]
    assert tree.locator(".here").inner_text() == "ACME-JOE"
    assert tree.locator("li:has([data-partner='ACME-SHIP']) li [data-partner='ACME-JOE']").count() == 1
    page.fill("input[name=key]", "")
    page.fill("input[name=odoo_id]", "101")
    page.select_option("select[name=entity]", "products")
    with page.expect_navigation():
        page.click("button:has-text('Find')")
    assert '"name": "Desk"' in page.locator("[data-record-data]").inner_text()


def test_refeed_a_consumer_after_confirming(page: Any, site: Site, seeded: dict[str, int]) -> None:
    from atraxion.application import consumers

    shop = {"Authorization": site.api.headers["Authorization"]}
    items = site.api.get("/api/v1/webshop/products/changes", headers=shop).json()["items"]
    ack = {"items": [{"key": i["key"], "version": i["version"]} for i in items]}
    assert site.api.post("/api/v1/webshop/products/ack", json=ack).status_code == 200
    assert consumers.show_consumer(site.app.context, "webshop").entities["products"].pending == 0
    sign_in(page, site.user("refeed@example.com", Role.OPERATOR))
    page.goto("/admin/consumers")
    assert page.locator("[data-consumer=webshop] [data-pending=products]").inner_text().startswith("0")
    page.locator("[data-consumer=webshop]").locator("text=Re-feed…").click()
    page.check("input[name=entity][value=products]")
    with page.expect_navigation():
        page.click("button:has-text('Yes, re-feed webshop')")
    assert f"re-fed webshop: {len(PRODUCTS)} record(s) pending" in page.content()
    assert page.locator("[data-consumer=webshop] [data-pending=products]").inner_text().startswith(str(len(PRODUCTS)))
    again = site.api.get("/api/v1/webshop/products/changes").json()["items"]
    assert len(again) == len(PRODUCTS) and all(i["isNew"] for i in again)


def test_open_the_diff_view_of_a_changed_product(page: Any, site: Site, seeded: dict[str, int]) -> None:
    items = site.api.get("/api/v1/webshop/products/changes").json()["items"]
    ack = {"items": [{"key": i["key"], "version": i["version"]} for i in items]}
    assert site.api.post("/api/v1/webshop/products/ack", json=ack).status_code == 200
    changed = {"externalId": "CHAIR-1", "odooId": 102, "data": {"name": "Chair", "list_price": 39.9, "color": "red"}}
    assert site.api.post("/api/v1/odoo/products", json={"records": [changed]}).status_code == 200
    sign_in(page, site.user("diff@example.com", Role.VIEWER))
    page.goto("/admin/records?entity=products&key=CHAIR-1")
    webshop = page.locator("[data-unacknowledged=webshop]")
    assert webshop.locator("[data-field=list_price]").inner_text().split() == ["list_price", "45.5", "39.9"]
    assert webshop.locator("[data-field=color]").inner_text().split() == ["color", "absent", '"red"']
    assert page.locator("#history tbody tr").count() >= 2
    assert "color, list_price" in page.locator("#history tbody tr").first.inner_text()


def test_role_viewer_cannot_press_retry_and_its_post_is_403(page: Any, site: Site, seeded: dict[str, int]) -> None:
    sign_in(page, site.user("viewer@example.com", Role.VIEWER))
    failure_id = seeded["WEB-1002"]
    page.goto(f"/admin/failures/{failure_id}")
    assert page.locator("button:has-text('Retry')").is_disabled()
    assert page.locator("button:has-text('Resolve')").is_disabled()
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(
        "/admin/failures/retry", form={"id": str(failure_id), "csrf_token": token}, max_redirects=0
    )
    assert answer.status == 403
    page.reload()
    assert page.locator("[data-failure-status]").inner_text() == "open"


def test_csrf_a_form_without_its_token_is_refused(page: Any, site: Site, seeded: dict[str, int]) -> None:
    sign_in(page, site.user("csrf@example.com", Role.OPERATOR))
    failure_id = seeded["WEB-1002"]
    page.goto(f"/admin/failures/{failure_id}")
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    with page.expect_navigation():
        response = page.click("button:has-text('Resolve')")
    assert response is None or True
    assert "security token" in page.content()
    assert page.locator("h1").inner_text() == "Refused"
    page.goto(f"/admin/failures/{failure_id}")
    assert page.locator("[data-failure-status]").inner_text() == "open"


def test_lockout_after_10_failed_logins_answers_429(page: Any, site: Site) -> None:
    email = site.user("locked@example.com", Role.VIEWER)
    statuses = []
    for _ in range(10):
        page.goto("/admin/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", "not the password")
        with page.expect_response(lambda r: r.url.endswith("/admin/login") and r.request.method == "POST") as answer:
            page.click("button[type=submit]")
        statuses.append(answer.value.status)
    assert statuses == [401] * 9 + [429]
    sign_in(page, email)  # the right password, too late
    assert "This account is locked" in page.content()
    assert page.url.endswith("/admin/login")


def test_pages_fit_a_phone(page: Any, site: Site, seeded: dict[str, int]) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, site.user("phone@example.com", Role.VIEWER))
    for path in ("/admin", "/admin/failures", "/admin/queue", "/admin/tokens", "/admin/logs"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)  # no sideways scrolling of the page (wide tables scroll in their box)


def test_no_asset_comes_from_elsewhere(page: Any, site: Site) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, site.user("assets@example.com", Role.VIEWER))
    page.goto("/admin")
    assert requested and all(re.match(re.escape(site.url) + "/", url) for url in requested), requested
