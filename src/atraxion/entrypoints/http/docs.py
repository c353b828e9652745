"""``/openapi.json`` and ``/docs`` (Swagger UI from the swagger-ui-bundle package: works offline)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Atraxion API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui"});</script>
</body></html>"""


async def openapi_json(request: Request) -> Response:
    return JSONResponse(request.app.state.openapi)


async def docs_page(request: Request) -> Response:
    return HTMLResponse(_PAGE)


routes = [
    Route("/openapi.json", openapi_json),
    Route("/docs", docs_page),
    Mount("/docs/assets", StaticFiles(directory=swagger_ui_path), name="swagger-ui"),
]
