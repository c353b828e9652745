"""P4 — poll: ``GET /api/v1/webshop/products/changes?limit=500`` with 1,000 products pending.

Seeding (not timed) goes through the application's ingest use case directly, in batches of 5,000
(the same validation and ingest as a push, without HTTP): products of the P2 shape. The consumer's
pending rows are then acknowledged set-based in SQL (copying each record's current version, hash
and content into ``feed_acks``, deleting its pending row). Then 1,000 of them change (a new price;
ingest again), so 1,000 are pending with ``changedFields`` measured against the acknowledged
content, the costly realistic case. The same page (the 500 oldest pending) is polled 5 times to
warm up, then timed over 60 polls (the HTTP round trip as the client sees it, not its JSON parsing).

Then 90,000 more products are stored (and acknowledged the same way), so the same 1,000 are pending
among 100,000, and the polls are timed again. Each size's baseline is the page's floor measured
right after its polls: the page's bare SQL (the pending-join SELECT of 500 rows, fetched) plus
encoding the same 500 items as JSON (``json.dumps`` of the page the app answered), the same 60 times.
"""

from __future__ import annotations

import json
import time
from typing import Any

import orjson
from sqlalchemy import Engine, and_, func, select

from atraxion.adapters.sqlalchemy.tables import feed_pending
from atraxion.adapters.sqlalchemy.tables import products as products_table
from atraxion.application.ingest import ingest
from atraxion.entrypoints.inbound import parse_push
from benchmarks import _data
from benchmarks._env import CONSUMER, Env
from benchmarks._report import Figure, median, p95, say, secs, show, times

FULL = {"small": 10_000, "large": 100_000, "polls": 60}
QUICK = {"small": 2_000, "large": 20_000, "polls": 50}
PENDING = 1_000
LIMIT = 500
WARM_UP = 5
SEED_BATCH = 5_000
FLOOR_BAR = 2.0
GROWTH_BAR = 1.5


def seed(env: Env, start: int, stop: int, changed_round: int = 0, indexes: list[int] | None = None) -> None:
    chosen = indexes if indexes is not None else list(range(start, stop))
    for offset in range(0, len(chosen), SEED_BATCH):
        records = []
        for index in chosen[offset : offset + SEED_BATCH]:
            record = _data.product(index)
            if changed_round:
                _data.change_product(record, changed_round)
            records.append(record)
        ingest(env.app.context, parse_push("products", {"records": records}))


def poll(env: Env, count: int) -> tuple[list[float], dict[str, Any]]:
    """``count`` timed polls after the warm-up, and the page they answered (decoded)."""
    headers = {"authorization": f"Bearer {env.shop_token}"}
    timings = []
    page: dict[str, Any] = {}
    for attempt in range(WARM_UP + count):
        started = time.perf_counter()
        response = env.client.get(f"/api/v1/webshop/products/changes?limit={LIMIT}", headers=headers)
        elapsed = time.perf_counter() - started
        if attempt < WARM_UP:
            page = response.json()
            assert response.status_code == 200 and len(page["items"]) == LIMIT and page["nextCursor"], page
            assert all(not i["isNew"] and i["changedFields"] for i in page["items"])
            continue
        timings.append(elapsed)
    return timings, page


