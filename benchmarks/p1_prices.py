"""P1 — price explosion: 128,000 ``prices`` records in one push over HTTP, 128 of them changed.

Setup: a first push loads the 128,000 items, and the consumer's pending rows are acknowledged
set-based. Then, per round, 128 prices change (+1.00 EUR, spread at random) and the whole pricelist
is pushed again in ONE request. Each round checks the response's ``updated`` count and pages
``GET /api/v1/webshop/prices/changes`` to check exactly the changed keys are pending (then acks them).

Baselines, measured in the same run on the same database:

* floor: ``json.loads`` of the same body + one bare ``SELECT * FROM pricelist_items`` (all
  128,000 rows fetched, no type processing);
* naive: parse the body, then per row ``SELECT`` it, compare the price (quantized like the app
  does), ``UPDATE`` it and mark it pending if it changed — SQLAlchemy Core, one transaction;
* peak RSS: the push of one more round done in a fresh child process, its own ``ru_maxrss``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Engine, bindparam, select

from atraxion.adapters.sqlalchemy import _sql
from atraxion.adapters.sqlalchemy.tables import feed_pending
from atraxion.domain import money
from benchmarks import _data
from benchmarks._child import push_in_child
from benchmarks._env import CONSUMER, Env, dump, record_table
from benchmarks._naive import run_naive
from benchmarks._report import Figure, median, say, secs, show, times

FULL = {"items": 128_000, "rounds": 3}
QUICK = {"items": 16_000, "rounds": 2}
RSS_BAR_MB = 300


def floor(engine: Engine, body: bytes) -> float:
    started = time.perf_counter()
    json.loads(body)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT * FROM pricelist_items").fetchall()
    elapsed = time.perf_counter() - started
    assert rows
    return elapsed


def change(items: list[dict[str, Any]], count: int, seed: int) -> set[str]:
    keys = set()
    for index in _data.pick(count, len(items), seed):
        items[index]["price"] = round(items[index]["price"] + 1, 2)
        keys.add(f"{items[index]['pricelistExternalId']}/{items[index]['productExternalId']}")
    return keys


def run(env: Env, quick: bool) -> list[Figure]:
    sizes = QUICK if quick else FULL
    n, changes = sizes["items"], sizes["items"] // 1000
    tag = dict(workload="P1", backend=env.backend)
    items = _data.prices(n)
    started = time.perf_counter()
    loaded = env.push("prices", dump({"records": items}))["summary"]
    say(f"  load: {n:,} prices created={loaded['created']:,} in {secs(time.perf_counter() - started)}")
    assert loaded["created"] == n, loaded
    env.ack_all("prices")

    walls, floors, flagged, pending_counts = [], [], [], []
    for round_ in range(sizes["rounds"]):
        expected = change(items, changes, seed=round_)
        body = dump({"records": items})
        floors.append(floor(env.engine, body))
        started = time.perf_counter()
        answer = env.push("prices", body)
        walls.append(time.perf_counter() - started)
        floors.append(floor(env.engine, body))
        pending = env.pending("prices")
        flagged.append(answer["summary"]["updated"])
        pending_counts.append(len(pending))
        if {i["key"] for i in pending} != expected or answer["summary"]["unchanged"] != n - changes:
            raise AssertionError(f"round {round_}: pending keys differ from the {changes} changed ones")
        env.ack("prices", pending)
        say(f"  round {round_ + 1}: push {secs(walls[-1])}, floor {secs(floors[-2])}/{secs(floors[-1])}, "
            f"updated={flagged[-1]}, pending={pending_counts[-1]}")
    wall, base = median(walls), median(floors)

    change(items, changes, seed=100)
    child = push_in_child(env.url, "prices", dump({"records": items}), env.push_token)
    assert child["status"] == 200 and child["summary"]["updated"] == changes, child
    env.ack("prices", env.pending("prices"))

    expected = change(items, changes, seed=200)
    naive = _naive(env.engine, dump({"records": items}))
    assert naive.changed == round(changes * naive.rows_measured / n) or naive.rows_measured < n, naive

    ok_flag = all(f == changes for f in flagged) and all(p == changes for p in pending_counts)
    figures = [
        Figure(**tag, name="flagged (summary updated / pending via GET changes)",
               value=f"{'/'.join(map(str, sorted(set(flagged))))} / {'/'.join(map(str, sorted(set(pending_counts))))}",
               baseline=f"{changes} changed of {n:,}", bar=f"exactly {changes}", passed=ok_flag),
        Figure(**tag, name="push wall time vs floor", value=secs(wall),
               baseline=f"floor {secs(base)} (json.loads + bare SELECT of {n:,} rows)", ratio=times(wall / base),
               bar="≤ 3× floor", passed=wall <= 3 * base,
               notes=[f"median of {len(walls)} rounds: {', '.join(secs(w) for w in walls)}"]),
        Figure(**tag, name="push vs naive per-row select+update", value=secs(wall),
               baseline=f"naive {secs(naive.seconds)}", ratio=f"{times(naive.seconds / wall)} faster",
               bar="≥ 20× faster", passed=naive.seconds >= 20 * wall, notes=[naive.note]),
        Figure(**tag, name="peak RSS of the push (child process ru_maxrss)", value=f"{child['peak_mb']:.0f} MB",
               baseline=f"{child['before_mb']:.0f} MB before the push", ratio=f"+{child['peak_mb'] - child['before_mb']:.0f} MB",
               bar=f"≤ {RSS_BAR_MB} MB", passed=child["peak_mb"] <= RSS_BAR_MB,
               notes=[f"the child's push took {secs(child['wall'])} (cold process)"]),
    ]
    del expected
    return [show(f) for f in figures]


def _naive(engine: Engine, body: bytes) -> Any:
    table = record_table("prices")
    started = time.perf_counter()
    records = json.loads(body)["records"]
    parse = time.perf_counter() - started
    find = select(table.c.version, table.c.envelope).where(table.c.key == bindparam("k"))
    write = (
        table.update()
        .where(table.c.key == bindparam("k"))
        .values(version=bindparam("v"), envelope=bindparam("e"), change_seq=bindparam("s"), updated_at=bindparam("u"))
    )
    now = _sql.to_db_time(_now())
    with engine.begin() as conn:

        def per_row(record: dict[str, Any]) -> bool:
            key = f"{record['pricelistExternalId']}/{record['productExternalId']}"
            row = conn.execute(find, {"k": key}).one()
            stored = json.loads(row.envelope)
            currency = record.get("currency")
            same = (
                money.quantize(stored["price"], stored.get("currency")) == money.quantize(record["price"], currency)
                and stored.get("currency") == currency
                and stored.get("minQuantity") == record.get("minQuantity")
            )
            if same:
                return False
            seq = time.time_ns() // 1000
            conn.execute(write, {"k": key, "v": row.version + 1, "e": _sql.dumps(record), "s": seq, "u": now})
            pending = {"entity": "prices", "consumer": CONSUMER, "key": key, "change_seq": seq}
            _sql.upsert(conn, feed_pending, [pending], ["change_seq"])
            return True

        return run_naive(records, per_row, fixed_seconds=parse)


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)
