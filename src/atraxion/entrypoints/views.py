"""Records, push results and ack outcomes as the contract shows them (HTTP and the Python facade)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, overload

from atraxion.domain.feed import AckDecision, AckOutcome, FeedItem
from atraxion.domain.history import Version
from atraxion.domain.ingest import IngestPlan, IngestResult
from atraxion.domain.records import IngestStatus, Kind
from atraxion.domain.shapes import shown_defaults

_SHOWN: dict[type[Any], dict[str, Any]] = {}
"""Per output shape, the fields a feed item always shows, with their defaults (null, mostly)."""


def feed_item(kind: Kind, item: FeedItem) -> dict[str, Any]:
    record = item.record
    shown = _SHOWN.get(kind.output)
    if shown is None:
        shown = _SHOWN[kind.output] = shown_defaults(kind.output)
    body: dict[str, Any] = {"key": record.key, **shown, **record.envelope, **record.derived}
    body["version"] = record.version
    body["deleted"] = record.deleted
    if kind.tracks_fields:
        body["isNew"] = item.is_new
        body["changedFields"] = item.changed_fields
        body["data"] = record.data
    return body


_QUIET = frozenset({IngestStatus.UNCHANGED, IngestStatus.UNKNOWN})
"""What a bulk entity's push answer leaves out: rows it did not change."""


def ingest_result(result: IngestResult) -> dict[str, Any]:
    return {
        "key": result.key,
        "status": result.status.value,
        "version": result.version,
        "changedFields": result.changed_fields,
    }


def push_response(kind: Kind, plan: IngestPlan) -> dict[str, Any]:
    """The answer to a push. Bulk entities (stock, prices) list only the rows it changed (created,
    updated, deleted)."""
    results = plan.results
    if not kind.tracks_fields:
        results = [r for r in results if r.status not in _QUIET]
    return {"results": [ingest_result(r) for r in results], "summary": plan.summary()}


def delete_response(plan: IngestPlan) -> dict[str, Any]:
    """The answer to ``POST /api/v1/odoo/{entity}/delete``: every key's fate, in order."""
    summary = plan.summary()
    return {
        "results": [{"key": r.key, "status": r.status.value, "version": r.version} for r in plan.results],
        "summary": {name: summary[name] for name in ("received", "deleted", "unknown")},
    }


def ack_response(decision: AckDecision) -> dict[str, list[str]]:
    return {outcome.value: decision.keys(outcome) for outcome in AckOutcome}


def version(v: Version) -> dict[str, Any]:
    """One entry of a record's history."""
    return {
        "version": v.version,
        "changedFields": list(v.changed_fields),
        "at": timestamp(v.at),
    }


@overload
def timestamp(value: datetime) -> str: ...
@overload
def timestamp(value: None) -> None: ...
@overload
def timestamp(value: datetime | None) -> str | None: ...
def timestamp(value: datetime | None) -> str | None:
    """The one time format of every answer: ISO 8601 in UTC with a ``Z``, microseconds when there
    are any (``2026-01-02T03:04:05.250000Z``). A naive time is taken as UTC, as stores keep them."""
    if value is None:
        return None
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return utc.isoformat().replace("+00:00", "Z")