def page_floor(engine: Engine, page: dict[str, Any], count: int) -> tuple[list[float], list[float], list[float]]:
    """The page's floor, measured ``count`` times: its bare SQL (the pending join of the oldest 500
    rows, fetched) plus encoding the same page (the 500 items the app answered) as JSON with the
    standard library, as Starlette's ``JSONResponse`` does. Returns (SQL + encoding, SQL alone,
    SQL + encoding by orjson: the floor with a C encoder, reported beside it)."""
    p = feed_pending
    query = (
        select(products_table)
        .join(p, p.c.key == products_table.c.key)
        .where(p.c.entity == "products", p.c.consumer == CONSUMER)
        .order_by(p.c.change_seq, p.c.key)
        .limit(LIMIT)
    )
    floor, sql, c_floor = [], [], []
    with engine.connect() as conn:
        for _ in range(WARM_UP + count):
            started = time.perf_counter()
            rows = conn.execute(query).fetchall()
            fetched = time.perf_counter()
            encoded = json.dumps(page, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
            done = time.perf_counter()
            c_encoded = orjson.dumps(page)
            c_done = time.perf_counter()
            floor.append(done - started)
            sql.append(fetched - started)
            c_floor.append(fetched - started + c_done - done)
            assert len(rows) == LIMIT and len(encoded) > LIMIT and len(c_encoded) > LIMIT
        conn.rollback()
    return floor[WARM_UP:], sql[WARM_UP:], c_floor[WARM_UP:]


def pending_count(engine: Engine) -> int:
    with engine.connect() as conn:
        where = and_(feed_pending.c.entity == "products", feed_pending.c.consumer == CONSUMER)
        return int(conn.execute(select(func.count()).select_from(feed_pending).where(where)).scalar_one())


def poll_against_floor(env: Env, polls: int, stored: int, workload: str = "P4") -> tuple[Figure, float, float]:
    """The polls' p95 beside the page's floor (bare SQL + JSON encoding), both measured now; the
    p95 in seconds, and the floor's."""
    at, page = poll(env, polls)
    floor, sql, c_floor = page_floor(env.engine, page, polls)
    ratio = p95(at) / p95(floor)
    say(
        f"  {stored:,} stored: p95 {secs(p95(at))}, median {secs(median(at))}; floor p95 {secs(p95(floor))} "
        f"(bare SQL {secs(p95(sql))} + json.dumps); with orjson's encoder {secs(p95(c_floor))} "
        f"({times(p95(at) / p95(c_floor))})"
    )
    figure = show(
        Figure(
            workload=workload,
            backend=env.backend,
            name=f"poll p95 at {stored:,} stored",
            value=secs(p95(at)),
            baseline=f"floor {secs(p95(floor))} (SQL {secs(p95(sql))})",
            ratio=times(ratio),
            bar=f"≤ {FLOOR_BAR:.0f}× floor",
            passed=ratio <= FLOOR_BAR,
            notes=[
                f"p95 of {polls} polls after {WARM_UP} warm-up polls (median {secs(median(at))}); floor: the page's "
                f"bare SQL + json.dumps of the same {LIMIT} items, p95 of {polls} in the same run "
                f"(median {secs(median(floor))}); with orjson encoding the floor is {secs(p95(c_floor))} "
                f"(ratio {times(p95(at) / p95(c_floor))})"
            ],
        )
    )
    return figure, p95(at), p95(floor)


def run(env: Env, quick: bool) -> list[Figure]:
    sizes = QUICK if quick else FULL
    small, large, polls = sizes["small"], sizes["large"], sizes["polls"]
    started = time.perf_counter()
    seed(env, 0, small)
    env.ack_all("products")
    chosen = _data.pick(PENDING, small, seed=7)
    seed(env, 0, small, changed_round=1, indexes=chosen)
    marker = _max_seq(env.engine)
    assert pending_count(env.engine) == PENDING
    say(f"  seeded {small:,} products, {PENDING:,} pending, in {secs(time.perf_counter() - started)}")
    at_small, small_p95, small_floor = poll_against_floor(env, polls, small)

    started = time.perf_counter()
    seed(env, small, large)
    env.ack_all("products", products_table.c.change_seq > marker)
    assert pending_count(env.engine) == PENDING
    say(f"  seeded up to {large:,} products, {PENDING:,} pending, in {secs(time.perf_counter() - started)}")
    at_large, large_p95, large_floor = poll_against_floor(env, polls, large)

    # On a shared machine the load moves between the two measures (the floor with it): the growth
    # is judged on the p95 in floors, each size's against its own floor; the raw growth beside it.
    growth = (large_p95 / large_floor) / (small_p95 / small_floor)
    figure = Figure(
        workload="P4",
        backend=env.backend,
        name=f"p95 at {large:,} / at {small:,}, in floors",
        value=times(growth),
        baseline=f"raw {at_small.value} → {at_large.value} ({times(large_p95 / small_p95)})",
        ratio=f"floor {secs(small_floor)} → {secs(large_floor)}",
        bar=f"within {GROWTH_BAR}×",
        passed=growth <= GROWTH_BAR,
    )
    return [at_small, at_large, show(figure)]


def _max_seq(engine: Engine) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(func.max(products_table.c.change_seq))).scalar_one()
