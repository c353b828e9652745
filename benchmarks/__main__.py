"""``python -m benchmarks [--only P1,P3] [--backend sqlite|mariadb|postgresql|all] [--quick]`` (``make bench``).

Runs the workloads of the quality spec on SQLite and on throwaway MariaDB and PostgreSQL databases
(server URLs from ``ATRAXION_BENCH_MYSQL_URL``, default ``mysql+pymysql://root@127.0.0.1:3306``, and
``ATRAXION_BENCH_POSTGRES_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``),
printing each figure beside its baseline from the same run, then a summary table with the bars.

P5 and P7 run only when named (``--only P5``, ``--only P7``). P7, a large shop, stores 1,000,000
products and 10,000,000 price items (hours on a small machine); ``ATRAXION_BENCH_P7_PRODUCTS`` and
``ATRAXION_BENCH_P7_PRICES`` set smaller sizes.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from atraxion.adapters.sqlalchemy import create_engine_from_url
from benchmarks._env import SERVERS, BackendUnavailable, Env, environment, server_url
from benchmarks._report import Figure, say, secs, summary

WORKLOADS: dict[str, tuple[str, str]] = {
    "P1": ("benchmarks.p1_prices", "price explosion: 128,000 prices in one push, 128 changed"),
    "P2": ("benchmarks.p2_products", "product re-push: 10,000 products of ~40 fields, batches of 500, 1% changed"),
    "P3": ("benchmarks.p3_stock", "stock: 2,800 products x 5 suppliers, 2% changed"),
    "P4": ("benchmarks.p4_poll", "poll: GET products/changes?limit=500, 1,000 pending of 10,000 / 100,000"),
    "P5": ("benchmarks.p5_reverse_sync", "reverse sync: 1,000 webshop sale orders through the queue into Odoo"),
    "P6": ("benchmarks.p6_pull", "pull from Odoo: a full pull of 10,000 products and 128,000 pricelist items"),
    "P7": (
        "benchmarks.p7_large",
        "large shop: 1,000,000 products, 10,000,000 prices; all prices re-pushed, 0.1% changed",
    ),
}
DEFAULT = "P1,P2,P3,P4,P6"  # P5 (another owner's module) and P7 (a large shop: hours) run with --only


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--only", default=DEFAULT, help=f"comma-separated workloads of {', '.join(WORKLOADS)} (default: {DEFAULT})"
    )
    parser.add_argument("--backend", choices=["sqlite", *SERVERS, "all"], default="all")
    parser.add_argument("--quick", action="store_true", help="smaller sizes: a smoke run, not the bars' sizes")
    args = parser.parse_args(argv)
    selected = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    unknown = [w for w in selected if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; known: {', '.join(WORKLOADS)}")
    backends = ["sqlite", *SERVERS] if args.backend == "all" else [args.backend]

    say(f"atraxion benchmarks{' — QUICK: smaller sizes, a smoke run' if args.quick else ''}")
    say(f"machine: {machine()}")
    started = time.perf_counter()
    figures: list[Figure] = []
    skipped: list[str] = []
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
                title, variable, _ = SERVERS[backend]
                skipped.append(
                    f"SKIP {backend}: {title} is not reachable at {_redacted(server_url(backend))} ({reason}); "
                    f"set {variable} to a server where a database may be created and dropped"
                )
                say(skipped[-1])
                break
            say(f"  ({name} on {backend} took {secs(time.perf_counter() - began)})")
    say("")
    say(summary(figures, quick=args.quick))
    for line in skipped:
        say(line)
    say(f"total wall time {secs(time.perf_counter() - started)}")
    return 0


def machine() -> str:
    """CPU, cores, memory, Python, SQLite and (if reachable) MariaDB and PostgreSQL versions."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        models = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line]
        cpu = models[0] if models else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        total_kb = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = f", {total_kb / 1024 / 1024:.0f} GiB RAM"
    return (
        f"{cpu}, {os.cpu_count()} CPUs{memory}; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, MariaDB {_server_version('mariadb')}, "
        f"PostgreSQL {_server_version('postgresql')}"
    )


def _server_version(backend: str) -> str:
    try:
        engine = create_engine_from_url(server_url(backend))
        try:
            with engine.connect() as conn:
                query = "SHOW server_version" if backend == "postgresql" else "SELECT VERSION()"
                return str(conn.execute(text(query)).scalar_one())
        finally:
            engine.dispose()
    except Exception:  # noqa: BLE001 - only informative here; the workloads report the skip
        return "not reachable"


def _redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
