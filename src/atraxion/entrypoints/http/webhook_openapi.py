"""OpenAPI paths of the webhook routes (``webhook_routes.py``)."""

from __future__ import annotations

from typing import Any

from atraxion.application.webhooks import MAX_BULK
from atraxion.entrypoints.http.openapi import ENTITIES, IDEMPOTENCY_KEY, NOT_BLANK, json_body, ok, problems
from atraxion.entrypoints.http.params import NULLABLE_TIME, PAGE_PARAMETERS, POSITIVE_ID, SECURED, id_parameter, page_of

MAX_URL = 2048
MAX_IDS = MAX_BULK
_PORT = "(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})"
URL_PATTERN = "^https?://[A-Za-z0-9][A-Za-z0-9.-]{0,252}(:" + _PORT + ")?([/?#][!-~]*)?$"
"""What a webhook URL may be (the routes check the same pattern)."""
SECRET_PATTERN = "^whsec_(?:[A-Za-z0-9+/]{4}){8,16}$"
"""A secret given at creation: whsec_ + the base64 of 24 to 48 bytes, unpadded."""
_URL = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_URL,
    "pattern": URL_PATTERN,
    "description": "http:// or https:// (loopback and plain http accepted), a host name or IPv4 address, "
    "an optional port, no credentials",
}
_ENTITIES = {
    "type": ["array", "null"],
    "items": {"enum": ENTITIES},
    "description": "The entities whose changes are sent; absent, null or empty: every entity",
}
_EVENTS = {
    "type": ["array", "null"],
    "items": {"enum": ["changes", "failures"]},
    "minItems": 1,
    "description": "changes: changes.pending deliveries; failures: sync.failed. Absent or null: both",
}
WEBHOOK: dict[str, Any] = {
    "type": "object",
    "required": ["id", "url", "consumer", "entities", "events", "isActive", "createdAt"],
    "properties": {
        "id": {"type": "integer"},
        "url": {"type": "string"},
        "consumer": {"type": "string"},
        "entities": {"type": "array", "items": {"type": "string"}},
        "events": {"type": "array", "items": {"enum": ["changes", "failures"]}},
        "isActive": {"type": "boolean"},
        "disabledReason": {"type": ["string", "null"]},
        "createdAt": NULLABLE_TIME,
        "updatedAt": NULLABLE_TIME,
    },
}
CREATED = {
    **WEBHOOK,
    "required": [*WEBHOOK["required"], "secret"],
    "properties": {
        **WEBHOOK["properties"],
        "secret": {
            "type": ["string", "null"],
            "description": "whsec_…, shown in this answer only (null in an Idempotency-Key replay)",
        },
    },
}
DELIVERY = {
    "type": "object",
    "required": ["id", "event", "status", "attempts", "responseStatus", "latencyMs", "createdAt", "lastAttemptAt"],
    "properties": {
        "id": {"type": "integer"},
        "event": {"enum": ["changes.pending", "sync.failed"]},
        "status": {"enum": ["pending", "delivered", "failed"]},
        "attempts": {"type": "integer"},
        "responseStatus": {"type": ["integer", "null"]},
        "latencyMs": {"type": ["number", "null"]},
        "createdAt": NULLABLE_TIME,
        "lastAttemptAt": NULLABLE_TIME,
        "nextAttemptAt": NULLABLE_TIME,
        "error": {"type": ["string", "null"]},
    },
}
_DELIVERIES = page_of(DELIVERY)

