"""``/docs`` renders the whole API in a real browser with the bundled Swagger UI (no "Unable to
render this definition"), from Atraxion's own assets; the screenshot is docs/screenshots/api-docs.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.conftest import Site

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_the_api_docs_page_renders_every_operation(page: Any, site: Site) -> None:
    outside: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(site.url) else outside.append(request.url))
    page.goto("/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert "Unable to render this definition" not in page.content()
    document = site.api.get("/docs/openapi.json").json()
    operations = sum(
        1
        for item in document["paths"].values()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    )
    assert page.locator(".opblock").count() == operations
    assert page.locator('.opblock-summary-path[data-path="/api/v1/webshop/products/changes"]').count() >= 1
    assert outside == []  # works offline: every asset is served by Atraxion
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "api-docs.png"), full_page=False)
