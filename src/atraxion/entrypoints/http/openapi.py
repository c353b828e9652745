"""The OpenAPI 3.1 document: every route of the contract, with the shapes it accepts and returns.

Other route modules add their paths through :func:`build` (``extra_paths``), so the document is
assembled from one place and stays complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atraxion import __version__
from atraxion.application.feed import CURSOR_PATTERN
from atraxion.domain.bounds import MAX_ID
from atraxion.domain.catalog import kinds_by_name
from atraxion.domain.shapes import MAX_AMOUNT
from atraxion.entrypoints.http import json_schema
from atraxion.entrypoints.inbound import key_length

KINDS = kinds_by_name()
ENTITIES = list(KINDS)

NOT_BLANK = json_schema.NOT_BLANK
AMOUNT_MAX = MAX_AMOUNT
INT64_MAX = MAX_ID
CURSOR = {
    "type": "string",
    "maxLength": 20 + 6 * 511,
    "pattern": "^$|" + CURSOR_PATTERN,
    "description": "The nextCursor of the previous page, as given (empty: the first page). It names a "
    "position in the feed; a value of any other form is a 422.",
}
_version = {"type": "integer", "format": "int64", "minimum": 0, "maximum": INT64_MAX}


def record_schema(entity: str) -> dict[str, Any]:
    """A pushed record of ``entity``: its input shape, its key fields required."""
    kind = KINDS[entity]
    return json_schema.input_schema(kind.shape, required=kind.key_fields)


PROBLEM = {
    "description": "A problem (RFC 9457)",
    "content": {
        "application/problem+json": {
            "schema": {
                "type": "object",
                "required": ["type", "title", "status", "detail"],
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "instance": {"type": "string"},
                    "errors": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "index": {"type": ["integer", "null"]},
                                "field": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        },
                    },
                },
            }
        }
    },
}


def problems(*codes: int) -> dict[str, Any]:
    return {str(code): PROBLEM for code in codes}


def json_body(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def ok(description: str, schema: Mapping[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description}
    if schema is not None:
        response["content"] = {"application/json": {"schema": schema}}
    return response


_SECURED: list[dict[str, list[str]]] = [{"bearer": []}]
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "The same key and body again answer the first answer, work not redone (Idempotent-Replayed: "
    "true); another body is a 409 idempotency-key-reused. A duplicate sent while the first runs waits for its "
    "answer, or is a 409 idempotency-key-in-progress (Retry-After).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
_DELETED = {
    "type": "boolean",
    "description": "The record was deleted in Odoo: the item carries its last known content. "
    "Acknowledge it like any item; false for live records.",
}
_TRACKED = {
    "isNew": {"type": "boolean", "description": "The consumer never acknowledged (a live version of) this record"},
    "changedFields": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Sorted; envelope names and dotted data paths that differ from what the consumer acknowledged",
    },
    "data": json_schema.DOCUMENT,
}


def feed_item_schema(entity: str) -> dict[str, Any]:
    """One feed item of ``entity`` (a poll's item, and the GET of one record without ``pending``):
    the shared fields, the entity's output shape and, for entities tracking fields, their changes."""
    kind = KINDS[entity]
    required, properties = json_schema.output_properties(kind.output)
    tracked = _TRACKED if kind.tracks_fields else {}
    return {
        "type": "object",
        "required": ["key", "version", "deleted", *required, *tracked],
        "properties": {
            "key": {"type": "string"},
            "version": {"type": "integer", "minimum": 1},
            "deleted": _DELETED,
            **properties,
            **tracked,
        },
    }


_DELETE_RESULT = {
    "type": "object",
    "required": ["results", "summary"],
    "properties": {
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "status", "version"],
                "properties": {
                    "key": {"type": "string"},
                    "status": {
                        "enum": ["deleted", "unknown"],
                        "description": "unknown: no live record under the key (never pushed, or already deleted)",
                    },
                    "version": {
                        "type": ["integer", "null"],
                        "description": "The tombstone's version; null for a key never pushed",
                    },
                },
            },
        },
        "summary": {
            "type": "object",
            "required": ["received", "deleted", "unknown"],
            "properties": {k: {"type": "integer"} for k in ("received", "deleted", "unknown")},
        },
    },
}


def _deletable_record(entity: str) -> dict[str, Any]:
    """A pushed record: the entity's shape, or a deletion (its key fields and ``"deleted": true``)."""
    record = record_schema(entity)
    live = {**record, "properties": {**record["properties"], "deleted": {"const": False}}}
    deletion = {
        "type": "object",
        "required": [*KINDS[entity].key_fields, "deleted"],
        "description": "Deletes the key; other fields, if sent, are validated and ignored",
        "properties": {**record["properties"], "deleted": {"const": True}},
        "additionalProperties": False,
    }
    return {"oneOf": [live, deletion]}


