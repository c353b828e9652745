"""P1 — price explosion: 128,000 ``prices`` records in one push over HTTP, 128 of them changed.

Setup: a first push loads the 128,000 items; the consumer's pending rows are then acknowledged
set-based. Each round changes 128 prices (+1.00 EUR, spread at random) and pushes the whole
pricelist again in ONE request; the round checks the response's ``updated`` count and pages
``GET /api/v1/webshop/prices/changes`` to check that exactly the changed keys are pending (then
acknowledges them through the ack endpoint). The figure is the median round.

Baselines, measured in the same run on the same database:

* floor: ``json.loads`` of the same body + one bare ``SELECT * FROM pricelist_items`` (all
  128,000 rows fetched), taken before and after every round (median);
* naive: parse the body, then for each row, in its own transaction, ``SELECT`` it, compare the
  price (quantized like the app does), and if it changed ``UPDATE`` it and mark it pending —
  SQLAlchemy Core. The same loop in one transaction for all rows is reported too;
* peak RSS: one more round pushed by a fresh child process: its peak RSS (``VmHWM``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select

from atraxion.adapters.sqlalchemy import _sql
from atraxion.adapters.sqlalchemy.tables import feed_pending
from atraxion.domain import money
from benchmarks import _data
from benchmarks._child import push_in_child
from benchmarks._env import CONSUMER, Env, dump, record_table
from benchmarks._naive import NaiveRun, run_naive
from benchmarks._report import Figure, median, say, secs, show, times, versus_naive

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
    """Raise ``count`` prices by 1.00; the keys of the changed items."""
    keys = set()
    for index in _data.pick(count, len(items), seed):
        items[index]["price"] = round(items[index]["price"] + 1, 2)
        keys.add(f"{items[index]['pricelistExternalId']}/{items[index]['productExternalId']}")
    return keys


def run(env: Env, quick: bool) -> list[Figure]:
    sizes = QUICK if quick else FULL
    n, changes = sizes["items"], sizes["items"] // 1000
    items = _data.prices(n)
    started = time.perf_counter()
    loaded = env.push("prices", dump({"records": items}))["summary"]
    say(f"  load: {n:,} prices created={loaded['created']:,} in {secs(time.perf_counter() - started)}")
    assert loaded["created"] == n, loaded
    env.ack_all("prices")

    walls: list[float] = []
    floors: list[float] = []
    flagged: set[tuple[int, int]] = set()
    for round_ in range(sizes["rounds"]):
        expected = change(items, changes, seed=round_)
        body = dump({"records": items})
        floors.append(floor(env.engine, body))
        started = time.perf_counter()
        summary = env.push("prices", body)["summary"]
        walls.append(time.perf_counter() - started)
        floors.append(floor(env.engine, body))
        pending = env.pending("prices")
        exact = {i["key"] for i in pending} == expected and summary["unchanged"] == n - changes
        flagged.add((summary["updated"], len(pending) if exact else -len(pending)))
        env.ack("prices", pending)
        say(
            f"  round {round_ + 1}: push {secs(walls[-1])} (floor {secs(floors[-2])} / {secs(floors[-1])}), "
            f"updated={summary['updated']}, pending={len(pending)}{'' if exact else ' (NOT the changed keys)'}"
        )
    wall, base = median(walls), median(floors)

    change(items, changes, seed=1000)
    child = push_in_child(env.url, "prices", dump({"records": items}), env.push_token)
    assert child["status"] == 200 and child["summary"]["updated"] == changes, child
    env.ack("prices", env.pending("prices"))

    change(items, changes, seed=2000)
    naive = naive_run(env.engine, dump({"records": items}), per_row_transaction=True)
    say(f"  naive, a transaction per row: {secs(naive.seconds)} ({naive.note})")
    change(items, changes, seed=3000)
    naive_one = naive_run(env.engine, dump({"records": items}), per_row_transaction=False, subset=n // 8)
    say(f"  naive, one transaction: {secs(naive_one.seconds)} ({naive_one.note})")

    tag = {"workload": "P1", "backend": env.backend}
    return [
        show(f)
        for f in (
            Figure(
                **tag,
                name="flagged: summary updated / pending (GET changes)",
                value=" ".join(f"{u}/{p}" for u, p in sorted(flagged)),
                baseline=f"{changes} changed of {n:,}",
                bar=f"exactly {changes}",
                passed=flagged == {(changes, changes)},
            ),
            Figure(
                **tag,
                name="push wall time vs floor",
                value=secs(wall),
                baseline=f"floor {secs(base)}",
                ratio=times(wall / base),
                bar="≤ 2× floor",
                passed=wall <= 2 * base,
                notes=[
                    f"median of {len(walls)} rounds: {', '.join(secs(w) for w in walls)}; "
                    f"floor = json.loads + SELECT * of {n:,} rows, median of {len(floors)}"
                ],
            ),
            versus_naive(tag, "push vs naive (a transaction per row)", wall, naive.seconds, naive.note),
            versus_naive(tag, "push vs naive (one transaction)", wall, naive_one.seconds, naive_one.note, judged=False),
            Figure(
                **tag,
                name="peak RSS of the push (child process VmHWM)",
                value=f"{child['peak_mb']:.0f} MB",
                baseline=f"{child['before_mb']:.0f} MB before it",
                ratio=f"+{child['peak_mb'] - child['before_mb']:.0f} MB",
                bar=f"≤ {RSS_BAR_MB} MB",
                passed=child["peak_mb"] <= RSS_BAR_MB,
                notes=[f"a fresh process: imports, app, body read, then the push ({secs(child['wall'])}, cold)"],
            ),
        )
    ]


def naive_run(engine: Engine, body: bytes, *, per_row_transaction: bool, subset: int | None = None) -> NaiveRun:
    """The naive way: per row SELECT, compare, UPDATE + mark pending if changed (Core, no batching)."""
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
    now = _sql.to_db_time(datetime.now(UTC))

    @contextmanager
    def transaction(shared: Connection | None) -> Iterator[Connection]:
        if shared is not None:
            yield shared
            return
        with engine.begin() as conn:
            yield conn

    with engine.begin() if not per_row_transaction else nullcontext() as shared:

        def per_row(record: dict[str, Any]) -> bool:
            key = f"{record['pricelistExternalId']}/{record['productExternalId']}"
            with transaction(shared) as conn:
                row = conn.execute(find, {"k": key}).one()
                stored = json.loads(row.envelope)
                currency = record.get("currency")
                if (
                    money.quantize(stored["price"], stored.get("currency")) == money.quantize(record["price"], currency)
                    and stored.get("currency") == currency
                    and stored.get("minQuantity") == record.get("minQuantity")
                ):
                    return False
                seq = time.time_ns() // 1000
                conn.execute(write, {"k": key, "v": row.version + 1, "e": _sql.dumps(record), "s": seq, "u": now})
                pending = {"entity": "prices", "consumer": CONSUMER, "key": key, "change_seq": seq}
                _sql.upsert(conn, feed_pending, [pending], ["change_seq"])
                return True

        return run_naive(records, per_row, fixed_seconds=parse, subset=subset)
