"""``/openapi.json`` and ``/docs`` (Swagger UI from the swagger-ui-bundle package: works offline).

The bundled Swagger UI renders OpenAPI 3.0 only, so ``/docs`` loads ``/docs/openapi.json``: the same
document written in 3.0 terms (:func:`as_openapi_30`). Only the two files the page uses are served
from the bundle: its own ``index.html`` (which loads a petstore URL from the internet) and
``oauth2-redirect.html`` are not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from swagger_ui_bundle import swagger_ui_path

_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Atraxion API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/docs/openapi.json", dom_id: "#ui"});</script>
</body></html>"""

ASSETS = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript"}
"""The files of the bundle the page loads; nothing else of it is served."""


def as_openapi_30(node: Any) -> Any:
    """An OpenAPI 3.1 document (or part of one) in OpenAPI 3.0 terms: ``"type": [T, "null"]``
    becomes ``"type": T, "nullable": true``, ``const`` an ``enum``, a numeric
    ``exclusiveMinimum``/``exclusiveMaximum`` the 3.0 boolean form, ``examples`` one ``example``."""
    if isinstance(node, list):
        return [as_openapi_30(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {name: as_openapi_30(value) for name, value in node.items()}
    if isinstance(out.get("openapi"), str) and out["openapi"].startswith("3.1"):
        out["openapi"] = "3.0.3"
    kinds = out.get("type")
    if isinstance(kinds, list):
        concrete = [k for k in kinds if k != "null"]
        if len(concrete) == 1:
            out["type"] = concrete[0]
        else:
            del out["type"]
        if "null" in kinds:
            out["nullable"] = True
    if isinstance(out.get("enum"), list) and None in out["enum"]:
        out["nullable"] = True
    if "const" in out and not isinstance(out["const"], dict):
        out["enum"] = [out.pop("const")]
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(bound), (int, float)) and not isinstance(out[bound], bool):
            out[limit] = out[bound]
            out[bound] = True
    if isinstance(out.get("examples"), list):  # a schema's list (a media type's are a map)
        examples = out.pop("examples")
        if examples:
            out["example"] = examples[0]
    return out


async def openapi_json(request: Request) -> Response:
    return JSONResponse(request.app.state.openapi)


async def openapi_30_json(request: Request) -> Response:
    return JSONResponse(as_openapi_30(request.app.state.openapi))


async def docs_page(request: Request) -> Response:
    return HTMLResponse(_PAGE)


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ASSETS:
        raise HTTPException(404, f"no asset {name!r}")
    return FileResponse(Path(swagger_ui_path) / name, media_type=ASSETS[name])


routes = [
    Route("/openapi.json", openapi_json, methods=["GET"]),
    Route("/docs", docs_page, methods=["GET"]),
    Route("/docs/openapi.json", openapi_30_json, methods=["GET"]),
    Route("/docs/assets/{name}", asset, methods=["GET"]),
]
