"""Reconcile, the queued-pull drain and the periodic pull on every backend, against the in-memory
fake Odoo (the real simulator over HTTP is in tests/e2e)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from atraxion.application.feed import acknowledge, changes, register_consumer
from atraxion.application.leases import acquire_lease
from atraxion.application.pull import PullOptions, pull
from atraxion.application.queued_pulls import drain_queued_pulls, queue_pull, queued_count
from atraxion.application.reconcile import reconcile
from atraxion.application.scheduled_pull import LEASE, scheduled_pull
from atraxion.bootstrap import Atraxion
from atraxion.domain.errors import UnknownEntity
from atraxion.domain.reconcile import ReconcileCounts
from atraxion.testing import FakeClock, FakeOdooGateway

TTL = timedelta(minutes=1)


@pytest.fixture
def odoo() -> FakeOdooGateway:
    return FakeOdooGateway(now="2026-03-01 12:00:00")


def options(app: Atraxion) -> PullOptions:
    return PullOptions.of(app.context, page_size=4)


def product(odoo: FakeOdooGateway, code: str, **values: Any) -> int:
    return odoo.create("product.product", {"name": f"Product {code}", "default_code": code, "active": True, **values})


def acknowledge_all(app: Atraxion, entity: str = "products") -> None:
    page = changes(app.context, entity, "shop", None, 1000).items
    acknowledge(app.context, entity, "shop", [(i.record.key, i.record.version) for i in page])


def pending(app: Atraxion, entity: str = "products") -> dict[str, Any]:
    return {i.record.key: i for i in changes(app.context, entity, "shop", None, 1000).items}


def test_reconcile_finds_and_repairs_missing_and_differing_records(atraxion: Atraxion, odoo: FakeOdooGateway) -> None:
    register_consumer(atraxion.context, "shop")
    ids = [product(odoo, f"P{n}") for n in range(10)]
    pull(atraxion.context, odoo, "products", options(atraxion))
    # While Atraxion was not looking: two changes, one new record.
    odoo.tick()
    odoo.write("product.product", ids[3], {"name": "Renamed"})
    odoo.write("product.product", ids[7], {"active": False})
    product(odoo, "NEW")
    pages: list[ReconcileCounts] = []
    counts = reconcile(atraxion.context, odoo, options(atraxion), ["products"], progress=lambda e, c: pages.append(c))
    assert counts == ReconcileCounts(checked=11, missing=1, differing=2, deleted=0, repaired=3)
    assert counts.summary() == "checked 11: missing 1, differing 2, deleted 0, repaired 3"
    assert len(pages) >= 3 and pages[-1] == counts  # pages of 4: progress after each
    items = pending(atraxion)
    assert items["P3"].record.data["name"] == "Renamed" and items["P3"].record.version == 2
    assert items["P7"].record.data["active"] is False
    assert items["NEW"].record.version == 1
    # Nothing left to repair: a second run only checks.
    again = reconcile(atraxion.context, odoo, options(atraxion), ["products"])
    assert again == ReconcileCounts(checked=11)


def test_records_deleted_in_odoo_become_deletions_once(atraxion: Atraxion, odoo: FakeOdooGateway) -> None:
    product(odoo, "KEEP")
    gone = product(odoo, "GONE")
    pull(atraxion.context, odoo, "products", options(atraxion))
    register_consumer(atraxion.context, "shop")
    acknowledge_all(atraxion)
    odoo.unlink("product.product", gone)
    counts = reconcile(atraxion.context, odoo, options(atraxion))
    assert counts == ReconcileCounts(checked=2, missing=0, differing=0, deleted=1, repaired=1)
    items = pending(atraxion)
    assert list(items) == ["GONE"] and items["GONE"].record.deleted
    assert items["GONE"].record.data["name"] == "Product GONE"  # its last known data
    # The tombstone is not found again.
    assert reconcile(atraxion.context, odoo, options(atraxion)) == ReconcileCounts(checked=1)


def test_a_record_created_in_odoo_after_the_ids_were_listed_is_not_deleted(
    atraxion: Atraxion, odoo: FakeOdooGateway
) -> None:
    product(odoo, "OLD")
    listed = odoo.search_ids

    def list_then_create(**kwargs: Any) -> list[int]:
        ids = listed(**kwargs)
        # Created, and pulled by Atraxion, between the listing and the walk of stored records.
        late = product(odoo, "LATE")
        queue_pull(atraxion.context, "products", late)
        drain_queued_pulls(atraxion.context, odoo, options(atraxion), "other")
        return ids

    odoo.search_ids = list_then_create  # type: ignore[method-assign]
    counts = reconcile(atraxion.context, odoo, options(atraxion))
    assert counts.deleted == 0 and counts.missing == 1  # OLD was never pulled


def test_reconcile_refuses_entities_it_does_not_pull(atraxion: Atraxion, odoo: FakeOdooGateway) -> None:
    with pytest.raises(UnknownEntity, match="sale-orders"):
        reconcile(atraxion.context, odoo, options(atraxion), ["sale-orders"])


def test_queued_pulls_are_coalesced_into_one_read_per_entity(atraxion: Atraxion, odoo: FakeOdooGateway) -> None:
    register_consumer(atraxion.context, "shop")
    desk, chair = product(odoo, "DESK"), product(odoo, "CHAIR")
    for _ in range(5):
        queue_pull(atraxion.context, "products", desk)
    queue_pull(atraxion.context, "products", chair)
    odoo.calls.clear()
    summary = drain_queued_pulls(atraxion.context, odoo, options(atraxion), "me")
    assert summary.created == 2
    assert [c for c in odoo.calls if c == ("product.product", "read")] == [("product.product", "read")]
    assert queued_count(atraxion.context) == 0
    assert set(pending(atraxion)) == {"DESK", "CHAIR"}


def test_a_drain_while_another_replica_drains_leaves_the_rows_to_it(atraxion: Atraxion, odoo: FakeOdooGateway) -> None:
    queue_pull(atraxion.context, "products", product(odoo, "DESK"))
    assert acquire_lease(atraxion.context, "odoo-queued-pulls", "other", TTL)
    assert drain_queued_pulls(atraxion.context, odoo, options(atraxion), "me").pulled == 0
    assert queued_count(atraxion.context) == 1


def test_rows_stay_queued_when_odoo_is_down(atraxion: Atraxion, odoo: FakeOdooGateway) -> None:
    from atraxion.domain.odoo_orders import TransientOdooError

    queue_pull(atraxion.context, "products", product(odoo, "DESK"))

    def down(**kwargs: Any) -> Any:
        raise TransientOdooError("connection refused")

    odoo.read_ids = down  # type: ignore[method-assign]
    with pytest.raises(TransientOdooError):
        drain_queued_pulls(atraxion.context, odoo, options(atraxion), "me")
    assert queued_count(atraxion.context) == 1
    assert acquire_lease(atraxion.context, "odoo-queued-pulls", "other", TTL)  # released on the way out


def test_the_periodic_pull_runs_for_the_lease_holder_only(
    atraxion: Atraxion, odoo: FakeOdooGateway, clock: FakeClock
) -> None:
    product(odoo, "DESK")
    first = scheduled_pull(atraxion.context, odoo, options(atraxion), "replica-a", TTL)
    assert first is not None and first.created == 1
    assert scheduled_pull(atraxion.context, odoo, options(atraxion), "replica-b", TTL) is None
    again = scheduled_pull(atraxion.context, odoo, options(atraxion), "replica-a", TTL)
    assert again is not None  # the holder keeps its lease from one run to the next
    clock.advance(seconds=TTL.total_seconds())  # replica-a died: its lease ran out
    assert scheduled_pull(atraxion.context, odoo, options(atraxion), "replica-b", TTL) is not None
    lease = atraxion.context.transaction(lambda uow: uow.leases.get(LEASE))
    assert lease is not None and lease.holder == "replica-b"


def test_the_periodic_pull_drains_queued_pulls(atraxion: Atraxion, odoo: FakeOdooGateway) -> None:
    register_consumer(atraxion.context, "shop")
    desk = product(odoo, "DESK")
    scheduled_pull(atraxion.context, odoo, options(atraxion), "a", TTL)
    # A change whose write_date is far behind the cursor (committed late): only the webhook knows.
    odoo.write("product.product", desk, {"name": "Standing desk"}, write_date="2020-01-01 00:00:00")
    queue_pull(atraxion.context, "products", desk)
    scheduled_pull(atraxion.context, odoo, options(atraxion), "a", TTL)
    assert pending(atraxion)["DESK"].record.data["name"] == "Standing desk"
    assert queued_count(atraxion.context) == 0
