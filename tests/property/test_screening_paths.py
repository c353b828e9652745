"""A push decides the same with and without the column-wise screening of what is stored.

The SQL adapter compares pushed records with their stored text, a slice at a time (range scans
and key lookups), and the use case makes objects only for the records that differ. The memory
adapter never finds a record stored as pushed, so every record is hashed and planned one by one:
the plain path. Both apps get the same pushes (respelled numbers, other key orders, nulls, prices
moved below their currency's precision, new keys, tombstones re-created), with slices and scans
made small so that a handful of records spans several of each; their answers and what consumers
then see must be the same.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atraxion.adapters.sqlalchemy import record_repository
from atraxion.application import deletions, feed, ingest
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.entrypoints import views
from atraxion.entrypoints.inbound import parse_push
from atraxion.testing import FakeClock
from tests.conftest import TEST_SECRET_KEY

ENTITIES = ("prices", "stock", "products")
_examples = itertools.count()


@pytest.fixture
def apps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Atraxion, Atraxion]]:
    monkeypatch.setattr(ingest, "SLICE", 3)
    monkeypatch.setattr(record_repository, "SCAN_MIN", 2)
    plain = bootstrap(Settings(database_url="memory://", secret_key=TEST_SECRET_KEY), clock=FakeClock())
    screened = bootstrap(
        Settings(database_url=f"sqlite:///{tmp_path / 'screened.db'}", secret_key=TEST_SECRET_KEY), clock=FakeClock()
    )
    for app in (plain, screened):
        feed.register_consumer(app.context, "webshop")
    yield plain, screened
    screened.close()


amounts = st.sampled_from([0, 1, 1.0, 2.5, 2.50001, 2.504, 2.506, 10, 10.0, 1e6])


def _record(entity: str, index: int, amount: Any, extra: Any) -> dict[str, Any]:
    if entity == "prices":
        record = {"pricelistExternalId": f"PL{index % 2}", "productExternalId": f"P{index}", "price": amount}
        if extra is not None:
            record["currency"] = extra
        return record
    if entity == "stock":
        return {"supplierExternalId": f"S{index % 2}", "productExternalId": f"P{index}", "quantity": amount}
    return {"externalId": f"P{index}", "data": {"price": amount, "tag": extra}}


def _respelled(record: dict[str, Any], how: int) -> dict[str, Any]:
    """The same record as another client may write it (or, for ``how`` 4, a null optional field)."""
    if how == 1:
        return dict(reversed(record.items()))  # another key order
    if how == 2:
        return {k: float(v) if type(v) is int else v for k, v in record.items()}  # 1 as 1.0
    if how == 3:
        return {k: int(v) if type(v) is float and v.is_integer() else v for k, v in record.items()}
    if how == 4 and "pricelistExternalId" in record:
        return {**record, "minQuantity": None}
    return record


@st.composite
def rounds(draw: st.DrawFn, entity: str) -> list[tuple[list[dict[str, Any]], list[int]]]:
    """Two or three pushes of up to 8 records of ``entity`` (and keys deleted before each): most
    records pushed again as they were, some respelled, some changed."""
    extras = st.sampled_from([None, "EUR", "JPY"]) if entity != "stock" else st.none()
    current = {i: _record(entity, i, draw(amounts), draw(extras)) for i in range(10)}
    pushes = []
    for _ in range(draw(st.integers(2, 3))):
        indices = draw(st.lists(st.integers(0, 9), min_size=1, max_size=8, unique=True))
        records = []
        for i in indices:
            if draw(st.integers(0, 3)) == 0:  # a new value (maybe the same at its currency's precision)
                current[i] = _record(entity, i, draw(amounts), draw(extras))
            records.append(_respelled(current[i], draw(st.sampled_from([0, 0, 0, 1, 2, 3, 4]))))
        pushes.append((records, draw(st.lists(st.integers(0, 9), max_size=2, unique=True))))
    return pushes


def _answers(app: Atraxion, entity: str, prefix: str, pushes: Any) -> list[Any]:
    ctx, kind = app.context, app.context.kind(entity)
    seen = []
    for records, deleted in pushes:
        keys = [_key(entity, prefix, i) for i in deleted]
        if keys:
            seen.append(views.delete_response(deletions.delete(ctx, entity, keys)))
        body = {"records": [_prefixed(entity, prefix, r) for r in records]}
        (plan, *_) = ingest.ingest(ctx, parse_push(entity, body))
        seen.append(views.push_response(kind, plan))
        page = feed.changes(ctx, entity, "webshop", None, 1000)
        mine = [item for item in page.items if item.record.key.startswith(prefix)]
        seen.append(sorted(str(views.feed_item(kind, item)) for item in mine))
        feed.acknowledge(ctx, entity, "webshop", [(i.record.key, i.record.version) for i in page.items])
    return seen


def _key(entity: str, prefix: str, index: int) -> str:
    if entity == "products":
        return f"{prefix}P{index}"
    return f"{prefix}{'PL' if entity == 'prices' else 'S'}{index % 2}/P{index}"


def _prefixed(entity: str, prefix: str, record: dict[str, Any]) -> dict[str, Any]:
    """Keys of one example only (Hypothesis reuses the apps)."""
    field = {"prices": "pricelistExternalId", "stock": "supplierExternalId", "products": "externalId"}[entity]
    return {k: prefix + v if k == field else v for k, v in record.items()}


@pytest.mark.parametrize("entity", ENTITIES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_push_decides_the_same_with_and_without_screening(
    apps: tuple[Atraxion, Atraxion], entity: str, data: st.DataObject
) -> None:
    pushes = data.draw(rounds(entity))
    prefix = f"x{next(_examples)}"
    plain, screened = apps
    assert _answers(screened, entity, prefix, pushes) == _answers(plain, entity, prefix, pushes)
