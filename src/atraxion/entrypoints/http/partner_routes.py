"""Partner-specific routes: the hierarchy a partner belongs to.

These routes are mounted before the shared entity routes, so ``/partners/{id}/tree`` is not taken
for the record ``{id}/tree`` by ``/{entity}/{key}``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from atraxion.application.partners import partner_tree
from atraxion.domain.auth import Scope
from atraxion.domain.partners import PartnerNode
from atraxion.entrypoints.http.auth import require
from atraxion.entrypoints.http.openapi import ok, problems


def tree_json(node: PartnerNode) -> str:
    """A hierarchy as the contract shows it, ``{"externalId", "type", "data", "children"}``, as JSON
    text written without recursion (``json.dumps`` of a 520-partner chain overflows the stack)."""
    parts: list[str] = []
    stack: list[PartnerNode | str] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        head = {"externalId": item.external_id, "type": item.type, "data": item.data}
        parts.append(json.dumps(head, ensure_ascii=False)[:-1] + ', "children": [')
        stack.append("]}")
        for index in range(len(item.children) - 1, -1, -1):  # popped in order, commas between
            stack.append(item.children[index])
            if index:
                stack.append(", ")
    return "".join(parts)


async def tree(request: Request) -> Response:
    await require(request, Scope.WEBSHOP_READ)
    node = await run_in_threadpool(partner_tree, request.app.state.atraxion.context, request.path_params["key"])
    return Response(tree_json(node), media_type="application/json")


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
