"""Deletions through the use cases on the memory fakes: tombstones, the pending rule, acks,
GET of a deleted record, re-creation, and what pushes with ``"deleted": true`` mean."""

from __future__ import annotations

from typing import Any

import pytest

from atraxion.application import feed, tokens
from atraxion.application.deletions import delete
from atraxion.application.ingest import Batch, ingest
from atraxion.bootstrap import Atraxion
from atraxion.domain.auth import Scope
from atraxion.domain.errors import InvalidBatch, NotFound, UnknownEntity
from atraxion.domain.feed import AckOutcome
from atraxion.domain.records import Incoming, IngestStatus
from atraxion.entrypoints import views
from atraxion.entrypoints.inbound import parse_deletion, parse_push
from atraxion.testing import memory_atraxion

CONSUMERS = ("webshop", "mobile")


@pytest.fixture
def app() -> Atraxion:
    app = memory_atraxion()
    for consumer in CONSUMERS:
        tokens.create_token(app.context, consumer, frozenset({Scope.WEBSHOP_READ}), consumer)
    return app


def push(app: Atraxion, key: str, data: dict[str, Any], entity: str = "products") -> IngestStatus:
    (plan,) = ingest(app.context, [Batch(entity, [Incoming(key, {"externalId": key}, data)])])
    return plan.results[0].status


def pending(app: Atraxion, consumer: str = "webshop", entity: str = "products") -> dict[str, feed.FeedItem]:
    return {i.record.key: i for i in feed.changes(app.context, entity, consumer, None, 1000).items}


def ack_all(app: Atraxion, consumer: str, entity: str = "products") -> None:
    items = [(i.record.key, i.record.version) for i in pending(app, consumer, entity).values()]
    feed.acknowledge(app.context, entity, consumer, items)


def test_a_deletion_is_a_new_version_carrying_the_last_data(app: Atraxion) -> None:
    push(app, "P1", {"name": "Desk", "active": True})
    ack_all(app, "webshop")
    plan = delete(app.context, "products", ["P1"])
    assert [(r.key, r.status, r.version) for r in plan.results] == [("P1", IngestStatus.DELETED, 2)]
    item = pending(app)["P1"]
    assert item.deleted and item.record.version == 2 and not item.is_new
    assert item.record.data == {"name": "Desk", "active": True} and item.changed_fields == []
    body = views.feed_item(app.context.kind("products"), item)
    assert body["deleted"] is True and body["data"] == {"name": "Desk", "active": True}


def test_the_deletion_of_an_unknown_or_deleted_key_changes_nothing(app: Atraxion) -> None:
    push(app, "P1", {"name": "Desk"})
    delete(app.context, "products", ["P1"])
    plan = delete(app.context, "products", ["P1", "NOPE"])
    assert [(r.key, r.status, r.version) for r in plan.results] == [
        ("P1", IngestStatus.UNKNOWN, 2),
        ("NOPE", IngestStatus.UNKNOWN, None),
    ]
    assert plan.deletions == [] and plan.summary() == {
        "received": 2,
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "deleted": 0,
        "unknown": 2,
    }
    assert feed.get_record(app.context, "products", "webshop", "P1").item.record.version == 2


def test_pending_for_consumers_that_held_or_had_it_pending_only(app: Atraxion) -> None:
    push(app, "P1", {"name": "Desk"})
    ack_all(app, "webshop")  # webshop holds P1; mobile has it pending as new
    tokens.create_token(app.context, "late", frozenset({Scope.WEBSHOP_READ}), "late")  # sees P1 as new too
    ack_all(app, "late")
    delete(app.context, "products", ["P1"])
    tokens.create_token(app.context, "after", frozenset({Scope.WEBSHOP_READ}), "after")  # never heard of it
    assert pending(app, "webshop")["P1"].is_new is False
    assert pending(app, "mobile")["P1"].is_new is True  # never acked: every field, and deleted
    assert pending(app, "mobile")["P1"].changed_fields == ["name"]
    assert pending(app, "late")["P1"].deleted
    assert pending(app, "after") == {}


def test_a_deletion_of_a_record_nobody_heard_of_is_pending_for_nobody(app: Atraxion) -> None:
    push(app, "P1", {"name": "Desk"})
    for consumer in CONSUMERS:
        ack_all(app, consumer)
    delete(app.context, "products", ["P1"])
    for consumer in CONSUMERS:
        ack_all(app, consumer)  # both acknowledge the deletion
    push(app, "P1", {"name": "Desk"})  # re-created: new to both
    delete(app.context, "products", ["P1"])  # deleted again before anyone polled
    for consumer in CONSUMERS:
        assert pending(app, consumer)["P1"].deleted  # they had it pending: they are told
    for consumer in CONSUMERS:
        ack_all(app, consumer)
    with pytest.raises(NotFound):
        feed.get_record(app.context, "products", "webshop", "P1")


