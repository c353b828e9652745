"""The partner hierarchy and the extracted purchase-order lines, on every backend."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from atraxion.adapters.sqlalchemy import upgrade
from atraxion.adapters.sqlalchemy.record_repository import records_to_rows
from atraxion.adapters.sqlalchemy.tables import RECORD_TABLES
from atraxion.application import feed
from atraxion.application.deletions import delete
from atraxion.application.ingest import ingest
from atraxion.application.partners import partner_tree
from atraxion.application.purchase_orders import orders_with_product, purchase_order_lines
from atraxion.application.tokens import create_token
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.domain.auth import Scope
from atraxion.domain.errors import InvalidBatch, NotFound
from atraxion.domain.purchase_order_lines import PurchaseOrderLine
from atraxion.domain.records import StoredRecord
from atraxion.entrypoints import views
from atraxion.entrypoints.http import create_app
from atraxion.entrypoints.inbound import parse_push
from tests.conftest import SQL_BACKENDS, blank_database

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def sample(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SAMPLES / name).read_text())
    return loaded


def push(app: Atraxion, entity: str, records: list[dict[str, Any]]) -> None:
    ingest(app.context, parse_push(entity, {"records": records}))


def partner(key: str, parent: str | None = None, **envelope: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"externalId": key, "data": {"name": key}, **envelope}
    if parent is not None:
        record["externalParentId"] = parent
    return record


def item(app: Atraxion, key: str, consumer: str = "webshop") -> dict[str, Any]:
    """The partner as the feed shows it (the HTTP item), plus whether it is pending."""
    view = feed.get_record(app.context, "partners", consumer, key)
    return {**views.feed_item(app.context.kind("partners"), view.item), "pending": view.pending}


def shape(app: Atraxion, key: str) -> Any:
    """The tree of ``key`` reduced to nested (key, [children]) pairs."""

    def reduce(node: Any) -> Any:
        return (node.external_id, [reduce(child) for child in node.children])

    return reduce(partner_tree(app.context, key))


def stored_keys(app: Atraxion) -> int:
    return app.context.transaction(lambda uow: uow.records.count("partners"))


@pytest.fixture
def shop(atraxion: Atraxion) -> Atraxion:
    feed.register_consumer(atraxion.context, "webshop")
    return atraxion


NORDLYS: Any = ("RP_1200", [("RP_1201", [("RP_1202", [])]), ("RP_1204", [])])


def test_children_pushed_before_their_parent_resolve_when_it_arrives(shop: Atraxion) -> None:
    children_first = sample("partners.json")["records"]
    push(shop, "partners", children_first[:3])  # the contact, the delivery address, the billing address
    assert item(shop, "RP_1204")["parentResolved"] is False
    assert item(shop, "RP_1201")["parentResolved"] is False
    assert item(shop, "RP_1202")["parentResolved"] is True  # its parent came in the same push, after it
    assert shape(shop, "RP_1202") == ("RP_1201", [("RP_1202", [])])  # top-most stored partner so far
    feed.acknowledge(shop.context, "partners", "webshop", [("RP_1204", 1)])

    push(shop, "partners", children_first[3:])  # the company
    for key in ("RP_1200", "RP_1201", "RP_1202", "RP_1204"):
        assert item(shop, key)["parentResolved"] is True
        assert item(shop, key)["version"] == 1
    # Resolution is derived data: the acknowledged contact does not come back.
    assert item(shop, "RP_1204")["pending"] is False
    assert shape(shop, "RP_1204") == NORDLYS
    assert item(shop, "RP_1201")["type"] == "billing" and item(shop, "RP_1200")["type"] == "main"


def test_a_whole_hierarchy_in_one_push_children_first(shop: Atraxion) -> None:
    push(shop, "partners", sample("partners.json")["records"])
    assert all(item(shop, k)["parentResolved"] for k in ("RP_1200", "RP_1201", "RP_1202", "RP_1204"))
    assert shape(shop, "RP_1200") == NORDLYS


def test_moving_a_partner_to_another_parent(shop: Atraxion) -> None:
    push(shop, "partners", sample("partners.json")["records"])
    moved = partner("RP_1202", "RP_1200", type="delivery")
    push(shop, "partners", [moved])
    assert item(shop, "RP_1202")["version"] == 2 and item(shop, "RP_1202")["externalParentId"] == "RP_1200"
    assert shape(shop, "RP_1201") == ("RP_1200", [("RP_1201", []), ("RP_1202", []), ("RP_1204", [])])

    push(shop, "partners", [partner("RP_1202", "RP_9999", type="delivery")])  # a parent not pushed yet
    assert item(shop, "RP_1202")["parentResolved"] is False
    assert shape(shop, "RP_1202") == ("RP_1202", [])
    push(shop, "partners", [partner("RP_9999", type="main")])
    assert item(shop, "RP_1202")["parentResolved"] is True
    assert shape(shop, "RP_1202") == ("RP_9999", [("RP_1202", [])])


@pytest.mark.parametrize(
    "records",
    [
        [partner("A", "B"), partner("B", "A")],
        [partner("OK"), partner("C", "C")],
        [partner("A", "B"), partner("B", "C"), partner("C", "A")],
    ],
    ids=["two-cycle", "own-parent", "three-cycle"],
)
def test_a_push_closing_a_cycle_is_rejected_whole(shop: Atraxion, records: list[dict[str, Any]]) -> None:
    with pytest.raises(InvalidBatch) as raised:
        push(shop, "partners", records)
    assert {e.field for e in raised.value.errors} == {"externalParentId"}
    assert "cycle" in raised.value.errors[0].message
    assert stored_keys(shop) == 0


def test_a_cycle_through_stored_partners_is_rejected_and_nothing_changes(shop: Atraxion) -> None:
    push(shop, "partners", [partner("A"), partner("B", "A"), partner("C", "B")])
    with pytest.raises(InvalidBatch) as raised:
        push(shop, "partners", [partner("NEW"), partner("A", "C")])
    assert "A -> C -> B -> A" in raised.value.errors[0].message
    assert item(shop, "A")["externalParentId"] is None and item(shop, "A")["version"] == 1
    assert stored_keys(shop) == 3
    assert shape(shop, "C") == ("A", [("B", [("C", [])])])


def test_a_main_partner_cannot_have_a_parent(shop: Atraxion) -> None:
    push(shop, "partners", [partner("TOP")])
    with pytest.raises(InvalidBatch) as raised:
        push(shop, "partners", [partner("X", "TOP", type="main")])
    assert [(e.field, "main" in e.message) for e in raised.value.errors] == [("externalParentId", True)]
    assert stored_keys(shop) == 1


def test_a_deleted_partner_leaves_the_tree_and_its_children_wait_for_it(shop: Atraxion) -> None:
    push(shop, "partners", sample("partners.json")["records"])
    delete(shop.context, "partners", ["RP_1201"])  # the billing address, parent of RP_1202
    with pytest.raises(NotFound):
        partner_tree(shop.context, "RP_1201")
    assert shape(shop, "RP_1200") == ("RP_1200", [("RP_1204", [])])
    assert shape(shop, "RP_1202") == ("RP_1202", [])  # the top of its own tree while its parent is gone
    assert (item(shop, "RP_1202")["parentResolved"], item(shop, "RP_1202")["version"]) == (False, 1)
    assert item(shop, "RP_1202")["externalParentId"] == "RP_1201"
    assert item(shop, "RP_1201")["deleted"] is True  # still answered: webshop has the deletion pending
    # A child pushed under the deleted partner waits for it like for a parent not pushed yet.
    push(shop, "partners", [partner("RP_1203", "RP_1201", type="contact")])
    assert item(shop, "RP_1203")["parentResolved"] is False
    push(shop, "partners", [partner("RP_1201", "RP_1200", type="billing")])  # re-created
    assert item(shop, "RP_1201")["version"] == 3 and item(shop, "RP_1201")["deleted"] is False
    assert all(item(shop, k)["parentResolved"] for k in ("RP_1202", "RP_1203"))
    assert shape(shop, "RP_1202") == ("RP_1200", [("RP_1201", [("RP_1202", []), ("RP_1203", [])]), ("RP_1204", [])])


def test_a_deleted_purchase_order_loses_its_extracted_lines(atraxion: Atraxion) -> None:
    push(atraxion, "purchase-orders", [po("P2", "draft", ("FURN_0001", 1, 1)), po("P3", "draft", ("FURN_0001", 2, 2))])
    delete(atraxion.context, "purchase-orders", ["P2"])
    assert orders_with_product(atraxion.context, "FURN_0001") == ["P3"]
    assert purchase_order_lines(atraxion.context, ["P2"]) == []
    push(atraxion, "purchase-orders", [po("P2", "draft", ("FURN_0001", 1, 1))])  # re-created
    assert orders_with_product(atraxion.context, "FURN_0001") == ["P2", "P3"]


@pytest.fixture
def client(atraxion: Atraxion) -> Iterator[TestClient]:
    with TestClient(create_app(atraxion)) as client:
        yield client


def bearer(app: Atraxion, *scopes: Scope) -> dict[str, str]:
    _, secret = create_token(app.context, "t", frozenset(scopes), "webshop")
    return {"Authorization": f"Bearer {secret}"}


def test_the_tree_endpoint(atraxion: Atraxion, client: TestClient) -> None:
    odoo, shop = bearer(atraxion, Scope.ODOO_PUSH), bearer(atraxion, Scope.WEBSHOP_READ)
    body = sample("partners.json")
    assert client.post("/api/v1/odoo/partners", json=body, headers=odoo).status_code == 200

    response = client.get("/api/v1/webshop/partners/RP_1202/tree", headers=shop)
    assert response.status_code == 200, response.text
    tree = response.json()
    data = {r["externalId"]: r["data"] for r in body["records"]}
    assert tree == {
        "externalId": "RP_1200",
        "type": "main",
        "data": data["RP_1200"],
        "children": [
            {
                "externalId": "RP_1201",
                "type": "billing",
                "data": data["RP_1201"],
                "children": [{"externalId": "RP_1202", "type": "delivery", "data": data["RP_1202"], "children": []}],
            },
            {"externalId": "RP_1204", "type": "contact", "data": data["RP_1204"], "children": []},
        ],
    }
    one = client.get("/api/v1/webshop/partners/RP_1204", headers=shop).json()  # the shared route still works
    assert (one["externalParentId"], one["parentResolved"]) == ("RP_1200", True)

    assert client.get("/api/v1/webshop/partners/NOPE/tree", headers=shop).status_code == 404
    assert client.get("/api/v1/webshop/partners/RP_1200/tree").status_code == 401
    assert client.get("/api/v1/webshop/partners/RP_1200/tree", headers=odoo).status_code == 403
    assert "/api/v1/webshop/partners/{externalId}/tree" in client.get("/openapi.json").json()["paths"]


def test_cycles_and_parented_mains_are_422_over_http(atraxion: Atraxion, client: TestClient) -> None:
    odoo = bearer(atraxion, Scope.ODOO_PUSH)
    cycle = {"records": [partner("A", "B"), partner("B", "A")]}
    response = client.post("/api/v1/odoo/partners", json=cycle, headers=odoo)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in response.json()["errors"]} == {"externalParentId"}
    assert {e["index"] for e in response.json()["errors"]} <= {0, 1}
    main = {"records": [partner("OK"), partner("M", "A", type="main")]}
    rejected = client.post("/api/v1/odoo/partners", json=main, headers=odoo)
    assert rejected.status_code == 422
    assert [e["index"] for e in rejected.json()["errors"]] == [1]
    assert stored_keys(atraxion) == 0


def po(key: str, state: str, *lines: tuple[str, float, float]) -> dict[str, Any]:
    return {
        "externalId": key,
        "name": key,
        "vendor": "Seat Pro GmbH",
        "state": state,
        "lines": [{"productExternalId": p, "quantity": q, "priceUnit": u} for p, q, u in lines],
    }


def test_purchase_order_lines_are_extracted_and_queryable(atraxion: Atraxion) -> None:
    push(atraxion, "purchase-orders", sample("purchase-orders.json")["records"])
    push(atraxion, "purchase-orders", [po("P2", "draft", ("FURN_0001", 0.1, 1234567.891)), po("P3", "done")])
    push(
        atraxion,
        "products",
        [{"externalId": "FURN_0009", "data": {}, "purchaseOrders": [po("P4", "purchase", ("FURN_0001", 3, 9.99))]}],
    )
    ctx = atraxion.context
    assert purchase_order_lines(ctx, ["P00043", "P2"]) == [
        PurchaseOrderLine("P00043", 1, "FURN_0002", Decimal("150"), Decimal("68.5"), "to approve"),
        PurchaseOrderLine("P00043", 2, "FURN_0001", Decimal("4.0"), Decimal("205.0"), "to approve"),
        PurchaseOrderLine("P2", 1, "FURN_0001", Decimal("0.1"), Decimal("1234567.891"), "draft"),
    ]
    assert orders_with_product(ctx, "FURN_0001") == ["P00043", "P2", "P4"]

    # A changed order is rewritten whole; an order closed in Odoo drops out of the open ones.
    push(atraxion, "purchase-orders", [po("P2", "cancel", ("FURN_0001", 1, 1))])
    push(atraxion, "purchase-orders", [po("P00043", "to approve", ("FURN_0002", 150, 68.5))])
    assert orders_with_product(ctx, "FURN_0001") == ["P4"]
    assert orders_with_product(ctx, "FURN_0001", {"cancel"}) == ["P2"]
    assert [line.line_no for line in purchase_order_lines(ctx, ["P00043"])] == [1]
    # The lines still travel in the purchase order's feed item.
    view = feed.get_record(ctx, "purchase-orders", "webshop", "P00043")
    lines = view.item.record.envelope["lines"]
    assert lines == [{"productExternalId": "FURN_0002", "quantity": 150, "priceUnit": 68.5}]


@pytest.fixture(params=SQL_BACKENDS)
def blank_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from blank_database(request.param, tmp_path)


def test_migration_0003_backfills_resolution_and_lines(blank_engine: Engine) -> None:
    """Rows stored before 0003 get their parentResolved flag and extracted lines."""
    engine = blank_engine
    upgrade(engine, "0001")
    now = datetime(2026, 1, 1, tzinfo=UTC)

    def stored(key: str, envelope: dict[str, Any]) -> StoredRecord:
        return StoredRecord(key, 1, envelope, {}, {}, "c" * 32, "f" * 32, 1, now, now)

    def insert(entity: str, records: list[StoredRecord]) -> None:
        """Rows as revision 0001 stores them (columns added by later revisions left out)."""
        table, _ = RECORD_TABLES[entity]
        rows = [{k: v for k, v in row.items() if k != "deleted"} for row in records_to_rows(entity, records)]
        with engine.begin() as conn:
            conn.execute(table.insert(), rows)

    insert("partners", [stored("TOP", {}), stored("KID", {"externalParentId": "TOP"})])
    insert("partners", [stored("ORPHAN", {"externalParentId": "GONE"})])
    insert("purchase-orders", [stored("PO1", po("PO1", "sent", ("X", 2.5, 0.1)))])
    upgrade(engine, "head")
    app = bootstrap(Settings(database_url=engine.url.render_as_string(hide_password=False)), migrate=False)
    try:
        assert [item(app, k)["parentResolved"] for k in ("TOP", "KID", "ORPHAN")] == [True, True, False]
        assert app.context.transaction(lambda uow: uow.partners.unresolved_children(["GONE"])) == ["ORPHAN"]
        assert orders_with_product(app.context, "X") == ["PO1"]
        assert purchase_order_lines(app.context, ["PO1"])[0].price_unit == Decimal("0.1")
    finally:
        app.close()
