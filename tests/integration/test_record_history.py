"""Version history on every backend: written with the ingest, trimmed to the newest N, read newest first."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atraxion.application.feed import register_consumer
from atraxion.application.history import record_history
from atraxion.application.ingest import Batch, ingest
from atraxion.bootstrap import Atraxion
from atraxion.domain.errors import NotFound
from atraxion.domain.records import Incoming
from atraxion.testing.fakes import FakeClock, memory_atraxion


def push(app: Atraxion, key: str, entity: str = "products", **data: object) -> None:
    envelope: dict[str, object] = {"externalId": key}
    if entity == "stock":
        supplier, product = key.split("/")
        envelope = {"supplierExternalId": supplier, "productExternalId": product, "quantity": data.pop("quantity")}
    ingest(app.context, [Batch(entity, [Incoming(key, envelope, data)])])


def test_each_change_is_a_version_newest_first(atraxion: Atraxion, clock: FakeClock) -> None:
    register_consumer(atraxion.context, "webshop")  # a deleted record is shown while its deletion is pending
    push(atraxion, "P1", name="Desk", price=10)
    clock.advance(minutes=1)
    push(atraxion, "P1", name="Desk", price=12)
    push(atraxion, "P1", name="Desk", price=12, write_date="2026-01-01")  # volatile only: no version
    clock.advance(minutes=1)
    ingest(atraxion.context, [Batch("products", [], deletions=["P1"])])
    history = record_history(atraxion.context, "products", "P1")
    assert [(v.version, list(v.changed_fields)) for v in history] == [(3, []), (2, ["price"]), (1, ["name", "price"])]
    assert history[0].at == clock.now() and history[1].at < history[0].at


def test_only_the_newest_versions_are_kept(atraxion: Atraxion) -> None:
    app = attrs.evolve(atraxion, context=attrs.evolve(atraxion.context, history_versions=3))
    for price in range(1, 8):
        push(app, "P1", price=price)
        push(app, "P2", price=price % 2)
    assert [v.version for v in record_history(app.context, "products", "P1")] == [7, 6, 5]
    assert [v.version for v in record_history(app.context, "products", "P2")] == [7, 6, 5]
    # Fewer kept from now on: the next change trims to the new number.
    fewer = attrs.evolve(app, context=attrs.evolve(app.context, history_versions=1))
    push(fewer, "P1", price=100)
    assert [v.version for v in record_history(fewer.context, "products", "P1")] == [8]


def test_zero_keeps_no_history(atraxion: Atraxion) -> None:
    off = attrs.evolve(atraxion, context=attrs.evolve(atraxion.context, history_versions=0))
    push(off, "P1", price=1)
    assert record_history(off.context, "products", "P1") == []
    assert record_history(atraxion.context, "products", "P1") == []  # nothing was written


def test_keys_with_a_slash_and_unknown_records(atraxion: Atraxion) -> None:
    push(atraxion, "S1/P1", "stock", quantity=5)
    push(atraxion, "S1/P1", "stock", quantity=6)
    assert [v.version for v in record_history(atraxion.context, "stock", "S1/P1")] == [2, 1]
    with pytest.raises(NotFound):
        record_history(atraxion.context, "stock", "S1/P2")
    with pytest.raises(NotFound):
        record_history(atraxion.context, "products", "S1/P1")  # same key, other entity


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(keep=st.integers(0, 4), prices=st.lists(st.integers(0, 3), min_size=1, max_size=12))
def test_history_is_the_last_n_versions(keep: int, prices: list[int]) -> None:
    """Whatever the pushes, the history is the newest ``keep`` versions, contiguous, newest first,
    each naming what its push changed."""
    base = memory_atraxion()
    app = attrs.evolve(base, context=attrs.evolve(base.context, history_versions=keep))
    for price in prices:
        push(app, "P", price=price)
    got = record_history(app.context, "products", "P")
    if keep == 0:
        assert got == []
        return
    distinct = 1 + sum(1 for a, b in zip(prices, prices[1:], strict=False) if a != b)
    assert [v.version for v in got] == list(range(distinct, max(distinct - keep, 0), -1))
    assert all(v.changed_fields == ("price",) for v in got if v.version > 1)
