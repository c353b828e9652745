"""Price and stock change detection: the flagged set is exactly the set of really changed rows.

Runs on memory, SQLite and MariaDB (the ``atraxion`` fixture's backends). Prices compare as Decimal
at their currency's precision; quantities by value; number spelling (12 vs 12.0) never counts.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atraxion.application import feed
from atraxion.application.context import Context
from atraxion.application.ingest import ingest
from atraxion.bootstrap import Atraxion
from atraxion.entrypoints.inbound import parse_push

CURRENCIES = {"EUR": 2, "JPY": 0, "KWD": 3}
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def amounts(currency: str) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=10_000, places=CURRENCIES[currency] + 1)


@st.composite
def price_rounds(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A pricelist and a re-push of it where some prices move (by more or less than precision)."""
    count = draw(st.integers(1, 25))
    first, second = [], []
    for i in range(count):
        currency = draw(st.sampled_from(sorted(CURRENCIES)))
        before = draw(amounts(currency))
        after = draw(st.one_of(st.just(before), amounts(currency)))
        key = {"pricelistExternalId": draw(st.sampled_from(["PL_A", "PL_B"])), "productExternalId": f"P{i}"}
        first.append({**key, "price": _json_number(before, draw), "currency": currency})
        second.append({**key, "price": _json_number(after, draw), "currency": currency})
    return first, second


def _json_number(value: Decimal, draw: st.DrawFn) -> int | float:
    """The amount as Odoo may spell it: an int when integral (sometimes), else a float."""
    if value == value.to_integral_value() and draw(st.booleans()):
        return int(value)
    return float(value)


def quantized(price: int | float, currency: str) -> Decimal:
    step = Decimal(1).scaleb(-CURRENCIES[currency])
    return Decimal(str(price)).quantize(step, rounding=ROUND_HALF_UP)


def push(ctx: Context, entity: str, records: list[dict[str, Any]]) -> None:
    ingest(ctx, parse_push(entity, {"records": records}))


def flagged_after_ack_and_repush(
    ctx: Context, entity: str, first: list[dict[str, Any]], second: list[dict[str, Any]]
) -> set[str]:
    push(ctx, entity, first)
    page = feed.changes(ctx, entity, "webshop", None, 1000)
    feed.acknowledge(ctx, entity, "webshop", [(i.record.key, i.record.version) for i in page.items])
    assert feed.changes(ctx, entity, "webshop", None, 1000).items == []
    push(ctx, entity, second)
    return {i.record.key for i in feed.changes(ctx, entity, "webshop", None, 1000).items}


@pytest.fixture
def shop(atraxion: Atraxion) -> Atraxion:
    feed.register_consumer(atraxion.context, "webshop")
    return atraxion


# Hypothesis reuses the function-scoped app across examples: each example gets keys of its own.
ROUNDS = itertools.count()


Rows = list[dict[str, Any]]


def flagged_and_expected(
    shop: Atraxion, entity: str, rounds: tuple[Rows, Rows], group: str, changed: Callable[[Any, Any], bool]
) -> tuple[set[str], set[str]]:
    """Push, ack, re-push ``rounds`` (keys made unique to this example); return the pending keys and
    the keys of the rows ``changed`` says really changed (``group`` is the key's first part)."""
    tag = f"r{next(ROUNDS)}"
    first, second = ([{**r, "productExternalId": f"{tag}-{r['productExternalId']}"} for r in rs] for rs in rounds)
    flagged = flagged_after_ack_and_repush(shop.context, entity, first, second)
    expected = {f"{a[group]}/{a['productExternalId']}" for a, b in zip(first, second, strict=True) if changed(a, b)}
    return flagged, expected


@SLOW
@given(rounds=price_rounds())
def test_flagged_prices_are_exactly_the_really_changed_ones(shop: Atraxion, rounds: Any) -> None:
    flagged, expected = flagged_and_expected(
        shop,
        "prices",
        rounds,
        "pricelistExternalId",
        lambda a, b: quantized(a["price"], a["currency"]) != quantized(b["price"], b["currency"]),
    )
    assert flagged == expected


@st.composite
def stock_rounds(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    count = draw(st.integers(1, 30))
    first, second = [], []
    for i in range(count):
        before = draw(st.integers(0, 500))
        after = draw(st.one_of(st.just(before), st.integers(0, 500)))
        key = {"supplierExternalId": draw(st.sampled_from(["S1", "S2"])), "productExternalId": f"P{i}"}
        spell = float if draw(st.booleans()) else int
        first.append({**key, "quantity": before})
        second.append({**key, "quantity": spell(after)})
    return first, second


@SLOW
@given(rounds=stock_rounds())
def test_flagged_stock_rows_are_exactly_the_really_changed_ones(shop: Atraxion, rounds: Any) -> None:
    flagged, expected = flagged_and_expected(
        shop,
        "stock",
        rounds,
        "supplierExternalId",
        lambda a, b: Decimal(str(a["quantity"])) != Decimal(str(b["quantity"])),
    )
    assert flagged == expected
    rows = feed.changes(shop.context, "stock", "webshop", None, 1000).items
    assert all(r.record.derived["isQuantityChanged"] is True for r in rows)