def test_get_answers_a_deleted_record_until_every_consumer_acknowledged_it(app: Atraxion) -> None:
    push(app, "P1", {"name": "Desk"})
    delete(app.context, "products", ["P1"])
    view = feed.get_record(app.context, "products", "webshop", "P1")
    assert view.item.deleted and view.pending and view.item.record.data == {"name": "Desk"}
    ack_all(app, "webshop")
    view = feed.get_record(app.context, "products", "webshop", "P1")
    assert view.item.deleted and not view.pending  # mobile has not acknowledged it yet
    ack_all(app, "mobile")
    with pytest.raises(NotFound):
        feed.get_record(app.context, "products", "webshop", "P1")
    decision = feed.acknowledge(app.context, "products", "webshop", [("P1", 2), ("P1", 1)])
    assert decision.outcomes == {"P1": AckOutcome.ACKED}  # acking the deletion again is harmless


def test_a_stale_ack_does_not_clear_a_deletion(app: Atraxion) -> None:
    push(app, "P1", {"name": "Desk"})
    delete(app.context, "products", ["P1"])
    assert feed.acknowledge(app.context, "products", "webshop", [("P1", 1)]).outcomes == {"P1": AckOutcome.STALE}
    assert pending(app)["P1"].deleted


def test_a_re_creation_is_a_new_version_new_to_every_consumer(app: Atraxion) -> None:
    push(app, "P1", {"name": "Desk", "color": "oak"})
    for consumer in CONSUMERS:
        ack_all(app, consumer)
    delete(app.context, "products", ["P1"])
    ack_all(app, "webshop")  # webshop removed it; mobile did not acknowledge the deletion
    (plan,) = ingest(
        app.context, [Batch("products", [Incoming("P1", {"externalId": "P1"}, {"name": "Desk 2", "color": "oak"})])]
    )
    (result,) = plan.results
    assert (result.status, result.version, result.changed_fields) == (IngestStatus.CREATED, 3, ["color", "name"])
    for consumer in CONSUMERS:  # mobile may have applied the deletion it polled: the whole record again
        item = pending(app, consumer)["P1"]
        assert (item.deleted, item.is_new, item.changed_fields) == (False, True, ["color", "name"])
    ack_all(app, "mobile")
    push(app, "P1", {"name": "Desk 3", "color": "oak"})  # later changes are measured from the new ack
    assert pending(app, "mobile")["P1"].changed_fields == ["name"]


def test_a_re_creation_equal_to_the_deleted_content_is_still_pending(app: Atraxion) -> None:
    push(app, "P1", {"name": "Desk"})
    ack_all(app, "webshop")
    delete(app.context, "products", ["P1"])
    feed.changes(app.context, "products", "webshop", None, 10)  # polled (and applied) the deletion, no ack
    assert push(app, "P1", {"name": "Desk"}) is IngestStatus.CREATED  # same data: still a re-creation
    for consumer in CONSUMERS:
        item = pending(app, consumer)["P1"]
        assert item.is_new and not item.deleted and item.record.version == 3
    assert feed.acknowledge(app.context, "products", "webshop", [("P1", 2)]).outcomes == {"P1": AckOutcome.STALE}


def test_archiving_is_a_data_change(app: Atraxion) -> None:
    push(app, "P1", {"name": "Desk", "active": True})
    ack_all(app, "webshop")
    push(app, "P1", {"name": "Desk", "active": False})
    item = pending(app)["P1"]
    assert (item.deleted, item.changed_fields, item.record.data["active"]) == (False, ["active"], False)


def test_a_new_consumer_does_not_get_tombstones(app: Atraxion) -> None:
    push(app, "P1", {"name": "Desk"})
    push(app, "P2", {"name": "Chair"})
    delete(app.context, "products", ["P1"])
    feed.register_consumer(app.context, "fresh")
    assert list(pending(app, "fresh")) == ["P2"]


def test_prices_and_stock_are_deletable_by_key(app: Atraxion) -> None:
    body = {"records": [{"pricelistExternalId": "PL", "productExternalId": "P/1", "price": 10}]}
    ingest(app.context, parse_push("prices", body))
    ack_all(app, "webshop", "prices")
    plan = delete(app.context, "prices", ["PL/P/1"])
    assert plan.results[0].status is IngestStatus.DELETED
    item = pending(app, "webshop", "prices")["PL/P/1"]
    body_item = views.feed_item(app.context.kind("prices"), item)
    assert body_item["deleted"] is True and body_item["price"] == 10 and "changedFields" not in body_item
    ingest(
        app.context,
        parse_push("stock", {"records": [{"supplierExternalId": "S", "productExternalId": "P", "quantity": 3}]}),
    )
    assert delete(app.context, "stock", ["S/P"]).results[0].status is IngestStatus.DELETED