paths: dict[str, Any] = {
    "/api/v1/admin/webhooks": {
        "get": {
            "summary": "Webhooks, never their secrets (scope admin)",
            "security": SECURED,
            "responses": {
                "200": ok(
                    "Every webhook",
                    {
                        "type": "object",
                        "required": ["items"],
                        "properties": {"items": {"type": "array", "items": WEBHOOK}},
                    },
                ),
                **problems(401, 403),
            },
        },
        "post": {
            "summary": "Subscribe a consumer's receiver; the secret is in the answer, once (scope admin)",
            "description": "Deliveries are POSTs of {type, timestamp, data} signed with the Standard Webhooks scheme "
            "(webhook-id, webhook-timestamp, webhook-signature). A secret is generated (whsec_ + base64 of 32 random "
            "bytes) when none is given. No ping is sent on creation.",
            "security": SECURED,
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": json_body(
                {
                    "type": "object",
                    "required": ["url", "consumer"],
                    "additionalProperties": False,
                    "properties": {
                        "url": _URL,
                        "consumer": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": NOT_BLANK},
                        "entities": _ENTITIES,
                        "events": _EVENTS,
                        "secret": {
                            "type": ["string", "null"],
                            "pattern": SECRET_PATTERN,
                            "description": "whsec_ + base64 of 24 to 48 random bytes",
                        },
                    },
                }
            ),
            "operationId": "create-webhook",
            "responses": {
                "201": {
                    **ok("The new webhook, with its secret", CREATED),
                    "links": {
                        "Deliveries": {"operationId": "webhook-deliveries", "parameters": {"id": "$response.body#/id"}},
                        "Update": {"operationId": "update-webhook", "parameters": {"id": "$response.body#/id"}},
                        "Delete": {"operationId": "delete-webhook", "parameters": {"id": "$response.body#/id"}},
                    },
                },
                **problems(400, 401, 403, 409, 413, 415, 422),
            },
        },
    },
    "/api/v1/admin/webhooks/{id}": {
        "patch": {
            "operationId": "update-webhook",
            "summary": "Change a webhook's url, entities, events or isActive (scope admin)",
            "security": SECURED,
            "parameters": [id_parameter()],
            "requestBody": json_body(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "url": _URL,
                        "entities": _ENTITIES,
                        "events": _EVENTS,
                        "isActive": {"type": ["boolean", "null"]},
                    },
                }
            ),
            "responses": {"200": ok("The webhook", WEBHOOK), **problems(400, 401, 403, 404, 413, 415, 422)},
        },
        "delete": {
            "operationId": "delete-webhook",
            "summary": "Delete a webhook and its deliveries (scope admin)",
            "security": SECURED,
            "parameters": [id_parameter()],
            "responses": {"204": ok("Deleted"), **problems(401, 403, 404)},
        },
    },
    "/api/v1/admin/webhooks/{id}/deliveries": {
        "get": {
            "operationId": "webhook-deliveries",
            "summary": "A webhook's deliveries, newest first (scope admin)",
            "security": SECURED,
            "parameters": [id_parameter(), *PAGE_PARAMETERS],
            "responses": {"200": ok("A page of deliveries", _DELIVERIES), **problems(401, 403, 404, 422)},
        }
    },
    "/api/v1/admin/webhooks/{id}/deliveries/redeliver": {
        "post": {
            "summary": "Redeliver a webhook's deliveries by filter (scope admin)",
            "description": f"Those among ids and/or of status, oldest first, at most {MAX_IDS} per call (repeat "
            "while redelivered is that many); each is sent again now with the whole retry schedule and its own "
            "webhook-id. A delivery being attempted at this moment is left out.",
            "security": SECURED,
            "parameters": [id_parameter(), IDEMPOTENCY_KEY],
            "requestBody": json_body(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "minProperties": 1,
                    "properties": {
                        "ids": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": MAX_IDS,
                            "items": POSITIVE_ID,
                        },
                        "status": {"enum": ["pending", "delivered", "failed"]},
                    },
                }
            ),
            "responses": {
                "202": ok(
                    "The deliveries taken, pending again",
                    {
                        "type": "object",
                        "required": ["redelivered", "ids"],
                        "properties": {
                            "redelivered": {"type": "integer"},
                            "ids": {"type": "array", "items": {"type": "integer"}},
                        },
                    },
                ),
                **problems(400, 401, 403, 404, 409, 413, 415, 422),
            },
        }
    },
    "/api/v1/admin/webhooks/{id}/deliveries/{deliveryId}/redeliver": {
        "post": {
            "summary": "Send one delivery again now, with the same webhook-id (scope admin)",
            "security": SECURED,
            "parameters": [id_parameter(), id_parameter("deliveryId"), IDEMPOTENCY_KEY],
            "responses": {"202": ok("The delivery, pending again", DELIVERY), **problems(400, 401, 403, 404, 409, 413)},
        }
    },
}
