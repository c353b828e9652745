"""P4 — poll: ``GET /api/v1/webshop/products/changes?limit=500`` with 1,000 products pending.

Seeding (not timed) goes through the application's ingest use case directly, in batches of 5,000
(the same validation and ingest as a push, without HTTP): products of the P2 shape. The consumer's
pending rows are then acknowledged set-based in SQL (copying each record's current version, hash
and content into ``feed_acks``, deleting its pending row). Then 1,000 of them change (a new price;
ingest again), so 1,000 are pending with ``changedFields`` measured against the acknowledged
content, the costly realistic case. The same page (the 500 oldest pending) is polled 5 times to
warm up, then timed over 60 polls (the HTTP round trip as the client sees it, not its JSON parsing).

Then 90,000 more products are stored (and acknowledged the same way), so the same 1,000 are pending
among 100,000, and the polls are timed again. Baseline for the 10,000 figure: the page's bare SQL
(the pending-join SELECT of 500 rows, fetched), the same 60 times; for the 100,000 figure: the
10,000 figure.
"""

from __future__ import annotations

import time
from typing import Any

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
P95_BAR = 0.050


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


def poll(env: Env, count: int) -> list[float]:
    headers = {"authorization": f"Bearer {env.shop_token}"}
    timings = []
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
    return timings


def bare_page(engine: Engine, count: int) -> list[float]:
    """The page's own SQL: the pending join of the oldest 500 rows, fetched."""
    p = feed_pending
    query = (
        select(products_table)
        .join(p, p.c.key == products_table.c.key)
        .where(p.c.entity == "products", p.c.consumer == CONSUMER)
        .order_by(p.c.change_seq, p.c.key)
        .limit(LIMIT)
    )
    timings = []
    with engine.connect() as conn:
        for _ in range(WARM_UP + count):
            started = time.perf_counter()
            rows = conn.execute(query).fetchall()
            timings.append(time.perf_counter() - started)
            assert len(rows) == LIMIT
        conn.rollback()
    return timings[WARM_UP:]


def pending_count(engine: Engine) -> int:
    with engine.connect() as conn:
        where = and_(feed_pending.c.entity == "products", feed_pending.c.consumer == CONSUMER)
        return int(conn.execute(select(func.count()).select_from(feed_pending).where(where)).scalar_one())


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
    at_small = poll(env, polls)
    floor = bare_page(env.engine, polls)
    small_line = f"  {small:,} stored: p95 {secs(p95(at_small))}, median {secs(median(at_small))}"
    say(f"{small_line} (bare page SQL p95 {secs(p95(floor))})")

    started = time.perf_counter()
    seed(env, small, large)
    env.ack_all("products", products_table.c.change_seq > marker)
    assert pending_count(env.engine) == PENDING
    say(f"  seeded up to {large:,} products, {PENDING:,} pending, in {secs(time.perf_counter() - started)}")
    at_large = poll(env, polls)
    say(f"  {large:,} stored: p95 {secs(p95(at_large))}, median {secs(median(at_large))}")

    tag = {"workload": "P4", "backend": env.backend}
    small_p95, large_p95 = p95(at_small), p95(at_large)
    note = (
        f"p95 of {polls} polls after {WARM_UP} warm-up polls (median {secs(median(at_small))} at {small:,}, "
        f"{secs(median(at_large))} at {large:,}); each page: {LIMIT} items with changedFields"
    )
    return [
        show(f)
        for f in (
            Figure(
                **tag,
                name=f"poll p95 at {small:,} stored",
                value=secs(small_p95),
                baseline=f"bare page SQL {secs(p95(floor))}",
                ratio=times(small_p95 / p95(floor)),
                bar=f"≤ {P95_BAR * 1000:.0f} ms",
                passed=small_p95 <= P95_BAR,
                notes=[note],
            ),
            Figure(
                **tag,
                name=f"poll p95 at {large:,} stored",
                value=secs(large_p95),
                baseline=f"{small:,} stored: {secs(small_p95)}",
                ratio=times(large_p95 / small_p95),
                bar=f"≤ {P95_BAR * 1000:.0f} ms",
                passed=large_p95 <= P95_BAR,
                notes=[note],
            ),
            Figure(
                **tag,
                name=f"p95 at {large:,} / at {small:,}",
                value=times(large_p95 / small_p95),
                baseline=f"{secs(small_p95)} → {secs(large_p95)}",
                bar="within 2×",
                passed=large_p95 <= 2 * small_p95,
            ),
        )
    ]


def _max_seq(engine: Engine) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(func.max(products_table.c.change_seq))).scalar_one()
