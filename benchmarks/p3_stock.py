"""P3 — stock: 2,800 products × 5 suppliers = 14,000 rows in one push, again with 2% changed.

The first push creates the 14,000 rows; the consumer's pending rows are acknowledged set-based.
Each round changes 280 quantities (spread at random), pushes all 14,000 rows again in one request,
checks ``updated`` is 280 and that exactly those keys are pending (paging ``GET …/stock/changes``),
and acknowledges them. The figure is the median round. Baseline (same run): ``json.loads`` of the
body + one bare ``SELECT * FROM stock``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Engine

from benchmarks import _data
from benchmarks._env import Env, dump
from benchmarks._report import Figure, median, say, secs, show, times

FULL = {"products": 2_800, "suppliers": 5, "rounds": 3}
QUICK = {"products": 560, "suppliers": 5, "rounds": 2}
TIME_BAR = 1.0


def floor(engine: Engine, body: bytes) -> float:
    started = time.perf_counter()
    json.loads(body)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT * FROM stock").fetchall()
    elapsed = time.perf_counter() - started
    assert rows
    return elapsed


def change(rows: list[dict[str, Any]], count: int, seed: int) -> set[str]:
    keys = set()
    for index in _data.pick(count, len(rows), seed):
        rows[index]["quantity"] += 1 + seed % 7
        keys.add(f"{rows[index]['supplierExternalId']}/{rows[index]['productExternalId']}")
    return keys


def run(env: Env, quick: bool) -> list[Figure]:
    sizes = QUICK if quick else FULL
    rows = _data.stock(sizes["products"], sizes["suppliers"])
    n, changes = len(rows), len(rows) // 50
    started = time.perf_counter()
    created = env.push("stock", dump({"records": rows}))["summary"]["created"]
    say(f"  load: {n:,} stock rows created={created:,} in {secs(time.perf_counter() - started)}")
    assert created == n
    env.ack_all("stock")

    walls: list[float] = []
    floors: list[float] = []
    exact: list[bool] = []
    for round_ in range(sizes["rounds"]):
        expected = change(rows, changes, round_ + 1)
        body = dump({"records": rows})
        floors.append(floor(env.engine, body))
        started = time.perf_counter()
        summary = env.push("stock", body)["summary"]
        walls.append(time.perf_counter() - started)
        pending = env.pending("stock")
        exact.append(summary["updated"] == changes and {i["key"] for i in pending} == expected)
        env.ack("stock", pending)
        say(
            f"  round {round_ + 1}: push {secs(walls[-1])}, floor {secs(floors[-1])}, updated={summary['updated']}, "
            f"pending={len(pending)}{'' if exact[-1] else ' (NOT the changed keys)'}"
        )
    wall, base = median(walls), median(floors)
    tag = {"workload": "P3", "backend": env.backend}
    time_bar = env.backend == "sqlite"
    return [
        show(f)
        for f in (
            Figure(
                **tag,
                name="second push time",
                value=secs(wall),
                baseline=f"floor {secs(base)}",
                ratio=times(wall / base),
                bar=f"≤ {TIME_BAR:.0f} s" + ("" if time_bar else " (SQLite bar)"),
                passed=wall <= TIME_BAR if time_bar else None,
                notes=[
                    f"median of {len(walls)} rounds: {', '.join(secs(w) for w in walls)}; "
                    f"floor = json.loads + SELECT * of {n:,} rows"
                ],
            ),
            Figure(
                **tag,
                name="flagged exactly the changed rows",
                value="yes" if all(exact) else "NO",
                baseline=f"{changes} changed of {n:,} per round",
                bar=f"exactly {changes}",
                passed=all(exact),
            ),
        )
    ]
