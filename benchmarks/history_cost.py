"""``python -m benchmarks.history_cost [--rounds N] [--backend sqlite|mariadb] [--quick]``: what the
version history costs P1 and P2, measured A/B on one database.

The same push is timed with the history off (``history_versions=0``) and on (10, the default),
alternating off/on and on/off round after round on the same database and process, so that the
noise of a shared machine falls on both sides alike. Each round changes fresh records (P1: 128 of
128,000 prices; P2: 1% of 10,000 products, batches of 500) and acknowledges them afterwards, as
``make bench`` does. Printed: each side's median and the ratio on/off.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import attrs

from benchmarks import _data, p1_prices, p2_products
from benchmarks._env import Env, dump, environment
from benchmarks._report import median, say, secs


def _p1(env: Env, quick: bool) -> Callable[[int], float]:
    n = 16_000 if quick else 128_000
    items = _data.prices(n)
    env.push("prices", dump({"records": items}))
    env.ack_all("prices")

    def one(round_: int) -> float:
        p1_prices.change(items, n // 1000, seed=round_)
        body = dump({"records": items})
        started = time.perf_counter()
        assert env.push("prices", body)["summary"]["updated"] == n // 1000
        elapsed = time.perf_counter() - started
        env.ack("prices", env.pending("prices"))
        return elapsed

    return one


def _p2(env: Env, quick: bool) -> Callable[[int], float]:
    n = 2_000 if quick else 10_000
    records = [_data.product(i) for i in range(n)]
    for body in p2_products.bodies(records):
        env.push("products", body)
    env.ack_all("products")

    def one(round_: int) -> float:
        p2_products.change(records, n // 100, round_ + 1)
        batches = p2_products.bodies(records)
        started = time.perf_counter()
        updated = sum(env.push("products", body)["summary"]["updated"] for body in batches)
        elapsed = time.perf_counter() - started
        assert updated == n // 100
        env.ack("products", env.pending("products"))
        return elapsed

    return one


WORKLOADS = {"P1": _p1, "P2": _p2}


def measure(backend: str, name: str, rounds: int, quick: bool) -> tuple[float, float]:
    with environment(backend) as env:
        base = env.app.context
        contexts = {"off": attrs.evolve(base, history_versions=0), "on": attrs.evolve(base, history_versions=10)}
        one = WORKLOADS[name](env, quick)
        seconds: dict[str, list[float]] = {"off": [], "on": []}
        for round_ in range(rounds):
            for side in ("off", "on") if round_ % 2 == 0 else ("on", "off"):
                env.app.context = contexts[side]  # what the routes read (app.state.atraxion.context)
                seconds[side].append(one(2 * round_ + (side == "on")))
        env.app.context = base
    off, on = median(seconds["off"]), median(seconds["on"])
    say(f"[{backend}] {name}: history off {secs(off)}, on {secs(on)} (medians of {rounds}); on/off = {on / off:.3f}")
    return off, on


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.history_cost", description=__doc__)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--backend", choices=["sqlite", "mariadb"], default="sqlite")
    parser.add_argument("--only", default="P1,P2")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    for name in [w.strip().upper() for w in args.only.split(",") if w.strip()]:
        measure(args.backend, name, args.rounds, args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
