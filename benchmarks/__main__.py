"""``python -m benchmarks [--only P1,P3] [--backend sqlite|mariadb|all] [--quick]`` (``make bench``)."""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time
from collections.abc import Callable

from benchmarks._env import BackendUnavailable, Env, environment, mysql_server_url
from benchmarks._report import Figure, say, secs, summary

WORKLOADS: dict[str, tuple[str, str]] = {
    "P1": ("benchmarks.p1_prices", "price explosion: 128,000 prices in one push, 128 changed"),
    "P2": ("benchmarks.p2_products", "product re-push: 10,000 products of ~40 fields, batches of 500, 1% changed"),
    "P3": ("benchmarks.p3_stock", "stock: 2,800 products x 5 suppliers, 2% changed"),
    "P4": ("benchmarks.p4_poll", "poll: GET products/changes?limit=500, 1,000 pending of 10,000 / 100,000"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", default="P1,P2,P3,P4", help="comma-separated workloads (default: all)")
    parser.add_argument("--backend", choices=["sqlite", "mariadb", "all"], default="all")
    parser.add_argument("--quick", action="store_true", help="smaller sizes: a smoke run, not the bars' sizes")
    args = parser.parse_args(argv)
    selected = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    unknown = [w for w in selected if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; known: {', '.join(WORKLOADS)}")
    backends = ["sqlite", "mariadb"] if args.backend == "all" else [args.backend]

    say(
        f"atraxion benchmarks — Python {platform.python_version()} on {platform.machine()}, "
        f"{_cpus()} CPUs{' — QUICK (smaller sizes, smoke run)' if args.quick else ''}"
    )
    started = time.perf_counter()
    figures: list[Figure] = []
    for backend in backends:
        for name in selected:
            module, title = WORKLOADS[name]
            say(f"\n[{backend}] {name} — {title}{' (quick sizes)' if args.quick else ''}")
            run: Callable[[Env, bool], list[Figure]] = importlib.import_module(module).run
            began = time.perf_counter()
            try:
                with environment(backend) as env:
                    figures += run(env, args.quick)
            except BackendUnavailable as reason:
                say(
                    f"SKIP {backend}: MariaDB is not reachable at {_redacted(mysql_server_url())} ({reason}); "
                    "set ATRAXION_BENCH_MYSQL_URL to run it"
                )
                break
            say(f"  ({name} on {backend} took {secs(time.perf_counter() - began)})")
    say("")
    say(summary(figures, quick=args.quick))
    say(f"total wall time {secs(time.perf_counter() - started)}")
    return 0


def _cpus() -> str:
    import os

    return str(os.cpu_count())


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
