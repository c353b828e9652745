"""The change-feed semantics of http-api.md, through the use cases on the memory fakes."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from atraxion.application import feed, tokens
from atraxion.application.ingest import Batch, ingest
from atraxion.bootstrap import Atraxion
from atraxion.domain.auth import Scope
from atraxion.domain.errors import Conflict, InvalidBatch, NotFound
from atraxion.domain.records import NO_DATA, Incoming, IngestStatus
from atraxion.testing import memory_atraxion


@pytest.fixture
def app() -> Atraxion:
    app = memory_atraxion()
    for consumer in ("webshop", "mobile"):
        tokens.create_token(app.context, consumer, frozenset({Scope.WEBSHOP_READ}), consumer)
    return app


def push(app: Atraxion, key: str, data: dict[str, Any], **envelope: Any) -> IngestStatus:
    record = Incoming(key, {"externalId": key, **envelope}, data)
    (plan,) = ingest(app.context, [Batch("products", [record])])
    return plan.results[0].status


def pending(app: Atraxion, consumer: str = "webshop") -> dict[str, feed.FeedItem]:
    page = feed.changes(app.context, "products", consumer, None, 1000)
    return {item.record.key: item for item in page.items}


def test_a_new_record_is_pending_for_every_consumer_with_every_field(app: Atraxion) -> None:
    assert push(app, "P1", {"name": "Desk", "dims": {"w": 1}}) is IngestStatus.CREATED
    for consumer in ("webshop", "mobile"):
        item = pending(app, consumer)["P1"]
        assert item.is_new and item.changed_fields == ["dims.w", "name"] and item.record.version == 1


def test_two_pushes_between_polls_report_the_union_of_their_changes(app: Atraxion) -> None:
    push(app, "P1", {"name": "Desk", "price": 10, "color": "oak"})
    feed.acknowledge(app.context, "products", "webshop", [("P1", 1)])
    push(app, "P1", {"name": "Desk 2", "price": 10, "color": "oak"})
    push(app, "P1", {"name": "Desk 2", "price": 12, "color": "oak"})
    item = pending(app)["P1"]
    assert (item.is_new, item.changed_fields, item.record.version) == (False, ["name", "price"], 3)


def test_a_change_reverted_before_the_poll_is_not_pending(app: Atraxion) -> None:
    push(app, "P1", {"name": "Desk"})
    feed.acknowledge(app.context, "products", "webshop", [("P1", 1)])
    push(app, "P1", {"name": "Chair"})
    push(app, "P1", {"name": "Desk"})
    assert "P1" not in pending(app)
    assert "P1" in pending(app, "mobile")  # mobile never acknowledged anything


def test_an_identical_push_bumps_nothing_even_with_other_number_spelling_or_volatile_fields(app: Atraxion) -> None:
    push(app, "P1", {"name": "Desk", "price": 10, "write_date": "2026-01-01 00:00:00"})
    feed.acknowledge(app.context, "products", "webshop", [("P1", 1)])
    assert (
        push(app, "P1", {"name": "Desk", "price": 10.0, "write_date": "2026-02-02 00:00:00"}) is IngestStatus.UNCHANGED
    )
    assert "P1" not in pending(app)
    view = feed.get_record(app.context, "products", "webshop", "P1")
    assert view.item.record.version == 1
    assert view.item.record.data["write_date"] == "2026-02-02 00:00:00"  # still stored


def test_a_stale_ack_never_hides_a_newer_change(app: Atraxion) -> None:
    push(app, "P1", {"name": "Desk"})
    push(app, "P1", {"name": "Desk XL"})
    decision = feed.acknowledge(app.context, "products", "webshop", [("P1", 1), ("nope", 1)])
    assert decision.keys(feed.AckOutcome.STALE) == ["P1"]
    assert decision.keys(feed.AckOutcome.UNKNOWN) == ["nope"]
    assert pending(app)["P1"].record.version == 2
    with pytest.raises(Conflict):
        feed.acknowledge_one(app.context, "products", "webshop", "P1", 1)
    with pytest.raises(NotFound):
        feed.acknowledge_one(app.context, "products", "webshop", "nope", 1)
    feed.acknowledge_one(app.context, "products", "webshop", "P1", 2)
    assert "P1" not in pending(app)


def test_acks_are_per_consumer(app: Atraxion) -> None:
    push(app, "P1", {"name": "Desk"})
    feed.acknowledge(app.context, "products", "webshop", [("P1", 1)])
    assert "P1" not in pending(app, "webshop")
    assert "P1" in pending(app, "mobile")


def test_a_consumer_registered_later_sees_everything_as_new(app: Atraxion) -> None:
    push(app, "P1", {"name": "Desk"})
    tokens.create_token(app.context, "dash", frozenset({Scope.WEBSHOP_READ}), "dashboard")
    assert pending(app, "dashboard")["P1"].is_new


def test_pages_follow_the_cursor_oldest_change_first(app: Atraxion) -> None:
    for i in range(5):
        push(app, f"P{i}", {"n": i})
    first = feed.changes(app.context, "products", "webshop", None, 2)
    second = feed.changes(app.context, "products", "webshop", first.next_cursor, 10)
    keys = [i.record.key for i in first.items + second.items]
    assert keys == ["P0", "P1", "P2", "P3", "P4"] and second.next_cursor is None


def test_a_batch_with_a_repeated_key_is_rejected_whole(app: Atraxion) -> None:
    records = [Incoming("P1", {}, {"a": 1}), Incoming("P2", {}, {}), Incoming("P1", {}, {"a": 2})]
    with pytest.raises(InvalidBatch) as raised:
        ingest(app.context, [Batch("products", records)])
    assert [e.index for e in raised.value.errors] == [2]
    assert pending(app) == {}


def test_bad_paging_arguments_are_validation_errors(app: Atraxion) -> None:
    with pytest.raises(InvalidBatch):
        feed.changes(app.context, "products", "webshop", None, 0)
    with pytest.raises(InvalidBatch):
        feed.changes(app.context, "products", "webshop", "not-a-cursor", 10)


def test_records_without_data_share_one_empty_document_that_nothing_changes(app: Atraxion) -> None:
    prices = [
        Incoming(f"PL/P{i}", {"pricelistExternalId": "PL", "productExternalId": f"P{i}", "price": i}) for i in range(3)
    ]
    assert all(r.data is NO_DATA for r in prices)
    ingest(app.context, [Batch("prices", prices)])
    ingest(app.context, [Batch("prices", [attrs.evolve(r, envelope={**r.envelope, "price": 9}) for r in prices])])
    page = feed.changes(app.context, "prices", "webshop", None, 1000)
    assert [item.record.data for item in page.items] == [{}, {}, {}] and NO_DATA == {}
