"""Feed items as the HTTP contract shows them (outbound table of http-api.md)."""

from __future__ import annotations

from typing import Any

from atraxion.domain.feed import FeedItem
from atraxion.domain.ingest import IngestResult
from atraxion.domain.records import Kind

# Fields the contract always shows for an entity, null when the push did not carry them.
_ALWAYS: dict[str, dict[str, Any]] = {
    "products": {"odooId": None},
    "partners": {"odooId": None, "type": None, "externalParentId": None, "parentResolved": True},
    "sale-orders": {"odooId": None},
    "purchase-orders": {"odooId": None},
    "prices": {"currency": None, "previousPrice": None},
    "stock": {"previousQuantity": None},
}


def feed_item(kind: Kind, item: FeedItem) -> dict[str, Any]:
    record = item.record
    body: dict[str, Any] = {"key": record.key, **_ALWAYS.get(kind.name, {}), **record.envelope, **record.derived}
    body["version"] = record.version
    if kind.tracks_fields:
        body["isNew"] = item.is_new
        body["changedFields"] = item.changed_fields
        body["data"] = record.data
    return body


def ingest_result(result: IngestResult) -> dict[str, Any]:
    return {
        "key": result.key,
        "status": result.status.value,
        "version": result.version,
        "changedFields": result.changed_fields,
    }
