"""P7 — a large shop: many products and price items stored, every price re-pushed, 0.1% changed.

Not in the default run (``--only P7``). Sizes: 1,000,000 products and 10,000,000 price items
(10 pricelists per product), or what ``ATRAXION_BENCH_P7_PRODUCTS`` / ``ATRAXION_BENCH_P7_PRICES``
say (the run prints the sizes it used); ``--quick``: 20,000 and 200,000.

Seeding is set-based, straight into the database, not through HTTP: the rows of each chunk of
10,000 records are computed by the application's own ingest planning (``plan_ingest``: the same
stored JSON and hashes a push would store) and written with one ``executemany`` INSERT per chunk;
the consumer's acknowledgements are then copied set-based (``INSERT … SELECT``), as in P4.

Measured in two databases of the same backend, both seeded that way and then *settled* (what the
database does on its own after a bulk load in service: ``VACUUM (ANALYZE)`` and a checkpoint on
PostgreSQL, a WAL checkpoint on SQLite, ``ANALYZE TABLE`` on MariaDB; see :func:`settle`):

1. the **128,000 case**: 128,000 price items stored in the second database, re-pushed through the
   HTTP app in batches of 10,000 with 0.1% changed (10 per batch), round and round, one batch after
   every ``INTERLEAVE`` batches of (2), so that the two figures are measured under the same machine
   load (on a shared machine the load moves by 2× within minutes: a baseline measured in a few
   seconds before a re-push of many minutes compares two different machines);
2. the **large case**: all price items of the full-size database re-pushed the same way, once: the
   time per record, judged against (1) (bar: within 1.3×);
3. the **peak RSS** (``VmHWM``) of a fresh child process pushing one batch of 10,000 (as P1's RSS
   child) into each database: bounded by the batch, not the table;
4. **P4 at that size**: 1,000 products changed (pending, with changedFields) among all the stored
   products; the poll's p95 beside its same-run floor, as in P4.

Every re-pushed batch must answer exactly its changed items as updated.
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

from sqlalchemy import Engine, func, select

from atraxion.adapters.sqlalchemy.record_repository import records_to_rows
from atraxion.adapters.sqlalchemy.tables import feed_acks
from atraxion.domain.ingest import plan_ingest
from atraxion.entrypoints.inbound import parse_push
from benchmarks import _data
from benchmarks._child import push_in_child
from benchmarks._env import Env, dump, environment, record_table
from benchmarks._report import Figure, say, secs, show, times
from benchmarks.p4_poll import PENDING, pending_count, poll_against_floor, seed

FULL = {"products": 1_000_000, "prices": 10_000_000}
QUICK = {"products": 20_000, "prices": 200_000}
REFERENCE = 128_000
BATCH = 10_000
CHANGED_PER_BATCH = BATCH // 1000
SEED_CHUNK = 10_000
PER_RECORD_BAR = 1.3
POLLS = 60
INTERLEAVE = 4
"""One batch of the 128,000 case after every this many batches of the large re-push."""


def sizes(quick: bool) -> tuple[int, int]:
    base = QUICK if quick else FULL
    products = int(os.environ.get("ATRAXION_BENCH_P7_PRODUCTS", base["products"]))
    prices = int(os.environ.get("ATRAXION_BENCH_P7_PRICES", base["prices"]))
    return products, prices


def price_items(start: int, stop: int, per_product: int, raised: dict[int, int] | None = None) -> list[dict[str, Any]]:
    """Price items ``start``..``stop``: item ``i`` is product ``i // per_product`` on pricelist
    ``i % per_product``, raised by 1.00 as many times as ``raised`` says."""
    items = []
    for index in range(start, stop):
        price = round(5 + (index * 7919 % 100000) / 100, 2)
        items.append(
            {
                "pricelistExternalId": f"PL_{index % per_product:02d}",
                "productExternalId": _data.product_key(index // per_product),
                "price": round(price + raised.get(index, 0), 2) if raised else price,
                "currency": "EUR",
            }
        )
    return items


def seed_rows(env: Env, entity: str, records: list[dict[str, Any]]) -> None:
    """Store ``records`` (all new) as a push would store them, without HTTP, pending rows or
    history: one executemany INSERT."""
    ctx = env.app.context
    kind = ctx.kind(entity)
    incoming = [r for batch in parse_push(entity, {"records": records}) for r in batch.records]
    full_hashes = {r.key: ctx.fingerprinter.full_hash(kind, r) for r in incoming}
    plan = plan_ingest(kind, incoming, {}, {}, full_hashes, ctx.fingerprinter, ctx.clock.now(), ctx.clock.sequence())
    with env.engine.begin() as conn:
        conn.execute(record_table(entity).insert(), records_to_rows(entity, plan.inserts))


def seed_prices(env: Env, start: int, stop: int, per_product: int) -> None:
    for offset in range(start, stop, SEED_CHUNK):
        seed_rows(env, "prices", price_items(offset, min(stop, offset + SEED_CHUNK), per_product))


def seed_products(env: Env, start: int, stop: int) -> None:
    for offset in range(start, stop, SEED_CHUNK):
        seed_rows(env, "products", [_data.product(i) for i in range(offset, min(stop, offset + SEED_CHUNK))])


class Repush:
    """Re-pushes the price items ``0..count`` of one database in batches of 10,000, 10 of each
    raised by 1.00 (``raised`` keeps every raise so far, so the other items are pushed as stored),
    from the first item again after the last: :meth:`batch` pushes the next one and times it."""

    def __init__(self, env: Env, count: int, per_product: int, seed: int) -> None:
        self.env, self.count, self.per_product = env, count, per_product
        self.raised: dict[int, int] = {}
        self.rng = random.Random(seed)
        self.offset = 0
        self.seconds, self.records, self.updated = 0.0, 0, 0

    def batch(self) -> None:
        offset, stop = self.offset, min(self.count, self.offset + BATCH)
        changed = self.rng.sample(range(offset, stop), min(CHANGED_PER_BATCH, stop - offset))
        for index in changed:
            self.raised[index] = self.raised.get(index, 0) + 1
        body = dump({"records": price_items(offset, stop, self.per_product, self.raised)})
        started = time.perf_counter()
        summary = self.env.push("prices", body)["summary"]
        self.seconds += time.perf_counter() - started
        assert summary["updated"] == len(changed), (offset, summary)
        self.records += stop - offset
        self.updated += summary["updated"]
        self.offset = 0 if stop == self.count else stop

    @property
    def per_record(self) -> float:
        return self.seconds / self.records


def settle(env: Env, entity: str) -> None:
    """After a bulk load, bring the database to the state it reaches on its own in service: on
    PostgreSQL what autovacuum does after a large insert (``VACUUM (ANALYZE)``: hint bits, visibility
    map, planner statistics; the benchmark's server may run with autovacuum off) and a
    ``CHECKPOINT``; on SQLite a WAL checkpoint; on MariaDB ``ANALYZE TABLE`` (what InnoDB's
    automatic statistics do). Both P7 databases get it, so the two re-pushes start alike."""
    tables = [record_table(entity).name, feed_acks.name]
    if env.backend == "sqlite":  # outside a transaction (the engine's connections begin one)
        raw = env.engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            raw.close()
        return
    with env.engine.connect() as conn:
        if env.backend == "postgresql":
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {', '.join(tables)}")
            conn.exec_driver_sql("CHECKPOINT")
        else:
            conn.exec_driver_sql(f"ANALYZE TABLE {', '.join(tables)}").fetchall()
            conn.commit()


def rss_child(env: Env, per_product: int, raised: dict[int, int]) -> dict[str, Any]:
    """A fresh process pushes the first batch, 10 of it raised: its peak RSS."""
    changed = range(0, BATCH, BATCH // CHANGED_PER_BATCH)
    for index in changed:
        raised[index] = raised.get(index, 0) + 1
    body = dump({"records": price_items(0, BATCH, per_product, raised)})
    child = push_in_child(env.url, "prices", body, env.push_token)
    assert child["status"] == 200 and child["summary"]["updated"] == len(changed), child
    return child


def stored(engine: Engine, entity: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(record_table(entity))).scalar_one())


def run(env: Env, quick: bool) -> list[Figure]:
    products, prices = sizes(quick)
    per_product = max(1, prices // products)
    say(f"  sizes: {products:,} products, {prices:,} price items ({per_product} pricelists a product)")
    reference = min(REFERENCE, prices)
    with environment(env.backend) as small_env:
        started = time.perf_counter()
        seed_prices(small_env, 0, reference, per_product)
        small_env.ack_all("prices")
        settle(small_env, "prices")
        say(f"  second database: seeded {reference:,} price items in {secs(time.perf_counter() - started)}")
        started = time.perf_counter()
        seed_prices(env, 0, prices, per_product)
        env.ack_all("prices")
        settle(env, "prices")
        say(f"  seeded {prices:,} price items in {secs(time.perf_counter() - started)}")
        assert stored(env.engine, "prices") == prices and stored(small_env.engine, "prices") == reference

        small, large = Repush(small_env, reference, per_product, seed=1), Repush(env, prices, per_product, seed=2)
        batches = -(-prices // BATCH)
        # Every INTERLEAVE batches, or more often when the large re-push has too few batches to
        # carry a whole pass of the 128,000 along.
        every = max(1, min(INTERLEAVE, batches // -(-reference // BATCH)))
        for number in range(batches):
            large.batch()
            if number % every == 0:
                small.batch()
        while small.records < reference:  # at least one whole pass over the 128,000
            small.batch()
        small_rss = rss_child(small_env, per_product, small.raised)
    large_rss = rss_child(env, per_product, large.raised)
    small_per, large_per = small.per_record, large.per_record
    small_seconds, large_seconds, small_updated, large_updated = (
        small.seconds,
        large.seconds,
        small.updated,
        large.updated,
    )
    say(
        f"  re-push of {reference:,} in batches of {BATCH:,}, {small.records:,} records pushed: {secs(small_seconds)} "
        f"({small_per * 1e6:.1f} µs a record, {small_updated} updated); RSS child {small_rss['peak_mb']:.0f} MB"
    )
    say(
        f"  re-push of {prices:,} in batches of {BATCH:,}: {secs(large_seconds)} "
        f"({large_per * 1e6:.1f} µs a record, {large_updated} updated); RSS child {large_rss['peak_mb']:.0f} MB"
    )

    started = time.perf_counter()
    seed_products(env, 0, products)
    env.ack_all("products")
    settle(env, "products")
    seed(env, 0, products, changed_round=1, indexes=_data.pick(PENDING, products, seed=7))
    assert pending_count(env.engine) == PENDING
    say(f"  seeded {products:,} products, {PENDING:,} pending, in {secs(time.perf_counter() - started)}")
    poll, _, _ = poll_against_floor(env, POLLS, products, workload="P7")

    tag = {"workload": "P7", "backend": env.backend}
    ratio = large_per / small_per
    growth = large_rss["peak_mb"] - small_rss["peak_mb"]
    return [
        show(
            Figure(
                **tag,
                name=f"re-push of {prices:,} prices, per record",
                value=f"{large_per * 1e6:.1f} µs ({secs(large_seconds)})",
                baseline=f"{reference:,} stored: {small_per * 1e6:.1f} µs ({secs(small_seconds)})",
                ratio=times(ratio),
                bar=f"≤ {PER_RECORD_BAR}× the {reference:,} case",
                passed=ratio <= PER_RECORD_BAR,
                notes=[
                    f"batches of {BATCH:,} over HTTP, {CHANGED_PER_BATCH} changed a batch; "
                    f"{large_updated:,} / {small_updated:,} updated, exactly the changed ones",
                    f"the {reference:,} case in its own database, one batch of it after every {every} of the "
                    f"large re-push ({small.records:,} records): both measured under the same load",
                ],
            )
        ),
        show(
            Figure(
                **tag,
                name=f"peak RSS, a push of {BATCH:,} into {prices:,}",
                value=f"{large_rss['peak_mb']:.0f} MB",
                baseline=f"into {reference:,}: {small_rss['peak_mb']:.0f} MB",
                ratio=f"{growth:+.0f} MB",
                bar="bounded by the batch (≤ +10% over the small table)",
                passed=large_rss["peak_mb"] <= 1.1 * small_rss["peak_mb"],
                notes=["a fresh child process each (VmHWM), as P1's RSS child"],
            )
        ),
        poll,
    ]
