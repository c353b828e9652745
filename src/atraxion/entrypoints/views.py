"""Records, push results and ack outcomes as the contract shows them (HTTP and the Python facade)."""

from __future__ import annotations

from typing import Any

from atraxion.domain.feed import AckDecision, AckOutcome, FeedItem
from atraxion.domain.ingest import IngestPlan, IngestResult
from atraxion.domain.records import IngestStatus, Kind

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


def push_response(kind: Kind, plan: IngestPlan) -> dict[str, Any]:
    """The answer to a push. Bulk entities (stock, prices) list only created/updated rows."""
    results = plan.results
    if not kind.tracks_fields:
        results = [r for r in results if r.status is not IngestStatus.UNCHANGED]
    return {"results": [ingest_result(r) for r in results], "summary": plan.summary()}


def ack_response(decision: AckDecision) -> dict[str, list[str]]:
    return {outcome.value: decision.keys(outcome) for outcome in AckOutcome}