def _key_name(entity: str) -> str:
    return "externalId" if KINDS[entity].key_fields == ("externalId",) else "key"


def _links(entity: str, items: str) -> dict[str, Any]:
    """OpenAPI links from an answer listing records to the first record's own URL (what a client
    does next; Schemathesis follows them in its stateful run)."""
    return {
        "GetFirst": {
            "operationId": f"get-{entity}",
            "parameters": {_key_name(entity): f"$response.body#/{items}/0/key"},
        },
        "HistoryOfFirst": {
            "operationId": f"history-{entity}",
            "parameters": {_key_name(entity): f"$response.body#/{items}/0/key"},
        },
    }


def _entity_paths(entity: str) -> dict[str, Any]:
    push_result = {
        "type": "object",
        "required": ["results", "summary"],
        "properties": {"results": {"type": "array"}, "summary": {"type": "object"}},
    }
    paths: dict[str, Any] = {
        f"/api/v1/odoo/{entity}": {
            "post": {
                "operationId": f"push-{entity}",
                "summary": f"Push {entity} from Odoo (scope odoo:push)",
                "security": _SECURED,
                "parameters": [IDEMPOTENCY_KEY],
                "requestBody": json_body(
                    {
                        "type": "object",
                        "required": ["records"],
                        "additionalProperties": False,
                        "properties": {
                            "records": {
                                "type": "array",
                                "minItems": 1,
                                "uniqueItems": True,
                                "items": _deletable_record(entity),
                            }
                        },
                    }
                ),
                "responses": {
                    "200": {**ok("What the push changed", push_result), "links": _links(entity, "results")},
                    **problems(400, 401, 403, 409, 413, 415, 422),
                },
            }
        },
        f"/api/v1/odoo/{entity}/delete": {
            "post": {
                "summary": f"Delete {entity} that Odoo no longer has (scope odoo:push)",
                "description": "Each live record becomes a deleted item for the consumers that held it, under "
                "the next version; an unknown or already deleted key changes nothing.",
                "security": _SECURED,
                "parameters": [IDEMPOTENCY_KEY],
                "requestBody": json_body(
                    {
                        "type": "object",
                        "required": ["keys"],
                        "additionalProperties": False,
                        "properties": {
                            "keys": {
                                "type": "array",
                                "minItems": 1,
                                "uniqueItems": True,
                                "items": {"type": "string", "minLength": 1},
                            }
                        },
                    }
                ),
                "responses": {
                    "200": ok("Each key's fate", _DELETE_RESULT),
                    **problems(400, 401, 403, 409, 413, 415, 422),
                },
            }
        },
        f"/api/v1/webshop/{entity}/changes": {
            "get": {
                "operationId": f"changes-{entity}",
                "summary": f"{entity} pending for the caller's consumer (scope webshop:read)",
                "security": _SECURED,
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
                    },
                    {"name": "cursor", "in": "query", "schema": CURSOR},
                ],
                "responses": {
                    "200": {
                        **ok(
                            "A page of pending items",
                            {
                                "type": "object",
                                "required": ["items", "nextCursor"],
                                "properties": {
                                    "items": {"type": "array", "items": feed_item_schema(entity)},
                                    "nextCursor": {"type": ["string", "null"]},
                                },
                            },
                        ),
                        "links": {
                            **_links(entity, "items"),
                            "AcknowledgeFirst": {
                                "operationId": f"ack-one-{entity}",
                                "parameters": {
                                    _key_name(entity): "$response.body#/items/0/key",
                                    "version": "$response.body#/items/0/version",
                                },
                            },
                        },
                    },
                    **problems(401, 403, 422),
                },
            }
        },
        f"/api/v1/webshop/{entity}/ack": {
            "post": {
                "operationId": f"ack-{entity}",
                "summary": f"Acknowledge processed {entity} versions (scope webshop:ack)",
                "security": _SECURED,
                "parameters": [IDEMPOTENCY_KEY],
                "requestBody": json_body(
                    {
                        "type": "object",
                        "required": ["items"],
                        "additionalProperties": False,
                        "properties": {
                            "items": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["key", "version"],
                                    "additionalProperties": False,
                                    "properties": {"key": {"type": "string"}, "version": _version},
                                },
                            }
                        },
                    }
                ),
                "responses": {
                    "200": ok(
                        "Which keys were acked, stale or unknown",
                        {
                            "type": "object",
                            "required": ["acked", "stale", "unknown"],
                            "properties": {
                                k: {"type": "array", "items": {"type": "string"}} for k in ("acked", "stale", "unknown")
                            },
                        },
                    ),
                    **problems(400, 401, 403, 409, 413, 415, 422),
                },
            }
        },
    }
    # Stock and prices are keyed "{a}/{b}": the slash is sent percent-encoded (S1%2FP1) or as is.
    name = _key_name(entity)
    length = key_length(KINDS[entity])
    key_param = {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1, "maxLength": length},
        "description": "The record's key (externalId; for stock and prices {a}/{b})",
    }
    change_key = {
        **key_param,
        "schema": {"type": "string", "minLength": 1, "maxLength": length, "not": {"const": "summary"}},
        "description": "The record's key; 'summary' names the backlog route (acknowledge that key with the batch ack)",
    }
    paths[f"/api/v1/webshop/{entity}/changes/{{{name}}}"] = {
        "delete": {
            "operationId": f"ack-one-{entity}",
            "summary": f"Acknowledge one {entity} record (scope webshop:ack)",
            "security": _SECURED,
            "parameters": [change_key, {"name": "version", "in": "query", "required": True, "schema": _version}],
            "responses": {"204": ok("Acknowledged"), **problems(401, 403, 404, 405, 409, 422)},
        }
    }
    paths[f"/api/v1/webshop/{entity}/{{{name}}}"] = {
        "get": {
            "operationId": f"get-{entity}",
            "summary": f"Current state of one {entity} record (scope webshop:read)",
            "description": "A deleted record answers with deleted: true and its last known content while some consumer "
            "has its deletion pending; then 404. The keys 'ack', 'changes' and 'changes/…' name routes of their own, "
            "not records.",
            "security": _SECURED,
            "parameters": [key_param],
            "responses": {"200": ok("The record", _one(entity)), **problems(401, 403, 404, 405)},
        }
    }
    paths[f"/api/v1/webshop/{entity}/{{{name}}}/history"] = {
        "get": {
            "operationId": f"history-{entity}",
            "summary": f"The last versions of one {entity} record, newest first (scope webshop:read)",
            "description": "The newest ATRAXION_HISTORY_VERSIONS versions (default 10; 0 keeps none): each with the "
            "fields it changed (every field for a creation, none for a deletion) and when it was stored. 404 for a "
            "record GET of one would not show.",
            "security": _SECURED,
            "parameters": [key_param],
            "responses": {"200": ok("The record's versions", _HISTORY), **problems(401, 403, 404)},
        }
    }
    return paths


