"""Partner-specific routes: the hierarchy a partner belongs to.

These routes are mounted before the shared entity routes, so ``/partners/{id}/tree`` is not taken
for the record ``{id}/tree`` by ``/{entity}/{key}``.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from atraxion.application.partners import partner_tree
from atraxion.domain.auth import Scope
from atraxion.domain.partners import PartnerNode
from atraxion.entrypoints.http.auth import require
from atraxion.entrypoints.http.openapi import ok, problems


def tree_body(node: PartnerNode) -> dict[str, Any]:
    """A hierarchy as the contract shows it: ``{"externalId", "type", "data", "children"}``."""
    return {
        "externalId": node.external_id,
        "type": node.type,
        "data": node.data,
        "children": [tree_body(child) for child in node.children],
    }


async def tree(request: Request) -> Response:
    await require(request, Scope.WEBSHOP_READ)
    node = await run_in_threadpool(partner_tree, request.app.state.atraxion.context, request.path_params["key"])
    return JSONResponse(tree_body(node))


routes: list[BaseRoute] = [Route("/api/v1/webshop/partners/{key:path}/tree", tree, methods=["GET"])]

_NODE: dict[str, Any] = {
    "type": "object",
    "required": ["externalId", "type", "data", "children"],
    "properties": {
        "externalId": {"type": "string"},
        "type": {"type": ["string", "null"], "enum": ["main", "billing", "delivery", "contact", "other", None]},
        "data": {"type": "object", "description": "Odoo's record, exactly as sent"},
        "children": {
            "type": "array",
            "description": "Child partners, each of this same shape, sorted by externalId",
            "items": {"type": "object"},
        },
    },
}

paths: dict[str, Any] = {
    "/api/v1/webshop/partners/{externalId}/tree": {
        "get": {
            "summary": "The whole hierarchy a partner belongs to, from its top-most partner down (scope webshop:read)",
            "security": [{"bearer": []}],
            "parameters": [
                {"name": "externalId", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
            ],
            "responses": {"200": ok("The hierarchy", _NODE), **problems(401, 403, 404)},
        }
    }
}
