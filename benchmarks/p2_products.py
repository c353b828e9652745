"""P2 — product re-push: 10,000 products of ~40 fields, in batches of 500, again with 1% changed.

Products are built from the FURN_0001 sample's shape (37 top-level fields, 39 leaves: many2one
pairs, id lists, a nested ``x_dimensions`` object, volatile dates). The first pass creates them
and the consumer's pending rows are acknowledged set-based. Each round changes 100 products (a new
price, every other round a new width, a new ``write_date``), pushes all 20 batches again over HTTP,
checks ``updated`` sums to 100, that exactly those keys are pending with the right
``changedFields``, and acknowledges them. The figure is the median round's records/s.

Baselines, in the same run:

* floor: per batch ``json.loads`` of its body + one keyed ``SELECT * … WHERE key IN (its 500
  keys)`` (SQLAlchemy Core), summed over the 20 batches;
* naive: per product, an ORM ``Session`` that loads the row, compares the stored dict with the
  pushed one, and saves it (version + 1) when it differs — SQLAlchemy ORM, one session per row.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import DeclarativeBase, Session

from atraxion.adapters.sqlalchemy import _sql
from atraxion.adapters.sqlalchemy.tables import products as products_table
from benchmarks import _data
from benchmarks._env import Env, dump
from benchmarks._naive import NaiveRun, run_naive
from benchmarks._report import Figure, median, say, secs, show, times, versus_naive

FULL = {"products": 10_000, "rounds": 3}
QUICK = {"products": 2_000, "rounds": 2}
BATCH = 500
RATE_BAR = 15_000


class _Base(DeclarativeBase):
    pass


class ProductRow(_Base):
    """The products table mapped for the naive ORM baseline."""

    __table__ = products_table


def bodies(records: list[dict[str, Any]]) -> list[bytes]:
    return [dump({"records": records[i : i + BATCH]}) for i in range(0, len(records), BATCH)]


def floor(engine: Engine, batches: list[bytes]) -> float:
    total = 0.0
    with engine.connect() as conn:
        for body in batches:
            started = time.perf_counter()
            keys = [r["externalId"] for r in json.loads(body)["records"]]
            rows = conn.execute(select(products_table).where(products_table.c.key.in_(keys))).fetchall()
            total += time.perf_counter() - started
            assert len(rows) == len(keys)
        conn.rollback()
    return total


def change(records: list[dict[str, Any]], count: int, round_: int) -> dict[str, set[str]]:
    """Change ``count`` products; for each changed key, the fields a consumer must be told."""
    changed = {}
    for index in _data.pick(count, len(records), seed=round_):
        _data.change_product(records[index], round_)
        fields = {"list_price", "lst_price"} | ({"x_dimensions.width"} if round_ % 2 else set())
        changed[records[index]["externalId"]] = fields
    return changed


def run(env: Env, quick: bool) -> list[Figure]:
    sizes = QUICK if quick else FULL
    n, changes = sizes["products"], sizes["products"] // 100
    records = [_data.product(i) for i in range(n)]
    started = time.perf_counter()
    created = sum(env.push("products", body)["summary"]["created"] for body in bodies(records))
    say(f"  load: {n:,} products in {n // BATCH} batches, created={created:,} in {secs(time.perf_counter() - started)}")
    assert created == n
    env.ack_all("products")

    walls: list[float] = []
    floors: list[float] = []
    exact: list[bool] = []
    for round_ in range(sizes["rounds"]):
        expected = change(records, changes, round_ + 1)
        batches = bodies(records)
        floors.append(floor(env.engine, batches))
        started = time.perf_counter()
        updated = sum(env.push("products", body)["summary"]["updated"] for body in batches)
        walls.append(time.perf_counter() - started)
        pending = env.pending("products")
        seen = {i["key"]: set(i["changedFields"]) for i in pending if not i["isNew"]}
        exact.append(updated == changes and seen == expected and len(pending) == changes)
        env.ack("products", pending)
        say(
            f"  round {round_ + 1}: {n / walls[-1]:,.0f} rec/s ({secs(walls[-1])}), floor {secs(floors[-1])}, "
            f"updated={updated}, pending={len(pending)}{'' if exact[-1] else ' (NOT the expected changes)'}"
        )
    wall, base = median(walls), median(floors)

    change(records, changes, 100)
    naive = naive_orm(env.engine, bodies(records))
    say(f"  naive ORM, a session per row: {secs(naive.seconds)} ({naive.note})")

    tag = {"workload": "P2", "backend": env.backend}
    rate_bar = env.backend == "sqlite"
    return [
        show(f)
        for f in (
            Figure(
                **tag,
                name="second pass records/s",
                value=f"{n / wall:,.0f} rec/s",
                baseline=f"floor {n / base:,.0f} rec/s",
                ratio=f"{times(wall / base)} the floor's time",
                bar=f"≥ {RATE_BAR:,} rec/s" + ("" if rate_bar else " (SQLite bar)"),
                passed=n / wall >= RATE_BAR if rate_bar else None,
                notes=[f"median of {len(walls)} rounds: {', '.join(secs(w) for w in walls)} for {n:,} records"],
            ),
            Figure(
                **tag,
                name="second pass vs floor",
                value=secs(wall),
                baseline=f"floor {secs(base)}",
                ratio=times(wall / base),
                bar="≤ 5× floor",
                passed=wall <= 5 * base,
                notes=[f"floor = per batch json.loads + keyed SELECT * of its {BATCH} rows, summed"],
            ),
            versus_naive(tag, "second pass vs naive ORM (session per row)", wall, naive.seconds, naive.note),
            Figure(
                **tag,
                name="flagged exactly the changed products, fields",
                value="yes" if all(exact) else "NO",
                baseline=f"{changes} changed of {n:,} per round",
                bar=f"exactly {changes}",
                passed=all(exact),
            ),
        )
    ]


def naive_orm(engine: Engine, batches: list[bytes]) -> NaiveRun:
    """Per product: a Session, load the row, compare dicts, save if different, commit."""
    started = time.perf_counter()
    records = [r for body in batches for r in json.loads(body)["records"]]
    parse = time.perf_counter() - started
    now = _sql.to_db_time(datetime.now(UTC))

    def per_row(record: dict[str, Any]) -> bool:
        with Session(engine) as session:
            row = session.scalars(select(ProductRow).where(ProductRow.key == record["externalId"])).one()
            if {"odooId": row.odoo_id, "data": json.loads(row.data)} == {
                "odooId": record.get("odooId"),
                "data": record["data"],
            }:
                return False
            row.data = json.dumps(record["data"])
            row.odoo_id = record.get("odooId")
            row.version += 1
            row.change_seq = time.time_ns() // 1000
            row.updated_at = now
            session.commit()
            return True

    return run_naive(records, per_row, fixed_seconds=parse)
