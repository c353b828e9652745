"""OpenAPI paths of the reverse sync routes (``reverse_sync_routes.py``)."""

from __future__ import annotations

from typing import Any

from atraxion.domain.outbox import AttemptOutcome
from atraxion.entrypoints.http.openapi import AMOUNT_MAX, IDEMPOTENCY_KEY, NOT_BLANK, json_body, ok, problems
from atraxion.entrypoints.http.params import (
    NULLABLE_TIME,
    PAGE_PARAMETERS,
    POSITIVE_ID,
    SECURED,
    id_parameter,
    optional_body,
    page_of,
)
from atraxion.entrypoints.orders_in import MAX_LINES, MAX_NOTE, MIN_QUANTITY

_KEY = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": NOT_BLANK}
_OPT_KEY = {"type": ["string", "null"], "minLength": 1, "maxLength": 255, "pattern": NOT_BLANK}
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
                    "quantity": {"type": "number", "minimum": MIN_QUANTITY, "maximum": AMOUNT_MAX},
                    "priceUnit": {"type": ["number", "null"], "minimum": 0, "maximum": AMOUNT_MAX},
                },
            },
        },
        "note": {"type": ["string", "null"], "maxLength": MAX_NOTE},
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
        "status": {
            "enum": [*_STATUSES, "resolved"],
            "description": "resolved: the order failed and an operator resolved it (odooId set when entered by hand)",
        },
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
        "nextAttemptAt": NULLABLE_TIME,
        "claimedAt": NULLABLE_TIME,
        "lastError": {"type": ["string", "null"]},
        "odooId": {"type": ["integer", "null"]},
        "createdAt": NULLABLE_TIME,
        "updatedAt": NULLABLE_TIME,
        "history": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "number": {"type": "integer"},
                    "at": NULLABLE_TIME,
                    "outcome": {"enum": [o.value for o in AttemptOutcome]},
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
        "createdAt": NULLABLE_TIME,
        "resolvedAt": NULLABLE_TIME,
    },
}


def _admin_post(
    summary: str, answer: str, schema: dict[str, Any], body: dict[str, Any] | None = None
) -> dict[str, Any]:
    post: dict[str, Any] = {
        "summary": summary,
        "security": SECURED,
        "parameters": [id_parameter(), IDEMPOTENCY_KEY],
        "responses": {"200": ok(answer, schema), **problems(400, 401, 403, 404, 409, 413)},
    }
    if body is not None:
        post["requestBody"] = optional_body(body)
        post["responses"].update(problems(415, 422))
    return {"post": post}


_ODOO_ID = {**POSITIVE_ID, "description": "The order's id in Odoo"}
_FILTER: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "ids": {
            "type": "array",
            "minItems": 1,
            "maxItems": 1000,
            "items": POSITIVE_ID,
        },
        "status": {"enum": ["open", "resolved"]},
        "kind": {"type": "string", "minLength": 1, "maxLength": 32, "description": "The entity type (sale_order)"},
    },
    "oneOf": [
        {"required": ["ids"], "not": {"anyOf": [{"required": ["status"]}, {"required": ["kind"]}]}},
        {"required": ["status"], "not": {"required": ["ids"]}},
    ],
}


def _bulk(summary: str, done: str, *, odoo_id: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = _FILTER
    if odoo_id:
        properties: dict[str, Any] = {**_FILTER["properties"], "odooId": _ODOO_ID}
        body = {**_FILTER, "properties": properties}
    answer = {
        "type": "object",
        "required": ["matched", done, "skipped"],
        "properties": {name: {"type": "integer", "minimum": 0} for name in ("matched", done, "skipped")},
    }
    return {
        "post": {
            "summary": summary,
            "description": 'A filter: {"ids": [...]}, or {"status": "open"} with an optional "kind" (entity type). '
            "Answers how many failures matched, how many were acted on, and how many were skipped.",
            "security": SECURED,
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": json_body(body),
            "responses": {"200": ok("The counts", answer), **problems(400, 401, 403, 409, 413, 415, 422)},
        }
    }


paths: dict[str, Any] = {
    "/api/v1/webshop/sale-orders": {
        "post": {
            "summary": "Send a webshop sale order to Odoo, through the queue (scope webshop:orders)",
            "description": "Partners and products are named by the external ids Odoo pushed them under and must "
            "carry an odooId. The order and its queue entry are stored in one transaction.",
            "security": SECURED,
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": json_body(SALE_ORDER),
            "operationId": "submit-sale-order",
            "responses": {
                "202": {
                    **ok("Accepted; follow it at the Location (…/sync)", ACCEPTED),
                    "links": {
                        "FollowSync": {
                            "operationId": "sale-order-sync",
                            "parameters": {"externalId": "$response.body#/externalId"},
                        }
                    },
                },
                **problems(400, 401, 403, 409, 413, 415, 422),
            },
        }
    },
    "/api/v1/webshop/sale-orders/{externalId}/sync": {
        "get": {
            "operationId": "sale-order-sync",
            "summary": "Where a webshop sale order stands in the sync to Odoo (scope webshop:read or webshop:orders)",
            "description": "Only the consumer that submitted the order sees it: for any other consumer's token "
            "it is a 404, like an unknown order. externalIds of webshop orders are unique across consumers.",
            "security": SECURED,
            "parameters": [{"name": "externalId", "in": "path", "required": True, "schema": _KEY}],
            "responses": {"200": ok("The sync status", SYNC_STATUS), **problems(401, 403, 404)},
        }
    },
    "/api/v1/admin/failures": {
        "get": {
            "summary": "Sync failures, oldest first (scope admin)",
            "security": SECURED,
            "parameters": [
                {"name": "status", "in": "query", "schema": {"enum": ["open", "resolved"]}},
                *PAGE_PARAMETERS,
            ],
            "responses": {"200": ok("A page of failures", page_of(FAILURE)), **problems(401, 403, 422)},
        }
    },
    "/api/v1/admin/failures/{id}/retry": _admin_post(
        "Retry the queue entry behind an open failure (scope admin)",
        "The failure (open until the entry completes) and the entry, pending again",
        {"type": "object", "required": ["failure", "entry"], "properties": {"failure": FAILURE, "entry": ENTRY}},
    ),
    "/api/v1/admin/failures/{id}/resolve": _admin_post(
        "Mark a failure as handled by hand, optionally with the id of the order entered in Odoo (scope admin)",
        "The resolved failure",
        FAILURE,
        {"type": "object", "additionalProperties": False, "properties": {"odooId": _ODOO_ID}},
    ),
    "/api/v1/admin/failures/retry": _bulk(
        "Retry the entries behind every open failure a filter matches (scope admin)", "retried"
    ),
    "/api/v1/admin/failures/resolve": _bulk(
        "Resolve every failure a filter matches; odooId only with a single id (scope admin)",
        "resolved",
        odoo_id=True,
    ),
    "/api/v1/admin/queue": {
        "get": {
            "summary": "Queue (outbox) entries by id (scope admin)",
            "security": SECURED,
            "parameters": [{"name": "status", "in": "query", "schema": {"enum": _STATUSES}}, *PAGE_PARAMETERS],
            "responses": {"200": ok("A page of entries", page_of(ENTRY)), **problems(401, 403, 422)},
        }
    },
    "/api/v1/admin/queue/{id}/retry": _admin_post(
        "Make a failed or backing-off entry due now, with a fresh attempt budget (scope admin)",
        "The entry, pending again",
        ENTRY,
    ),
}
