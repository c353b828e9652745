"""Every route of the admin UI, its stylesheet and icon included (no asset comes from elsewhere)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from atraxion.entrypoints.admin import admin_pages, auth_pages, feed_pages, ops_pages, record_pages

routes: list[BaseRoute] = [
    Mount("/admin/static", StaticFiles(packages=[("atraxion.entrypoints.admin", "static")]), name="admin-static"),
    *auth_pages.routes,
    *ops_pages.routes,
    *admin_pages.routes,
    *record_pages.routes,
    *feed_pages.routes,
]