def test_a_push_may_delete_with_a_deleted_record(app: Atraxion) -> None:
    push(app, "P1", {"name": "Desk"})
    push(app, "P2", {"name": "Chair"})
    body = {
        "records": [
            {"externalId": "P3", "data": {"name": "Lamp"}, "deleted": False},
            {"externalId": "P1", "deleted": True},
            {"externalId": "P2", "data": {"name": "ignored"}, "odooId": 9, "deleted": True},
            {"externalId": "P9", "deleted": True},
        ]
    }
    (batch,) = parse_push("products", body)
    assert [r.key for r in batch.records] == ["P3"] and list(batch.deletions) == ["P1", "P2", "P9"]
    (plan,) = ingest(app.context, [batch])
    assert [(r.key, r.status.value) for r in plan.results] == [
        ("P3", "created"),
        ("P1", "deleted"),
        ("P2", "deleted"),
        ("P9", "unknown"),
    ]
    assert plan.summary()["deleted"] == 2 and plan.summary()["received"] == 4
    assert pending(app)["P2"].record.data == {"name": "Chair"}  # the last data Atraxion had
    assert "P3" in pending(app) and pending(app)["P3"].record.envelope == {"externalId": "P3"}


@pytest.mark.parametrize(
    ("records", "errors"),
    [
        ([{"deleted": True}], {(0, "externalId")}),
        ([{"externalId": "P1", "deleted": "yes"}], {(0, "deleted")}),
        ([{"externalId": "P1", "odooId": "x", "deleted": True}], {(0, "odooId")}),
        ([{"externalId": "P1", "deleted": True}, {"externalId": "P1", "data": {}}], {(1, "key")}),
        ([{"externalId": "P1", "deleted": False}], {(0, "data")}),  # a live record needs its data
        ([{"externalId": "P1", "deleted": True}, {"externalId": "", "data": {}}], {(1, "externalId")}),
    ],
)
def test_deleted_records_are_validated(records: list[dict[str, Any]], errors: set[tuple[int, str]]) -> None:
    with pytest.raises(InvalidBatch) as raised:
        parse_push("products", {"records": records})
    assert {(e.index, e.field) for e in raised.value.errors} == errors


def test_a_deleted_price_or_stock_record_needs_both_key_parts() -> None:
    with pytest.raises(InvalidBatch) as raised:
        parse_push("prices", {"records": [{"pricelistExternalId": "PL", "deleted": True}]})
    assert {(e.index, e.field) for e in raised.value.errors} == {(0, "productExternalId")}
    (batch,) = parse_push(
        "stock", {"records": [{"supplierExternalId": "S", "productExternalId": "P", "deleted": True}]}
    )
    assert (batch.records, list(batch.deletions)) == ([], ["S/P"])


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"keys": []}, {(None, "keys")}),
        ({"keys": "P1"}, {(None, "keys")}),
        ({"keys": ["P1"], "extra": 1}, {(None, "keys")}),
        ([], {(None, "keys")}),
        ({"keys": ["P1", "", 7, " ", "P1", "x" * 256]}, {(1, "key"), (2, "key"), (3, "key"), (4, "key"), (5, "key")}),
    ],
)
def test_deletion_bodies_are_validated(body: Any, errors: set[tuple[int | None, str]]) -> None:
    with pytest.raises(InvalidBatch) as raised:
        parse_deletion("products", body)
    assert {(e.index, e.field) for e in raised.value.errors} == errors


def test_deletion_bodies_of_keyed_pairs_allow_two_parts() -> None:
    long_pair = f"{'a' * 255}/{'b' * 255}"
    assert parse_deletion("prices", {"keys": [long_pair]}) == [long_pair]
    with pytest.raises(UnknownEntity):
        parse_deletion("widgets", {"keys": ["x"]})


def test_a_repeated_key_rejects_the_deletion_whole(app: Atraxion) -> None:
    push(app, "P1", {"name": "Desk"})
    with pytest.raises(InvalidBatch):
        delete(app.context, "products", ["P1", "P1"])
    assert not pending(app)["P1"].deleted


def test_deleting_a_parent_unresolves_its_children_until_it_is_back(app: Atraxion) -> None:
    records = [
        {"externalId": "C", "externalParentId": "M", "data": {"name": "Contact"}},
        {"externalId": "M", "data": {"name": "Company"}},
    ]
    ingest(app.context, parse_push("partners", {"records": records}))
    ack_all(app, "webshop", "partners")
    delete(app.context, "partners", ["M"])
    child = feed.get_record(app.context, "partners", "webshop", "C").item.record
    assert child.derived["parentResolved"] is False and child.version == 1
    assert child.envelope["externalParentId"] == "M"
    assert "C" not in pending(app, "webshop", "partners")  # derived data: no new version
    ingest(app.context, parse_push("partners", {"records": records[1:]}))
    child = feed.get_record(app.context, "partners", "webshop", "C").item.record
    assert child.derived["parentResolved"] is True