_HISTORY: dict[str, Any] = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["version", "changedFields", "at"],
                "properties": {
                    "version": {"type": "integer", "minimum": 1},
                    "changedFields": {"type": "array", "items": {"type": "string"}},
                    "at": {"type": "string", "format": "date-time"},
                },
            },
        }
    },
}


def _one(entity: str) -> dict[str, Any]:
    item = feed_item_schema(entity)
    pending = {"type": "boolean", "description": "The caller's consumer has this record pending"}
    return {
        **item,
        "required": [*item["required"], "pending"],
        "properties": {**item["properties"], "pending": pending},
    }


_READINESS = {
    "type": "object",
    "required": ["status", "checks"],
    "properties": {
        "status": {"enum": ["ready", "unready"]},
        "checks": {
            "type": "object",
            "required": ["database"],
            "properties": {"database": {"type": "string"}, "broker": {"type": "string"}},
            "description": '"ok", or the reason the dependency does not answer; broker only when one is configured',
        },
    },
}


def build(extra_paths: Mapping[str, Any] | None = None) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/health": {"get": {"summary": "Liveness", "responses": {"200": ok("Alive")}}},
        "/ready": {
            "get": {
                "summary": "Readiness: the database answers, and the configured broker (not memory)",
                "responses": {
                    "200": ok("Ready: every check is ok", _READINESS),
                    "503": ok("Unready: the failing check names its reason", _READINESS),
                },
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics",
                "responses": {"200": {"description": "Prometheus text", "content": {"text/plain": {}}}},
            }
        },
    }
    for entity in ENTITIES:
        paths.update(_entity_paths(entity))
    paths.update(extra_paths or {})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Atraxion",
            "version": __version__,
            "description": "Odoo ⇄ webshop sync middleware. See docs/api.md.",
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": paths,
    }
