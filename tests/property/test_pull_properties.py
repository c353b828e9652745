"""Properties of pulling: the externalId rule, the mapping, stock sums, and no record ever lost."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from atraxion.application.pull import PullOptions, pull
from atraxion.domain.catalog import kinds_by_name
from atraxion.domain.odoo_entities import product_records, stock_sums
from atraxion.domain.odoo_mapping import MAX_EXTERNAL_ID, ExternalIds, external_id, unique_by_key
from atraxion.testing import FakeClock, FakeOdooGateway, memory_atraxion

values = st.one_of(st.booleans(), st.none(), st.integers(), st.text(max_size=300))
ids = st.integers(min_value=1, max_value=2**40)


@given(value=values, odoo_id=ids, field=st.sampled_from(["default_code", "ref", None]))
def test_the_external_id_is_never_empty_and_fits_a_key(value: Any, odoo_id: int, field: str | None) -> None:
    row = {"id": odoo_id, "default_code": value, "ref": value}
    key = external_id(row, field, "product.product")
    assert key.strip() and len(key) <= MAX_EXTERNAL_ID
    if field and isinstance(value, str) and value.strip() and len(value) <= MAX_EXTERNAL_ID:
        assert key == value
    else:
        assert key == f"product.product:{odoo_id}"


rows = st.lists(
    st.fixed_dictionaries(
        {"id": ids, "write_date": st.just("2026-01-01 00:00:00"), "default_code": values, "name": st.text(max_size=5)}
    ),
    max_size=20,
    unique_by=lambda r: r["id"],
)
IDS = ExternalIds({"products": "default_code"}, {"products": "product.product"})


@given(rows)
def test_mapping_is_deterministic_and_unique_by_key_leaves_one_record_per_key(page: list[dict[str, Any]]) -> None:
    first, second = product_records(page, {}, IDS), product_records(page, {}, IDS)
    assert first == second
    unique = unique_by_key(first)
    assert len({r.key for r in unique}) == len(unique) == len({r.key for r in first})
    # the last row with a key is the one kept
    last = {r.key: r for r in first}
    assert all(last[r.key] is r for r in unique)


quants = st.lists(
    st.fixed_dictionaries(
        {
            "product_id": st.integers(1, 4),
            "location_id": st.integers(1, 6),
            "quantity": st.floats(-1e6, 1e6, allow_nan=False).map(lambda q: round(q, 3)),
        }
    ),
    max_size=40,
)
LOCATIONS = {
    1: {"usage": "internal", "warehouse_id": 1},
    2: {"usage": "internal", "warehouse_id": 1},
    3: {"usage": "internal", "warehouse_id": 2},
    4: {"usage": "customer", "warehouse_id": False},
    5: {"usage": "internal", "warehouse_id": False},
    6: {"usage": "transit", "warehouse_id": 2},
}


@given(quants)
def test_stock_sums_cover_every_warehouse_and_product_and_add_up(page: list[dict[str, Any]]) -> None:
    sums = stock_sums(page, LOCATIONS, [1, 2], [1, 2, 3, 4])
    assert set(sums) == {(w, p) for w in (1, 2) for p in (1, 2, 3, 4)}
    counted = [q["quantity"] for q in page if q["location_id"] in (1, 2, 3)]
    assert math.isclose(sum(sums.values()), math.fsum(counted), abs_tol=1e-5)
    assert sums == stock_sums(list(reversed(page)), LOCATIONS, [1, 2], [1, 2, 3, 4])


@settings(max_examples=60, deadline=None)
@given(
    seconds=st.lists(st.integers(0, 6), min_size=1, max_size=40),
    page_size=st.integers(1, 7),
    late=st.lists(st.integers(0, 6), max_size=5),
)
def test_no_record_is_ever_lost_whatever_the_seconds_and_page_size(
    seconds: list[int], page_size: int, late: list[int]
) -> None:
    app = memory_atraxion(FakeClock())
    odoo = FakeOdooGateway()
    for n, second in enumerate(seconds):
        odoo.create("product.product", {"default_code": f"P{n}"}, write_date=f"2026-01-01 00:00:{second:02}")
    options = PullOptions.of(app.context, page_size=page_size, overlap=10)
    assert pull(app.context, odoo, "products", options).created == len(seconds)
    # records committed late, with write_dates the cursor has passed already (within the overlap)
    for n, second in enumerate(late):
        odoo.create("product.product", {"default_code": f"L{n}"}, write_date=f"2026-01-01 00:00:{second:02}")
    assert pull(app.context, odoo, "products", options).created == len(late)
    assert app.context.transaction(lambda uow: uow.records.count("products")) == len(seconds) + len(late)
    assert kinds_by_name()["products"].odoo is not None
