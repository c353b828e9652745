"""OpenAPI paths of the reverse sync routes (``reverse_sync_routes.py``)."""

from __future__ import annotations

from typing import Any

from atraxion.entrypoints.http.openapi import IDEMPOTENCY_KEY, json_body, ok, problems
from atraxion.entrypoints.orders_in import MAX_LINES

_SECURED: list[dict[str, list[str]]] = [{"bearer": []}]
_KEY = {"type": "string", "minLength": 1, "maxLength": 255}
_OPT_KEY = {"type": ["string", "null"], "minLength": 1, "maxLength": 255}
_TIME = {"type": ["string", "null"], "format": "date-time"}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_PAGE = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
    {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "nextCursor of the previous page"},
]
_STATUSES = ["pending", "processing", "completed", "failed"]

SALE_ORDER = {
    "type": "object",
    "required": ["externalId", "partnerExternalId", "lines"],
    "additionalProperties": False,
    "properties": {
        "externalId": _KEY,
        "partnerExternalId": _KEY,
        "invoicePartnerExternalId": _OPT_KEY,
        "deliveryPartnerExternalId": _OPT_KEY,
        "lines": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_LINES,
            "items": {
                "type": "object",
                "required": ["productExternalId", "quantity"],
                "additionalProperties": False,
                "properties": {
                    "productExternalId": _KEY,
                    "quantity": {"type": "number", "exclusiveMinimum": 0},
                    "priceUnit": {"type": ["number", "null"], "minimum": 0},
                },
            },
        },
        "note": {"type": ["string", "null"]},
    },
}
ACCEPTED = {
    "type": "object",
    "required": ["externalId", "status", "queueId"],
    "properties": {"externalId": {"type": "string"}, "status": {"const": "pending"}, "queueId": {"type": "integer"}},
}
SYNC_STATUS = {
    "type": "object",
    "required": ["externalId", "status", "odooId", "attempts", "error"],
    "properties": {
        "externalId": {"type": "string"},
        "status": {"enum": _STATUSES},
        "odooId": {"type": ["integer", "null"]},
        "attempts": {"type": "integer"},
        "error": {"type": ["string", "null"]},
    },
}
ENTRY = {
    "type": "object",
    "required": ["id", "entityType", "entityKey", "status", "attempts", "history"],
    "properties": {
        "id": {"type": "integer"},
        "entityType": {"type": "string"},
        "entityKey": {"type": "string"},
        "status": {"enum": _STATUSES},
        "attempts": {"type": "integer"},
        "nextAttemptAt": _TIME,
        "claimedAt": _TIME,
        "lastError": {"type": ["string", "null"]},
        "odooId": {"type": ["integer", "null"]},
        "createdAt": _TIME,
        "updatedAt": _TIME,
        "history": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "number": {"type": "integer"},
                    "at": _TIME,
                    "outcome": {"enum": ["created", "found", "transient_error", "permanent_error", "abandoned"]},
                    "error": {"type": ["string", "null"]},
                },
            },
        },
    },
}
FAILURE = {
    "type": "object",
    "required": ["id", "entityType", "externalId", "source", "status", "errorMessage"],
    "properties": {
        "id": {"type": "integer"},
        "entityType": {"type": "string"},
        "externalId": {"type": "string"},
        "source": {"enum": ["odoo", "webshop"]},
        "status": {"enum": ["open", "resolved"]},
        "errorMessage": {"type": "string"},
        "queueId": {"type": ["integer", "null"]},
        "createdAt": _TIME,
        "resolvedAt": _TIME,
    },
}


def _page_of(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "nextCursor"],
        "properties": {"items": {"type": "array", "items": item}, "nextCursor": {"type": ["string", "null"]}},
    }


def _admin_post(summary: str, answer: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "security": _SECURED,
            "parameters": [_ID, IDEMPOTENCY_KEY],
            "responses": {"200": ok(answer, schema), **problems(400, 401, 403, 404, 409, 413)},
        }
    }


paths: dict[str, Any] = {
    "/api/v1/webshop/sale-orders": {
        "post": {
            "summary": "Send a webshop sale order to Odoo, through the queue (scope webshop:orders)",
            "description": "Partners and products are named by the external ids Odoo pushed them under and must "
            "carry an odooId. The order and its queue entry are stored in one transaction.",
            "security": _SECURED,
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": json_body(SALE_ORDER),
            "responses": {
                "202": ok("Accepted; follow it at the Location (…/sync)", ACCEPTED),
                **problems(400, 401, 403, 409, 413, 415, 422),
            },
        }
    },
    "/api/v1/webshop/sale-orders/{externalId}/sync": {
        "get": {
            "summary": "Where a webshop sale order stands in the sync to Odoo (scope webshop:read or webshop:orders)",
            "security": _SECURED,
            "parameters": [{"name": "externalId", "in": "path", "required": True, "schema": _KEY}],
            "responses": {"200": ok("The sync status", SYNC_STATUS), **problems(401, 403, 404)},
        }
    },
    "/api/v1/admin/failures": {
        "get": {
            "summary": "Sync failures, oldest first (scope admin)",
            "security": _SECURED,
            "parameters": [
                {"name": "status", "in": "query", "schema": {"enum": ["open", "resolved"]}},
                *_PAGE,
            ],
            "responses": {"200": ok("A page of failures", _page_of(FAILURE)), **problems(401, 403, 422)},
        }
    },
    "/api/v1/admin/failures/{id}/retry": _admin_post(
        "Retry the queue entry behind an open failure (scope admin)",
        "The failure (open until the entry completes) and the entry, pending again",
        {"type": "object", "required": ["failure", "entry"], "properties": {"failure": FAILURE, "entry": ENTRY}},
    ),
    "/api/v1/admin/failures/{id}/resolve": _admin_post(
        "Mark a failure as handled by hand (scope admin)", "The resolved failure", FAILURE
    ),
    "/api/v1/admin/queue": {
        "get": {
            "summary": "Queue (outbox) entries by id (scope admin)",
            "security": _SECURED,
            "parameters": [{"name": "status", "in": "query", "schema": {"enum": _STATUSES}}, *_PAGE],
            "responses": {"200": ok("A page of entries", _page_of(ENTRY)), **problems(401, 403, 422)},
        }
    },
    "/api/v1/admin/queue/{id}/retry": _admin_post(
        "Make a failed or backing-off entry due now, with a fresh attempt budget (scope admin)",
        "The entry, pending again",
        ENTRY,
    ),
}
